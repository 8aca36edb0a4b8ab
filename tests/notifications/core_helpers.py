"""Shared helpers of the core notification tests: members in Denver, recorded bell updates, and
running deferred jobs in-process (the job functions themselves, no worker)."""

import json
from datetime import UTC, datetime

import pytest
from django.db import connection

from tests.factories import MemberFactory
from yalls.notifications import realtime
from yalls.notifications.models import Preference

DENVER = "America/Denver"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def bell(monkeypatch):
    """The member ids the send service told the real-time layer about (after commit)."""
    calls: list = []
    monkeypatch.setattr(realtime, "unread_changed", lambda member_id: calls.append(str(member_id)))
    monkeypatch.setattr(
        realtime, "unread_changed_many", lambda ids: calls.extend(str(i) for i in ids)
    )
    return calls


@pytest.fixture
def denver(db):
    return MemberFactory(timezone_name=DENVER, display_name="Dana Denver", password=None)


def prefs(member, **fields) -> Preference:
    row, _ = Preference.objects.update_or_create(member_id=member.pk, defaults=fields)
    return row


def deferred(task) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT args, scheduled_at FROM procrastinate_jobs WHERE task_name = %s "
            "AND status = 'todo' ORDER BY id",
            [task.name],
        )
        rows = cursor.fetchall()
    return [{"args": _args(a), "scheduled_at": s} for a, s in rows]


def _args(raw) -> dict:
    return json.loads(raw) if isinstance(raw, str) else raw


def run_deferred(task) -> list:
    """Run (in this process) and remove every waiting job of `task`; returns their results."""
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM procrastinate_jobs WHERE task_name = %s AND status = 'todo' "
            "RETURNING id, args",
            [task.name],
        )
        jobs = sorted(cursor.fetchall())
    return [task(**_args(args)) for _, args in jobs]
