"""Forms of the /ops/flags pages. They only parse text; flag_update does the validating."""

import json

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

LIST_HELP = gettext_lazy("Separate with commas. Leave empty for no rule.")


class FlagEditForm(forms.Form):
    description = forms.CharField(
        required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    environments = forms.CharField(
        required=False,
        help_text="Environments where the flag can be on (e.g. production, staging). " + LIST_HELP,
    )
    roles = forms.CharField(
        required=False, help_text="Member roles (member, producer, moderator, admin). " + LIST_HELP
    )
    tiers = forms.CharField(required=False, help_text="Membership tiers. " + LIST_HELP)
    cohorts = forms.CharField(
        required=False, help_text="Cohort tags (a member needs one). " + LIST_HELP
    )
    allow_list = forms.CharField(
        required=False,
        label=gettext_lazy("Allow list"),
        help_text="Member ids or @handles that always get the flag unless killed. " + LIST_HELP,
    )
    deny_list = forms.CharField(
        required=False,
        label=gettext_lazy("Deny list"),
        help_text="Member ids or @handles that never get the flag. " + LIST_HELP,
    )
    variants = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}),
        help_text=gettext_lazy(
            'JSON list, e.g. [{"key": "control", "weight": 50}, {"key": "reels_first", "weight": 50, "payload": {"limit": 20}}]. Empty for a plain flag.'
        ),
    )
    payload = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=gettext_lazy(
            "JSON served with the flag when it is on and has no variants. Empty for none."
        ),
    )

    LIST_FIELDS = ("environments", "roles", "tiers", "cohorts", "allow_list", "deny_list")

    @classmethod
    def initial_for(cls, flag) -> dict:
        initial = {name: ", ".join(getattr(flag, name)) for name in cls.LIST_FIELDS}
        initial["description"] = flag.description
        initial["variants"] = json.dumps(flag.variants, indent=2) if flag.variants else ""
        initial["payload"] = json.dumps(flag.payload, indent=2) if flag.payload is not None else ""
        return initial

    def _json(self, name):
        text = self.cleaned_data.get(name, "").strip()
        if not text:
            return [] if name == "variants" else None
        try:
            return json.loads(text)
        except ValueError as exc:
            raise forms.ValidationError(_("This is not valid JSON.")) from exc

    def clean_variants(self):
        return self._json("variants")

    def clean_payload(self):
        return self._json("payload")

    def changes(self) -> dict:
        data = dict(self.cleaned_data)
        for name in self.LIST_FIELDS:
            data[name] = [v.strip() for v in data[name].split(",") if v.strip()]
        return data
