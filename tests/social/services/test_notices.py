"""Notification texts are written in the recipient's language (they are stored as sent), whatever
language the member who caused them was using; grouped titles keep whole translated sentences."""

import pytest
from django.core import mail
from django.utils import translation

from tests.factories import MemberFactory
from yalls.notifications.channels import email as email_channel
from yalls.notifications.models import Notification
from yalls.social.services import engagement as services

pytestmark = pytest.mark.django_db


def titles(member) -> list[str]:
    return list(
        Notification.objects.filter(recipient=member)
        .order_by("created_at")
        .values_list("title", flat=True)
    )


def test_follow_notice_is_in_the_followed_members_language():
    maria = MemberFactory(display_name="María", locale="es")
    ann = MemberFactory(display_name="Ann", locale="en")
    with translation.override("en"):  # Ann's own request speaks English
        services.follow_create(member=ann, target_kind="member", target=maria.pk)
    assert titles(maria) == ["Ann te empezó a seguir"]
    assert translation.get_language() == "en"  # the override did not leak


def test_grouped_follow_title_is_a_whole_sentence_in_french():
    lea = MemberFactory(display_name="Léa", locale="fr")
    for name in ("Ann", "Bob", "Cy"):
        follower = MemberFactory(display_name=name)
        with translation.override("en"):
            services.follow_create(member=follower, target_kind="member", target=lea.pk)
    [title] = titles(lea)
    assert title == "Cy et 2 autres personnes vous suivent"


def test_an_english_member_still_reads_english():
    ann = MemberFactory(display_name="Ann", locale="en")
    maria = MemberFactory(display_name="María", locale="es")
    with translation.override("es"):
        services.follow_create(member=maria, target_kind="member", target=ann.pk)
    assert titles(ann) == ["María followed you"]


def test_digest_email_is_in_the_recipients_language():
    lea = MemberFactory(display_name="Léa", locale="fr")
    with translation.override("en"):
        email_channel.digest_email(member=lea, sections=[], total=3, period_label="daily")
    [message] = mail.outbox
    assert message.subject == "Votre récapitulatif quotidien : 3 non lues"
    assert "Bonjour Léa," in message.body
    assert "Vous avez 3 notifications non lues sur yalls." in message.body
    html_body = message.alternatives[0][0]
    assert '<html lang="fr">' in html_body and "Bonjour Léa," in html_body
