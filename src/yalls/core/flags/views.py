"""/ops/flags: the staff page for live toggles, the flag editor and experiment readouts.

Every change goes through services.flag_update (validated, audited, cache bumped).
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from yalls.core.errors import DomainError
from yalls.core.flags import selectors, services
from yalls.core.flags.forms import FlagEditForm

ACTIONS = {
    "enable": {"enabled": True},
    "disable": {"enabled": False},
    "kill": {"kill_switch": True},
    "release": {"kill_switch": False},
}


def staff_required(view):
    """Anonymous visitors go to sign in; signed-in members who aren't staff get a 403."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff:
            raise PermissionDenied("Only staff can manage feature flags.")
        return view(request, *args, **kwargs)

    return wrapped


def _rows(flags, errors=None, values=None):
    errors, values = errors or {}, values or {}
    return [
        {
            "flag": flag,
            "rollout": values.get(flag.key, services.basis_points_to_percent(flag.rollout_bp)),
            "error": errors.get(flag.key),
        }
        for flag in flags
    ]


def _index(request, *, errors=None, values=None, status=200):
    flags = selectors.flag_list(actor=request.user)
    context = {"rows": _rows(flags, errors, values), "nav_active": "ops"}
    return render(request, "flags/index.html", context, status=status)


@staff_required
def flags_index(request):
    return _index(request)


@staff_required
@require_POST
def flags_update(request, key: str):
    flag = selectors.access_flag(actor=request.user, key=key)
    action = request.POST.get("action", "")
    if action == "rollout":
        changes = {"rollout": request.POST.get("rollout", "")}
    elif action in ACTIONS:
        changes = ACTIONS[action]
    else:
        raise DomainError("flag.action_unknown", _("Unknown action."))
    try:
        services.flag_update(actor=request.user, key=flag.key, **changes)
    except DomainError as exc:
        if exc.field is None:
            raise
        return _index(
            request,
            errors={key: exc.message},
            values={key: request.POST.get("rollout", "")},
            status=400,
        )
    messages.success(request, _("Saved %(key)s.") % {"key": key})
    return redirect(f"{reverse('flags_index')}#flag-{key}")


@staff_required
@require_http_methods(["GET", "POST"])
def flags_edit(request, key: str):
    flag = selectors.access_flag(actor=request.user, key=key)
    if request.method == "POST":
        form = FlagEditForm(request.POST)
        if form.is_valid():
            try:
                services.flag_update(actor=request.user, key=flag.key, **form.changes())
            except DomainError as exc:
                if exc.field not in form.fields:
                    raise
                form.add_error(exc.field, exc.message)
            else:
                messages.success(request, _("Saved %(key)s.") % {"key": key})
                return redirect(f"{reverse('flags_index')}#flag-{key}")
        status = 400
    else:
        form = FlagEditForm(initial=FlagEditForm.initial_for(flag))
        status = 200
    context = {"flag": flag, "form": form, "nav_active": "ops"}
    return render(request, "flags/edit.html", context, status=status)


def _percent(value: float) -> str:
    return f"{value * 100:.1f} %"


def _interval(interval, *, signed: bool = False) -> dict | None:
    if interval is None:
        return None
    fmt = "{:+.1f} %" if signed else "{:.1f} %"
    return {
        "estimate": fmt.format(interval.estimate * 100),
        "low": fmt.format(interval.low * 100),
        "high": fmt.format(interval.high * 100),
        # A difference whose interval excludes 0 is significant at the 5 % level.
        "significant": signed and (interval.low > 0 or interval.high < 0),
    }


@staff_required
def flags_readout(request, key: str):
    readout = selectors.experiment_readout(
        actor=request.user, key=key, event=request.GET.get("event") or None
    )
    rows = [
        {
            **row,
            "rate": _interval(row["rate"]),
            "difference": _interval(row["difference"], signed=True),
        }
        for row in readout["rows"]
    ]
    context = {**readout, "rows": rows, "nav_active": "ops"}
    return render(request, "flags/readout.html", context)
