"""Deterministic bucketing: which members a rollout reaches and which variant each one gets.

The functions here are versioned. `bucket_v1` is pinned by golden vectors in
tests/core/flags/test_bucketing.py: changing what it returns for any input would silently move
members in or out of every running rollout and reshuffle every experiment, so a new scheme gets a
new name (`bucket_v2`) and flags opt into it explicitly; `bucket_v1` never changes.
"""

import hashlib

BUCKETS = 10_000  # one bucket per basis point: rollouts are set in 0.01 % steps


def _unit_v1(text: str) -> int:
    """The first 64 bits of sha256(text), big-endian, as an integer in [0, 2**64)."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def bucket_v1(flag_key: str, subject_id: str) -> int:
    """The subject's rollout bucket for a flag, in [0, 10000).

    A subject is in a rollout when `bucket < rollout_basis_points`, so raising the rollout only ever
    adds subjects. Scaling the 64-bit hash by multiplication (not modulo) keeps buckets uniform.
    """
    return (_unit_v1(f"{flag_key}:{subject_id}") * BUCKETS) >> 64


def variant_point_v1(flag_key: str, subject_id: str, total_weight: int) -> int:
    """A second hash of the same subject, independent of `bucket_v1` (different salt), in
    [0, total_weight): which variant a subject gets does not depend on when the rollout reached them."""
    return (_unit_v1(f"variant:{flag_key}:{subject_id}") * total_weight) >> 64


def variant_pick_v1(flag_key: str, subject_id: str, variants: list[dict]) -> dict | None:
    """The variant (a dict with `key` and a positive integer `weight`) for this subject."""
    total = sum(int(v["weight"]) for v in variants)
    if total <= 0:
        return None
    point = variant_point_v1(flag_key, subject_id, total)
    for variant in variants:
        point -= int(variant["weight"])
        if point < 0:
            return variant
    return variants[-1]  # unreachable: point < total
