"""Thin pages of the notification settings: /settings/notifications (preferences with a preview of
what would be held back), the one-click email unsubscribe /notifications/unsubscribe/<token> (no
sign-in), and the staff broadcast form /ops/notifications/broadcast."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from yalls.core.audit.models import AuditEvent
from yalls.core.errors import DomainError
from yalls.notifications import services
from yalls.notifications.channels.email import DIGEST, unsubscribe_read
from yalls.notifications.models import Category, Preference
from yalls.notifications.preferences import CAP_MAX, preferences_for, preferences_preview

HOURS = [(h, f"{h:02d}:00") for h in range(24)]


class PreferencesForm(forms.Form):
    """The page's form: categories are asked the friendly way round ("show"), the service stores
    what is turned off."""

    in_app = forms.BooleanField(required=False, label=gettext_lazy("Show notifications in yalls"))
    quiet_enabled = forms.BooleanField(
        required=False, label=gettext_lazy("Hold notifications in quiet hours")
    )
    quiet_start = forms.TimeField(
        label=gettext_lazy("Quiet from"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    quiet_end = forms.TimeField(
        label=gettext_lazy("Quiet until"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    daily_cap = forms.IntegerField(
        label=gettext_lazy("Daily cap"),
        min_value=0,
        max_value=CAP_MAX,
        widget=forms.NumberInput(attrs={"type": "range", "step": 1}),
        help_text=gettext_lazy(
            "Notifications a day before only priority ones get through (0–100)."
        ),
    )
    categories_on = forms.MultipleChoiceField(
        required=False, choices=Category.choices, widget=forms.CheckboxSelectMultiple
    )
    email = forms.BooleanField(required=False, label=gettext_lazy("Email me notifications"))
    email_categories_on = forms.MultipleChoiceField(
        required=False, choices=Category.choices, widget=forms.CheckboxSelectMultiple
    )
    digest_frequency = forms.ChoiceField(
        label=gettext_lazy("Digest email"),
        choices=Preference.DigestFrequency.choices,
        widget=forms.RadioSelect,
    )
    digest_hour = forms.TypedChoiceField(
        label=gettext_lazy("Digest time"), choices=HOURS, coerce=int
    )

    FIELD_OF = {"categories_off": "categories_on", "email_categories_off": "email_categories_on"}

    @classmethod
    def initial_from(cls, prefs: Preference) -> dict:
        return {
            "in_app": prefs.in_app,
            "quiet_enabled": prefs.quiet_enabled,
            "quiet_start": prefs.quiet_start,
            "quiet_end": prefs.quiet_end,
            "daily_cap": prefs.daily_cap,
            "categories_on": [c for c in Category.values if c not in prefs.categories_off],
            "email": prefs.email,
            "email_categories_on": [
                c for c in Category.values if c not in prefs.email_categories_off
            ],
            "digest_frequency": prefs.digest_frequency,
            "digest_hour": prefs.digest_hour,
        }

    def changes(self) -> dict:
        data = dict(self.cleaned_data)
        on, email_on = set(data.pop("categories_on")), set(data.pop("email_categories_on"))
        data["categories_off"] = [c for c in Category.values if c not in on]
        data["email_categories_off"] = [c for c in Category.values if c not in email_on]
        return data


@login_required
@require_http_methods(["GET", "POST"])
def settings_notifications(request):
    member = request.user
    prefs = preferences_for(member)
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            try:
                services.preferences_update(member=member, **form.changes())
            except DomainError as exc:
                field = form.FIELD_OF.get(exc.field, exc.field)
                form.add_error(field if field in form.fields else None, exc.message)
            else:
                messages.success(request, _("Notification settings saved."))
                return redirect("settings_notifications")
    else:
        form = PreferencesForm(initial=PreferencesForm.initial_from(prefs))
    return render(
        request,
        "notifications/settings.html",
        {
            "form": form,
            "prefs": prefs,
            "preview": preferences_preview(member, prefs, now=timezone.now()),
            "categories": Category.choices,
            "nav_active": "settings",
            "settings_tab": "notifications",
        },
        status=400 if form.errors else 200,
    )


# The signed token is the credential: mail clients' RFC 8058 one-click POSTs carry no cookie or
# CSRF token, and the page must work for someone who is not signed in.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    try:
        _member_id, topic = unsubscribe_read(token)
    except DomainError as exc:
        return render(request, "notifications/unsubscribe.html", {"error": exc.message}, status=400)
    label = "digest" if topic == DIGEST else f"{Category(topic).label.lower()} notification"
    if request.method == "POST":
        try:
            services.preferences_unsubscribe(token=token)
        except DomainError as exc:
            return render(
                request, "notifications/unsubscribe.html", {"error": exc.message}, status=400
            )
        return render(request, "notifications/unsubscribe.html", {"done": True, "label": label})
    return render(request, "notifications/unsubscribe.html", {"label": label, "token": token})


class BroadcastForm(forms.Form):
    audience = forms.ChoiceField(label=gettext_lazy("Send to"))
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=[("system.announcement", "Announcement"), ("system.alert", "Alert")],
        widget=forms.RadioSelect,
        initial="system.announcement",
    )
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    body = forms.CharField(
        label=gettext_lazy("Text"), required=False, max_length=1000, widget=forms.Textarea
    )
    link = forms.CharField(
        label=gettext_lazy("Link"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("A path on yalls (/…) or https://…"),
    )

    def __init__(self, *args, roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audience"].choices = [("all", _("All members"))] + [
            (value, _("Every %(role)s") % {"role": str(label).lower()}) for value, label in roles
        ]


@require_http_methods(["GET", "POST"])
def broadcast(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not request.user.is_staff:
        raise PermissionDenied("Staff only")
    roles = get_user_model().Role.choices
    form = BroadcastForm(request.POST if request.method == "POST" else None, roles=roles)
    if request.method == "POST" and form.is_valid():
        try:
            sent = services.notification_broadcast(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            jobs = ngettext("%(count)s job", "%(count)s jobs", sent["jobs"]) % {
                "count": sent["jobs"]
            }
            messages.success(
                request,
                ngettext(
                    "Sending to %(count)s member (%(jobs)s).",
                    "Sending to %(count)s members (%(jobs)s).",
                    sent["recipients"],
                )
                % {"count": sent["recipients"], "jobs": jobs},
            )
            return redirect("notifications_broadcast")
    recent = AuditEvent.objects.filter(action="notifications.broadcast").order_by("-created_at")[
        :10
    ]
    return render(
        request,
        "notifications/broadcast.html",
        {"form": form, "recent": recent, "nav_active": "ops"},
        status=400 if form.errors else 200,
    )


urlpatterns = [
    path("settings/notifications", settings_notifications, name="settings_notifications"),
    path("notifications/unsubscribe/<str:token>", unsubscribe, name="notifications_unsubscribe"),
    path("ops/notifications/broadcast", broadcast, name="notifications_broadcast"),
]
