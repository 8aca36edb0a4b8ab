"""Web forms of the entities domain."""

from django import forms
from django.utils.translation import gettext, gettext_lazy

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
        else:
            # Kind labels are stored in English (entities/kinds.py marks them for the catalogues).
            self.fields["kind"].label_from_instance = lambda kind: gettext(kind.label)

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


class ContactForm(forms.Form):
    """Where and how to reach the entity. The services check phone and addresses; the form only
    carries the input (and keeps it when a check fails)."""

    street = forms.CharField(max_length=200, required=False, label=gettext_lazy("Street address"))
    city = forms.CharField(max_length=100, required=False, label=gettext_lazy("City or town"))
    region = forms.CharField(max_length=100, required=False, label=gettext_lazy("State"))
    postal_code = forms.CharField(max_length=20, required=False, label=gettext_lazy("ZIP code"))
    country = forms.CharField(
        max_length=2,
        required=False,
        label=gettext_lazy("Country"),
        help_text=gettext_lazy("Two letters, like US or CA."),
    )
    phone = forms.CharField(
        max_length=40,
        required=False,
        label=gettext_lazy("Phone"),
        help_text=gettext_lazy("For example (303) 555-0142."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    website = forms.CharField(
        max_length=200,
        required=False,
        label=gettext_lazy("Website"),
        widget=forms.TextInput(attrs={"type": "url", "inputmode": "url", "autocomplete": "url"}),
    )
    map_url = forms.CharField(
        max_length=500,
        required=False,
        label=gettext_lazy("Map link"),
        help_text=gettext_lazy("Optional: we link a map of the address when this is empty."),
        widget=forms.TextInput(attrs={"type": "url", "inputmode": "url"}),
    )
    opening_hours = forms.CharField(
        max_length=1000,
        required=False,
        label=gettext_lazy("Opening hours"),
        help_text=gettext_lazy("One line per day or range, like “Mon–Fri 8:00–18:00”."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    services = forms.CharField(
        max_length=2000,
        required=False,
        label=gettext_lazy("Services"),
        help_text=gettext_lazy("Separated by commas: boarding, lessons, hauling…"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    cover = forms.FileField(
        required=False,
        label=gettext_lazy("Cover picture"),
        help_text=gettext_lazy("A wide photo of the place: JPEG, PNG, WebP or GIF, up to 8 MB."),
    )
    remove_cover = forms.BooleanField(required=False, label=gettext_lazy("Remove the cover"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cover"].widget.attrs["accept"] = "image/jpeg,image/png,image/webp,image/gif"


class PhotoForm(forms.Form):
    photo = forms.FileField(label=gettext_lazy("Add a picture"))
    alt_text = forms.CharField(
        max_length=200,
        required=False,
        label=gettext_lazy("Describe it"),
        help_text=gettext_lazy("For people who can't see it, e.g. “Indoor arena at dusk”."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photo"].widget.attrs["accept"] = "image/jpeg,image/png,image/webp,image/gif"
