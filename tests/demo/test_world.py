"""The demo world seeds on any day: nothing in it is dated relative to the day it was written
("this spring's colt" was foaled on 28 March 2026, so seeding before then failed)."""

from datetime import UTC, date, datetime

import pytest

from yalls.demo.world import seed_world
from yalls.entities.models import Entity

pytestmark = [pytest.mark.django_db, pytest.mark.clock]


@pytest.mark.parametrize(
    ("day", "foaled"),
    [
        (datetime(2026, 3, 8, 9, 30, tzinfo=UTC), date(2025, 3, 28)),  # DST change in Denver
        (datetime(2026, 3, 28, 12, 0, tzinfo=UTC), date(2026, 3, 28)),
        (datetime(2031, 1, 2, 3, 0, tzinfo=UTC), date(2030, 3, 28)),
    ],
)
def test_the_foal_is_always_this_seasons(clock, entity_kinds, day, foaled):
    clock.move_to(day)
    created = seed_world(now=day)
    assert created["entities"] > 0
    foal = Entity.objects.select_related("horse").get(handle="little_thunder")
    assert foal.horse.foaling_date == foaled
    assert seed_world(now=day)["entities"] == 0  # idempotent
