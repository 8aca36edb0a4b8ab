"""flag_update / flag_create validate before writing, audit before/after; experiments record
exposures once and conversions per event; the readout counts them."""

from decimal import Decimal

import pytest

from tests.factories import MemberFactory
from yalls.core.audit.models import AuditEvent
from yalls.core.errors import DomainError, Forbidden, NotFound
from yalls.core.flags import selectors
from yalls.core.flags.models import ExperimentConversion, ExperimentExposure, Flag
from yalls.core.flags.services import (
    basis_points_to_percent,
    experiment_convert,
    experiment_expose,
    flag_create,
    flag_update,
    rollout_to_basis_points,
)

pytestmark = pytest.mark.django_db


def snapshot_of_writes():
    return (
        list(Flag.objects.order_by("key").values()),
        AuditEvent.objects.count(),
    )


@pytest.mark.parametrize(
    ("value", "bp"),
    [(0, 0), (100, 10_000), ("12.34", 1234), (12.5, 1250), (Decimal("0.01"), 1), ("7", 700)],
)
def test_rollout_percentages_become_basis_points(value, bp):
    assert rollout_to_basis_points(value) == bp


def test_basis_points_print_as_percentages():
    assert [basis_points_to_percent(b) for b in (0, 1, 1250, 10_000)] == [
        "0",
        "0.01",
        "12.5",
        "100",
    ]


def test_update_audits_before_and_after(seeded, staff):
    flag_update(actor=staff, key="discover_reels", enabled=False, rollout="12.5")
    flag = Flag.objects.get(key="discover_reels")
    assert (flag.enabled, flag.rollout_bp) == (False, 1250)
    event = AuditEvent.objects.get(action="flag.updated", target_id="discover_reels")
    assert event.actor_id == staff.pk
    assert event.metadata == {
        "before": {"enabled": True, "rollout_bp": 10_000},
        "after": {"enabled": False, "rollout_bp": 1250},
    }


def test_an_update_that_changes_nothing_writes_nothing(seeded, staff):
    flag_update(actor=staff, key="discover_reels", enabled=True)
    assert not AuditEvent.objects.filter(action="flag.updated").exists()


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"rollout": "100.001"}, "rollout", "flag.rollout_invalid"),
        ({"rollout": "12.345"}, "rollout", "flag.rollout_invalid"),
        ({"rollout": -1}, "rollout", "flag.rollout_invalid"),
        ({"rollout": "NaN"}, "rollout", "flag.rollout_invalid"),
        ({"rollout": "lots"}, "rollout", "flag.rollout_invalid"),
        ({"rollout": True}, "rollout", "flag.rollout_invalid"),
        (
            {"variants": [{"key": "control", "weight": 1}, {"key": "b", "weight": -5}]},
            "variants",
            "flag.variants_invalid",
        ),
        (
            {"variants": [{"key": "control", "weight": 1}, {"key": "b", "weight": 0}]},
            "variants",
            "flag.variants_invalid",
        ),
        (
            {"variants": [{"key": "control", "weight": 1}, {"key": "control", "weight": 1}]},
            "variants",
            "flag.variants_invalid",
        ),
        (
            {"variants": [{"key": "Bad Key", "weight": 1}, {"key": "b", "weight": 1}]},
            "variants",
            "flag.variants_invalid",
        ),
        ({"variants": [{"key": "only", "weight": 1}]}, "variants", "flag.variants_invalid"),
        (
            {"variants": [{"key": "a", "weight": 1, "colour": "red"}, {"key": "b", "weight": 1}]},
            "variants",
            "flag.variants_invalid",
        ),
        (
            {"variants": [{"key": "a", "weight": 1.5}, {"key": "b", "weight": 1}]},
            "variants",
            "flag.variants_invalid",
        ),
        ({"roles": ["Admins!"]}, "roles", "flag.targeting_invalid"),
        ({"allow_list": ["not a member"]}, "allow_list", "flag.targeting_invalid"),
        ({"payload": {"x": float("nan")}}, "payload", "flag.payload_invalid"),
        ({"description": "x" * 501}, "description", "flag.description_invalid"),
        ({"enabled": "yes"}, "enabled", "flag.targeting_invalid"),
    ],
)
def test_bad_input_is_a_field_error_and_writes_nothing(seeded, staff, changes, field, code):
    before = snapshot_of_writes()
    # A valid change given alongside must not be written either.
    with pytest.raises(DomainError) as caught:
        flag_update(actor=staff, key="discover_reels", kill_switch=True, **changes)
    assert (caught.value.field, caught.value.code) == (field, code)
    assert snapshot_of_writes() == before


def test_unknown_key_and_non_staff(seeded, staff, member):
    with pytest.raises(NotFound):
        flag_update(actor=staff, key="nope", enabled=True)
    with pytest.raises(Forbidden):
        flag_update(actor=member, key="discover_reels", enabled=False)
    assert Flag.objects.get(key="discover_reels").enabled


def test_create_validates_key_and_uniqueness(seeded, staff):
    for bad in ("Bad-Key", "x", "1abc", "with space", "a" * 65):
        with pytest.raises(DomainError) as caught:
            flag_create(actor=staff, key=bad)
        assert caught.value.field == "key"
    with pytest.raises(DomainError) as caught:
        flag_create(actor=staff, key="discover_reels")
    assert caught.value.code == "flag.key_taken"
    flag = flag_create(
        actor=staff, key="new_lane", rollout="0.5", roles=["producer"], allow_list=["@Rosa"]
    )
    assert (flag.rollout_bp, flag.roles, flag.allow_list) == (50, ["producer"], ["@rosa"])
    assert AuditEvent.objects.filter(action="flag.created", target_id="new_lane").exists()


@pytest.fixture
def experiment(db, staff):
    return flag_create(
        actor=staff,
        key="reels_layout",
        enabled=True,
        variants=[
            {"key": "control", "weight": 1},
            {"key": "grid", "weight": 1, "payload": {"cols": 3}},
        ],
    )


def test_exposure_is_recorded_once_and_conversions_once_per_event(experiment, member):
    first = experiment_expose(key="reels_layout", subject=member)
    again = experiment_expose(key="reels_layout", subject=member)
    assert first.pk == again.pk and first.variant in {"control", "grid"}
    assert ExperimentExposure.objects.count() == 1
    assert (
        experiment_convert(key="reels_layout", subject=member, event="follow").variant
        == first.variant
    )
    experiment_convert(key="reels_layout", subject=member, event="follow")
    experiment_convert(key="reels_layout", subject=member, event="share")
    assert ExperimentConversion.objects.count() == 2
    anonymous = experiment_expose(key="reels_layout", subject="visitor-123456")
    assert anonymous.subject_id == "anon:visitor-123456"


def test_no_exposure_when_off_and_no_conversion_without_exposure(experiment, staff, member):
    assert experiment_convert(key="reels_layout", subject=member, event="follow") is None
    flag_update(actor=staff, key="reels_layout", deny_list=[str(member.pk)])
    assert experiment_expose(key="reels_layout", subject=member) is None
    assert not ExperimentExposure.objects.exists()


def test_experiment_errors(experiment, seeded, member):
    with pytest.raises(NotFound):
        experiment_expose(key="missing", subject=member)
    with pytest.raises(DomainError) as caught:
        experiment_expose(key="discover_reels", subject=member)
    assert caught.value.code == "experiment.not_an_experiment"
    with pytest.raises(DomainError) as caught:
        experiment_convert(key="reels_layout", subject=member, event="Bad Event!")
    assert caught.value.field == "event"


def test_readout_counts_and_intervals(experiment, staff):
    # 70 exposed in "grid" with 56 conversions, 80 in control with 48: Newcombe's worked example.
    def add(variant, exposed, converted):
        for i in range(exposed):
            subject = f"{variant}-{i}"
            ExperimentExposure.objects.create(flag=experiment, subject_id=subject, variant=variant)
            if i < converted:
                ExperimentConversion.objects.create(
                    flag=experiment, subject_id=subject, event="follow", variant=variant
                )

    add("grid", 70, 56)
    add("control", 80, 48)
    ExperimentConversion.objects.create(
        flag=experiment, subject_id="grid-0", event="share", variant="grid"
    )
    readout = selectors.experiment_readout(actor=staff, key="reels_layout", event="follow")
    assert readout["events"] == ["follow", "share"] and readout["control"] == "control"
    rows = {row["variant"]: row for row in readout["rows"]}
    assert (rows["grid"]["exposures"], rows["grid"]["conversions"]) == (70, 56)
    assert rows["control"]["difference"] is None
    diff = rows["grid"]["difference"]
    assert diff.estimate == pytest.approx(0.2)
    assert (round(diff.low, 4), round(diff.high, 4)) == (0.0524, 0.3339)
    assert rows["control"]["rate"].estimate == pytest.approx(0.6)
    share = selectors.experiment_readout(actor=staff, key="reels_layout", event="share")
    assert {r["variant"]: r["conversions"] for r in share["rows"]} == {"control": 0, "grid": 1}


def test_readout_is_staff_only(experiment, member):
    with pytest.raises(Forbidden):
        selectors.experiment_readout(actor=member, key="reels_layout")


def test_factory_admin_is_staff(db, fast_passwords):
    assert MemberFactory(role="admin").is_staff
