"""Targeting rules and their order: kill switch, environment, deny, allow, off, role/tier/cohort,
rollout."""

from types import SimpleNamespace

import pytest

from yalls.core.flags.evaluation import Subject, flag_evaluate


def flag(**overrides) -> dict:
    base = {
        "key": "discover_reels",
        "enabled": True,
        "kill_switch": False,
        "rollout_bp": 10_000,
        "bucketing": "v1",
        "environments": [],
        "roles": [],
        "tiers": [],
        "cohorts": [],
        "allow_list": frozenset(),
        "deny_list": frozenset(),
        "variants": [],
        "payload": None,
    }
    for name in ("allow_list", "deny_list"):
        if name in overrides:
            overrides[name] = frozenset(overrides[name])
    return {**base, **overrides}


def member(**attrs):
    """A member as core sees it: duck-typed (tier and cohort_tags don't exist on members yet)."""
    defaults = {"pk": "11111111-1111-1111-1111-111111111111", "is_authenticated": True}
    defaults.update({"role": "member", "handle": "Rosa"})
    return SimpleNamespace(**{**defaults, **attrs})


def evaluate(f, who, environment="production"):
    return flag_evaluate(f, Subject.of(who), environment=environment)


def test_kill_switch_beats_everything_even_the_allow_list():
    state = evaluate(flag(kill_switch=True, allow_list=["@rosa"]), member())
    assert (state.enabled, state.reason) == (False, "kill_switch")


def test_environment_rule():
    f = flag(environments=["staging"])
    assert evaluate(f, member(), "production").reason == "environment"
    assert evaluate(f, member(), "staging").enabled


def test_deny_list_beats_allow_list_and_allow_list_beats_off_and_rules():
    me = member()
    assert evaluate(flag(deny_list=["@rosa"], allow_list=["@rosa"]), me).reason == "deny_list"
    assert evaluate(flag(deny_list=[me.pk]), me).reason == "deny_list"
    allowed = evaluate(flag(enabled=False, roles=["admin"], rollout_bp=0, allow_list=[me.pk]), me)
    assert (allowed.enabled, allowed.reason) == (True, "allow_list")


def test_off_means_off():
    assert evaluate(flag(enabled=False), member()).reason == "off"


@pytest.mark.parametrize(
    ("rules", "attrs", "enabled"),
    [
        ({"roles": ["producer", "admin"]}, {"role": "producer"}, True),
        ({"roles": ["producer"]}, {"role": "member"}, False),
        ({"tiers": ["gold"]}, {"tier": "gold"}, True),
        ({"tiers": ["gold"]}, {}, False),  # members have no tier yet: the rule leaves them out
        ({"cohorts": ["beta", "breeders"]}, {"cohort_tags": ["breeders"]}, True),
        ({"cohorts": ["beta"]}, {"cohort_tags": ["farriers"]}, False),
        ({"roles": ["member"], "cohorts": ["beta"]}, {"cohort_tags": ["beta"]}, True),
        (
            {"roles": ["member"], "cohorts": ["beta"]},
            {"role": "admin", "cohort_tags": ["beta"]},
            False,
        ),
    ],
)
def test_role_tier_and_cohort_rules(rules, attrs, enabled):
    assert evaluate(flag(**rules), member(**attrs)).enabled is enabled


def test_rules_leave_anonymous_visitors_out():
    assert not flag_evaluate(
        flag(roles=["member"]), Subject.of(None, anonymous_id="abc12345"), environment="x"
    ).enabled


def test_rollout_bucket():
    me = Subject(id="member-1")  # bucket_v1("discover_reels", "member-1") == 6445
    assert flag_evaluate(flag(rollout_bp=6446), me, environment="x").enabled
    assert not flag_evaluate(flag(rollout_bp=6445), me, environment="x").enabled
    assert not flag_evaluate(flag(rollout_bp=0), me, environment="x").enabled


def test_anonymous_without_an_id_gets_full_rollouts_only_and_the_control():
    nobody = Subject.of(None)
    assert not flag_evaluate(flag(rollout_bp=9_999), nobody, environment="x").enabled
    variants = [{"key": "a", "weight": 1}, {"key": "control", "weight": 99, "payload": {"n": 1}}]
    state = flag_evaluate(flag(variants=variants), nobody, environment="x")
    assert (state.enabled, state.variant, state.payload) == (True, "control", {"n": 1})


def test_variant_and_payload():
    variants = [{"key": "control", "weight": 50}, {"key": "b", "weight": 50, "payload": {"x": 2}}]
    state = flag_evaluate(flag(variants=variants), Subject(id="member-1"), environment="x")
    # variant_point_v1("discover_reels", "member-1", 100) == 76 -> the second half -> "b"
    assert (state.variant, state.payload) == ("b", {"x": 2})
    plain = flag_evaluate(flag(payload={"limit": 5}), Subject(id="member-1"), environment="x")
    assert (plain.variant, plain.payload) == (None, {"limit": 5})
    off = flag_evaluate(
        flag(enabled=False, variants=variants), Subject(id="member-1"), environment="x"
    )
    assert (off.enabled, off.variant, off.payload) == (False, None, None)
