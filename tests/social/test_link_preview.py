"""Link previews: a published post naming an https address gets a text card (title, description,
site) fetched in a job through the safe fetcher; edits follow the body; failures leave no card."""

import json

import pytest
from django.db import connection
from django.test import Client

from tests.factories import MemberFactory
from yalls.accounts.safe_fetch import FetchRefused, FetchResult
from yalls.social.link_preview import page_preview
from yalls.social.models import PostLinkPreview
from yalls.social.services import posts as services

pytestmark = pytest.mark.django_db

PAGE = """<!doctype html><html><head>
<title>Fallback title</title>
<meta property="og:title" content="Prairie Classic &amp; Futurity">
<meta property="og:description" content="Barrel races   every weekend.">
<meta property="og:site_name" content="Prairie Events">
<meta name="description" content="ignored: og wins">
</head><body><meta property="og:title" content="not from the body"></body></html>"""


def fake_fetch(pages: dict):
    calls = []

    def fetch(url):
        calls.append(url)
        if url not in pages:
            raise FetchRefused("That address is not public.")
        return FetchResult(url=url, status=200, content_type="text/html", body=pages[url].encode())

    fetch.calls = calls
    return fetch


def queued_preview_jobs() -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT args FROM procrastinate_jobs WHERE task_name LIKE %s",
            ["%post_link_preview_fetch"],
        )
        return [json.loads(a) if isinstance(a, str) else a for (a,) in cursor.fetchall()]


def test_page_preview_reads_open_graph_then_falls_back_to_title():
    preview = page_preview(PAGE)
    assert preview.title == "Prairie Classic & Futurity"
    assert preview.description == "Barrel races every weekend."
    assert preview.site_name == "Prairie Events"
    plain = page_preview("<title> Just a title </title><meta name=description content='Hi'>")
    assert (plain.title, plain.description, plain.site_name) == ("Just a title", "Hi", "")
    assert page_preview("<html><body>no head</body></html>") is None


def test_a_post_with_a_link_defers_one_job_and_the_card_shows_on_the_post():
    author = MemberFactory()
    post = services.post_create(author=author, body="Entries open: https://prairie.example/entries")
    assert queued_preview_jobs() == [{"post_id": str(post.pk)}]
    services.post_create(author=author, body="No link here")
    assert len(queued_preview_jobs()) == 1

    fetch = fake_fetch({"https://prairie.example/entries": PAGE})
    row = services.link_preview_fetch(post_id=post.pk, fetch=fetch)
    assert fetch.calls == ["https://prairie.example/entries"]
    assert row.status == "ready" and row.title == "Prairie Classic & Futurity"

    html = Client().get(f"/p/{post.pk}").content.decode()
    assert (
        '<a class="link-card" href="https://prairie.example/entries" rel="nofollow ugc noopener">'
        in html
    )
    assert "Prairie Classic &amp; Futurity" in html and "Prairie Events" in html
    assert "<img" not in html.split('class="link-card"')[1].split("</a>")[0]  # text only


def test_a_refused_fetch_leaves_no_card_and_an_edit_follows_the_body():
    author = MemberFactory()
    post = services.post_create(author=author, body="See https://10.0.0.1.example/admin")
    row = services.link_preview_fetch(post_id=post.pk, fetch=fake_fetch({}))
    assert row.status == "failed"
    assert 'class="link-card"' not in Client().get(f"/p/{post.pk}").content.decode()

    services.post_update(actor=author, post=post, body="No more link")
    assert services.link_preview_fetch(post_id=post.pk, fetch=fake_fetch({})) is None
    assert not PostLinkPreview.objects.filter(post=post).exists()


def test_http_links_and_drafts_are_not_fetched():
    author = MemberFactory()
    services.post_create(author=author, body="Plain http://old.example/page only")
    services.draft_save(author=author, body="Draft with https://draft.example")
    assert queued_preview_jobs() == []
