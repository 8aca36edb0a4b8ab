"""/settings/notifications: the form (time pickers, toggles, cap slider, no push switch), field
errors that write nothing, and the server-side preview of what would be held back."""

import pytest
from django.test import Client

from tests.factories import MemberFactory
from tests.notifications.core_helpers import DENVER, prefs, utc
from yalls.notifications.models import Preference
from yalls.notifications.preferences import preferences_for, preferences_preview
from yalls.notifications.services import notify

pytestmark = pytest.mark.django_db

VALID = {
    "in_app": "on", "quiet_enabled": "on", "quiet_start": "21:30", "quiet_end": "06:45",
    "daily_cap": "25", "categories_on": ["social", "orders", "events", "system"],
    "email": "on", "email_categories_on": ["orders"], "digest_frequency": "weekly",
    "digest_hour": "7",
}  # fmt: skip


@pytest.fixture
def member(db):
    return MemberFactory(timezone_name=DENVER, password=None)


@pytest.fixture
def web(member):
    client = Client()
    client.force_login(member)
    return client


def test_needs_sign_in(client):
    response = client.get("/settings/notifications")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_page_shows_the_defaults(web):
    page = web.get("/settings/notifications")
    html = page.content.decode()
    assert page.status_code == 200 and html.count("<h1") == 1
    assert 'type="time"' in html and 'name="quiet_start" value="22:00"' in html
    assert 'type="range"' in html and 'name="daily_cap" value="10"' in html
    assert "data-cap-output>10</output>" in html
    assert 'name="push"' not in html and "not available yet" in html  # no switch that does nothing
    assert "yalls/js/notification_settings.js" in html and "<script>" not in html
    assert 'style="' not in html
    assert "a favorite would wait until 08:00" in html
    assert "After 10 notifications in a day, only priority ones get through." in html
    assert 'aria-current="page">Notifications<' in html  # its settings sub-nav item
    assert not Preference.objects.exists()


def test_the_settings_navs_link_here(web):
    assert b'href="/settings/notifications"' in web.get("/settings/profile").content
    assert b'href="/settings/notifications"' in web.get("/accounts/email/").content


def test_saving(web, member):
    response = web.post("/settings/notifications", VALID)
    assert response.status_code == 302 and response["Location"] == "/settings/notifications"
    saved = Preference.objects.get(member_id=member.pk)
    assert (saved.quiet_start.isoformat(), saved.quiet_end.isoformat()) == ("21:30:00", "06:45:00")
    assert (saved.daily_cap, saved.email, saved.digest_frequency, saved.digest_hour) == (
        25,
        True,
        "weekly",
        7,
    )
    assert saved.categories_off == ["farm", "ai"]
    assert saved.email_categories_off == ["social", "events", "farm", "ai", "system"]
    page = web.get("/settings/notifications").content.decode()
    assert "Notification settings saved." in page and "data-cap-output>25</output>" in page
    assert "Turned off: Farm, Rocker." in page


@pytest.mark.parametrize(
    ("change", "field_text"),
    [
        ({"daily_cap": "150"}, "less than or equal to 100"),
        ({"quiet_start": "25:00"}, "Enter a valid time"),
        ({"quiet_end": "21:30"}, "must start and end at different times"),
        ({"categories_on": ["spam"]}, "Select a valid choice"),
        ({"digest_frequency": "hourly"}, "Select a valid choice"),
    ],
)
def test_bad_input_shows_field_errors_and_writes_nothing(web, change, field_text):
    response = web.post("/settings/notifications", {**VALID, **change})
    assert response.status_code == 400
    html = response.content.decode()
    assert field_text in html and 'class="field-error"' in html and 'role="alert"' in html
    assert not Preference.objects.exists()


def test_the_preview_is_computed_from_the_saved_preferences(member):
    noon = utc(2026, 1, 15, 19, 0)  # 12:00 in Denver
    preview = preferences_preview(member, preferences_for(member), now=noon)
    assert (
        preview["lines"][0]
        == "At 23:00 tonight a favorite would wait until 08:00 tomorrow, then appear."
    )
    prefs(member, quiet_start="13:00", quiet_end="13:30", daily_cap=0, categories_off=["social"])
    preview = preferences_preview(member, preferences_for(member), now=noon)
    assert preview["lines"][:3] == [
        "At 13:00 today a favorite would wait until 13:30, then appear.",
        "Your daily cap is 0: only priority notifications get through.",
        "Turned off: Social. They are recorded but not shown.",
    ]
    prefs(member, quiet_enabled=False, daily_cap=1, categories_off=[])
    notify(recipient=member, kind="system.alert", title="a", now=noon)
    notify(recipient=member, kind="system.alert", title="b", now=noon)
    preview = preferences_preview(member, preferences_for(member), now=noon)
    assert preview["lines"][0] == "Quiet hours are off: notifications arrive at any hour."
    assert (preview["counted_today"], preview["cap_left"]) == (1, 0)
    assert preview["held_today"] == [("Daily cap reached", 1)]
