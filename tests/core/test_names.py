"""Names people see can't carry bidi overrides or invisible characters: one cleaner (core.names)
behind every name field, whether it arrives from a form or the API."""

import json

import pytest
from django.test import Client

from tests.factories import MemberFactory
from yalls.accounts.models import User
from yalls.core.names import name_clean
from yalls.entities.models import Entity


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("\u202ekcat_mail", "kcat_mail"),  # right-to-left override
        ("Ma\u2066ya\u2069", "Maya"),  # isolates
        ("Li\u200bam", "Liam"),  # zero-width space
        ("Ana\u200e", "Ana"),  # left-to-right mark
        ("\ufeffRae", "Rae"),  # byte-order mark
        ("Ju\u00adne", "June"),  # soft hyphen
        ("\u3164", ""),  # Hangul filler: looks empty
        ("  Dana \t  Denver\u00a0 ", "Dana Denver"),
        ("\U0001f469\u200d\U0001f33e Fern", "\U0001f469\u200d\U0001f33e Fern"),  # woman farmer
        ("Café", "Café"),
    ],
)
def test_name_clean(raw, clean):
    assert name_clean(raw) == clean


@pytest.mark.django_db
def test_the_api_strips_bidi_and_invisibles_from_a_display_name():
    member = MemberFactory()
    client = Client()
    client.force_login(member)
    response = client.patch(
        "/api/v1/me",
        data=json.dumps({"display_name": "\u202eLiam\u200b Tack"}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN="x",
        HTTP_AUTHORIZATION="",
    )
    if response.status_code == 403:  # session writes need the CSRF cookie: use a token instead
        from yalls.accounts import tokens

        access, _ = tokens.access_token_issue(member)
        response = Client().patch(
            "/api/v1/me",
            data=json.dumps({"display_name": "\u202eLiam\u200b Tack"}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {access}",
        )
    assert response.status_code == 200, response.content
    assert User.objects.get(pk=member.pk).display_name == "Liam Tack"


@pytest.mark.django_db
def test_an_invisible_only_entity_name_is_refused_on_the_web_form(entity_kinds):
    member = MemberFactory()
    client = Client()
    client.force_login(member)
    response = client.post(
        "/entities/new",
        {"handle": "ghost_farm", "display_name": "\u3164\u200b\u202e", "kind": "farm"},
    )
    assert response.status_code == 200  # the form again, with the error beside the field
    assert not Entity.objects.filter(handle="ghost_farm").exists()


@pytest.mark.django_db
def test_entity_names_are_cleaned_by_the_service(entity_kinds):
    from yalls.entities import services

    member = MemberFactory()
    entity = services.entity_create(
        actor=member, handle="bidi_farm", display_name="\u202eSunny\u2069 Acres\u200b", kind="farm"
    )
    assert entity.display_name == "Sunny Acres"
    services.entity_update(actor=member, entity=entity, display_name="Sunny\u200e  Acres II")
    entity.refresh_from_db()
    assert entity.display_name == "Sunny Acres II"
