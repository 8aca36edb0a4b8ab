"""Linked accounts and badges: URL rules, the verification lifecycle, the rel=me job against a local
HTTPS server, the moderator queue, badge grants, and the pages."""

import functools
import json

import pytest
from django.db import connection, transaction
from django.test import Client

from tests.accounts.test_safe_fetch import HOST, LocalHTTPS
from tests.factories import MemberFactory
from yalls.accounts import safe_fetch as safe_fetch_module
from yalls.accounts.linked_accounts import badges, demo, rel_me, selectors, services
from yalls.accounts.models import Badge, LinkedAccount, MemberBadge
from yalls.accounts.tasks import linked_account_verify
from yalls.core.audit.models import AuditEvent
from yalls.core.errors import Conflict, DomainError, Forbidden, NotFound

pytestmark = pytest.mark.django_db
S = LinkedAccount.Status


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SITE_URL = "https://yalls.test"


@pytest.fixture
def maya():
    return MemberFactory(handle="Maya_Rides")


@pytest.fixture
def moderator():
    return MemberFactory(role="moderator")


@pytest.fixture
def admin():
    return MemberFactory(role="admin")


def jobs_for(link) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT args FROM procrastinate_jobs WHERE task_name = %s AND args->>'link_id' = %s",
            [linked_account_verify.name, str(link.pk)],
        )
        return [
            json.loads(row[0]) if isinstance(row[0], str) else row[0] for row in cursor.fetchall()
        ]


# --- URL rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "provider,url",
    [
        ("x", "https://x.com/maya"),
        ("x", "https://twitter.com/maya"),
        ("instagram", "https://www.instagram.com/maya/"),
        ("facebook", "https://www.facebook.com/maya.rides"),
        ("youtube", "https://www.youtube.com/@maya"),
        ("tiktok", "https://www.tiktok.com/@maya"),
        ("website", "https://willowcreek.example/about"),
        ("website", "https://WillowCreek.example"),
    ],
)
def test_accepted_urls(maya, provider, url):
    link = services.linked_account_save(member=maya, provider=provider, url=url)
    assert link.provider == provider and link.url.startswith("https://")


@pytest.mark.parametrize(
    "provider,url",
    [
        ("x", "http://x.com/maya"),  # https only
        ("x", "https://instagram.com/maya"),  # wrong host for the provider
        ("x", "https://x.com.evil.example/maya"),
        ("x", "https://x.com/"),  # a profile, not the home page
        ("instagram", "https://x.com/maya"),
        ("website", "https://127.0.0.1/"),
        ("website", "https://[::1]/"),
        ("website", "https://localhost/"),
        ("website", "https://user:pw@site.example/"),
        ("website", "https://site.example:8443/"),
        ("website", "javascript:alert(1)"),
        ("website", "not a url"),
        ("website", ""),
        ("website", "https://site.example/" + "a" * 500),
    ],
)
def test_refused_urls(maya, provider, url):
    with pytest.raises(DomainError) as exc:
        services.linked_account_save(member=maya, provider=provider, url=url)
    assert exc.value.code == "link.url_invalid" and exc.value.field == "url"
    assert not LinkedAccount.objects.exists()


def test_unknown_provider(maya):
    with pytest.raises(DomainError) as exc:
        services.linked_account_save(member=maya, provider="myspace", url="https://myspace.com/m")
    assert exc.value.code == "link.provider_invalid"


# --- lifecycle ----------------------------------------------------------------------------------


def test_save_of_a_rel_me_provider_defers_a_check_in_the_same_transaction(maya):
    link = services.linked_account_save(
        member=maya, provider="website", url="https://farm.example/"
    )
    assert link.status == S.CHECKING
    assert jobs_for(link) == [{"link_id": str(link.pk)}]
    assert AuditEvent.objects.filter(action="linked_account.saved", target_id=str(link.pk)).exists()
    # saving the same address again changes nothing and queues nothing more
    services.linked_account_save(member=maya, provider="website", url="https://farm.example/")
    assert len(jobs_for(link)) == 1


def test_a_rolled_back_save_leaves_no_job(maya):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.linked_account_save(member=maya, provider="website", url="https://farm.example/")
        raise RuntimeError("the surrounding work failed")
    assert not LinkedAccount.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM procrastinate_jobs WHERE task_name = %s",
            [linked_account_verify.name],
        )
        assert cursor.fetchone()[0] == 0


def test_review_providers_wait_for_a_proof_then_a_moderator(maya, moderator):
    link = services.linked_account_save(
        member=maya, provider="instagram", url="https://instagram.com/maya"
    )
    assert link.status == S.UNVERIFIED and jobs_for(link) == []
    link = services.linked_account_submit_proof(
        member=maya, provider="instagram", proof_url="https://instagram.com/p/abc"
    )
    assert link.status == S.PENDING_REVIEW
    assert list(selectors.review_queue(moderator)) == [link]
    link = services.linked_account_review(moderator=moderator, link=link, approve=True)
    assert link.status == S.VERIFIED and link.reviewed_by == moderator and link.verified_at
    assert AuditEvent.objects.filter(
        action="linked_account.approved", actor_id=moderator.pk
    ).exists()
    with pytest.raises(Conflict) as exc:  # a decided link can't be decided again
        services.linked_account_review(moderator=moderator, link=link, approve=False)
    assert exc.value.code == "link.illegal_transition"


def test_proof_given_with_the_save_goes_straight_to_review(maya):
    link = services.linked_account_save(
        member=maya, provider="tiktok", url="https://www.tiktok.com/@maya",
        proof_url="https://www.tiktok.com/@maya/video/1",
    )  # fmt: skip
    assert link.status == S.PENDING_REVIEW


def test_reject_keeps_the_note_and_a_new_proof_can_follow(maya, moderator):
    services.linked_account_save(
        member=maya, provider="facebook", url="https://facebook.com/maya",
        proof_url="https://facebook.com/maya/posts/1",
    )  # fmt: skip
    link = services.linked_account_review(
        moderator=moderator, link=LinkedAccount.objects.get(), approve=False, note="No mention."
    )
    assert link.status == S.REJECTED and link.last_error == "No mention."
    link = services.linked_account_submit_proof(
        member=maya, provider="facebook", proof_url="https://facebook.com/maya/posts/2"
    )
    assert link.status == S.PENDING_REVIEW


def test_only_moderators_review_and_never_their_own(maya, moderator):
    services.linked_account_save(
        member=moderator, provider="facebook", url="https://facebook.com/mod",
        proof_url="https://facebook.com/mod/posts/1",
    )  # fmt: skip
    link = LinkedAccount.objects.get()
    with pytest.raises(Forbidden):
        services.linked_account_review(moderator=maya, link=link, approve=True)
    with pytest.raises(Forbidden):
        selectors.review_queue(maya)
    with pytest.raises(Forbidden):
        services.linked_account_review(moderator=moderator, link=link, approve=True)
    assert LinkedAccount.objects.get().status == S.PENDING_REVIEW


def test_illegal_moves_are_refused(maya):
    link = services.linked_account_save(
        member=maya, provider="website", url="https://farm.example/"
    )
    with pytest.raises(Conflict):  # checking → pending_review is not a move
        services.linked_account_submit_proof(
            member=maya, provider="website", proof_url="https://farm.example/proof"
        )
    with pytest.raises(Conflict):  # instagram can't be checked automatically
        services.linked_account_save(
            member=maya, provider="instagram", url="https://instagram.com/m"
        )
        services.linked_account_recheck(member=maya, provider="instagram")
    with pytest.raises(NotFound):
        services.linked_account_recheck(member=maya, provider="youtube")
    assert LinkedAccount.objects.get(pk=link.pk).status == S.CHECKING


def test_changing_the_url_starts_over(maya, moderator):
    services.linked_account_save(
        member=maya, provider="instagram", url="https://instagram.com/maya",
        proof_url="https://instagram.com/p/1",
    )  # fmt: skip
    services.linked_account_review(
        moderator=moderator, link=LinkedAccount.objects.get(), approve=True
    )
    link = services.linked_account_save(
        member=maya, provider="instagram", url="https://instagram.com/maya2"
    )
    assert link.status == S.UNVERIFIED and link.verified_at is None and not link.proof_url
    assert LinkedAccount.objects.count() == 1  # one per provider


def test_remove(maya):
    services.linked_account_save(member=maya, provider="x", url="https://x.com/maya")
    services.linked_account_remove(member=maya, provider="x")
    assert not LinkedAccount.objects.exists()
    with pytest.raises(NotFound):
        services.linked_account_remove(member=maya, provider="x")


# --- rel=me parsing -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "html,found",
    [
        ('<a rel="me" href="https://yalls.test/@Maya_Rides">yalls</a>', True),
        ('<a rel="me nofollow" href="https://yalls.test/@maya_rides/">yalls</a>', True),
        ('<link rel="ME" href="http://yalls.test/@maya_rides">', True),
        ('<link rel="me" href="https://yalls.test/@maya_rides" />', True),
        ('<a rel="me" href="https://yalls.test/@maya_rides#top">yalls</a>', True),
        ('<a href="https://yalls.test/@maya_rides">no rel</a>', False),
        ('<a rel="mentor" href="https://yalls.test/@maya_rides">x</a>', False),
        ('<a rel="me" href="https://yalls.test/@maya_rides_2">x</a>', False),
        ('<a rel="me" href="https://evil.test/@maya_rides">x</a>', False),
        ('<a rel="me" href="https://yalls.test.evil/@maya_rides">x</a>', False),
        ('<div rel="me" href="https://yalls.test/@maya_rides">x</div>', False),
        ("<a rel=me href=https://yalls.test/@maya_rides>unquoted</a>", True),
        ("<<<not html at all", False),
    ],
)
def test_rel_me_detection(maya, html, found):
    assert rel_me.page_links_back(html, page_url="https://farm.example/", member=maya) is found


def test_relative_rel_me_links_resolve_against_the_page():
    hrefs = rel_me.rel_me_links('<a rel="me" href="/about">', base_url="https://farm.example/x/y")
    assert hrefs == ["https://farm.example/about"]


# --- the job, end to end against a local HTTPS server -------------------------------------------


@pytest.fixture
def server(monkeypatch):
    srv = LocalHTTPS()
    # The link says https://site.test/…; the test server listens on a random port of 127.0.0.1.
    # Route the job's fetch there with the test-only loopback switch; everything else is real.
    real = safe_fetch_module.safe_fetch

    def fetch(url, **kw):
        return real(
            url.replace(f"https://{HOST}", srv.url("")), resolver=lambda h, p: ["127.0.0.1"],
            ssl_context=srv.client_context(), testing_allow_loopback=True,
        )  # fmt: skip

    monkeypatch.setattr(safe_fetch_module, "safe_fetch", functools.wraps(real)(fetch))
    yield srv
    srv.close()


def run_job(link) -> str:
    (args,) = jobs_for(link)
    return linked_account_verify(**args)


def test_job_verifies_a_page_linking_back(maya, server):
    server.routes["/about"] = (
        200, {"Content-Type": "text/html; charset=utf-8"},
        b'<html><head><link rel="me" href="https://yalls.test/@maya_rides"></head></html>',
    )  # fmt: skip
    link = services.linked_account_save(
        member=maya, provider="website", url=f"https://{HOST}/about"
    )
    assert run_job(link) == S.VERIFIED
    link.refresh_from_db()
    assert link.status == S.VERIFIED and link.verified_at and link.checked_at
    assert AuditEvent.objects.filter(action="linked_account.verified", actor_id=None).exists()
    assert linked_account_verify(link_id=str(link.pk)) == "skipped"  # safe to run twice


def test_job_follows_a_redirect_then_fails_without_a_back_link(maya, server):
    server.routes["/old"] = (301, {"Location": "/new"}, b"")
    server.routes["/new"] = (
        200,
        {"Content-Type": "text/html"},
        b'<a href="https://yalls.test/@maya_rides">x</a>',
    )
    link = services.linked_account_save(member=maya, provider="website", url=f"https://{HOST}/old")
    assert run_job(link) == S.FAILED
    link.refresh_from_db()
    assert 'rel="me"' in link.last_error and link.verified_at is None
    assert server.seen[0][0] == "/old" and server.seen[1][0] == "/new"
    # the member fixes the page and asks again
    server.routes["/new"] = (
        200,
        {"Content-Type": "text/html"},
        b'<a rel="me" href="https://yalls.test/@maya_rides">x</a>',
    )
    services.linked_account_recheck(member=maya, provider="website")
    assert linked_account_verify(link_id=str(link.pk)) == S.VERIFIED


@pytest.mark.parametrize(
    "route,error",
    [
        ((404, {"Content-Type": "text/html"}, b"gone"), "HTTP 404"),
        ((200, {"Content-Type": "application/json"}, b"{}"), "not HTML"),
        ((200, {"Content-Type": "text/html"}, b"a" * 1_000_001), "1 MB"),
    ],
)
def test_job_records_why_it_failed(maya, server, route, error):
    server.routes["/p"] = route
    link = services.linked_account_save(member=maya, provider="website", url=f"https://{HOST}/p")
    assert run_job(link) == S.FAILED
    link.refresh_from_db()
    assert error in link.last_error


def test_job_without_the_test_switch_refuses_loopback(maya):
    """No monkeypatching: the real fetcher refuses a host that resolves to loopback."""
    link = services.linked_account_save(
        member=maya, provider="website", url="https://farm.example/"
    )
    result = services.linked_account_check(
        link_id=str(link.pk),
        fetch=safe_fetch_module.safe_fetch,
        resolver=lambda h, p: ["127.0.0.1"],
    )
    assert result == S.FAILED
    link.refresh_from_db()
    assert "public internet" in link.last_error


def test_job_skips_a_link_changed_meanwhile(maya):
    link = services.linked_account_save(
        member=maya, provider="website", url="https://farm.example/"
    )

    def fetch(url, **kw):  # the member saves a new address while the page is being fetched
        services.linked_account_save(member=maya, provider="website", url="https://other.example/")
        raise safe_fetch_module.FetchError("slow")

    assert services.linked_account_check(link_id=str(link.pk), fetch=fetch) == "skipped"
    link.refresh_from_db()
    assert link.status == S.CHECKING and link.url == "https://other.example/"


# --- badges -------------------------------------------------------------------------------------


def test_admins_grant_and_revoke_badges_audited(maya, admin, moderator):
    badges.badge_ensure(slug="founding-member", label="Founding member")
    with pytest.raises(Forbidden) as exc:
        badges.badge_grant(actor=moderator, member_handle=maya.handle, badge_slug="founding-member")
    assert exc.value.code == "badge.not_allowed"
    grant = badges.badge_grant(
        actor=admin, member_handle="@" + maya.handle, badge_slug="founding-member"
    )
    assert (
        badges.badge_grant(actor=admin, member_handle=maya.handle, badge_slug="founding-member")
        == grant
    )
    assert AuditEvent.objects.filter(action="badge.granted").count() == 1
    assert [g.badge.label for g in badges.badges_of(maya)] == ["Founding member"]
    with pytest.raises(DomainError) as exc:
        badges.badge_grant(actor=admin, member_handle=maya.handle, badge_slug="nope")
    assert exc.value.code == "badge.unknown"
    with pytest.raises(DomainError) as exc:
        badges.badge_grant(actor=admin, member_handle="nobody_here", badge_slug="founding-member")
    assert exc.value.code == "badge.member_unknown"
    badges.badge_revoke(actor=admin, member_handle=maya.handle, badge_slug="founding-member")
    assert not MemberBadge.objects.exists()
    assert AuditEvent.objects.filter(action="badge.revoked").exists()
    with pytest.raises(NotFound):
        badges.badge_revoke(actor=admin, member_handle=maya.handle, badge_slug="founding-member")


def test_demo_identity_seed_is_idempotent(maya, admin):
    first = demo.demo_identity_seed(
        admin=admin, website_member=maya, website_url="https://willowcreek.example/",
        badge_members=[maya],
    )  # fmt: skip
    again = demo.demo_identity_seed(
        admin=admin, website_member=maya, website_url="https://willowcreek.example/",
        badge_members=[maya],
    )  # fmt: skip
    assert first == {"badges": 1, "links": 1} and again == {"badges": 0, "links": 0}
    assert selectors.verified_links(maya)[0].url == "https://willowcreek.example/"


# --- pages --------------------------------------------------------------------------------------


def signed_in(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def test_settings_links_page_save_and_errors(maya):
    client = signed_in(maya)
    page = client.get("/settings/links")
    html = page.content.decode()
    assert page.status_code == 200 and html.count("<h1") == 1
    assert "https://yalls.test/@Maya_Rides" in html and "Linked accounts" in html
    response = client.post("/settings/links", {"provider": "x", "x-url": "https://instagram.com/m"})
    assert response.status_code == 400 and "must be on" in response.content.decode()
    response = client.post("/settings/links", {"provider": "x", "x-url": "https://x.com/maya"})
    assert response.status_code == 302
    assert LinkedAccount.objects.get().status == S.CHECKING
    assert client.post("/settings/links", {"provider": "myspace"}).status_code == 302
    client.post("/settings/links/remove", {"provider": "x"})
    assert not LinkedAccount.objects.exists()
    assert Client().get("/settings/links").status_code == 302


def test_review_queue_page_and_decision(maya, moderator):
    services.linked_account_save(
        member=maya, provider="instagram", url="https://instagram.com/maya",
        proof_url="https://instagram.com/p/1",
    )  # fmt: skip
    link = LinkedAccount.objects.get()
    assert signed_in(maya).get("/moderation/links").status_code == 403
    assert (
        signed_in(maya)
        .post(f"/moderation/links/{link.pk}/decide", {"decision": "approve"})
        .status_code
        == 403
    )
    mod = signed_in(moderator)
    assert "instagram.com/p/1" in mod.get("/moderation/links").content.decode()
    assert (
        mod.post(f"/moderation/links/{link.pk}/decide", {"decision": "approve"}).status_code == 302
    )
    link.refresh_from_db()
    assert link.status == S.VERIFIED
    assert "Nothing to review" in mod.get("/moderation/links").content.decode()
    # the profile header shows the verified link
    profile = Client().get(f"/@{maya.handle}").content.decode()
    assert 'aria-label="Verified links"' in profile and "https://instagram.com/maya" in profile


def test_badges_page_admin_only(maya, admin, moderator):
    assert signed_in(moderator).get("/moderation/badges").status_code == 403
    client = signed_in(admin)
    assert "No badges defined" in client.get("/moderation/badges").content.decode()
    client.post("/moderation/badges/new", {"label": "Founding member"})
    assert Badge.objects.filter(slug="founding-member").exists()
    response = client.post(
        "/moderation/badges", {"member": maya.handle, "badge": "founding-member"}
    )
    assert response.status_code == 302
    assert "Founding member" in Client().get(f"/@{maya.handle}").content.decode()
    response = client.post(
        "/moderation/badges", {"member": "nobody_here", "badge": "founding-member"}
    )
    assert response.status_code == 400
    client.post("/moderation/badges/revoke", {"member": maya.handle, "badge": "founding-member"})
    assert not MemberBadge.objects.exists()


# --- API ----------------------------------------------------------------------------------------


def api(method, path, member=None, body=None, raw=None):
    client = Client()
    if member is not None:
        client.force_login(member)
    data = raw if raw is not None else (json.dumps(body) if body is not None else "")
    return getattr(client, method)(
        path, data=data, content_type="application/json", HTTP_ACCEPT="application/json"
    )


def test_api_link_lifecycle(maya, moderator):
    response = api("put", "/api/v1/me/links/instagram", maya, {"url": "https://instagram.com/maya"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "unverified"
    response = api(
        "post", "/api/v1/me/links/instagram/proof", maya, {"proof_url": "https://instagram.com/p/1"}
    )
    assert response.json()["status"] == "pending_review"
    assert [r["provider"] for r in api("get", "/api/v1/me/links", maya).json()] == ["instagram"]
    link_id = response.json()["id"]
    assert api("get", "/api/v1/moderation/links", maya).json()["code"] == "link.not_allowed"
    queue = api("get", "/api/v1/moderation/links", moderator).json()["items"]
    assert [q["id"] for q in queue] == [link_id]
    response = api("post", f"/api/v1/moderation/links/{link_id}/approve", moderator)
    assert response.status_code == 200 and response.json()["status"] == "verified"
    # Link ids are documented as UUIDs: a malformed one is a validation error.
    assert api("post", "/api/v1/moderation/links/not-a-uuid/reject", moderator).status_code == 422
    assert api("delete", "/api/v1/me/links/instagram", maya).status_code == 204


@pytest.mark.parametrize(
    "path,body,status,code",
    [
        (
            "/api/v1/me/links/myspace",
            {"url": "https://myspace.com/m"},
            422,
            "request.validation_failed",
        ),
        ("/api/v1/me/links/x", {"url": "http://x.com/m"}, 400, "link.url_invalid"),
        (
            "/api/v1/me/links/x",
            {"url": "https://x.com/m", "extra": 1},
            422,
            "request.validation_failed",
        ),
        ("/api/v1/me/links/x", {}, 422, "request.validation_failed"),
    ],
)
def test_api_bad_input(maya, path, body, status, code):
    response = api("put", path, maya, body)
    assert response.status_code == status and response.json()["code"] == code
    assert response["Content-Type"] == "application/problem+json"
    assert not LinkedAccount.objects.exists()


def test_api_needs_auth_and_malformed_json(maya):
    assert api("get", "/api/v1/me/links").status_code == 401
    response = api("put", "/api/v1/me/links/x", maya, raw="{nope")
    assert response.json()["code"] == "request.malformed_json"
