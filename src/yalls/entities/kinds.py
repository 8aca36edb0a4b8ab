"""The starting kind list (loaded by migration 0002; add a kind by adding a row here or in the admin)."""

DEFAULT_KINDS = [
    # slug, label, plural, description, is_horse, position
    ("business", "Business", "Businesses", "A company or shop serving the horse world.", False, 10),
    ("farm", "Farm", "Farms", "A farm or ranch.", False, 20),
    ("stable", "Stable", "Stables", "A boarding or training stable.", False, 30),
    ("brand", "Brand", "Brands", "A product brand.", False, 40),
    ("horse", "Horse", "Horses", "A horse, with breed and pedigree details.", True, 50),
    (
        "event_organiser",
        "Event organizer",
        "Event organizers",
        "Runs shows, races, clinics and sales.",
        False,
        60,
    ),
]


def entity_kinds_ensure(model=None) -> None:
    """Insert or refresh the default kinds (idempotent)."""
    if model is None:
        from yalls.entities.models import EntityKind as model
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
