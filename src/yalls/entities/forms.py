"""Web forms of the entities domain."""

from django import forms

from yalls.entities.models import EntityKind, Horse


class EntityForm(forms.Form):
    kind = forms.ModelChoiceField(
        queryset=EntityKind.objects.all(), empty_label=None, label="Kind", to_field_name="slug"
    )
    display_name = forms.CharField(max_length=80, label="Name")
    handle = forms.CharField(
        max_length=30,
        min_length=3,
        label="Handle",
        help_text="3–30 letters, digits or underscores.",
    )
    bio = forms.CharField(
        max_length=1000, required=False, label="About", widget=forms.Textarea(attrs={"rows": 4})
    )
    avatar = forms.FileField(
        required=False, label="Picture", help_text="JPEG, PNG, WebP or GIF, up to 5 MB."
    )
    breed = forms.CharField(max_length=80, required=False, label="Breed")
    sex = forms.ChoiceField(choices=[("", "—"), *Horse.Sex.choices], required=False, label="Sex")
    colour = forms.CharField(max_length=50, required=False, label="Colour")
    foaling_date = forms.DateField(
        required=False, label="Foaling date", widget=forms.DateInput(attrs={"type": "date"})
    )
    registration_number = forms.CharField(
        max_length=60, required=False, label="Registration number"
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["avatar"].widget.attrs["accept"] = "image/jpeg,image/png,image/webp,image/gif"
        if editing:
            del self.fields["kind"]

    def horse_data(self) -> dict:
        return {
            k: self.cleaned_data.get(k)
            for k in ("breed", "sex", "colour", "foaling_date", "registration_number")
        }


class TransferForm(forms.Form):
    new_owner = forms.CharField(max_length=31, label="New owner's handle")


class MemberForm(forms.Form):
    member = forms.CharField(max_length=31, label="Member's handle")
    role = forms.ChoiceField(choices=[("manager", "Manager"), ("editor", "Editor")], label="Role")
