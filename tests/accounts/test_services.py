"""accounts.services.profile_update / member_create validation, and PATCH /api/v1/me."""

import json

import pytest

from tests.factories import PASSWORD, EntityFactory, MemberFactory
from yalls.accounts import services
from yalls.accounts.models import User
from yalls.core.errors import DomainError, Forbidden
from yalls.core.models import Handle

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def member(db):
    return MemberFactory(handle="svc_member", display_name="Svc Member")


def snapshot(member):
    member = User.objects.get(pk=member.pk)
    return (member.handle, member.display_name, member.bio, member.timezone, member.locale)


ORIGINAL = ("svc_member", "Svc Member", "", "UTC", "en")


# --- profile_update ---------------------------------------------------------------------------


def test_profile_update_changes_only_given_fields(member):
    services.profile_update(member=member, bio="  Hello  ", timezone_name="America/New_York")
    assert snapshot(member) == ("svc_member", "Svc Member", "Hello", "America/New_York", "en")
    services.profile_update(member=member, locale="fr")
    assert snapshot(member) == ("svc_member", "Svc Member", "Hello", "America/New_York", "fr")


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"timezone_name": "Mars/Olympus_Mons"}, "profile.timezone_invalid"),
        ({"timezone_name": ""}, "profile.timezone_invalid"),
        ({"timezone_name": "../../etc/passwd"}, "profile.timezone_invalid"),
        # a directory inside the tz database, not a zone
        ({"timezone_name": "Europe"}, "profile.timezone_invalid"),
        ({"timezone_name": "America"}, "profile.timezone_invalid"),
        ({"locale": "xx"}, "profile.locale_invalid"),
        ({"locale": "EN"}, "profile.locale_invalid"),
        ({"bio": "x" * 501}, "profile.bio_too_long"),
        ({"display_name": "y" * 81}, "profile.display_name_too_long"),
        ({"handle": "a b"}, "handle.invalid"),
        ({"handle": "settings"}, "handle.reserved"),
    ],
)
def test_profile_update_refusals_change_nothing(member, kwargs, code):
    with pytest.raises(DomainError) as exc:
        # a valid handle change in the same call must be rolled back too
        services.profile_update(member=member, **{"handle": "svc_renamed", **kwargs})
    assert exc.value.code == code
    assert snapshot(member) == ORIGINAL
    assert Handle.objects.get(owner_id=member.pk).handle == "svc_member"


def test_bio_of_exactly_500_is_fine(member):
    services.profile_update(member=member, bio="b" * 500)
    assert snapshot(member)[2] == "b" * 500


def test_blank_display_name_falls_back_to_handle(member):
    services.profile_update(member=member, display_name="   ")
    assert snapshot(member)[1] == "svc_member"


def test_profile_handle_taken_by_entity_in_other_case(member, entity_kinds):
    EntityFactory(handle="Hilltop_Farm")
    with pytest.raises(DomainError) as exc:
        services.profile_update(member=member, handle="hilltop_farm", bio="changed")
    assert exc.value.code == "handle.taken"
    assert snapshot(member) == ORIGINAL


def test_member_create_refuses_bad_timezone_and_writes_nothing(db):
    users, handles = User.objects.count(), Handle.objects.count()
    for tz in ("Nowhere/Place", "Europe"):
        with pytest.raises(DomainError) as exc:
            services.member_create(
                email=f"tz{len(tz)}@example.test",
                password=PASSWORD,
                handle=f"tz_{len(tz)}",
                timezone_name=tz,
            )
        assert exc.value.code == "profile.timezone_invalid"
    assert (User.objects.count(), Handle.objects.count()) == (users, handles)


def test_member_create_email_is_unique_case_insensitively(member):
    with pytest.raises(DomainError) as exc:
        MemberFactory(email=member.email.upper())
    assert exc.value.code == "account.email_taken"


# --- PATCH /api/v1/me -------------------------------------------------------------------------


def api(client, method, path, body, token):
    return getattr(client, method)(
        path,
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


@pytest.fixture
def token(client, member):
    response = client.post(
        "/api/v1/auth/token",
        data=json.dumps({"email": member.email, "password": PASSWORD}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def test_patch_me_updates_profile(client, member, token):
    response = api(client, "patch", "/api/v1/me", {"timezone": "Asia/Tokyo", "bio": "Hi"}, token)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["timezone"] == "Asia/Tokyo"
    assert body["bio"] == "Hi"
    assert body["email"] == member.email
    assert snapshot(member) == ("svc_member", "Svc Member", "Hi", "Asia/Tokyo", "en")


@pytest.mark.parametrize(
    "body", [{"email": "new@example.test"}, {"role": "admin"}, {"bio": 5}, {"timezone": ["UTC"]}]
)
def test_patch_me_unknown_or_wrong_fields_are_422(client, member, token, body):
    response = api(client, "patch", "/api/v1/me", body, token)
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "request.validation_failed"
    email = member.email
    member.refresh_from_db()
    assert (member.email, member.role) == (email, "member")
    assert snapshot(member) == ORIGINAL


@pytest.mark.parametrize("tz", ["Mars/Base", "Europe"])
def test_patch_me_bad_timezone_is_400_problem(client, member, token, tz):
    response = api(client, "patch", "/api/v1/me", {"timezone": tz, "bio": "changed"}, token)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "profile.timezone_invalid"
    assert body["errors"][0]["field"] == "timezone"
    assert snapshot(member) == ORIGINAL


def test_patch_me_bad_locale_and_taken_handle(client, member, token):
    MemberFactory(handle="Someone_Else")
    bad_locale = api(client, "patch", "/api/v1/me", {"locale": "klingon"}, token)
    assert bad_locale.status_code == 400
    assert bad_locale.json()["code"] == "profile.locale_invalid"
    taken = api(client, "patch", "/api/v1/me", {"handle": "SOMEONE_ELSE"}, token)
    assert taken.status_code == 409
    assert taken.json()["code"] == "handle.taken"
    assert snapshot(member) == ORIGINAL


def test_patch_me_needs_auth(client, member):
    response = client.patch(
        "/api/v1/me", data=json.dumps({"bio": "x"}), content_type="application/json"
    )
    assert response.status_code == 401
    assert response.json()["code"] == "auth.required"
    assert snapshot(member) == ORIGINAL


def test_role_changes_are_admin_only_and_audited():
    from yalls.core.audit.models import AuditEvent

    admin = MemberFactory(role="admin")
    member = MemberFactory()
    with pytest.raises(Forbidden):
        services.member_role_set(actor=member, member=member, role="admin")
    services.member_role_set(actor=admin, member=member, role="producer")
    member.refresh_from_db()
    assert member.role == "producer"
    event = AuditEvent.objects.get(action="member.role_changed")
    assert event.actor_id == admin.pk and event.metadata == {"from": "member", "to": "producer"}
    with pytest.raises(DomainError):
        services.member_role_set(actor=admin, member=member, role="emperor")


@pytest.mark.django_db
def test_replacing_an_avatar_deletes_the_old_file_after_commit(
    django_capture_on_commit_callbacks, tmp_path, settings
):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path

    def png():
        buffer = io.BytesIO()
        Image.new("RGB", (50, 50), "navy").save(buffer, format="PNG")
        return SimpleUploadedFile("a.png", buffer.getvalue(), content_type="image/png")

    member = MemberFactory()
    with django_capture_on_commit_callbacks(execute=True):
        member = services.profile_update(member=member, avatar=png())
    first = member.avatar.name
    assert member.avatar.storage.exists(first)
    with django_capture_on_commit_callbacks(execute=True):
        member = services.profile_update(member=member, avatar=png())
    assert member.avatar.name != first
    assert not member.avatar.storage.exists(first)
    assert member.avatar.storage.exists(member.avatar.name)
    second = member.avatar.name
    with django_capture_on_commit_callbacks(execute=True):
        member = services.profile_update(member=member, remove_avatar=True)
    assert not member.avatar and not member.avatar.storage.exists(second)
