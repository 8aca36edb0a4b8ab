"""The posts web pages: composer (with and without the flag), preview, draft autosave, bad input
re-rendered with field errors, post page with attribution, profile and entity lists, approvals."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.factories import EntityFactory, MemberFactory
from tests.social.services.test_posts import make_edge, png, row_counts
from yalls.entities.models import EntityMember
from yalls.social.models import Post
from yalls.social.services import engagement
from yalls.social.services import posts as services
from yalls.social.services import targets as target_services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(settings, entity_kinds, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def maya():
    member = MemberFactory(handle="maya_rides", display_name="Maya Lopez")
    foal = EntityFactory(
        actor=member, handle="little_thunder", display_name="Little Thunder", kind="horse"
    )
    sire = EntityFactory(
        actor=member, handle="thunder_road", display_name="Thunder Road", kind="horse"
    )
    dam = EntityFactory(
        actor=member, handle="moonlight_belle", display_name="Moonlight Belle", kind="horse"
    )
    make_edge(foal, sire, "offspring_of", propagate=True, parent_role="sire")
    make_edge(foal, dam, "offspring_of", propagate=True, parent_role="dam")
    client = Client()
    client.force_login(member)
    return member, client


def test_compose_page_offers_my_entities_and_propagation_hint(maya):
    _member, client = maya
    page = client.get("/compose?as=little_thunder")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Little Thunder (@little_thunder)" in html
    assert "Auto-propagates to 2 entities: Thunder Road, Moonlight Belle." in html or (
        "Auto-propagates to 2 entities: Moonlight Belle, Thunder Road." in html
    )
    assert "yalls/js/composer.js" in html and "<script>" not in html


def test_compose_posts_as_entity_and_lands_on_sire_and_dam(maya):
    _member, client = maya
    response = client.post(
        "/compose",
        {
            "body": "First canter #foals",
            "as_entity": "little_thunder",
            "visibility": "public",
            "action": "publish",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    post = Post.objects.get()
    assert response["Location"] == f"/p/{post.pk}"
    for handle in ("thunder_road", "moonlight_belle", "little_thunder"):
        assert "First canter" in Client().get(f"/@{handle}").content.decode()
    page = Client().get(f"/p/{post.pk}").content.decode()
    assert 'href="/search?q=%23foals"' in page


def test_compose_bad_input_rerenders_with_field_errors(maya):
    _member, client = maya
    before = row_counts()
    response = client.post(
        "/compose", {"body": "x" * 6000, "visibility": "public", "action": "publish"}
    )
    assert response.status_code == 400 and "at most 5,000 characters" in response.content.decode()
    response = client.post(
        "/compose",
        {"body": "hi", "visibility": "public", "other_targets": "ghost_place", "action": "publish"},
    )
    assert (
        response.status_code == 400
        and "No entity has the handle @ghost_place" in response.content.decode()
    )
    # Reported under the field it was typed in, not the checkbox list above it.
    assert response.context["form"].errors["other_targets"] == [
        "No entity has the handle @ghost_place."
    ]
    assert "targets" not in response.context["form"].errors
    images = [png(f"{i}.png", (8, 8)) for i in range(11)]
    response = client.post(
        "/compose", {"body": "hi", "visibility": "public", "images": images, "action": "publish"}
    )
    assert response.status_code == 400 and "at most 10 images" in response.content.decode()
    text = SimpleUploadedFile("notes.png", b"not an image", content_type="image/png")
    response = client.post(
        "/compose", {"body": "hi", "visibility": "public", "images": [text], "action": "publish"}
    )
    assert response.status_code == 400 and "not an image we can read" in response.content.decode()
    response = client.post(
        "/compose",
        {"body": "hi", "visibility": "public", "as_entity": "not_mine", "action": "publish"},
    )
    assert response.status_code == 400
    assert row_counts() == before


def test_compose_with_photo_and_preview(maya):
    _member, client = maya
    preview = client.post(
        "/compose",
        {
            "body": "<script>x</script> @maya_rides",
            "visibility": "public",
            "as_entity": "little_thunder",
            "action": "preview",
        },
    )
    html = preview.content.decode()
    assert preview.status_code == 200 and "&lt;script&gt;" in html and Post.objects.count() == 0
    fragment = client.post(
        "/compose/preview",
        {"body": "hello #x", "visibility": "public", "as_entity": "little_thunder"},
    )
    assert (
        fragment.status_code == 200 and "Auto-propagates to 2 entities" in fragment.content.decode()
    )
    response = client.post(
        "/compose",
        {
            "body": "",
            "visibility": "public",
            "images": [png()],
            "image_alt": "A colt",
            "action": "publish",
        },
    )
    assert response.status_code == 302
    assert Post.objects.get().media.get().alt_text == "A colt"


def test_draft_autosave_endpoint_and_restore(maya):
    _member, client = maya
    first = client.post("/compose/draft", {"body": "Half a", "visibility": "public"}).json()
    second = client.post(
        "/compose/draft",
        {"body": "Half a thought", "visibility": "public", "draft_id": first["id"]},
    ).json()
    assert first["id"] == second["id"]
    page = client.get("/compose").content.decode()
    assert "We restored your last draft." in page and "Half a thought" in page
    response = client.post(
        "/compose",
        {
            "body": "A whole thought",
            "visibility": "public",
            "draft_id": first["id"],
            "action": "publish",
        },
    )
    assert response.status_code == 302
    assert Post.objects.get().state == "published" and str(Post.objects.get().pk) == first["id"]
    assert Client().post("/compose/draft", {"body": "x"}).status_code == 302  # sign-in needed


def test_schedule_from_the_form(maya):
    _member, client = maya
    from datetime import timedelta

    from django.utils import timezone

    when = (timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT09:00")
    response = client.post(
        "/compose",
        {"body": "Later", "visibility": "public", "publish_at": when, "action": "publish"},
    )
    assert response.status_code == 302 and Post.objects.get().state == "scheduled"
    assert "Later" in client.get("/compose").content.decode()  # listed under Scheduled


def test_crosspost_flag_off_hides_picker(maya, monkeypatch):
    _member, client = maya
    monkeypatch.setattr(target_services, "crosspost_enabled", lambda m: False)
    html = client.get("/compose").content.decode()
    assert "Cross-posting is switched off" in html and 'name="other_targets"' not in html


def test_post_page_attribution_and_original_removed(maya):
    member, _client = maya
    original = services.post_create(author=member, body="Open day", as_entity="little_thunder")
    ana = MemberFactory(display_name="Ana Ruiz")
    liam = MemberFactory(display_name="Liam Chen")
    ana_repost, _ = services.repost_create(actor=ana, post=original)
    liam_client = Client()
    liam_client.force_login(liam)
    response = liam_client.post(f"/p/{ana_repost.pk}/repost", {"caption": "See you there"})
    repost = Post.objects.get(author=liam)
    assert response["Location"] == f"/p/{repost.pk}"
    html = Client().get(f"/p/{repost.pk}").content.decode()
    assert "Repost of a post by Little Thunder" in html  # the heading names the original
    assert "</strong> reposted from Ana Ruiz" in html  # the card says whom it came from
    assert html.count(">Liam Chen<") == 1  # the reposter is named once on screen, not three times
    assert "See you there" in html
    assert "2 reposts" in Client().get(f"/p/{original.pk}").content.decode()
    services.post_delete(actor=member, post=original)
    assert "Original removed." in Client().get(f"/p/{repost.pk}").content.decode()
    assert Client().get(f"/p/{original.pk}").status_code == 404


def test_profile_tabs_and_entity_page(maya):
    member, client = maya
    services.post_create(author=member, body="A post of mine")
    other = MemberFactory()
    services.repost_create(
        actor=member, post=services.post_create(author=other, body="Someone else's")
    )
    page = Client().get("/@maya_rides").content.decode()
    assert "A post of mine" in page and "Someone else" not in page
    page = Client().get("/@maya_rides?tab=reposts").content.decode()
    assert "Someone else" in page and "A post of mine" not in page
    assert "No posts yet" in Client().get("/@thunder_road").content.decode()
    assert "Post as Thunder Road" in client.get("/@thunder_road").content.decode()
    broken = Client().get("/@maya_rides?cursor=%21%21").content.decode()
    assert "Couldn" in broken  # the error state, not a 500


def test_approval_queue_page(maya):
    member, client = maya
    owner = MemberFactory(display_name="Brand Owner")
    brand = EntityFactory(actor=owner, handle="big_brand", display_name="Big Brand", kind="brand")
    post = services.post_create(author=member, body="Please share", targets=["big_brand"])
    owner_client = Client()
    owner_client.force_login(owner)
    assert (
        "Nothing waiting" not in owner_client.get("/entities/big_brand/approvals").content.decode()
    )
    assert client.get("/entities/big_brand/approvals").status_code == 403
    target = post.targets.get()
    assert client.post(f"/entities/big_brand/approvals/{target.pk}/approve").status_code == 403
    response = owner_client.post(f"/entities/big_brand/approvals/{target.pk}/approve")
    assert response.status_code == 302
    assert "Please share" in Client().get("/@big_brand").content.decode()
    assert "Nothing waiting" in owner_client.get("/entities/big_brand/approvals").content.decode()
    editor = MemberFactory()
    EntityMember.objects.create(entity=brand, member=editor, role="editor")
    editor_client = Client()
    editor_client.force_login(editor)
    assert editor_client.get("/entities/big_brand/approvals").status_code == 403


def test_reject_asks_to_confirm_takes_a_reason_and_can_be_undone(maya):
    member, _client = maya
    owner = MemberFactory(display_name="Brand Owner")
    EntityFactory(actor=owner, handle="reject_brand", display_name="Reject Brand", kind="brand")
    post = services.post_create(author=member, body="Please share", targets=["reject_brand"])
    target = post.targets.get()
    owner_client = Client()
    owner_client.force_login(owner)
    queue = owner_client.get("/entities/reject_brand/approvals").content.decode()
    # Reject is a second step with an optional reason, not a one-click button.
    assert '<details class="reject-menu">' in queue and 'name="reason"' in queue
    response = owner_client.post(
        f"/entities/reject_brand/approvals/{target.pk}/reject",
        {"reason": "We only share our own riders"},
        follow=True,
    )
    target.refresh_from_db()
    assert target.status == "rejected"
    page = response.content.decode()
    assert "The author will be told in a few seconds." in page
    assert f'action="/entities/reject_brand/approvals/{target.pk}/undo"' in page
    assert "data-undo-seconds=" in page

    undone = owner_client.post(f"/entities/reject_brand/approvals/{target.pk}/undo", follow=True)
    target.refresh_from_db()
    assert target.status == "pending"
    assert "waiting for a decision again" in undone.content.decode()
    assert "Please share" in undone.content.decode()  # back in the queue


def test_a_tag_link_finds_the_posts_carrying_it(client):
    author, other = MemberFactory(), MemberFactory()
    services.post_create(author=author, body="First canter of the year #SpringRide")
    services.post_create(author=author, body="Hay delivery today #chores")
    services.post_create(
        author=author, body="Only my followers see this #springride", visibility="followers"
    )
    client.force_login(other)
    page = client.get("/search", {"q": "#springride"}).content.decode()
    assert "First canter of the year" in page
    assert "Hay delivery" not in page
    assert "Only my followers" not in page  # the search respects who may see a post
    empty = client.get("/search", {"q": "#nothing_here"}).content.decode()
    assert "No posts tagged" in empty


def test_search_leaves_out_members_who_blocked_me(client):
    me, blocker = MemberFactory(), MemberFactory(display_name="Zed Blocker")
    engagement.block_create(member=blocker, target=me.pk)
    client.force_login(me)
    assert "Zed Blocker" not in client.get("/search", {"q": "Zed"}).content.decode()


def test_post_card_shows_the_uploaded_avatar_and_clickable_links(maya):
    from django.core.files.base import ContentFile

    member, client = maya
    member.avatar.save("maya.png", ContentFile(png().read()), save=True)
    services.post_create(author=member, body="Results at https://prairie.example/results today")
    html = client.get(f"/@{member.handle}").content.decode()
    card = html[html.index("<article") :]
    assert f'<img class="avatar avatar-sm" src="{member.avatar.url}"' in card
    assert (
        '<a class="post-link" href="https://prairie.example/results" rel="nofollow ugc noopener">'
        in card
    )
