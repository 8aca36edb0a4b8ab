"""The starting kind list (loaded by migration 0002; add a kind by adding a row here or in the admin).

Labels are stored in English; gettext_noop marks them for the catalogues and templates show them
with `{% translate entity.kind.label %}`."""

from django.utils.translation import gettext_noop

from yalls.core.db_context import system_context

DEFAULT_KINDS = [
    # slug, label, plural, description, is_horse, position
    (
        "business",
        gettext_noop("Business"),
        gettext_noop("Businesses"),
        gettext_noop("A company or shop serving the horse world."),
        False,
        10,
    ),
    (
        "farm",
        gettext_noop("Farm"),
        gettext_noop("Farms"),
        gettext_noop("A farm or ranch."),
        False,
        20,
    ),
    (
        "stable",
        gettext_noop("Stable"),
        gettext_noop("Stables"),
        gettext_noop("A boarding or training stable."),
        False,
        30,
    ),
    (
        "brand",
        gettext_noop("Brand"),
        gettext_noop("Brands"),
        gettext_noop("A product brand."),
        False,
        40,
    ),
    (
        "horse",
        gettext_noop("Horse"),
        gettext_noop("Horses"),
        gettext_noop("A horse, with breed and pedigree details."),
        True,
        50,
    ),
    (
        "event_organiser",
        gettext_noop("Event organizer"),
        gettext_noop("Event organizers"),
        gettext_noop("Runs shows, races, clinics and sales."),
        False,
        60,
    ),
]


def entity_kinds_ensure(model=None) -> None:
    """Insert or refresh the default kinds (idempotent)."""
    if model is not None:  # a migration, run as the owner
        _kinds_write(model)
        return
    from yalls.entities.models import EntityKind

    # Reference data members may only read: written as the system.
    with system_context():
        _kinds_write(EntityKind)


def _kinds_write(model) -> None:
    for slug, label, plural, description, is_horse, position in DEFAULT_KINDS:
        model.objects.update_or_create(
            slug=slug,
            defaults={
                "label": label,
                "plural": plural,
                "description": description,
                "is_horse": is_horse,
                "position": position,
            },
        )
