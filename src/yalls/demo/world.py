"""The demo world, loaded idempotently (running it twice changes nothing)."""

from datetime import date

from django.db import transaction

from yalls.accounts import services as account_services
from yalls.accounts.models import User
from yalls.entities import services as entity_services
from yalls.entities.models import Entity

DEMO_PASSWORD = "ride-on-2026"  # noqa: S105 - the published demo password

MEMBERS = [
    # email, handle, display name, role, timezone, bio
    (
        "admin@yalls.local",
        "admin_ava",
        "Ava Admin",
        User.Role.ADMIN,
        "America/Chicago",
        "Keeps yalls running.",
    ),
    (
        "producer@yalls.local",
        "prairie_pete",
        "Pete Harlan",
        User.Role.PRODUCER,
        "America/Denver",
        "Producer of the Prairie Classic.",
    ),
    (
        "maya@yalls.local",
        "maya_rides",
        "Maya Lopez",
        User.Role.MEMBER,
        "America/Denver",
        "Barrel racer. Runs Willow Creek Farm.",
    ),
    (
        "liam@yalls.local",
        "liam_tack",
        "Liam Chen",
        User.Role.MEMBER,
        "America/Los_Angeles",
        "Tack maker behind Bit & Bridle.",
    ),
]

ENTITIES = [
    # owner email, handle, name, kind, bio, horse fields, metadata
    ("maya@yalls.local", "willow_creek", "Willow Creek Farm", "farm", "Family boarding and training barn, 40 stalls, indoor arena.", {}, {"stalls": 40, "city": "Longmont, CO"}),
    ("liam@yalls.local", "bit_and_bridle", "Bit & Bridle", "brand", "Handmade tack since 2009.", {}, {"website": "https://bitandbridle.example"}),
    ("liam@yalls.local", "bnb_youth", "Bit & Bridle Youth", "brand", "Tack sized for young riders.", {}, {"parent_brand": "bit_and_bridle"}),
    ("maya@yalls.local", "thunder_road", "Thunder Road", "horse", "Sire. AQHA stallion, barrel-bred.", {"breed": "Quarter Horse", "sex": "stallion", "colour": "Bay", "foaling_date": date(2014, 4, 2), "registration_number": "AQHA-5512034"}, {}),
    ("maya@yalls.local", "moonlight_belle", "Moonlight Belle", "horse", "Dam. Quiet, kind, fast.", {"breed": "Quarter Horse", "sex": "mare", "colour": "Grey", "foaling_date": date(2015, 5, 19), "registration_number": "AQHA-5630877"}, {}),
    ("maya@yalls.local", "little_thunder", "Little Thunder", "horse", "This spring's colt out of Moonlight Belle by Thunder Road.", {"breed": "Quarter Horse", "sex": "colt", "colour": "Bay roan", "foaling_date": date(2026, 3, 28), "registration_number": ""}, {"sire": "thunder_road", "dam": "moonlight_belle"}),
    ("producer@yalls.local", "prairie_classic", "Prairie Classic Events", "event_organiser", "Barrel races and ranch rodeos across the Front Range.", {}, {"season": "April–October"}),
]  # fmt: skip


@transaction.atomic
def seed_world() -> dict:
    created = {"members": 0, "entities": 0}
    by_email = {}
    for email, handle, name, role, tz, bio in MEMBERS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = account_services.member_create(
                email=email, password=DEMO_PASSWORD, handle=handle, display_name=name, role=role,
                timezone_name=tz, email_verified=True,
            )  # fmt: skip
            account_services.profile_update(member=user, bio=bio)
            created["members"] += 1
        by_email[email] = user
    for owner_email, handle, name, kind, bio, horse, metadata in ENTITIES:
        if Entity.objects.filter(handle__iexact=handle).exists():
            continue
        entity_services.entity_create(
            actor=by_email[owner_email],
            handle=handle,
            display_name=name,
            kind=kind,
            bio=bio,
            metadata=metadata,
            **horse,
        )
        created["entities"] += 1
    return created
