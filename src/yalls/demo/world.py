"""The demo world, loaded idempotently (running it twice changes nothing)."""

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from yalls.accounts import services as account_services
from yalls.accounts.models import User
from yalls.entities import services as entity_services
from yalls.entities.models import Entity

DEMO_PASSWORD = "ride-on-2026"  # noqa: S105 - the published demo password
# The foal's foaling date: the latest 28 March by the seeding day (see _last_spring).
LAST_SPRING = object()

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
    ("maya@yalls.local", "moonlight_belle", "Moonlight Belle", "horse", "Dam. Quiet, kind, fast.", {"breed": "Quarter Horse", "sex": "mare", "colour": "Gray", "foaling_date": date(2015, 5, 19), "registration_number": "AQHA-5630877"}, {}),
    ("maya@yalls.local", "little_thunder", "Little Thunder", "horse", "Colt out of Moonlight Belle by Thunder Road, foaled one March morning.", {"breed": "Quarter Horse", "sex": "colt", "colour": "Bay roan", "foaling_date": LAST_SPRING, "registration_number": ""}, {"sire": "thunder_road", "dam": "moonlight_belle"}),
    ("producer@yalls.local", "prairie_classic", "Prairie Classic Events", "event_organiser", "Barrel races and ranch rodeos across the Front Range.", {}, {"season": "April–October"}),
]  # fmt: skip


def _last_spring(today: date) -> date:
    """28 March of this year, or of last year before then: the foal is always this season's, and
    never foaled in the future whatever day the world is seeded."""
    this_year = date(today.year, 3, 28)
    return this_year if this_year <= today else date(today.year - 1, 3, 28)


@transaction.atomic
def seed_world(*, now: datetime | None = None) -> dict:
    today = (now or timezone.now()).date()
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
            now=now,
            **{k: _last_spring(today) if v is LAST_SPRING else v for k, v in horse.items()},
        )
        created["entities"] += 1
    created["contacts"] = _seed_contacts(by_email)
    created["edges"] = _seed_edges(by_email)
    created["posts"] = _seed_posts(by_email)  # after the edges: posts propagate along them
    created.update(_seed_identity(by_email))
    return created


# Where to find the farm and the tack maker (entity contact details).
CONTACTS = [
    # actor email, entity, fields
    ("maya@yalls.local", "willow_creek", {
        "street": "4120 Nelson Rd", "city": "Longmont", "region": "CO", "postal_code": "80503",
        "country": "US", "phone": "(303) 555-0142", "website": "https://willowcreek.example",
        "opening_hours": "Mon–Fri 7:00–19:00\nSat 8:00–17:00\nSun by appointment",
        "services": "Boarding, Training, Lessons, Indoor arena, Trailer parking",
    }),
    ("liam@yalls.local", "bit_and_bridle", {
        "city": "Sheridan", "region": "WY", "country": "US", "phone": "(307) 555-0198",
        "website": "https://bitandbridle.example", "opening_hours": "Tue–Sat 9:00–17:00",
        "services": "Custom headstalls, Saddle repair, Tack fitting",
    }),
]  # fmt: skip


def _seed_contacts(by_email: dict) -> int:
    from yalls.entities.models import EntityContact

    made = 0
    for email, handle, fields in CONTACTS:
        entity = Entity.objects.get(handle__iexact=handle)
        if EntityContact.objects.filter(entity=entity).exists():
            continue
        entity_services.entity_contact_update(actor=by_email[email], entity=entity, **fields)
        made += 1
    return made


# Relations (graph engineer): a foal reaches its sire and dam; the youth line feeds its parent brand.
EDGES = [
    # actor email, source, target, type, parent_role, allow_crosspost, auto_propagate
    ("maya@yalls.local", "little_thunder", "thunder_road", "offspring_of", "sire", True, True),
    ("maya@yalls.local", "little_thunder", "moonlight_belle", "offspring_of", "dam", True, True),
    ("liam@yalls.local", "bnb_youth", "bit_and_bridle", "brand_of", "", True, True),
]


def _seed_edges(by_email: dict) -> int:
    from yalls.entities.models import Edge

    made = 0
    for email, source, target, type_, role, crosspost, propagate in EDGES:
        source_entity = Entity.objects.get(handle__iexact=source)
        if Edge.objects.filter(
            source=source_entity, target__handle__iexact=target, type=type_
        ).exists():
            continue
        entity_services.edge_create(
            actor=by_email[email], source=source_entity, target_handle=target, type=type_,
            parent_role=role, allow_crosspost=crosspost, auto_propagate=propagate,
        )  # fmt: skip
        made += 1
    return made


def _seed_identity(by_email: dict) -> dict:
    """A verified website for Maya and the "Founding member" badge for the first members."""
    from yalls.accounts.linked_accounts.demo import demo_identity_seed

    return demo_identity_seed(
        admin=by_email["admin@yalls.local"],
        website_member=by_email["maya@yalls.local"],
        website_url="https://willowcreek.example/",
        badge_members=[by_email["maya@yalls.local"], by_email["liam@yalls.local"]],
    )


# Posts (posts engineer): each made through the services, so targets and propagation are real.
def _seed_posts(by_email: dict) -> int:
    from yalls.social.models import Post
    from yalls.social.services import posts as post_services

    maya, liam = by_email["maya@yalls.local"], by_email["liam@yalls.local"]
    if Post.objects.filter(author=maya, as_entity__handle__iexact="little_thunder").exists():
        return 0
    foal = post_services.post_create(
        author=maya,
        as_entity="little_thunder",
        body="First morning in the big pasture! Thanks @thunder_road and @moonlight_belle for the "
        "good genes. #foals #quarterhorse",
    )  # auto-propagates to Thunder Road and Moonlight Belle
    post_services.post_create(
        author=maya,
        as_entity="willow_creek",
        body="Open barn day Saturday 10–2. Come meet Little Thunder and the mares. #openbarn",
    )
    post_services.repost_create(
        actor=liam, post=foal, caption="Already measuring this colt for his first halter."
    )
    post_services.post_create(
        author=liam,
        as_entity="bnb_youth",
        body="Youth-size headstalls are back in stock, in four colors. #tack",
    )  # the brand_of edge carries it to Bit & Bridle
    post_services.post_create(
        author=liam,
        body="@maya_rides we'd love to bring a tack stand to your open barn day!",
        targets=["willow_creek"],
    )  # waits in Willow Creek's approval queue
    return 5
