"""Web forms of the accounts domain: the extra sign-up fields and the profile settings."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy

from yalls.accounts.models import TIMEZONE_CHOICES
from yalls.core.errors import DomainError
from yalls.core.handles import handle_conflict, handle_validate

# The languages we ship catalogues for, each named in itself (settings.LANGUAGES).
LANGUAGE_CHOICES = list(settings.LANGUAGES)


class HandleField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault("min_length", 3)
        kwargs.setdefault(
            "help_text", gettext_lazy("3–30 letters, digits or underscores. This is your @handle.")
        )
        super().__init__(**kwargs)


def clean_handle_value(value: str, *, owner_id=None) -> str:
    try:
        handle = handle_validate(value)
    except DomainError as exc:
        raise forms.ValidationError(exc.message, code=exc.code) from exc
    conflict = handle_conflict(handle, except_owner_id=owner_id)
    if conflict is not None:
        raise forms.ValidationError(conflict.message, code=conflict.code)
    return handle


class SignupExtraForm(forms.Form):
    """Fields allauth's sign-up form gains (ACCOUNT_SIGNUP_FORM_CLASS)."""

    display_name = forms.CharField(
        max_length=80,
        label=gettext_lazy("Your name"),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    handle = HandleField(
        label=gettext_lazy("Handle"), widget=forms.TextInput(attrs={"autocomplete": "username"})
    )

    field_order = ["display_name", "handle", "email", "password1", "password2"]

    def clean_handle(self):
        return clean_handle_value(self.cleaned_data["handle"])

    def signup(self, request, user):
        """allauth calls this after saving; AccountAdapter.save_user already stored these fields."""
        return user


class ProfileForm(forms.Form):
    display_name = forms.CharField(max_length=80, label=gettext_lazy("Display name"))
    handle = HandleField(label=gettext_lazy("Handle"))
    bio = forms.CharField(
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label=gettext_lazy("Bio"),
    )
    avatar = forms.FileField(
        required=False,
        label=gettext_lazy("Avatar"),
        help_text=gettext_lazy("JPEG, PNG, WebP or GIF, up to 5 MB."),
    )
    remove_avatar = forms.BooleanField(required=False, label=gettext_lazy("Remove current avatar"))
    timezone = forms.ChoiceField(choices=TIMEZONE_CHOICES, label=gettext_lazy("Time zone"))
    locale = forms.ChoiceField(choices=LANGUAGE_CHOICES, label=gettext_lazy("Language"))
    phone = forms.CharField(max_length=32, required=False, label=gettext_lazy("Phone (private)"))
    date_of_birth = forms.DateField(
        required=False,
        label=gettext_lazy("Date of birth (private)"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    postal_address = forms.CharField(
        max_length=500,
        required=False,
        label=gettext_lazy("Postal address (private)"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, member=None, **kwargs):
        self.member = member
        super().__init__(*args, **kwargs)
        self.fields["avatar"].widget.attrs["accept"] = "image/jpeg,image/png,image/webp,image/gif"

    def clean_handle(self):
        return clean_handle_value(
            self.cleaned_data["handle"], owner_id=self.member.pk if self.member else None
        )
