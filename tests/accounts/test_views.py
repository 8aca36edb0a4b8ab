"""Web pages of accounts: profile settings (incl. avatar upload), sessions, sign-up, sign-in throttling."""

import io
import os
import types

import pytest
from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from tests.factories import PASSWORD, MemberFactory
from yalls.accounts import signin_guard
from yalls.accounts.models import PrivateProfile, User
from yalls.core.db_context import system_context
from yalls.core.models import Handle

pytestmark = pytest.mark.django_db

PROFILE_URL = "/settings/profile"


@pytest.fixture(autouse=True)
def _fast_passwords_and_media(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def member(db):
    return MemberFactory(handle="web_member", display_name="Web Member")


@pytest.fixture
def browser(client, member):
    client.force_login(member)
    return client


def profile_form(member, **overrides):
    data = {
        "display_name": member.display_name,
        "handle": member.handle,
        "bio": member.bio,
        "timezone": member.timezone,
        "locale": member.locale,
        "phone": "",
        "date_of_birth": "",
        "postal_address": "",
    }
    data.update(overrides)
    return data


def png_bytes(size=(800, 600), colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def stored_files(root) -> list:
    return [os.path.join(d, f) for d, _, files in os.walk(root) for f in files]


def private_of(member):
    with system_context():
        return PrivateProfile.objects.filter(user=member).first()


# --- profile settings -------------------------------------------------------------------------


def test_profile_page_needs_sign_in(client):
    response = client.get(PROFILE_URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_profile_page_shows_current_values(browser, member):
    response = browser.get(PROFILE_URL)
    assert response.status_code == 200
    assert response.context["form"].initial["handle"] == "web_member"
    assert b"web_member" in response.content


def test_profile_change_is_saved(browser, member):
    response = browser.post(
        PROFILE_URL,
        profile_form(
            member,
            display_name="New Name",
            bio="  Rides at dawn.  ",
            timezone="Europe/Paris",
            locale="fr",
        ),
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    assert response["Location"] == PROFILE_URL
    member.refresh_from_db()
    assert member.display_name == "New Name"
    assert member.bio == "Rides at dawn."
    assert member.timezone == "Europe/Paris"
    assert member.locale == "fr"


def test_profile_handle_change_moves_the_claim(browser, member):
    response = browser.post(PROFILE_URL, profile_form(member, handle="Renamed_Member"))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.handle == "Renamed_Member"
    assert Handle.objects.get(owner_id=member.pk).handle == "Renamed_Member"


def test_duplicate_handle_in_another_case_rerenders_with_error(browser, member):
    MemberFactory(handle="Taken_Handle")
    response = browser.post(
        PROFILE_URL, profile_form(member, handle="taken_handle", display_name="Should Not Save")
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "handle" in form.errors
    assert "already taken" in form.errors["handle"][0]
    assert b"already taken" in response.content
    member.refresh_from_db()
    assert member.handle == "web_member"
    assert member.display_name == "Web Member"
    assert Handle.objects.get(owner_id=member.pk).handle == "web_member"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"locale": "xx"}, "locale"),
        ({"handle": "no"}, "handle"),
        ({"handle": "Admin"}, "handle"),
        ({"display_name": ""}, "display_name"),
        ({"bio": "x" * 501}, "bio"),
    ],
)
def test_invalid_profile_form_changes_nothing(browser, member, overrides, field):
    response = browser.post(PROFILE_URL, profile_form(member, **{"bio": "changed?", **overrides}))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    member.refresh_from_db()
    assert (member.handle, member.display_name, member.bio, member.timezone, member.locale) == (
        "web_member",
        "Web Member",
        "",
        "UTC",
        "en",
    )


def test_private_fields_are_saved_to_private_profile(browser, member):
    response = browser.post(
        PROFILE_URL,
        profile_form(
            member,
            phone="+44 (0) 20 7946 0958",
            date_of_birth="1990-02-03",
            postal_address="  1 Paddock Lane  ",
        ),
    )
    assert response.status_code == 302
    private = private_of(member)
    assert private.phone == "+44 (0) 20 7946 0958"
    assert str(private.date_of_birth) == "1990-02-03"
    assert private.postal_address == "1 Paddock Lane"
    # shown back to the member on the settings page
    page = browser.get(PROFILE_URL)
    assert page.context["form"].initial["phone"] == "+44 (0) 20 7946 0958"
    # and never on the public profile
    public = Client().get(f"/@{member.handle}")
    assert public.status_code == 200
    assert b"7946" not in public.content


def test_invalid_private_field_saves_nothing_at_all(browser, member):
    """A refused phone number must not leave the public part of the same form saved."""
    response = browser.post(
        PROFILE_URL, profile_form(member, display_name="Half Saved", phone="call me maybe")
    )
    assert response.status_code == 200
    assert "phone" in response.context["form"].errors
    assert private_of(member) is None
    member.refresh_from_db()
    assert member.display_name == "Web Member"


def test_invalid_private_field_stores_no_avatar(browser, member, settings):
    upload = SimpleUploadedFile("me.png", png_bytes(), content_type="image/png")
    response = browser.post(
        PROFILE_URL, {**profile_form(member, phone="not a phone"), "avatar": upload}
    )
    assert response.status_code == 200
    assert "phone" in response.context["form"].errors
    member.refresh_from_db()
    assert not member.avatar
    assert stored_files(settings.MEDIA_ROOT) == []


def test_future_birth_date_is_refused(browser, member):
    response = browser.post(PROFILE_URL, profile_form(member, date_of_birth="2999-01-01"))
    assert response.status_code == 200
    assert "date_of_birth" in response.context["form"].errors
    assert private_of(member) is None


# --- avatar -----------------------------------------------------------------------------------


def test_png_avatar_is_stored_as_400px_webp(browser, member, settings):
    upload = SimpleUploadedFile("me.png", png_bytes((800, 600)), content_type="image/png")
    response = browser.post(PROFILE_URL, {**profile_form(member), "avatar": upload})
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    member.refresh_from_db()
    assert member.avatar
    assert member.avatar.name.startswith(f"avatars/members/{member.pk}/")
    assert member.avatar.name.endswith(".webp")
    with Image.open(member.avatar.path) as stored:
        assert stored.format == "WEBP"
        assert stored.size == (400, 400)
    assert stored_files(settings.MEDIA_ROOT) == [member.avatar.path]
    # remove it again
    response = browser.post(PROFILE_URL, {**profile_form(member), "remove_avatar": "on"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert not member.avatar


def test_text_file_renamed_png_is_refused(browser, member, settings):
    upload = SimpleUploadedFile(
        "me.png", b"this is not an image at all\n" * 20, content_type="image/png"
    )
    response = browser.post(
        PROFILE_URL, {**profile_form(member, display_name="Not Saved"), "avatar": upload}
    )
    assert response.status_code == 200
    assert "avatar" in response.context["form"].errors
    member.refresh_from_db()
    assert not member.avatar
    assert member.display_name == "Web Member"
    assert stored_files(settings.MEDIA_ROOT) == []


def test_image_over_5_mb_is_refused(browser, member, settings):
    noise = Image.frombytes("RGB", (1500, 1500), os.urandom(1500 * 1500 * 3))
    out = io.BytesIO()
    noise.save(out, format="PNG", compress_level=0)
    data = out.getvalue()
    assert len(data) > 5 * 1024 * 1024
    upload = SimpleUploadedFile("big.png", data, content_type="image/png")
    response = browser.post(PROFILE_URL, {**profile_form(member), "avatar": upload})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "avatar" in errors
    assert "5 MB" in errors["avatar"][0]
    member.refresh_from_db()
    assert not member.avatar
    assert stored_files(settings.MEDIA_ROOT) == []


def test_bmp_avatar_is_an_unsupported_type(browser, member):
    out = io.BytesIO()
    Image.new("RGB", (50, 50)).save(out, format="BMP")
    upload = SimpleUploadedFile("me.bmp", out.getvalue(), content_type="image/bmp")
    response = browser.post(PROFILE_URL, {**profile_form(member), "avatar": upload})
    assert response.status_code == 200
    assert "avatar" in response.context["form"].errors
    member.refresh_from_db()
    assert not member.avatar


# --- sessions ---------------------------------------------------------------------------------


def sign_in(member, agent: str) -> Client:
    browser = Client(HTTP_USER_AGENT=agent)
    response = browser.post("/accounts/login/", {"login": member.email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    assert browser.get(PROFILE_URL).status_code == 200
    return browser


def test_security_page_lists_sessions_and_ending_all_signs_out_the_others(member):
    laptop = sign_in(
        member, "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"
    )
    phone = sign_in(member, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148")
    security = laptop.get("/settings/security").content.decode()
    # The Security page summarizes and links; the sessions page is the one designed list.
    assert "signed in on 2 browsers and devices" in security
    assert 'href="/settings/security/sessions"' in security and "Firefox" not in security
    page = laptop.get("/settings/security/sessions")
    assert page.status_code == 200
    sessions = page.context["sessions"]
    assert len(sessions) == 2
    assert sessions[0]["current"] and not sessions[1]["current"]  # this device first
    assert {s["kind"] for s in sessions} == {"computer", "phone"}
    html = page.content.decode()
    assert "Firefox on Linux" in html and "This device" in html and "Sign out all other" in html
    assert "Mozilla/5.0" not in html  # no raw user-agent strings
    # allauth's own session table is not a second page.
    assert laptop.get("/accounts/sessions/")["Location"] == "/settings/security/sessions"

    response = laptop.post("/settings/security/sessions/end", {"all": "1"})
    assert response.status_code == 302
    assert response["Location"] == "/settings/security/sessions"
    # the phone is signed out, the laptop is not
    assert phone.get(PROFILE_URL).status_code == 302
    assert laptop.get(PROFILE_URL).status_code == 200
    assert UserSession.objects.filter(user=member).count() == 1


def test_ending_one_session_by_id_leaves_the_rest(member):
    first = sign_in(member, "agent-one")
    second = sign_in(member, "agent-two")
    third = sign_in(member, "agent-three")
    target = UserSession.objects.get(user=member, user_agent="agent-two")
    response = first.post("/settings/security/sessions/end", {"session": str(target.pk)})
    assert response.status_code == 302
    assert second.get(PROFILE_URL).status_code == 302
    assert third.get(PROFILE_URL).status_code == 200
    assert first.get(PROFILE_URL).status_code == 200


def test_cannot_end_another_members_session(member):
    mine = sign_in(member, "mine")
    other = MemberFactory()
    theirs = sign_in(other, "theirs")
    their_session = UserSession.objects.get(user=other)
    mine.post("/settings/security/sessions/end", {"session": str(their_session.pk)})
    assert theirs.get(PROFILE_URL).status_code == 200


def test_sessions_end_needs_post(browser):
    assert browser.get("/settings/security/sessions/end").status_code == 405


# --- sign-up ----------------------------------------------------------------------------------


def signup_data(**overrides):
    data = {
        "display_name": "Maya Rider",
        "handle": "Maya_Rides",
        "email": "maya@example.test",
        "password1": "a-long-unusual-secret-77",
        "password2": "a-long-unusual-secret-77",
    }
    data.update(overrides)
    return data


def test_signup_creates_member_and_claims_handle(client):
    response = client.post("/accounts/signup/", signup_data())
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    user = User.objects.get(email="maya@example.test")
    assert user.handle == "Maya_Rides"
    assert user.display_name == "Maya Rider"
    assert user.check_password("a-long-unusual-secret-77")
    claim = Handle.objects.get(owner_id=user.pk)
    assert (claim.kind, claim.handle) == (Handle.Kind.MEMBER, "Maya_Rides")
    address = EmailAddress.objects.get(user=user)
    assert address.email == "maya@example.test"
    assert not address.verified
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("handle", ["maya_rides", "MAYA_RIDES"])
def test_signup_with_handle_taken_in_another_case_creates_nothing(client, handle):
    MemberFactory(handle="Maya_Rides", email="first@example.test")
    users, handles, addresses = (
        User.objects.count(),
        Handle.objects.count(),
        EmailAddress.objects.count(),
    )
    response = client.post(
        "/accounts/signup/", signup_data(handle=handle, email="second@example.test")
    )
    assert response.status_code == 200
    assert "handle" in response.context["form"].errors
    assert (User.objects.count(), Handle.objects.count(), EmailAddress.objects.count()) == (
        users,
        handles,
        addresses,
    )
    assert not User.objects.filter(email="second@example.test").exists()


def test_signup_with_entity_handle_is_refused(client, entity_kinds):
    from tests.factories import EntityFactory

    EntityFactory(handle="Sunny_Farm")
    response = client.post("/accounts/signup/", signup_data(handle="sunny_farm"))
    assert response.status_code == 200
    assert "handle" in response.context["form"].errors
    assert not User.objects.filter(email="maya@example.test").exists()


def test_signup_with_email_taken_in_another_case_creates_nothing(client):
    existing = MemberFactory(email="maya@example.test")
    count = User.objects.count()
    # allauth's enumeration protection may answer as if it worked; either way nothing is created
    client.post("/accounts/signup/", signup_data(email="MAYA@Example.test"))
    assert User.objects.count() == count
    assert not Handle.objects.filter(handle="Maya_Rides").exists()
    assert list(Handle.objects.filter(owner_id=existing.pk).values_list("handle", flat=True)) == [
        existing.handle
    ]


# --- failed sign-ins --------------------------------------------------------------------------


def test_after_three_failures_even_the_right_password_is_refused(client, member, monkeypatch):
    now = [1_700_000_000.0]
    monkeypatch.setattr(signin_guard, "time", types.SimpleNamespace(time=lambda: now[0]))
    for _ in range(3):
        response = client.post(
            "/accounts/login/", {"login": member.email, "password": "wrong-password-x"}
        )
        assert response.status_code == 200
        assert b"Too many failed sign-in attempts" not in response.content
    response = client.post("/accounts/login/", {"login": member.email, "password": PASSWORD})
    assert response.status_code == 200
    assert b"Too many failed sign-in attempts" in response.content
    assert "_auth_user_id" not in client.session
    # after the wait has passed, the right password works again
    now[0] += 2
    response = client.post("/accounts/login/", {"login": member.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)


def test_throttle_is_per_account_email_case_insensitive(client, member, monkeypatch):
    monkeypatch.setattr(signin_guard, "time", types.SimpleNamespace(time=lambda: 1_700_000_000.0))
    for login in (member.email.upper(), member.email, member.email.title()):
        client.post("/accounts/login/", {"login": login, "password": "wrong-password-x"})
    response = client.post("/accounts/login/", {"login": member.email, "password": PASSWORD})
    assert b"Too many failed sign-in attempts" in response.content
    # another account from a different client is unaffected
    other = MemberFactory()
    response = Client(REMOTE_ADDR="127.0.0.9").post(
        "/accounts/login/", {"login": other.email, "password": PASSWORD}
    )
    assert response.status_code == 302
