"""Property tests (Hypothesis) on real PostgreSQL: auto-propagation over random edge graphs (cycles
included) terminates, never duplicates a target, never crosses a block and matches a plain
breadth-first model; attribution chains always end at the original."""

from collections import deque

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import EntityFactory, MemberFactory
from yalls.entities.models import Edge
from yalls.social.models import Block, Post, PostTarget
from yalls.social.selectors.posts import attribution_chain
from yalls.social.services import posts as services
from yalls.social.services import targets as target_services

pytestmark = pytest.mark.django_db

N_ENTITIES = 8
N_MEMBERS = 4
TYPES = ["partners", "brand_of", "sponsors", "manages"]
PROPERTY_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


class _Rollback(Exception):
    pass


@pytest.fixture
def world(entity_kinds, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    members = [MemberFactory() for _ in range(N_MEMBERS)]
    # Entity 0 is the author's (member 0); the others belong to members round-robin.
    entities = [EntityFactory(actor=members[i % N_MEMBERS]) for i in range(N_ENTITIES)]
    return members, entities


edges_strategy = st.lists(
    st.tuples(
        st.integers(0, N_ENTITIES - 1),
        st.integers(0, N_ENTITIES - 1),
        st.sampled_from(TYPES),
        st.booleans(),  # auto_propagate
        st.sampled_from(["accepted", "accepted", "pending", "rejected"]),
    ).filter(lambda e: e[0] != e[1]),
    max_size=30,
    unique_by=lambda e: (e[0], e[1], e[2]),
)
blocks_strategy = st.lists(
    st.tuples(st.integers(1, N_MEMBERS - 1), st.booleans()), max_size=3, unique_by=lambda b: b[0]
)


def expected_reach(edges, blocked_members, *, max_depth) -> dict[int, int]:
    """The model: BFS from entity 0 over accepted auto_propagate edges, never entering an entity
    owned by a member in a block with the author; {entity index: depth}."""
    adjacency: dict[int, list[int]] = {}
    for source, target, _type, propagate, status in edges:
        if propagate and status == "accepted":
            adjacency.setdefault(source, []).append(target)
    depth = {0: 0}
    queue = deque([0])
    while queue:
        node = queue.popleft()
        if depth[node] >= max_depth:
            continue
        for nxt in adjacency.get(node, []):
            if nxt not in depth and (nxt % N_MEMBERS) not in blocked_members:
                depth[nxt] = depth[node] + 1
                queue.append(nxt)
    return depth


@PROPERTY_SETTINGS
@given(edges=edges_strategy, blocks=blocks_strategy)
def test_propagation_terminates_no_duplicates_no_blocks(world, edges, blocks):
    members, entities = world
    author = members[0]
    try:
        with transaction.atomic():
            for source, target, type_, propagate, status in edges:
                Edge.objects.create(
                    source=entities[source], target=entities[target], type=type_,
                    auto_propagate=propagate, status=status,
                )  # fmt: skip
            for other, author_blocks in blocks:
                pair = (author, members[other]) if author_blocks else (members[other], author)
                Block.objects.create(blocker=pair[0], blocked=pair[1])
            post = services.post_create(author=author, body="hello", as_entity=entities[0])
            targets = list(
                PostTarget.objects.filter(post=post).select_related("via_edge", "source_target")
            )

            entity_ids = [t.entity_id for t in targets]
            assert len(entity_ids) == len(set(entity_ids)), "a duplicate target"
            blocked_members = {other for other, _ in blocks}
            blocked_owner_ids = {members[i].pk for i in blocked_members}
            index = {e.pk: i for i, e in enumerate(entities)}
            for t in targets:
                assert entities[index[t.entity_id]].owner_id not in blocked_owner_ids
                assert t.depth <= target_services.PROPAGATION_MAX_DEPTH
                if t.reason.startswith("auto_propagated:"):
                    assert t.via_edge.target_id == t.entity_id
                    assert t.source_target.entity_id == t.via_edge.source_id
                    assert t.depth == t.source_target.depth + 1
                    assert t.reason == f"auto_propagated:{t.via_edge.type}"
            got = {index[t.entity_id]: t.depth for t in targets}
            assert got == expected_reach(
                edges, blocked_members, max_depth=target_services.PROPAGATION_MAX_DEPTH
            )
            # The composer's dry run names exactly what was written.
            preview = target_services.propagation_preview(
                author=author, as_entity=entities[0].handle
            )
            assert {h.entity.pk for h in preview["propagates_to"]} == set(entity_ids) - {
                entities[0].pk
            }
            raise _Rollback
    except _Rollback:
        pass


@PROPERTY_SETTINGS
@given(steps=st.lists(st.tuples(st.integers(0, N_MEMBERS - 1), st.integers(0, 50)), max_size=12))
def test_attribution_chain_always_ends_at_the_original(world, steps):
    members, _ = world
    try:
        with transaction.atomic():
            original = services.post_create(author=members[0], body="the original")
            posts = [original]
            for member_index, pick in steps:
                reposted, _ = services.repost_create(
                    actor=members[member_index], post=posts[pick % len(posts)]
                )
                if reposted not in posts:
                    posts.append(reposted)
            for post in posts:
                chain = attribution_chain(Post.objects.get(pk=post.pk))
                assert chain[0].pk == post.pk
                assert chain[-1].pk == original.pk
                assert len({p.pk for p in chain}) == len(chain), "a loop in the chain"
                assert all(p.repost_of_id == original.pk for p in chain[:-1])
            # One live repost per member of the original, whatever they reposted from.
            assert Post.objects.filter(repost_of=original).count() == len(posts) - 1
            raise _Rollback
    except _Rollback:
        pass
