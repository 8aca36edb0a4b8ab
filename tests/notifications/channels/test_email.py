"""The email channel: a job deferred in the send's transaction, HTML + text with List-Unsubscribe,
quiet-hours emails delayed to the end of the window, and the signed one-click unsubscribe that
needs no sign-in (tampered or expired links get a clear 400 page)."""

import re
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.db import transaction
from django.test import Client

from tests.factories import MemberFactory
from tests.notifications import core_helpers
from tests.notifications.core_helpers import deferred, prefs, run_deferred, utc
from yalls.core.audit.models import AuditEvent
from yalls.notifications.channels import email as email_channel
from yalls.notifications.models import Preference
from yalls.notifications.services import notify
from yalls.notifications.tasks import notifications_email_send

denver = core_helpers.denver  # a shared fixture
pytestmark = pytest.mark.django_db
NOON = utc(2026, 1, 15, 19, 0)
NIGHT = utc(2026, 1, 16, 6, 0)


def mention(member, now=NOON, **kw):
    return notify(recipient=member, kind="social.mention", title="Maya mentioned you",
                  body="Look at this colt", link="/p/123", now=now, **kw)  # fmt: skip


def test_email_off_by_default_no_job(denver):
    mention(denver)
    assert deferred(notifications_email_send) == []


def test_email_on_sends_html_and_text_with_unsubscribe(denver):
    prefs(denver, email=True)
    row = mention(denver)
    assert [j["args"] for j in deferred(notifications_email_send)] == [
        {"notification_ids": [str(row.pk)]}
    ]
    assert run_deferred(notifications_email_send) == [1]
    (message,) = mail.outbox
    assert message.to == [denver.email] and message.subject == "Maya mentioned you"
    assert "Look at this colt" in message.body and "http://127.0.0.1:8000/p/123" in message.body
    html = message.alternatives[0][0]
    assert "<h1>Maya mentioned you</h1>" in html
    url = re.search(r"<(http[^>]+)>", message.extra_headers["List-Unsubscribe"]).group(1)
    assert "/notifications/unsubscribe/" in url and url in message.body and url in html
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    row.refresh_from_db()
    assert row.emailed_at is not None
    # Running the job again (a retry) sends nothing more.
    assert notifications_email_send(notification_ids=[str(row.pk)]) == 0
    assert len(mail.outbox) == 1


def test_a_rolled_back_send_leaves_no_email_job(denver):
    prefs(denver, email=True)
    with pytest.raises(RuntimeError), transaction.atomic():
        mention(denver)
        raise RuntimeError("the post failed")
    assert deferred(notifications_email_send) == []


def test_quiet_hours_delay_the_email_and_held_items_never_email(denver):
    prefs(denver, email=True, daily_cap=1)
    quiet_row = mention(denver, now=NIGHT)
    (job,) = deferred(notifications_email_send)
    assert quiet_row.held_reason == "quiet_hours" and job["scheduled_at"] == quiet_row.visible_at
    capped = mention(denver, now=NIGHT + timedelta(minutes=1))
    assert capped.held_reason == "daily_cap" and len(deferred(notifications_email_send)) == 1


def test_email_category_off_and_in_app_off(denver):
    prefs(denver, email=True, email_categories_off=["social"])
    mention(denver)
    assert deferred(notifications_email_send) == []
    prefs(denver, email=True, email_categories_off=[], in_app=False)
    row = mention(denver, dedupe_key="x")
    assert row.held_reason == "in_app_off" and len(deferred(notifications_email_send)) == 1


def test_preferences_are_read_again_when_the_job_runs(denver):
    prefs(denver, email=True)
    mention(denver)
    prefs(denver, email=False)
    assert run_deferred(notifications_email_send) == [0] and mail.outbox == []


# --- one-click unsubscribe ---------------------------------------------------------------------


def test_unsubscribe_without_signing_in(denver):
    prefs(denver, email=True)
    client = Client(enforce_csrf_checks=True)  # no session, no CSRF token: the token is enough
    url = email_channel.unsubscribe_url(denver.pk, "social").removeprefix("http://127.0.0.1:8000")
    page = client.get(url)
    assert page.status_code == 200 and b"Stop social notification emails?" in page.content
    assert (
        Preference.objects.get(member_id=denver.pk).email_categories_off == []
    )  # GET changes nothing
    done = client.post(url)
    assert done.status_code == 200 and b"unsubscribed" in done.content
    saved = Preference.objects.get(member_id=denver.pk)
    assert saved.email_categories_off == ["social"] and saved.email is True
    assert client.post(url).status_code == 200  # again: still fine
    assert AuditEvent.objects.filter(action="notifications.unsubscribed").count() == 1


def test_rfc8058_one_click_post(denver):
    url = email_channel.unsubscribe_url(denver.pk, "digest").removeprefix("http://127.0.0.1:8000")
    response = Client(enforce_csrf_checks=True).post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert Preference.objects.get(member_id=denver.pk).digest_frequency == "off"


@pytest.mark.parametrize("method", ["get", "post"])
def test_tampered_foreign_or_expired_tokens_are_400(denver, method, monkeypatch):
    good = email_channel.unsubscribe_token(denver.pk, "social")
    other = MemberFactory(password=None)
    forged = good[:-3] + ("aaa" if not good.endswith("aaa") else "bbb")
    wrong_salt = signing.dumps({"m": str(other.pk), "c": "social"}, salt="something.else")
    client = Client()
    for token in (forged, wrong_salt, "nonsense"):
        response = getattr(client, method)(f"/notifications/unsubscribe/{token}")
        assert response.status_code == 400 and b"link is not valid" in response.content
    monkeypatch.setattr(email_channel, "UNSUBSCRIBE_MAX_AGE", -1)
    response = getattr(client, method)(f"/notifications/unsubscribe/{good}")
    assert response.status_code == 400 and b"expired" in response.content
    assert not Preference.objects.exists()


def test_unsubscribe_topics_are_validated():
    with pytest.raises(ValueError):
        email_channel.unsubscribe_token("x", "spam")
