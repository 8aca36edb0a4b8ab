"""Edge services and selectors: permissions, acceptance, cycles, sire/dam rules, audit, atomicity."""

import contextlib

import pytest
from django.db import transaction
from django.db.models import QuerySet
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import MemberFactory
from yalls.core.audit.models import AuditEvent
from yalls.core.errors import Conflict, DomainError, Forbidden
from yalls.entities import selectors, services
from yalls.entities.models import Edge

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings, entity_kinds):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def maya():
    return MemberFactory(handle="maya")


@pytest.fixture
def liam():
    return MemberFactory(handle="liam")


def horse(owner, handle, sex=""):
    return services.entity_create(
        actor=owner, handle=handle, display_name=handle.title(), kind="horse", sex=sex
    )


def entity(owner, handle, kind="brand"):
    return services.entity_create(
        actor=owner, handle=handle, display_name=handle.title(), kind=kind
    )


def add(actor, source, target, type_, **kw):
    return services.edge_create(
        actor=actor, source=source, target_handle=target.handle, type=type_, **kw
    )


@pytest.fixture
def family(maya):
    return {
        "foal": horse(maya, "foal", "colt"),
        "sire": horse(maya, "sire", "stallion"),
        "dam": horse(maya, "dam", "mare"),
    }


# --- create and acceptance ----------------------------------------------------------------------


def test_edge_between_my_entities_is_accepted_at_once(maya, family):
    edge = add(maya, family["foal"], family["sire"], "offspring_of", parent_role="sire")
    assert edge.status == Edge.Status.ACCEPTED
    assert edge.decided_by == maya and edge.decided_at is not None
    event = AuditEvent.objects.get(action="edge.created", target_id=str(edge.pk))
    assert event.metadata["type"] == "offspring_of" and event.metadata["status"] == "accepted"


def test_edge_to_an_entity_i_dont_control_waits_for_acceptance(maya, liam):
    youth, parent = entity(liam, "youth"), entity(maya, "parent_brand")
    edge = add(liam, youth, parent, "brand_of", allow_crosspost=True)
    assert edge.status == Edge.Status.PENDING
    assert list(selectors.edge_requests_incoming(parent)) == [edge]
    assert selectors.crosspost_edge(youth, parent) is None  # not before acceptance
    assert list(selectors.edges_from(youth)) == []
    assert list(selectors.edges_from(youth, accepted=False)) == [edge]

    with pytest.raises(Forbidden) as exc:  # the requester can't accept their own request
        services.edge_decide(actor=liam, edge=edge, accept=True)
    assert exc.value.code == "edge.not_allowed"

    edge = services.edge_decide(actor=maya, edge=edge, accept=True)
    assert edge.status == Edge.Status.ACCEPTED and edge.decided_by == maya
    assert selectors.crosspost_edge(youth, parent) is not None
    assert selectors.crosspost_edge(parent, youth) is None  # direction matters
    assert AuditEvent.objects.filter(action="edge.accepted", target_id=str(edge.pk)).exists()

    with pytest.raises(Conflict) as exc:
        services.edge_decide(actor=maya, edge=edge, accept=False)
    assert exc.value.code == "edge.not_pending"


def test_a_manager_of_the_target_can_answer(maya, liam):
    youth, parent = entity(liam, "youth"), entity(maya, "parent_brand")
    helper = MemberFactory()
    services.entity_member_set(
        actor=maya, entity=parent, member_handle=helper.handle, role="manager"
    )
    edge = add(liam, youth, parent, "brand_of")
    assert services.edge_decide(actor=helper, edge=edge, accept=False).status == "rejected"
    with pytest.raises(Conflict) as exc:  # asking again after a refusal needs the refusal removed
        add(liam, youth, parent, "brand_of")
    assert exc.value.code == "edge.declined"
    services.edge_remove(actor=liam, edge=edge)
    assert add(liam, youth, parent, "brand_of").status == "pending"


@pytest.mark.parametrize("role", [None, "editor"])
def test_only_owners_and_managers_of_the_source_create_edges(maya, liam, role):
    source, target = entity(maya, "src"), entity(liam, "dst")
    outsider = MemberFactory()
    if role:
        services.entity_member_set(
            actor=maya, entity=source, member_handle=outsider.handle, role=role
        )
    with pytest.raises(Forbidden) as exc:
        add(outsider, source, target, "partners")
    assert exc.value.code == "edge.not_allowed"
    assert Edge.objects.count() == 0


def test_controlling_the_target_only_is_not_enough(maya, liam):
    source, target = entity(liam, "src"), entity(maya, "dst")
    with pytest.raises(Forbidden):
        add(maya, source, target, "sponsors")


def test_self_edge_and_unknown_type_and_unknown_target(maya):
    brand = entity(maya, "solo")
    with pytest.raises(DomainError) as exc:
        add(maya, brand, brand, "partners")
    assert exc.value.code == "edge.self"
    with pytest.raises(DomainError) as exc:
        add(maya, brand, entity(maya, "other"), "loves")
    assert exc.value.code == "edge.type_invalid"
    with pytest.raises(DomainError) as exc:
        services.edge_create(actor=maya, source=brand, target_handle="@nobody_here", type="owns")
    assert exc.value.code == "edge.target_unknown" and exc.value.field == "target"
    with pytest.raises(DomainError) as exc:
        services.edge_create(actor=maya, source=brand, target_handle="  ", type="owns")
    assert exc.value.code == "edge.target_unknown"
    assert Edge.objects.count() == 0


def test_duplicate_edge_is_a_conflict(maya):
    a, b = entity(maya, "aaa"), entity(maya, "bbb")
    add(maya, a, b, "partners")
    with pytest.raises(Conflict) as exc:
        add(maya, a, b, "partners")
    assert exc.value.code == "edge.duplicate"
    add(maya, b, a, "partners")  # the other direction is another relation
    add(maya, a, b, "sponsors")  # and so is another type


def test_archived_entities_gain_no_edges(maya):
    a, b = entity(maya, "aaa"), entity(maya, "bbb")
    services.entity_archive(actor=maya, entity=b)
    with pytest.raises(Conflict) as exc:
        add(maya, a, b, "partners")
    assert exc.value.code == "edge.archived"


# --- pedigree rules -----------------------------------------------------------------------------


def test_one_sire_and_one_dam(maya, family):
    add(maya, family["foal"], family["sire"], "offspring_of", parent_role="sire")
    add(maya, family["foal"], family["dam"], "offspring_of", parent_role="dam")
    other_sire = horse(maya, "other_sire", "stallion")
    with pytest.raises(Conflict) as exc:
        add(maya, family["foal"], other_sire, "offspring_of", parent_role="sire")
    assert exc.value.code == "edge.duplicate_parent"
    assert Edge.objects.filter(source=family["foal"]).count() == 2


def test_offspring_needs_horses_a_role_and_a_fitting_sex(maya, family):
    farm = entity(maya, "farm_x", kind="farm")
    with pytest.raises(DomainError) as exc:
        add(maya, family["foal"], farm, "offspring_of", parent_role="sire")
    assert exc.value.code == "edge.not_horse"
    with pytest.raises(DomainError) as exc:
        add(maya, family["foal"], family["sire"], "offspring_of")
    assert exc.value.code == "edge.parent_role_invalid"
    with pytest.raises(DomainError) as exc:
        add(maya, family["foal"], family["sire"], "offspring_of", parent_role="dam")
    assert exc.value.code == "edge.parent_sex_mismatch"
    with pytest.raises(DomainError) as exc:
        add(maya, family["foal"], family["dam"], "offspring_of", parent_role="sire")
    assert exc.value.code == "edge.parent_sex_mismatch"
    with pytest.raises(DomainError) as exc:  # parent_role belongs to offspring_of only
        add(maya, family["foal"], family["sire"], "partners", parent_role="sire")
    assert exc.value.code == "edge.parent_role_invalid"
    unknown = horse(maya, "mystery")  # sex unknown: either role is accepted
    assert (
        add(maya, family["foal"], unknown, "offspring_of", parent_role="dam").parent_role == "dam"
    )
    assert Edge.objects.count() == 1


def test_no_horse_is_its_own_ancestor(maya, family):
    add(maya, family["foal"], family["sire"], "offspring_of", parent_role="sire")
    grand = horse(maya, "grand", "stallion")
    add(maya, family["sire"], grand, "offspring_of", parent_role="sire")
    with pytest.raises(Conflict) as exc:  # grand can't descend from its own grandson
        add(maya, grand, family["foal"], "offspring_of", parent_role="sire")
    assert exc.value.code == "edge.cycle"


def test_belonging_hierarchy_mixes_owns_and_brand_of(maya):
    group, brand, sub = entity(maya, "group"), entity(maya, "brand"), entity(maya, "sub")
    add(maya, group, brand, "owns")  # brand belongs to group
    add(maya, sub, brand, "brand_of")  # sub belongs to brand
    with pytest.raises(Conflict) as exc:  # group can't be a brand of its own sub-brand
        add(maya, group, sub, "brand_of")
    assert exc.value.code == "edge.cycle"
    with pytest.raises(Conflict) as exc:  # nor can sub own group
        add(maya, sub, group, "owns")
    assert exc.value.code == "edge.cycle"
    # mutual partnerships, sponsorships and management are fine
    add(maya, group, sub, "partners")
    add(maya, sub, group, "partners")
    add(maya, sub, group, "manages")


def test_pending_edges_count_in_the_cycle_check(maya, liam):
    a, b = entity(maya, "aaa"), entity(liam, "bbb")
    pending = add(maya, a, b, "brand_of")
    assert pending.status == "pending"
    with pytest.raises(Conflict) as exc:
        add(liam, b, a, "brand_of")
    assert exc.value.code == "edge.cycle"


def _has_cycle(edges: list[tuple[int, int]]) -> bool:
    graph: dict[int, list[int]] = {}
    for child, parent in edges:
        graph.setdefault(child, []).append(parent)
    state: dict[int, int] = {}

    def visit(node) -> bool:
        state[node] = 1
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1 or (state.get(nxt) is None and visit(nxt)):
                return True
        state[node] = 2
        return False

    return any(state.get(n) is None and visit(n) for n in list(graph))


@pytest.fixture
def herd(maya):
    brands = [entity(maya, f"node_{i}") for i in range(6)]
    horses = [horse(maya, f"horse_{i}") for i in range(6)]
    return brands, horses


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    moves=st.lists(
        st.tuples(
            st.integers(0, 5),
            st.integers(0, 5),
            st.sampled_from(["owns", "brand_of", "offspring_of", "partners"]),
            st.sampled_from(["sire", "dam"]),
        ),
        max_size=25,
    )
)
def test_random_insertions_never_create_an_ancestor_cycle(maya, herd, moves):
    brands, horses = herd
    with transaction.atomic():
        for a, b, kind, role in moves:
            pool = horses if kind == "offspring_of" else brands
            with contextlib.suppress(DomainError):
                add(
                    maya, pool[a], pool[b], kind, parent_role=role if kind == "offspring_of" else ""
                )
        rows = Edge.objects.exclude(status="rejected").values_list("source_id", "target_id", "type")
        pedigree = [(s, t) for s, t, k in rows if k == "offspring_of"]
        belonging = [
            (t, s) if k == "owns" else (s, t) for s, t, k in rows if k in ("owns", "brand_of")
        ]
        assert not _has_cycle(pedigree)
        assert not _has_cycle(belonging)
        parents = [
            (s, r)
            for s, r in Edge.objects.filter(type="offspring_of").values_list(
                "source_id", "parent_role"
            )
        ]
        assert len(parents) == len(set(parents))
        transaction.set_rollback(True)


# --- toggles, removal, selectors ----------------------------------------------------------------


def test_toggles_need_the_target_to_switch_on(maya, liam):
    youth, parent = entity(liam, "youth"), entity(maya, "parent_brand")
    edge = add(liam, youth, parent, "brand_of")
    # before acceptance the requester may still shape the request
    edge = services.edge_update(actor=liam, edge=edge, auto_propagate=True)
    assert edge.auto_propagate
    services.edge_decide(actor=maya, edge=edge, accept=True)
    with pytest.raises(Forbidden) as exc:
        services.edge_update(actor=liam, edge=edge, allow_crosspost=True)
    assert exc.value.code == "edge.not_allowed"
    edge = services.edge_update(actor=maya, edge=edge, allow_crosspost=True)
    assert edge.allow_crosspost
    edge = services.edge_update(actor=liam, edge=edge, auto_propagate=False)  # off: either side
    assert not edge.auto_propagate
    with pytest.raises(Forbidden):
        services.edge_update(actor=MemberFactory(), edge=edge, allow_crosspost=False)
    assert AuditEvent.objects.filter(action="edge.updated", target_id=str(edge.pk)).count() == 3


def test_either_side_removes_and_outsiders_cannot(maya, liam):
    youth, parent = entity(liam, "youth"), entity(maya, "parent_brand")
    edge = add(liam, youth, parent, "brand_of")
    services.edge_decide(actor=maya, edge=edge, accept=True)
    with pytest.raises(Forbidden):
        services.edge_remove(actor=MemberFactory(), edge=edge)
    services.edge_remove(actor=maya, edge=edge)
    assert not Edge.objects.filter(pk=edge.pk).exists()
    assert AuditEvent.objects.filter(action="edge.removed", target_id=str(edge.pk)).exists()


def test_propagation_edges_and_crosspost_selectors(maya, family):
    to_sire = add(
        maya, family["foal"], family["sire"], "offspring_of", parent_role="sire",
        auto_propagate=True, allow_crosspost=True,
    )  # fmt: skip
    add(maya, family["foal"], family["dam"], "offspring_of", parent_role="dam")
    assert [e.pk for e in selectors.propagation_edges(family["foal"])] == [to_sire.pk]
    assert selectors.propagation_edges(family["sire"]) == []
    assert selectors.crosspost_edge(family["foal"], family["sire"]) is not None
    assert (
        selectors.crosspost_edge(family["foal"].pk, family["sire"].pk) is not None
    )  # ids work too
    assert selectors.crosspost_edge(family["foal"], family["dam"]) is None
    services.entity_archive(actor=maya, entity=family["sire"])
    assert selectors.propagation_edges(family["foal"]) == []  # archived targets drop out
    assert selectors.crosspost_edge(family["foal"], family["sire"]) is None


def test_entity_relations_groups_for_the_page(maya, family):
    add(maya, family["foal"], family["sire"], "offspring_of", parent_role="sire")
    add(maya, family["foal"], family["dam"], "offspring_of", parent_role="dam")
    rel = selectors.entity_relations(family["foal"])
    assert rel["sire"] == [family["sire"]] and rel["dam"] == [family["dam"]] and rel["any"]
    assert selectors.entity_relations(family["sire"])["offspring"] == [family["foal"]]


def test_a_lost_race_is_a_conflict_not_a_500(maya, family, monkeypatch):
    """The pre-checks pass but the database constraint fires: a clear code, nothing written."""
    add(maya, family["foal"], family["sire"], "offspring_of", parent_role="sire")
    other = horse(maya, "other_sire", "stallion")
    monkeypatch.setattr(QuerySet, "exists", lambda self: False)  # blind the pre-checks
    before = AuditEvent.objects.filter(action="edge.created").count()
    with pytest.raises(Conflict) as exc:
        add(maya, family["foal"], other, "offspring_of", parent_role="sire")
    assert exc.value.code == "edge.duplicate_parent"
    assert AuditEvent.objects.filter(action="edge.created").count() == before
    assert Edge.objects.filter(target=other).count() == 0


def test_demo_world_has_the_pedigree_and_brand_edges_idempotently():
    from yalls.accounts.linked_accounts import badges
    from yalls.accounts.linked_accounts import selectors as link_selectors
    from yalls.accounts.models import User
    from yalls.demo.world import seed_world
    from yalls.entities.models import Entity

    seed_world()
    again = seed_world()
    assert again["edges"] == 0
    foal = Entity.objects.get(handle="little_thunder")
    targets = sorted(e.target.handle for e in selectors.propagation_edges(foal))
    assert targets == ["moonlight_belle", "thunder_road"]
    youth = Entity.objects.get(handle="bnb_youth")
    assert selectors.crosspost_edge(youth, Entity.objects.get(handle="bit_and_bridle")) is not None
    maya = User.objects.get(handle="maya_rides")
    assert [link.provider for link in link_selectors.verified_links(maya)] == ["website"]
    assert [g.badge.label for g in badges.badges_of(maya)] == ["Founding member"]
