"""A member's notification preferences: the defaults until saved, and the validation of changes.

A member without a `Preference` row has the model defaults (quiet 22:00–08:00 local, cap 10,
in-app on, email off, push off, every category on, digest 09:00 daily). Push is stored but never
offered: there is no real web-push delivery yet, and a channel that does not deliver is not shown.
"""

from __future__ import annotations

import re
from datetime import time, timedelta

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from yalls.core.errors import DomainError
from yalls.notifications.models import Category, Preference

CAP_MAX = 100
EDITABLE = (
    "quiet_enabled",
    "quiet_start",
    "quiet_end",
    "daily_cap",
    "in_app",
    "email",
    "categories_off",
    "email_categories_off",
    "digest_hour",
    "digest_frequency",
)
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)(:00)?$")


def preferences_for(member) -> Preference:
    """The member's saved preferences, or an unsaved row holding the defaults. Runs in the
    caller's database context (a member reads their own row; the send service reads in the system
    context)."""
    return Preference.objects.filter(member_id=member.pk).first() or Preference(member_id=member.pk)


def _bool(name: str, value) -> bool:
    if not isinstance(value, bool):
        raise DomainError("notifications.preference_invalid", _("Choose on or off."), field=name)
    return value


def _time(name: str, value) -> time:
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    match = _TIME.match(value) if isinstance(value, str) else None
    if not match:
        raise DomainError(
            "notifications.time_invalid", _("Enter a time as HH:MM (00:00–23:59)."), field=name
        )
    return time(int(match.group(1)), int(match.group(2)))


def _int(name: str, value, low: int, high: int, message: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise DomainError("notifications.preference_out_of_range", message, field=name)
    return value


def _categories(name: str, value) -> list[str]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise DomainError(
            "notifications.category_unknown", _("Give a list of categories."), field=name
        )
    unknown = sorted(set(value) - set(Category.values))
    if unknown:
        raise DomainError(
            "notifications.category_unknown",
            _("Unknown category: %(unknown)s. Pick from %(choices)s.")
            % {"unknown": ", ".join(unknown), "choices": ", ".join(Category.values)},
            field=name,
        )
    return [c for c in Category.values if c in value]  # list order, no repeats


def preferences_clean(current: Preference, changes: dict) -> dict:
    """Validate `changes` against `current`; returns the cleaned values. Raises a DomainError
    naming the first bad field; nothing is written here."""
    clean: dict = {}
    for name, value in changes.items():
        if name == "push":
            raise DomainError(
                "notifications.push_unavailable",
                _("Push notifications are not available yet."),
                field="push",
            )
        if name not in EDITABLE:
            raise DomainError(
                "notifications.preference_unknown",
                _("Unknown preference %(name)s.") % {"name": repr(name)},
                field=name,
            )
        if name in ("quiet_enabled", "in_app", "email"):
            clean[name] = _bool(name, value)
        elif name in ("quiet_start", "quiet_end"):
            clean[name] = _time(name, value)
        elif name == "daily_cap":
            clean[name] = _int(
                name,
                value,
                0,
                CAP_MAX,
                _("The daily cap is 0 to %(cap_max)s.") % {"cap_max": CAP_MAX},
            )
        elif name == "digest_hour":
            clean[name] = _int(name, value, 0, 23, _("The digest hour is 0 to 23."))
        elif name == "digest_frequency":
            if value not in Preference.DigestFrequency.values:
                raise DomainError(
                    "notifications.preference_invalid",
                    _("Choose daily, weekly or off."),
                    field=name,
                )
            clean[name] = value
        else:
            clean[name] = _categories(name, value)
    start = clean.get("quiet_start", current.quiet_start)
    end = clean.get("quiet_end", current.quiet_end)
    if start == end:
        raise DomainError(
            "notifications.quiet_window_empty",
            _("Quiet hours must start and end at different times (turn them off instead)."),
            field="quiet_end",
        )
    return clean


def _clock(moment) -> str:
    return moment.strftime("%H:%M")


def _day_word(moment, today) -> str:
    delta = (moment.date() - today).days
    if delta == 0:
        return _("tonight") if moment.hour >= 18 else _("today")
    return _("tomorrow") if delta == 1 else date_format(moment, "l")


def preferences_preview(member, prefs: Preference, *, now) -> dict:
    """What these preferences would hold back, in the member's words and zone: example sentences
    computed with the same functions the send service uses, and today's record of held items."""
    from django.db.models import Count

    from yalls.notifications import quiet
    from yalls.notifications.models import Notification

    tz = quiet.member_zone(member.timezone)
    local_now = now.astimezone(tz)
    lines: list[str] = []
    if prefs.quiet_enabled and prefs.quiet_start != prefs.quiet_end:
        # An example an hour into the window (or its first minute, for a window under an hour).
        start = quiet.next_local(prefs.quiet_start, tz=tz, now=now)
        window = {"start": prefs.quiet_start, "end": prefs.quiet_end, "tz": tz}
        example = start + timedelta(hours=1)
        if quiet.quiet_until(**window, now=example) is None:
            example = start
        until = quiet.quiet_until(**window, now=example)
        at, until_local = example.astimezone(tz), until.astimezone(tz)
        sentence = (
            _("At %(time)s %(day)s a favorite would wait until %(until)s tomorrow, then appear.")
            if until_local.date() > at.date()
            else _("At %(time)s %(day)s a favorite would wait until %(until)s, then appear.")
        )
        lines.append(
            sentence
            % {
                "time": _clock(at),
                "day": _day_word(at, local_now.date()),
                "until": _clock(until_local),
            }
        )
    else:
        lines.append(_("Quiet hours are off: notifications arrive at any hour."))
    if prefs.daily_cap == 0:
        lines.append(_("Your daily cap is 0: only priority notifications get through."))
    else:
        lines.append(
            ngettext(
                "After %(count)s notification in a day, only priority ones get through.",
                "After %(count)s notifications in a day, only priority ones get through.",
                prefs.daily_cap,
            )
            % {"count": prefs.daily_cap}
        )
    off = [Category(c).label for c in Category.values if c in (prefs.categories_off or [])]
    if off:
        lines.append(
            _("Turned off: %(categories)s. They are recorded but not shown.")
            % {"categories": ", ".join(str(label) for label in off)}
        )
    if not prefs.in_app:
        lines.append(_("In-app notifications are off: only security notices appear in your bell."))
    lines.append(_("Security notices always get through."))

    start, end = quiet.local_day_bounds(tz=tz, now=now)
    today = Notification.objects.filter(
        recipient_id=member.pk, created_at__gte=start, created_at__lt=end
    )
    held = dict(
        today.exclude(held_reason="")
        .order_by()
        .values_list("held_reason")
        .annotate(n=Count("id"))
        .values_list("held_reason", "n")
    )
    counted = today.filter(priority__gt=1, held_reason__in=("", "quiet_hours")).count()
    labels = dict(Notification.HeldReason.choices)
    return {
        "lines": lines,
        "timezone": member.timezone,
        "local_time": _clock(local_now),
        "counted_today": counted,
        "cap_left": max(0, prefs.daily_cap - counted),
        "held_today": [(labels.get(reason, reason), n) for reason, n in sorted(held.items())],
    }
