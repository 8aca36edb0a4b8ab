"""The notifications page, the drawer, mark-read forms (with and without htmx), the bell and the
nav badges, with query counts on the hot endpoints."""

import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import MemberFactory
from tests.notifications.surface_helpers import make_notification
from yalls.notifications.models import Notification

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def maya():
    return MemberFactory(handle="maya", display_name="Maya Lopez")


def logged_in(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def read_state(n) -> bool:
    return Notification.objects.get(pk=n.pk).read_at is not None


def test_page_needs_sign_in():
    response = Client().get("/notifications")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_page_lanes_as_tabs_with_badges(maya):
    bob = MemberFactory(display_name="Bob Breeder")
    make_notification(maya, lane="social", title="Bob favorited your post", actor=bob)
    make_notification(maya, lane="social", title="Older one", minutes_ago=5)
    make_notification(maya, lane="system", title="Welcome", read_at=timezone.now())
    page = logged_in(maya).get("/notifications").content.decode()
    # No lane asked: the first lane with something unread.
    assert '<a href="/notifications?lane=social" aria-current="page">Social' in page
    assert page.count("<h1") == 1
    assert (
        'data-unread="social"><span data-unread-n>2</span><span class="sr-only"> unread</span>'
        in page
    )
    assert 'data-unread="priority" hidden></span>' in page  # empty at zero
    assert "Bob favorited your post" in page and "Unread: </span>Bob favorited" in page
    assert page.index("Bob favorited") < page.index("Older one")
    assert 'Mark all read<span class="sr-only"> in Social' in page
    # The bell says the count, the nav items carry the badge.
    assert 'aria-label="Notifications, 2 unread"' in page
    assert page.count('data-unread="total"') == 3  # bell, side nav, bottom nav


def test_page_empty_state_per_lane(maya):
    page = logged_in(maya).get("/notifications?lane=system").content.decode()
    assert "No system notices" in page and "empty-state" in page
    assert "Mark all read" not in page
    assert 'aria-label="Notifications"' in page  # nothing unread: no count in the name
    page = logged_in(maya).get("/notifications").content.decode()
    assert "Nothing needs you right now" in page  # nothing anywhere: Priority


def test_page_infinite_scroll_cursor(maya):
    for i in range(25):
        make_notification(maya, lane="social", minutes_ago=i, title=f"item {i:02d}")
    client = logged_in(maya)
    page = client.get("/notifications?lane=social").content.decode()
    assert "item 19" in page and "item 20" not in page
    more = re.search(r'href="(/notifications\?lane=social&amp;cursor=[^"]+)"', page).group(1)
    assert 'hx-trigger="revealed"' in page
    url = more.replace("&amp;", "&")
    # htmx: only the next items and (none left) no further loader.
    fragment = client.get(url, **HTMX).content.decode()
    assert "item 20" in fragment and "item 24" in fragment and "item 19" not in fragment
    assert "<html" not in fragment and "Older notifications" not in fragment
    # Without JS the same link is a whole page.
    full = client.get(url).content.decode()
    assert "<h1>Notifications</h1>" in full.replace("\n", "") or "<h1" in full
    assert "item 20" in full


def test_page_bad_cursor_and_lane_are_not_500(maya):
    client = logged_in(maya)
    response = client.get("/notifications?lane=social&cursor=garbage!!")
    assert response.status_code == 302 and response["Location"] == "/notifications?lane=social"
    assert client.get("/notifications?lane=bogus").status_code == 200  # the default lane


def _queries(client, url, **extra) -> tuple[int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, **extra).status_code == 200
    ours = sum("notifications_notification" in q["sql"] for q in captured.captured_queries)
    return len(captured.captured_queries), ours


def test_page_query_count(maya):
    """Counts (shared with the bell and the nav badges) plus one page with its actors joined,
    whatever the number of items; the rest is the platform's per-request work (session, member,
    RLS context)."""
    actors = [MemberFactory() for _ in range(3)]
    for i in range(5):
        make_notification(maya, lane="social", actor=actors[i % 3], minutes_ago=i)
    client = logged_in(maya)
    client.get("/notifications?lane=social")  # warm the session
    few_total, few_ours = _queries(client, "/notifications?lane=social")
    for i in range(5, 40):
        make_notification(maya, lane="social", actor=actors[i % 3], minutes_ago=i)
    many_total, many_ours = _queries(client, "/notifications?lane=social")
    assert few_ours == many_ours == 2
    assert few_total == many_total <= 16


def test_drawer_partial_and_query_count(maya):
    for i in range(12):
        make_notification(maya, lane="priority", minutes_ago=i, title=f"mention {i}")
    client = logged_in(maya)
    client.get("/notifications/drawer")
    total, ours = _queries(client, "/notifications/drawer", **HTMX)
    assert ours == 2 and total <= 16
    response = client.get("/notifications/drawer", **HTMX)
    html = response.content.decode()
    assert "<html" not in html and html.count('class="notif-item') == 8
    assert 'data-notif-lane="priority" aria-current="true"' in html
    assert json.loads(response["HX-Trigger"])["yalls:unread"]["priority"] == 12
    other = client.get("/notifications/drawer?lane=system", **HTMX).content.decode()
    assert "No system notices." in other


def test_mark_one_read_without_js(maya):
    n = make_notification(maya, lane="social")
    response = logged_in(maya).post(
        f"/notifications/{n.pk}/read", {"next": "/notifications?lane=social"}
    )
    assert response.status_code == 302 and response["Location"] == "/notifications?lane=social"
    assert read_state(n)


def test_mark_one_read_with_htmx_returns_the_item_and_counts(maya):
    n = make_notification(maya, lane="social", title="Hello")
    make_notification(maya, lane="social")
    response = logged_in(maya).post(f"/notifications/{n.pk}/read", {"place": "drawer"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and f'id="notif-drawer-{n.pk}"' in html
    assert "is-unread" not in html and "Mark read" not in html
    assert json.loads(response["HX-Trigger"])["yalls:unread"]["social"] == 1


def test_mark_read_someone_elses_or_junk_is_404(maya):
    theirs = make_notification(MemberFactory())
    client = logged_in(maya)
    assert client.post(f"/notifications/{theirs.pk}/read").status_code == 404
    assert client.post("/notifications/not-a-uuid/read").status_code == 404
    assert not read_state(theirs)
    assert client.get(f"/notifications/{theirs.pk}/read").status_code == 405


def test_mark_all_read_in_one_lane(maya):
    social = [make_notification(maya, lane="social") for _ in range(3)]
    priority = make_notification(maya, lane="priority")
    client = logged_in(maya)
    response = client.post("/notifications/read-all", {"lane": "social"})
    assert response.status_code == 302 and response["Location"] == "/notifications?lane=social"
    assert all(read_state(n) for n in social) and not read_state(priority)
    page = client.get(response["Location"]).content.decode()
    assert "Marked 3 notifications in Social as read." in page


def test_mark_all_read_htmx_panel_and_drawer(maya):
    for _ in range(2):
        make_notification(maya, lane="priority")
    client = logged_in(maya)
    response = client.post("/notifications/read-all", {"lane": "priority", "place": "page"}, **HTMX)
    html = response.content.decode()
    assert 'id="notif-panel"' in html and "Marked 2 notifications in Priority as read." in html
    assert json.loads(response["HX-Trigger"])["yalls:unread"]["total"] == 0
    make_notification(maya, lane="priority")
    response = client.post(
        "/notifications/read-all", {"lane": "priority", "place": "drawer"}, **HTMX
    )
    assert "data-notif-drawer-content" in response.content.decode()


def test_mark_all_read_bad_lane(maya):
    n = make_notification(maya, lane="social")
    client = logged_in(maya)
    response = client.post("/notifications/read-all", {"lane": "bogus"}, **HTMX)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "notifications.lane_unknown"
    assert client.post("/notifications/read-all", {"lane": "bogus"}).status_code == 302
    assert client.post("/notifications/read-all", {}).status_code == 302
    assert not read_state(n)


def test_open_marks_read_and_follows_only_local_links(maya):
    local = make_notification(maya, lane="social", link="/p/123")
    evil = make_notification(maya, lane="social", link="https://evil.example/x")
    sneaky = make_notification(maya, lane="social", link="//evil.example/x")
    client = logged_in(maya)
    assert client.get(f"/notifications/{local.pk}/open")["Location"] == "/p/123"
    assert read_state(local)
    assert client.get(f"/notifications/{evil.pk}/open")["Location"] == "/notifications?lane=social"
    assert (
        client.get(f"/notifications/{sneaky.pk}/open")["Location"] == "/notifications?lane=social"
    )


def test_bell_on_other_pages_and_not_for_visitors(maya):
    make_notification(maya, lane="priority")
    home = logged_in(maya).get("/").content.decode()
    assert 'aria-label="Notifications, 1 unread"' in home and "notif-drawer" in home
    assert "notifications.js" in home
    visitor = Client().get("/").content.decode()
    assert "data-notif-bell" not in visitor and "notifications.js" not in visitor


def test_stream_needs_sign_in():
    response = Client().get("/notifications/stream")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_stream_under_wsgi_answers_once_and_polls(maya):
    """A WSGI server can't hold streams open: one event and a longer retry (EventSource polls)."""
    make_notification(maya, lane="system")
    response = logged_in(maya).get("/notifications/stream")
    assert response.status_code == 200 and response["Content-Type"] == "text/event-stream"
    body = response.content.decode()
    assert body.startswith("retry: 15000\n\n")
    assert 'event: unread\ndata: {"priority":0,"social":0,"system":1,"total":1}\n\n' in body


def test_item_times_read_naturally(maya):
    make_notification(maya, lane="social", title="new")
    make_notification(maya, lane="social", title="old", minutes_ago=90)
    page = logged_in(maya).get("/notifications?lane=social").content.decode()
    assert ">just now</time>" in page and ">1\xa0hour, 30\xa0minutes ago</time>" in page
