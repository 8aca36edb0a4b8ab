"""Web forms of the entities domain."""

from django import forms
from django.utils.translation import gettext_lazy

from yalls.entities.models import EntityKind, Horse


class EntityForm(forms.Form):
    kind = forms.ModelChoiceField(
        queryset=EntityKind.objects.all(),
        empty_label=None,
        label=gettext_lazy("Kind"),
        to_field_name="slug",
    )
    display_name = forms.CharField(max_length=80, label=gettext_lazy("Name"))
    handle = forms.CharField(
        max_length=30,
        min_length=3,
        label=gettext_lazy("Handle"),
        help_text=gettext_lazy("3–30 letters, digits or underscores."),
    )
    bio = forms.CharField(
        max_length=1000,
        required=False,
        label=gettext_lazy("About"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    avatar = forms.FileField(
        required=False,
        label=gettext_lazy("Picture"),
        help_text=gettext_lazy("JPEG, PNG, WebP or GIF, up to 5 MB."),
    )
    breed = forms.CharField(max_length=80, required=False, label=gettext_lazy("Breed"))
    sex = forms.ChoiceField(
        choices=[("", "—"), *Horse.Sex.choices], required=False, label=gettext_lazy("Sex")
    )
    colour = forms.CharField(max_length=50, required=False, label=gettext_lazy("Color"))
    foaling_date = forms.DateField(
        required=False,
        label=gettext_lazy("Foaling date"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    registration_number = forms.CharField(
        max_length=60, required=False, label=gettext_lazy("Registration number")
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
    new_owner = forms.CharField(max_length=31, label=gettext_lazy("New owner's handle"))


class MemberForm(forms.Form):
    member = forms.CharField(max_length=31, label=gettext_lazy("Member's handle"))
    role = forms.ChoiceField(
        choices=[("manager", "Manager"), ("editor", "Editor")], label=gettext_lazy("Role")
    )


class EdgeForm(forms.Form):
    """Add a relation from the entity to another one."""

    target = forms.CharField(
        max_length=31,
        label=gettext_lazy("Other entity's handle"),
        help_text=gettext_lazy("For example @thunder_road."),
    )
    type = forms.ChoiceField(
        choices=[
            ("owns", gettext_lazy("Owns")),
            ("manages", gettext_lazy("Manages")),
            ("brand_of", gettext_lazy("Is a brand of")),
            ("offspring_of", gettext_lazy("Is offspring of")),
            ("sponsors", gettext_lazy("Sponsors")),
            ("partners", gettext_lazy("Partners with")),
        ],
        label=gettext_lazy("Relation"),
    )
    parent_role = forms.ChoiceField(
        choices=[("", "—"), ("sire", gettext_lazy("Sire")), ("dam", gettext_lazy("Dam"))],
        required=False,
        label=gettext_lazy("Parent role"),
        help_text=gettext_lazy(
            "Only for “is offspring of”: is the other horse the sire or the dam?"
        ),
    )
    allow_crosspost = forms.BooleanField(
        required=False,
        label=gettext_lazy("Allow cross-posting"),
        help_text=gettext_lazy("Posts of this entity may target the other one without approval."),
    )
    auto_propagate = forms.BooleanField(
        required=False,
        label=gettext_lazy("Auto-propagate"),
        help_text=gettext_lazy("Posts approved here are copied to the other entity."),
    )
