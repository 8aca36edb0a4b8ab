"""Lanes, categories and priorities come from one table; unknown kinds are a programming error."""

import pytest

from yalls.notifications import rules


@pytest.mark.parametrize(
    ("kind", "lane", "category", "priority"),
    [
        ("social.mention", "priority", "social", 2),
        ("social.approval_requested", "priority", "social", 2),
        ("social.approval_decided", "priority", "social", 2),
        ("orders.paid", "priority", "orders", 2),
        ("events.registration", "priority", "events", 2),
        ("security.new_login", "priority", "system", 1),
        ("social.follow", "social", "social", 3),
        ("social.favorite", "social", "social", 3),
        ("social.repost", "social", "social", 3),
        ("system.announcement", "system", "system", 3),
        ("system.alert", "system", "system", 2),
        ("accounts.link_verified", "system", "system", 3),
    ],
)
def test_lanes(kind, lane, category, priority):
    rule = rules.rule_for(kind)
    assert (rule.lane, rule.category, rule.priority) == (lane, category, priority)


@pytest.mark.parametrize("kind", ["", "social.poke", "orders", "unknown.thing", "x" * 61])
def test_unknown_kinds_raise(kind):
    with pytest.raises(ValueError, match="unknown notification kind"):
        rules.rule_for(kind)


def test_overrides_are_validated():
    assert rules.rule_for("system.alert", priority=1).priority == 1
    assert rules.rule_for("system.alert", category="farm").category == "farm"
    with pytest.raises(ValueError):
        rules.rule_for("system.alert", priority=0)
    with pytest.raises(ValueError):
        rules.rule_for("system.alert", category="spam")


def test_only_security_is_always_delivered():
    assert rules.rule_for("security.password_changed").always_delivered
    assert not rules.rule_for("social.mention").always_delivered


def test_group_keys_and_titles():
    fav = rules.rule_for("social.favorite")
    assert (
        rules.group_key_for("social.favorite", fav, "post", "p1", "") == "social.favorite:post:p1"
    )
    assert rules.group_key_for("social.favorite", fav, "", "", "") == ""
    mention = rules.rule_for("social.mention")
    assert rules.group_key_for("social.mention", mention, "post", "p1", "") == ""
    assert rules.group_key_for("social.mention", mention, "post", "p1", "mine") == "mine"
    assert rules.grouped_title(fav, "Maya Lopez", 12, "x") == (
        "Maya Lopez and 11 others favorited your post"
    )
    assert rules.grouped_title(fav, "Maya Lopez", 2, "x") == (
        "Maya Lopez and 1 other favorited your post"
    )
    assert rules.grouped_title(fav, "Maya Lopez", 1, "Maya favorited") == "Maya favorited"
