"""Evaluating one flag for one subject: a pure function of the flag's definition and the subject.

Order (the first rule that decides wins):
 1. kill switch on            -> off, for everyone, no exceptions
 2. environment not listed    -> off
 3. subject on the deny list  -> off
 4. subject on the allow list -> on (even while the flag is switched off: how staff try a feature
                                 before it is released)
 5. flag switched off         -> off
 6. role / tier / cohort rules declared and none of a rule's values match -> off
 7. rollout bucket            -> on when bucket_v1(key, subject) < rollout_bp

Members have no membership tier or cohort tags yet: they are read duck-typed
(`getattr(member, "tier", None)`, `getattr(member, "cohort_tags", [])`), so the rules start working
the day those attributes exist. `core` never imports the accounts app.
"""

from dataclasses import dataclass, field
from typing import Any

from yalls.core.flags.bucketing import BUCKETS, bucket_v1, variant_pick_v1

BUCKETERS = {"v1": (bucket_v1, variant_pick_v1)}


@dataclass(frozen=True)
class Subject:
    """Who a flag is evaluated for. `id` is None for an anonymous visitor without any id."""

    id: str | None
    role: str | None = None
    tier: str | None = None
    cohorts: frozenset[str] = field(default_factory=frozenset)
    handle: str | None = None

    @classmethod
    def of(cls, member=None, *, anonymous_id: str | None = None) -> "Subject":
        if member is not None and getattr(member, "is_authenticated", False):
            handle = getattr(member, "handle", None)
            return cls(
                id=str(member.pk),
                role=getattr(member, "role", None),
                tier=getattr(member, "tier", None),
                cohorts=frozenset(getattr(member, "cohort_tags", None) or ()),
                handle=f"@{handle}".lower() if handle else None,
            )
        if anonymous_id:
            return cls(id=f"anon:{anonymous_id}")
        return cls(id=None)

    def named_in(self, entries) -> bool:
        return (self.id is not None and self.id in entries) or (
            self.handle is not None and self.handle in entries
        )


@dataclass(frozen=True)
class FlagState:
    enabled: bool
    variant: str | None = None
    payload: Any = None
    reason: str = ""

    def as_dict(self) -> dict:
        return {"enabled": self.enabled, "variant": self.variant, "payload": self.payload}


def _on(flag: dict, subject: Subject, reason: str) -> FlagState:
    variants = flag["variants"]
    if not variants:
        return FlagState(True, None, flag.get("payload"), reason)
    if subject.id is None:
        # No id to hash: every anonymous visitor without one sees the control.
        variant = control_variant(variants)
    else:
        _, pick = BUCKETERS[flag["bucketing"]]
        variant = pick(flag["key"], subject.id, variants)
    return FlagState(True, variant["key"], variant.get("payload"), reason)


def control_variant(variants: list[dict]) -> dict:
    return next((v for v in variants if v["key"] == "control"), variants[0])


def flag_evaluate(flag: dict, subject: Subject, *, environment: str) -> FlagState:
    """`flag` is a snapshot dict (see selectors._snapshot_load)."""
    if flag["kill_switch"]:
        return FlagState(False, reason="kill_switch")
    if flag["environments"] and environment not in flag["environments"]:
        return FlagState(False, reason="environment")
    if subject.named_in(flag["deny_list"]):
        return FlagState(False, reason="deny_list")
    if subject.named_in(flag["allow_list"]):
        return _on(flag, subject, "allow_list")
    if not flag["enabled"]:
        return FlagState(False, reason="off")
    if flag["roles"] and subject.role not in flag["roles"]:
        return FlagState(False, reason="role")
    if flag["tiers"] and subject.tier not in flag["tiers"]:
        return FlagState(False, reason="tier")
    if flag["cohorts"] and not subject.cohorts.intersection(flag["cohorts"]):
        return FlagState(False, reason="cohort")
    rollout = flag["rollout_bp"]
    if rollout >= BUCKETS:
        return _on(flag, subject, "rollout")
    if rollout <= 0 or subject.id is None:
        # Without an id a partial rollout can't be stable across requests: leave them out.
        return FlagState(False, reason="rollout")
    bucket, _ = BUCKETERS[flag["bucketing"]]
    if bucket(flag["key"], subject.id) < rollout:
        return _on(flag, subject, "rollout")
    return FlagState(False, reason="rollout")
