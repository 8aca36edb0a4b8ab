"""Entities services: create, edit, archive/restore, transfer, members, metadata, atomicity; handles."""

import io
import os
import re
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from tests.factories import EntityFactory, MemberFactory
from yalls.core.errors import Conflict, DomainError, Forbidden, NotFound
from yalls.core.handles import HANDLE_RE, RESERVED, handle_validate
from yalls.core.models import Handle
from yalls.entities import selectors, services
from yalls.entities.models import Entity, EntityMember, Horse

HANDLE_SHAPE = re.compile(r"^[A-Za-z0-9_]{3,30}$")


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def counts() -> dict:
    return {
        "entities": Entity.objects.count(),
        "members": EntityMember.objects.count(),
        "handles": Handle.objects.count(),
        "horses": Horse.objects.count(),
    }


def add_member(entity, owner, role):
    member = MemberFactory()
    services.entity_member_set(actor=owner, entity=entity, member_handle=member.handle, role=role)
    return member


@pytest.fixture
def owner(db):
    return MemberFactory(handle="the_owner")


@pytest.fixture
def farm(owner, entity_kinds):
    return services.entity_create(
        actor=owner, handle="Green_Acres", display_name="  Green Acres  ", kind="farm"
    )


# --- create -----------------------------------------------------------------------------------


def test_create_makes_owner_membership_and_claims_handle(owner, farm):
    farm.refresh_from_db()
    assert farm.owner_id == owner.pk
    assert farm.display_name == "Green Acres"
    assert farm.handle == "Green_Acres"
    rows = list(EntityMember.objects.filter(entity=farm))
    assert [(r.member_id, r.role) for r in rows] == [(owner.pk, EntityMember.Role.OWNER)]
    claim = Handle.objects.get(owner_id=farm.pk)
    assert claim.kind == Handle.Kind.ENTITY
    assert claim.handle == "Green_Acres"
    assert selectors.member_role(owner, farm) == EntityMember.Role.OWNER


def test_entity_handle_collides_with_member_handle_in_any_case(entity_kinds):
    maya = MemberFactory(handle="maya_rides")
    before = counts()
    with pytest.raises(DomainError) as exc:
        services.entity_create(
            actor=maya, handle="Maya_Rides", display_name="Maya's barn", kind="stable"
        )
    assert exc.value.code == "handle.taken"
    assert exc.value.status == 409
    assert counts() == before


def test_member_handle_collides_with_entity_handle_in_any_case(farm):
    with pytest.raises(DomainError) as exc:
        MemberFactory(handle="GREEN_ACRES")
    assert exc.value.code == "handle.taken"


def test_entity_handles_collide_case_insensitively(owner, farm):
    before = counts()
    with pytest.raises(DomainError) as exc:
        services.entity_create(actor=owner, handle="green_acres", display_name="Dup", kind="farm")
    assert exc.value.code == "handle.taken"
    assert counts() == before


@pytest.mark.parametrize(
    ("handle", "code"),
    [("ab", "handle.invalid"), ("has space", "handle.invalid"), ("Admin", "handle.reserved")],
)
def test_create_refuses_bad_handles_and_writes_nothing(owner, entity_kinds, handle, code):
    before = counts()
    with pytest.raises(DomainError) as exc:
        services.entity_create(actor=owner, handle=handle, display_name="X", kind="farm")
    assert exc.value.code == code
    assert counts() == before


def test_create_unknown_kind_and_blank_name(owner, entity_kinds):
    before = counts()
    with pytest.raises(DomainError) as exc:
        services.entity_create(actor=owner, handle="unicorn_co", display_name="U", kind="unicorn")
    assert exc.value.code == "entity.kind_unknown"
    with pytest.raises(DomainError) as exc:
        services.entity_create(actor=owner, handle="blank_name", display_name="   ", kind="farm")
    assert exc.value.code == "entity.display_name_required"
    assert counts() == before


def test_horse_details_are_saved_for_horses(owner, entity_kinds):
    horse = services.entity_create(
        actor=owner,
        handle="silver_blaze",
        display_name="Silver Blaze",
        kind="horse",
        breed="Thoroughbred",
        sex="stallion",
        colour="Bay",
        foaling_date=date(2015, 4, 1),
        registration_number="TB-123",
    )
    details = Horse.objects.get(entity=horse)
    assert details.breed == "Thoroughbred"
    assert details.sex == "stallion"
    assert details.colour == "Bay"
    assert details.foaling_date == date(2015, 4, 1)
    assert details.registration_number == "TB-123"


def test_horse_details_refused_for_non_horse_kinds_and_nothing_written(owner, entity_kinds):
    before = counts()
    with pytest.raises(DomainError) as exc:
        services.entity_create(
            actor=owner, handle="farm_breed", display_name="F", kind="farm", breed="Arabian"
        )
    assert exc.value.code == "entity.horse_fields_not_allowed"
    assert counts() == before


def test_empty_horse_fields_are_fine_on_non_horse(owner, entity_kinds):
    entity = services.entity_create(
        actor=owner, handle="plain_farm", display_name="F", kind="farm", breed="", sex=None
    )
    assert not Horse.objects.filter(entity=entity).exists()


def test_future_foaling_date_is_refused(owner, entity_kinds):
    before = counts()
    with pytest.raises(DomainError) as exc:
        services.entity_create(
            actor=owner,
            handle="future_foal",
            display_name="Foal",
            kind="horse",
            foaling_date=timezone.localdate() + timedelta(days=1),
        )
    assert exc.value.code == "entity.foaling_date_future"
    assert exc.value.field == "foaling_date"
    assert counts() == before


def test_foaling_today_is_allowed(owner, entity_kinds):
    horse = services.entity_create(
        actor=owner,
        handle="new_foal",
        display_name="Foal",
        kind="horse",
        foaling_date=timezone.localdate(),
    )
    assert Horse.objects.get(entity=horse).foaling_date == timezone.localdate()


def test_bad_horse_sex_is_refused(owner, entity_kinds):
    before = counts()
    with pytest.raises(DomainError) as exc:
        services.entity_create(
            actor=owner, handle="odd_horse", display_name="H", kind="horse", sex="unicorn"
        )
    assert exc.value.code == "entity.horse_sex_invalid"
    assert counts() == before


def _png_upload():
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 10)).save(out, format="PNG")
    return SimpleUploadedFile("a.png", out.getvalue(), content_type="image/png")


def test_create_with_avatar_stores_square_webp(owner, entity_kinds, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    entity = services.entity_create(
        actor=owner, handle="pic_farm", display_name="P", kind="farm", avatar=_png_upload()
    )
    entity.refresh_from_db()
    assert entity.avatar.name.startswith(f"avatars/entities/{entity.pk}/")
    with Image.open(entity.avatar.path) as stored:
        assert (stored.format, stored.size) == ("WEBP", (400, 400))


def test_failed_create_leaves_no_avatar_file(owner, entity_kinds, settings, tmp_path):
    """The horse-details check fails after the picture was processed: no orphan file may remain."""
    settings.MEDIA_ROOT = tmp_path
    before = counts()
    with pytest.raises(DomainError) as exc:
        services.entity_create(
            actor=owner,
            handle="orphan_pic",
            display_name="O",
            kind="farm",
            avatar=_png_upload(),
            breed="Shire",
        )
    assert exc.value.code == "entity.horse_fields_not_allowed"
    assert counts() == before
    assert [f for _, _, files in os.walk(tmp_path) for f in files] == []


# --- metadata ---------------------------------------------------------------------------------


@pytest.mark.parametrize("metadata", [["a", "b"], "text", 5])
def test_metadata_must_be_an_object(owner, entity_kinds, metadata):
    before = counts()
    with pytest.raises(DomainError) as exc:
        services.entity_create(
            actor=owner, handle="meta_farm", display_name="M", kind="farm", metadata=metadata
        )
    assert exc.value.code == "entity.metadata_invalid"
    assert counts() == before


def test_metadata_size_limit_is_16_kb(owner, entity_kinds):
    # json.dumps({"k": "x" * n}) is n + 9 characters long
    fits = {"k": "x" * (16 * 1024 - 9)}
    entity = services.entity_create(
        actor=owner, handle="big_meta", display_name="M", kind="farm", metadata=fits
    )
    entity.refresh_from_db()
    assert entity.metadata == fits
    before = counts()
    with pytest.raises(DomainError) as exc:
        services.entity_create(
            actor=owner,
            handle="too_big_meta",
            display_name="M",
            kind="farm",
            metadata={"k": "x" * (16 * 1024 - 8)},
        )
    assert exc.value.code == "entity.metadata_invalid"
    assert counts() == before
    with pytest.raises(DomainError) as exc:
        services.entity_update(actor=owner, entity=entity, metadata={"k": "x" * (16 * 1024 - 8)})
    assert exc.value.code == "entity.metadata_invalid"
    entity.refresh_from_db()
    assert entity.metadata == fits


# --- edit -------------------------------------------------------------------------------------


def test_owner_and_manager_can_edit(owner, farm):
    manager = add_member(farm, owner, "manager")
    services.entity_update(actor=owner, entity=farm, bio="  Owner bio ")
    services.entity_update(actor=manager, entity=farm, display_name="Renamed", metadata={"a": 1})
    farm.refresh_from_db()
    assert farm.bio == "Owner bio"
    assert farm.display_name == "Renamed"
    assert farm.metadata == {"a": 1}


@pytest.mark.parametrize("who", ["editor", "outsider"])
def test_editor_and_outsider_cannot_edit(owner, farm, who):
    actor = add_member(farm, owner, "editor") if who == "editor" else MemberFactory()
    with pytest.raises(Forbidden) as exc:
        services.entity_update(actor=actor, entity=farm, display_name="Hijacked")
    assert exc.value.code == "entity.not_allowed"
    assert exc.value.status == 403
    farm.refresh_from_db()
    assert farm.display_name == "Green Acres"


def test_renaming_the_handle_moves_the_claim(owner, farm):
    services.entity_update(actor=owner, entity=farm, handle="Green_Pastures")
    farm.refresh_from_db()
    assert farm.handle == "Green_Pastures"
    assert list(Handle.objects.filter(owner_id=farm.pk).values_list("handle", flat=True)) == [
        "Green_Pastures"
    ]
    # the old handle is free again, the new one is not
    assert MemberFactory(handle="green_acres").handle == "green_acres"
    with pytest.raises(DomainError) as exc:
        MemberFactory(handle="GREEN_PASTURES")
    assert exc.value.code == "handle.taken"


def test_renaming_to_own_handle_in_another_case_is_allowed(owner, farm):
    services.entity_update(actor=owner, entity=farm, handle="GREEN_ACRES")
    farm.refresh_from_db()
    assert farm.handle == "GREEN_ACRES"
    assert Handle.objects.filter(owner_id=farm.pk).count() == 1


def test_renaming_to_someone_elses_handle_is_refused(owner, farm):
    MemberFactory(handle="taken_name")
    with pytest.raises(DomainError) as exc:
        services.entity_update(actor=owner, entity=farm, handle="Taken_Name")
    assert exc.value.code == "handle.taken"
    farm.refresh_from_db()
    assert farm.handle == "Green_Acres"


def test_failed_edit_leaves_nothing_half_written(owner, entity_kinds):
    horse = services.entity_create(
        actor=owner, handle="dobbin", display_name="Dobbin", kind="horse"
    )
    with pytest.raises(DomainError) as exc:
        services.entity_update(
            actor=owner,
            entity=horse,
            handle="dobbin_two",
            display_name="Dobbin II",
            foaling_date=timezone.localdate() + timedelta(days=30),
        )
    assert exc.value.code == "entity.foaling_date_future"
    horse.refresh_from_db()
    assert horse.handle == "dobbin"
    assert horse.display_name == "Dobbin"
    assert Handle.objects.get(owner_id=horse.pk).handle == "dobbin"


def test_horse_fields_on_non_horse_edit_refused(owner, farm):
    with pytest.raises(DomainError) as exc:
        services.entity_update(actor=owner, entity=farm, display_name="New", sex="mare")
    assert exc.value.code == "entity.horse_fields_not_allowed"
    farm.refresh_from_db()
    assert farm.display_name == "Green Acres"


# --- archive / restore ------------------------------------------------------------------------


def test_archive_and_restore_by_owner(owner, farm):
    editor = add_member(farm, owner, "editor")
    outsider = MemberFactory()
    services.entity_archive(actor=owner, entity=farm)
    farm.refresh_from_db()
    assert farm.is_archived
    with pytest.raises(NotFound) as exc:
        selectors.access_entity(outsider, "green_acres")
    assert exc.value.code == "entity.not_found"
    with pytest.raises(NotFound):
        selectors.access_entity(None, "Green_Acres")
    assert selectors.access_entity(editor, "@GREEN_ACRES").pk == farm.pk
    assert selectors.access_entity(owner, "green_acres").pk == farm.pk
    assert farm.pk not in set(selectors.entities_visible(outsider).values_list("pk", flat=True))
    # editing an archived entity is refused until restored
    with pytest.raises(Conflict) as exc:
        services.entity_update(actor=owner, entity=farm, bio="x")
    assert exc.value.code == "entity.archived"
    with pytest.raises(Conflict) as exc:
        services.entity_archive(actor=owner, entity=farm)
    assert exc.value.code == "entity.archived"
    services.entity_restore(actor=owner, entity=farm)
    farm.refresh_from_db()
    assert not farm.is_archived
    assert selectors.access_entity(outsider, "green_acres").pk == farm.pk
    with pytest.raises(Conflict) as exc:
        services.entity_restore(actor=owner, entity=farm)
    assert exc.value.code == "entity.not_archived"


@pytest.mark.parametrize("role", ["manager", "editor", None])
def test_only_the_owner_archives_and_restores(owner, farm, role):
    actor = add_member(farm, owner, role) if role else MemberFactory()
    with pytest.raises(Forbidden) as exc:
        services.entity_archive(actor=actor, entity=farm)
    assert exc.value.code == "entity.not_allowed"
    farm.refresh_from_db()
    assert not farm.is_archived
    services.entity_archive(actor=owner, entity=farm)
    with pytest.raises(Forbidden):
        services.entity_restore(actor=actor, entity=farm)
    farm.refresh_from_db()
    assert farm.is_archived


# --- transfer ---------------------------------------------------------------------------------


def test_transfer_ownership(owner, farm):
    new_owner = MemberFactory(handle="new_boss")
    services.entity_transfer_ownership(actor=owner, entity=farm, new_owner_handle="@New_Boss")
    farm.refresh_from_db()
    assert farm.owner_id == new_owner.pk
    roles = dict(EntityMember.objects.filter(entity=farm).values_list("member_id", "role"))
    assert roles == {new_owner.pk: "owner", owner.pk: "manager"}
    # the old owner can no longer archive; the new one can
    with pytest.raises(Forbidden):
        services.entity_archive(actor=owner, entity=farm)
    services.entity_archive(actor=new_owner, entity=farm)


def test_transfer_to_an_existing_editor_promotes_them(owner, farm):
    editor = add_member(farm, owner, "editor")
    services.entity_transfer_ownership(actor=owner, entity=farm, new_owner_handle=editor.handle)
    roles = dict(EntityMember.objects.filter(entity=farm).values_list("member_id", "role"))
    assert roles == {editor.pk: "owner", owner.pk: "manager"}
    assert EntityMember.objects.filter(entity=farm, role="owner").count() == 1


def test_transfer_to_self_or_unknown_is_refused(owner, farm):
    with pytest.raises(DomainError) as exc:
        services.entity_transfer_ownership(actor=owner, entity=farm, new_owner_handle="The_Owner")
    assert exc.value.code == "entity.transfer_to_self"
    with pytest.raises(DomainError) as exc:
        services.entity_transfer_ownership(actor=owner, entity=farm, new_owner_handle="nobody_here")
    assert exc.value.code == "entity.transfer_target_unknown"
    # an entity's handle is not a member
    services.entity_create(actor=owner, handle="other_farm", display_name="O", kind="farm")
    with pytest.raises(DomainError) as exc:
        services.entity_transfer_ownership(actor=owner, entity=farm, new_owner_handle="other_farm")
    assert exc.value.code == "entity.transfer_target_unknown"
    farm.refresh_from_db()
    assert farm.owner_id == owner.pk
    assert list(EntityMember.objects.filter(entity=farm).values_list("role", flat=True)) == [
        "owner"
    ]


def test_only_owner_transfers(owner, farm):
    manager = add_member(farm, owner, "manager")
    with pytest.raises(Forbidden):
        services.entity_transfer_ownership(
            actor=manager, entity=farm, new_owner_handle=manager.handle
        )
    farm.refresh_from_db()
    assert farm.owner_id == owner.pk


# --- members ----------------------------------------------------------------------------------


def test_owner_adds_and_changes_members(owner, farm):
    someone = MemberFactory()
    membership = services.entity_member_set(
        actor=owner, entity=farm, member_handle=f"@{someone.handle.upper()}", role="editor"
    )
    assert (membership.member_id, membership.role) == (someone.pk, "editor")
    services.entity_member_set(
        actor=owner, entity=farm, member_handle=someone.handle, role="manager"
    )
    assert EntityMember.objects.get(entity=farm, member=someone).role == "manager"
    assert EntityMember.objects.filter(entity=farm).count() == 2


def test_manager_adds_editors_but_not_changes_other_managers(owner, farm):
    manager = add_member(farm, owner, "manager")
    other_manager = add_member(farm, owner, "manager")
    newcomer = MemberFactory()
    services.entity_member_set(
        actor=manager, entity=farm, member_handle=newcomer.handle, role="editor"
    )
    assert EntityMember.objects.get(entity=farm, member=newcomer).role == "editor"
    with pytest.raises(Forbidden) as exc:
        services.entity_member_set(
            actor=manager, entity=farm, member_handle=other_manager.handle, role="editor"
        )
    assert exc.value.code == "entity.not_allowed"
    assert EntityMember.objects.get(entity=farm, member=other_manager).role == "manager"


@pytest.mark.parametrize("role", ["editor", None])
def test_editors_and_outsiders_cannot_add_members(owner, farm, role):
    actor = add_member(farm, owner, role) if role else MemberFactory()
    target = MemberFactory()
    with pytest.raises(Forbidden) as exc:
        services.entity_member_set(
            actor=actor, entity=farm, member_handle=target.handle, role="editor"
        )
    assert exc.value.code == "entity.not_allowed"
    assert not EntityMember.objects.filter(entity=farm, member=target).exists()


def test_member_set_refusals(owner, farm):
    target = MemberFactory()
    with pytest.raises(DomainError) as exc:
        services.entity_member_set(
            actor=owner, entity=farm, member_handle=target.handle, role="owner"
        )
    assert exc.value.code == "entity.member_role_invalid"
    with pytest.raises(DomainError) as exc:
        services.entity_member_set(
            actor=owner, entity=farm, member_handle="ghost_member", role="editor"
        )
    assert exc.value.code == "entity.member_unknown"
    with pytest.raises(Conflict) as exc:
        services.entity_member_set(
            actor=owner, entity=farm, member_handle=owner.handle, role="editor"
        )
    assert exc.value.code == "entity.cannot_remove_owner"
    assert list(EntityMember.objects.filter(entity=farm).values_list("member_id", "role")) == [
        (owner.pk, "owner")
    ]


def test_member_remove_rules(owner, farm):
    manager = add_member(farm, owner, "manager")
    editor = add_member(farm, owner, "editor")
    other_editor = add_member(farm, owner, "editor")
    # an editor cannot remove someone else
    with pytest.raises(Forbidden):
        services.entity_member_remove(actor=editor, entity=farm, member_handle=other_editor.handle)
    # but anyone may leave
    services.entity_member_remove(actor=editor, entity=farm, member_handle=editor.handle)
    assert not EntityMember.objects.filter(entity=farm, member=editor).exists()
    # managers remove editors
    services.entity_member_remove(actor=manager, entity=farm, member_handle=other_editor.handle)
    assert not EntityMember.objects.filter(entity=farm, member=other_editor).exists()
    # nobody removes the owner, not even the owner
    for actor in (manager, owner):
        with pytest.raises(Conflict) as exc:
            services.entity_member_remove(actor=actor, entity=farm, member_handle=owner.handle)
        assert exc.value.code == "entity.cannot_remove_owner"
    # removing someone who is not a member, or no member at all
    with pytest.raises(NotFound) as exc:
        services.entity_member_remove(actor=owner, entity=farm, member_handle=editor.handle)
    assert exc.value.code == "entity.member_unknown"
    with pytest.raises(NotFound):
        services.entity_member_remove(actor=owner, entity=farm, member_handle="ghost_member")
    assert EntityMember.objects.filter(entity=farm, member=owner, role="owner").exists()
    assert EntityMember.objects.filter(entity=farm).count() == 2


def test_outsider_cannot_remove_members(owner, farm):
    editor = add_member(farm, owner, "editor")
    outsider = MemberFactory()
    with pytest.raises(Forbidden):
        services.entity_member_remove(actor=outsider, entity=farm, member_handle=editor.handle)
    assert EntityMember.objects.filter(entity=farm, member=editor).exists()


def test_entities_of_member_orders_by_role(owner, entity_kinds):
    other = MemberFactory()
    owned = services.entity_create(actor=owner, handle="zz_owned", display_name="Zed", kind="farm")
    managed = EntityFactory(actor=other, display_name="Alpha")
    edited = EntityFactory(actor=other, display_name="Aardvark")
    services.entity_member_set(
        actor=other, entity=managed, member_handle=owner.handle, role="manager"
    )
    services.entity_member_set(
        actor=other, entity=edited, member_handle=owner.handle, role="editor"
    )
    services.entity_archive(actor=owner, entity=owned)
    pairs = selectors.entities_of_member(owner)
    assert [(e.pk, r) for e, r in pairs] == [
        (owned.pk, "owner"),
        (managed.pk, "manager"),
        (edited.pk, "editor"),
    ]
    assert [e.pk for e, _ in selectors.entities_of_member(owner, include_archived=False)] == [
        managed.pk,
        edited.pk,
    ]


# --- handles (property) -----------------------------------------------------------------------

handle_like = st.text(
    alphabet=st.sampled_from("abcXYZ019_@ \t\n-.é\u00a0ßİ\u0660"), min_size=0, max_size=40
)


@given(st.one_of(st.text(max_size=40), handle_like, st.sampled_from(sorted(RESERVED))))
def test_handle_validate_returns_a_valid_handle_or_a_handle_error(raw):
    try:
        result = handle_validate(raw)
    except DomainError as exc:
        assert exc.code in {"handle.invalid", "handle.reserved"}
        assert exc.field == "handle"
        if exc.code == "handle.reserved":
            assert raw.strip().lstrip("@").lower() in RESERVED
    else:
        assert isinstance(result, str)
        assert HANDLE_SHAPE.fullmatch(result)
        assert result.lower() not in RESERVED
        assert result == raw.strip().lstrip("@")


@given(st.from_regex(HANDLE_RE, fullmatch=True))
def test_every_well_formed_unreserved_handle_is_accepted(raw):
    if raw.lower() in RESERVED:
        with pytest.raises(DomainError):
            handle_validate(raw)
    else:
        assert handle_validate(f"  @{raw} ") == raw


@pytest.mark.django_db
def test_ownership_transfer_and_member_changes_are_audited():
    from yalls.core.audit.models import AuditEvent

    owner, other = MemberFactory(), MemberFactory()
    entity = EntityFactory(actor=owner)
    services.entity_member_set(
        actor=owner, entity=entity, member_handle=other.handle, role="editor"
    )
    services.entity_transfer_ownership(actor=owner, entity=entity, new_owner_handle=other.handle)
    actions = list(
        AuditEvent.objects.filter(target_id=str(entity.pk)).values_list("action", flat=True)
    )
    assert set(actions) == {"entity.member_role_set", "entity.ownership_transferred"}
