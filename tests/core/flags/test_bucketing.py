"""bucket_v1 is pinned: golden vectors, the monotonic rollout property, uniformity."""

import hashlib
import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from yalls.core.flags.bucketing import bucket_v1, variant_pick_v1, variant_point_v1
from yalls.core.flags.evaluation import Subject, flag_evaluate

# (flag key, subject id, first 8 bytes of sha256("<key>:<subject>") in hex, bucket).
# Each bucket is floor(h * 10000 / 2**64) for h = those 8 bytes; by hand from the first two bytes:
#   a5 04 -> (165 + 4/256) / 256 = 0.64459 -> 6445
#   ad 13 -> (173 + 19/256) / 256 = 0.67607 -> 6760
#   25 b4 -> (37 + 180/256) / 256 = 0.14728 -> 1472
#   c0 45 -> (192 + 69/256) / 256 = 0.75105 -> 7510
#   67 83 -> (103 + 131/256) / 256 = 0.40435 -> 4043
# (digests checked with coreutils: printf '%s' 'discover_reels:member-1' | sha256sum -> a5046c64…)
GOLDEN = [
    ("discover_reels", "member-1", "a5046c644f9170c3", 6445),
    ("discover_reels", "00000000-0000-0000-0000-000000000001", "ad13a5f9b91eeb73", 6760),
    ("feed_shop_blend", "anon:abc", "25b4ba51e3df3310", 1472),
    ("payments_real", "42", "c04598187876f2ec", 7510),
    ("a", "b", "6783a31eabf68ccc", 4043),
]

# Variant points: sha256("variant:<key>:<subject>"), scaled to a total weight of 100.
#   c4 51 -> 196.3/256 = 0.7668 -> 76;  a0 b6 -> 160.7/256 = 0.6278 -> 62
#   8d 54 -> 141.3/256 = 0.5521 -> 55;  e6 b5 -> 230.7/256 = 0.9013 -> 90;  02 b1 -> 2.7/256 -> 1
GOLDEN_VARIANT_POINTS = [
    ("discover_reels", "member-1", "c451eaa4a1fe9f4b", 76),
    ("discover_reels", "00000000-0000-0000-0000-000000000001", "a0b6e597d630e6ed", 62),
    ("feed_shop_blend", "anon:abc", "8d5478838dcb0e49", 55),
    ("payments_real", "42", "e6b5444de51ba471", 90),
    ("a", "b", "02b18f91309c1f21", 1),
]


def test_bucket_v1_golden_vectors():
    for key, subject, digest_prefix, bucket in GOLDEN:
        assert hashlib.sha256(f"{key}:{subject}".encode()).hexdigest()[:16] == digest_prefix
        assert bucket_v1(key, subject) == bucket, (key, subject)


def test_variant_point_v1_golden_vectors():
    for key, subject, digest_prefix, point in GOLDEN_VARIANT_POINTS:
        assert hashlib.sha256(f"variant:{key}:{subject}".encode()).hexdigest()[:16] == digest_prefix
        assert variant_point_v1(key, subject, 100) == point, (key, subject)


def test_variant_pick_follows_cumulative_weights():
    variants = [
        {"key": "control", "weight": 50},
        {"key": "a", "weight": 25},
        {"key": "b", "weight": 25},
    ]
    # points 76, 62, 55, 90, 1 of 100 -> b (75..99), a (50..74), a, b, control (0..49)
    picks = [variant_pick_v1(k, s, variants)["key"] for k, s, _, _ in GOLDEN_VARIANT_POINTS]
    assert picks == ["b", "a", "a", "b", "control"]


def _flag(rollout_bp: int) -> dict:
    return {
        "key": "discover_reels",
        "enabled": True,
        "kill_switch": False,
        "rollout_bp": rollout_bp,
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


@settings(max_examples=300, deadline=None)
@given(
    member_id=st.uuids().map(str),
    low=st.integers(min_value=0, max_value=10_000),
    high=st.integers(min_value=0, max_value=10_000),
)
def test_raising_the_rollout_never_turns_a_member_off(member_id, low, high):
    low, high = sorted((low, high))
    subject = Subject(id=member_id)
    before = flag_evaluate(_flag(low), subject, environment="test").enabled
    after = flag_evaluate(_flag(high), subject, environment="test").enabled
    assert after or not before


def test_buckets_are_uniform_and_variants_independent_of_rollout():
    ids = [str(uuid.UUID(int=i)) for i in range(20_000)]
    buckets = [bucket_v1("discover_reels", i) for i in ids]
    in_quarter = sum(b < 2_500 for b in buckets) / len(ids)
    assert 0.235 < in_quarter < 0.265
    variants = [{"key": "control", "weight": 1}, {"key": "treatment", "weight": 1}]
    # Among members inside a 25 % rollout the split is still about 50/50: the variant hash does
    # not depend on the rollout hash.
    inside = [i for i, b in zip(ids, buckets, strict=True) if b < 2_500]
    share = sum(
        variant_pick_v1("discover_reels", i, variants)["key"] == "treatment" for i in inside
    )
    assert 0.46 < share / len(inside) < 0.54
