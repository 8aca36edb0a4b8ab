"""Every write to flags and experiments: create, update (audited, cache bumped), seed,
exposures and conversions."""

import json
import re
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yalls.core.audit.services import audit_record
from yalls.core.db_context import system_context
from yalls.core.errors import DomainError, Forbidden, NotFound
from yalls.core.flags import errors
from yalls.core.flags.defaults import SEEDED_FLAGS
from yalls.core.flags.evaluation import Subject
from yalls.core.flags.models import ExperimentConversion, ExperimentExposure, Flag
from yalls.core.flags.selectors import flag_version_bump, flags_for

KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]{1,63}")
VARIANT_KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,63}")
TOKEN_PATTERN = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")  # roles, tiers, cohorts, environments
EVENT_PATTERN = re.compile(r"[a-z][a-z0-9_.]{0,63}")
LIST_MAX = 1000
VARIANTS_MAX = 20
WEIGHT_MAX = 10_000
PAYLOAD_MAX_BYTES = 16 * 1024
DESCRIPTION_MAX = 500
LIST_FIELDS = ("environments", "roles", "tiers", "cohorts", "allow_list", "deny_list")
AUDITED_FIELDS = ("description", "enabled", "kill_switch", "rollout_bp", *LIST_FIELDS)
AUDITED_FIELDS += ("variants", "payload")


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET = _Unset()  # "leave as it is" (None is a real value for `payload`)


def _require_staff(actor) -> None:
    # None is the system (migrations, scripts); members must be staff.
    if actor is not None and not getattr(actor, "is_staff", False):
        raise Forbidden(errors.NOT_ALLOWED, _("Only staff can change flags."))


def rollout_to_basis_points(value) -> int:
    """A percentage (0–100, at most two decimals; a number or its text) as basis points."""
    try:
        percent = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError) as exc:
        raise DomainError(
            errors.ROLLOUT_INVALID, _("Rollout must be a number from 0 to 100."), field="rollout"
        ) from exc
    if isinstance(value, bool) or not percent.is_finite() or not 0 <= percent <= 100:
        raise DomainError(
            errors.ROLLOUT_INVALID, _("Rollout must be a number from 0 to 100."), field="rollout"
        )
    if percent != percent.quantize(Decimal("0.01")):
        raise DomainError(
            errors.ROLLOUT_INVALID,
            _("Rollout is set in steps of 0.01 % (at most two decimals)."),
            field="rollout",
        )
    return int(percent * 100)


def basis_points_to_percent(bp: int) -> str:
    """10000 -> "100", 1250 -> "12.5", 1 -> "0.01"."""
    text = f"{Decimal(bp) / 100:.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _key(key) -> str:
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        raise DomainError(
            errors.KEY_INVALID,
            _(
                "A flag key is 2–64 lowercase letters, digits and underscores, starting with a letter."
            ),
            field="key",
        )
    return key


def _list(name: str, values) -> list[str]:
    if isinstance(values, str):
        values = [v for v in re.split(r"[,\s]+", values) if v]
    if not isinstance(values, list | tuple) or len(values) > LIST_MAX:
        raise DomainError(
            errors.TARGETING_INVALID,
            _("%(name)s must be a list of at most %(list_max)s.")
            % {"name": name, "list_max": LIST_MAX},
            field=name,
        )
    cleaned: list[str] = []
    for value in values:
        if not isinstance(value, str) or not value.strip():
            raise DomainError(
                errors.TARGETING_INVALID,
                _("%(name)s holds text only.") % {"name": name},
                field=name,
            )
        value = value.strip()
        if name in ("allow_list", "deny_list"):
            # Member ids, "@handle" or "anon:<id>": compared case-insensitively.
            value = value.lower()
            if len(value) > 100 or not re.fullmatch(r"[@a-z0-9:_-]+", value):
                raise DomainError(
                    errors.TARGETING_INVALID,
                    _("“%(value)s” is not a member id, @handle or anon:<id>.")
                    % {"value": value[:40]},
                    field=name,
                )
        elif not TOKEN_PATTERN.fullmatch(value):
            raise DomainError(
                errors.TARGETING_INVALID,
                _("“%(value)s” is not a valid value (lowercase letters, digits, _ . -).")
                % {"value": value[:40]},
                field=name,
            )
        if value not in cleaned:
            cleaned.append(value)
    return cleaned


def _json(value, *, field: str, code: str):
    try:
        encoded = json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise DomainError(code, _("Must be plain JSON (no NaN or Infinity)."), field=field) from exc
    if len(encoded) > PAYLOAD_MAX_BYTES:
        raise DomainError(code, _("A payload is limited to 16 KB."), field=field)
    return value


def _variants(variants) -> list[dict]:
    def bad(message: str):
        return DomainError(errors.VARIANTS_INVALID, message, field="variants")

    if not isinstance(variants, list | tuple) or len(variants) > VARIANTS_MAX:
        raise bad(
            _("Variants are a list of at most %(variants_max)s.") % {"variants_max": VARIANTS_MAX}
        )
    if len(variants) == 1:
        raise bad(_("An experiment needs at least two variants (or none for a plain flag)."))
    cleaned, seen = [], set()
    for variant in variants:
        if not isinstance(variant, dict) or set(variant) - {"key", "weight", "payload"}:
            raise bad(_("Each variant is {key, weight, payload}."))
        key = variant.get("key")
        if not isinstance(key, str) or not VARIANT_KEY_PATTERN.fullmatch(key) or key in seen:
            raise bad(_("Variant keys are unique, lowercase letters, digits and underscores."))
        weight = variant.get("weight")
        if isinstance(weight, bool) or not isinstance(weight, int) or not 0 < weight <= WEIGHT_MAX:
            raise bad(
                _("Variant weights are whole numbers from 1 to %(weight_max)s.")
                % {"weight_max": WEIGHT_MAX}
            )
        payload = _json(variant.get("payload"), field="variants", code=errors.VARIANTS_INVALID)
        seen.add(key)
        cleaned.append({"key": key, "weight": weight, "payload": payload})
    return cleaned


def _description(text) -> str:
    if not isinstance(text, str) or len(text.strip()) > DESCRIPTION_MAX:
        raise DomainError(
            errors.DESCRIPTION_INVALID,
            _("A description is text of at most %(description_max)s characters.")
            % {"description_max": DESCRIPTION_MAX},
            field="description",
        )
    return text.strip()


def _validated(changes: dict) -> dict:
    """Field name -> clean value, for the fields that were given."""
    clean = {}
    for name, value in changes.items():
        if value is UNSET:
            continue
        if name == "description":
            clean[name] = _description(value)
        elif name in ("enabled", "kill_switch"):
            if not isinstance(value, bool):
                raise DomainError(errors.TARGETING_INVALID, _("Must be true or false."), field=name)
            clean[name] = value
        elif name == "rollout":
            clean["rollout_bp"] = rollout_to_basis_points(value)
        elif name in LIST_FIELDS:
            clean[name] = _list(name, value)
        elif name == "variants":
            clean[name] = _variants(value)
        elif name == "payload":
            clean[name] = _json(value, field="payload", code=errors.PAYLOAD_INVALID)
    return clean


def _bump_after_commit() -> None:
    # After commit, not before: a reader that rebuilt the snapshot between the bump and the commit
    # would otherwise cache the old rows under the new version for a minute.
    transaction.on_commit(flag_version_bump)


@system_context()
@transaction.atomic
def flag_create(
    *,
    actor,
    key: str,
    description: str = "",
    enabled: bool = False,
    kill_switch: bool = False,
    rollout=100,
    environments=(),
    roles=(),
    tiers=(),
    cohorts=(),
    allow_list=(),
    deny_list=(),
    variants=(),
    payload=None,
) -> Flag:
    """Declare a new flag (features usually do this in a data migration)."""
    _require_staff(actor)
    key = _key(key)
    fields = _validated(
        {
            "description": description,
            "enabled": enabled,
            "kill_switch": kill_switch,
            "rollout": rollout,
            "environments": list(environments),
            "roles": list(roles),
            "tiers": list(tiers),
            "cohorts": list(cohorts),
            "allow_list": list(allow_list),
            "deny_list": list(deny_list),
            "variants": list(variants),
            "payload": payload,
        }
    )
    if Flag.objects.filter(key=key).exists():
        raise DomainError(
            errors.KEY_TAKEN,
            _("A flag called “%(key)s” exists.") % {"key": key},
            field="key",
            status=409,
        )
    flag = Flag.objects.create(key=key, **fields)
    audit_record(
        actor=actor,
        action="flag.created",
        target_type="flag",
        target_id=key,
        metadata={"after": {name: fields[name] for name in AUDITED_FIELDS}},
    )
    _bump_after_commit()
    return flag


@system_context()
@transaction.atomic
def flag_update(
    *,
    actor,
    key: str,
    description=UNSET,
    enabled=UNSET,
    kill_switch=UNSET,
    rollout=UNSET,
    environments=UNSET,
    roles=UNSET,
    tiers=UNSET,
    cohorts=UNSET,
    allow_list=UNSET,
    deny_list=UNSET,
    variants=UNSET,
    payload=UNSET,
) -> Flag:
    """Change the given fields of a flag (staff only): validated first, so bad input writes
    nothing; audited with before/after; every server sees it on its next evaluation."""
    _require_staff(actor)
    fields = _validated(
        {
            "description": description,
            "enabled": enabled,
            "kill_switch": kill_switch,
            "rollout": rollout,
            "environments": environments,
            "roles": roles,
            "tiers": tiers,
            "cohorts": cohorts,
            "allow_list": allow_list,
            "deny_list": deny_list,
            "variants": variants,
            "payload": payload,
        }
    )
    flag = (
        Flag.objects.select_for_update().filter(key=key).first() if isinstance(key, str) else None
    )
    if flag is None:
        raise NotFound(errors.NOT_FOUND, _("There is no flag called “%(key)s”.") % {"key": key})
    before, after = {}, {}
    for name, value in fields.items():
        if getattr(flag, name) != value:
            before[name], after[name] = getattr(flag, name), value
            setattr(flag, name, value)
    if not after:
        return flag
    flag.updated_at = timezone.now()
    flag.save(update_fields=[*after, "updated_at"])
    audit_record(
        actor=actor,
        action="flag.updated",
        target_type="flag",
        target_id=key,
        metadata={"before": before, "after": after},
    )
    _bump_after_commit()
    return flag


@system_context()
@transaction.atomic
def flag_seed_ensure() -> None:
    """Create the seeded flags that are missing (never changes existing ones). Migration 0002 does
    this on a new database; tests call it after a transactional flush."""
    existing = set(Flag.objects.values_list("key", flat=True))
    missing = [Flag(**spec) for spec in SEEDED_FLAGS if spec["key"] not in existing]
    if missing:
        Flag.objects.bulk_create(missing, ignore_conflicts=True)
        _bump_after_commit()


# --- Experiments --------------------------------------------------------------------------------


def _subject(subject) -> tuple[object, str | None, str]:
    """(member or None, anonymous id or None, subject id) for a member or an anonymous id string."""
    if isinstance(subject, str):
        resolved = Subject.of(None, anonymous_id=subject)
        member, anonymous_id = None, subject
    else:
        resolved = Subject.of(subject)
        member, anonymous_id = subject, None
    if resolved.id is None:
        raise DomainError(
            errors.NOT_AN_EXPERIMENT, _("An experiment needs a member or an anonymous id.")
        )
    return member, anonymous_id, resolved.id


def _experiment(key: str) -> Flag:
    flag = (
        Flag.objects.filter(key=key).only("key", "variants").first()
        if isinstance(key, str)
        else None
    )
    if flag is None:
        raise NotFound(errors.NOT_FOUND, _("There is no flag called “%(key)s”.") % {"key": key})
    if not flag.variants:
        raise DomainError(
            errors.NOT_AN_EXPERIMENT,
            _("“%(key)s” has no variants, so it is not an experiment.") % {"key": key},
            status=409,
        )
    return flag


@system_context()
@transaction.atomic
def experiment_expose(*, key: str, subject) -> ExperimentExposure | None:
    """Record that the subject (a member, or an anonymous id string) saw the experiment. Safe to
    call on every view: the first call records, later ones return the same row. None when the
    experiment's flag is off for this subject (they are not in the experiment)."""
    flag = _experiment(key)
    member, anonymous_id, subject_id = _subject(subject)
    state = flags_for(member, anonymous_id=anonymous_id).get(key)
    if state is None or not state.enabled or state.variant is None:
        return None
    exposure, _unused = ExperimentExposure.objects.get_or_create(
        flag=flag, subject_id=subject_id, defaults={"variant": state.variant}
    )
    return exposure


@system_context()
@transaction.atomic
def experiment_convert(*, key: str, subject, event: str) -> ExperimentConversion | None:
    """Record a named conversion (e.g. "checkout") for an exposed subject, once per event. None when
    the subject was never exposed: only exposed subjects count in a readout."""
    if not isinstance(event, str) or not EVENT_PATTERN.fullmatch(event):
        raise DomainError(
            errors.EVENT_INVALID,
            _("An event name is lowercase letters, digits, _ and . (up to 64)."),
            field="event",
        )
    flag = _experiment(key)
    _unused, _unused2, subject_id = _subject(subject)
    exposure = ExperimentExposure.objects.filter(flag=flag, subject_id=subject_id).first()
    if exposure is None:
        return None
    conversion, _unused = ExperimentConversion.objects.get_or_create(
        flag=flag, subject_id=subject_id, event=event, defaults={"variant": exposure.variant}
    )
    return conversion
