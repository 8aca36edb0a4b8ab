"""Slow queries are logged with their SQL shape, never their parameters or literals."""

import logging

import pytest
from django.db import connection

from yalls.core.ops.metrics import slow_query_logging, sql_shape

pytestmark = pytest.mark.django_db


def _slow_records(caplog):
    return [r for r in caplog.records if r.name == "yalls.db.slow"]


def test_slow_query_is_logged_without_parameters(caplog, settings):
    settings.SLOW_QUERY_MS = 100
    caplog.set_level(logging.WARNING, logger="yalls.db.slow")
    with slow_query_logging("test"), connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(%s), %s::text", [0.12, "rider@example.test"])
        cursor.execute("SELECT %s::text", ["fast-and-private"])
    records = _slow_records(caplog)
    assert len(records) == 1
    record = records[0]
    assert record.sql == "SELECT pg_sleep(%s), %s::text"
    assert record.duration_ms >= 100
    assert record.route == "test"
    assert "rider@example.test" not in str(vars(record))


def test_literals_in_the_sql_are_removed(caplog, settings):
    settings.SLOW_QUERY_MS = 100
    caplog.set_level(logging.WARNING, logger="yalls.db.slow")
    with slow_query_logging("test"), connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(0.11), 'secret-horse-name'")
    (record,) = _slow_records(caplog)
    assert record.sql == "SELECT pg_sleep(?), '?'"


def test_requests_log_slow_queries_with_their_route(client, caplog, settings):
    settings.SLOW_QUERY_MS = 0  # every query counts as slow here
    caplog.set_level(logging.WARNING, logger="yalls.db.slow")
    client.get("/@nobody_here")
    records = _slow_records(caplog)
    routes = {r.route for r in records}
    assert "/@<str:handle>" in routes and routes <= {"/@<str:handle>", "<before routing>"}
    assert all("nobody_here" not in r.sql for r in records)


def test_sql_shape():
    assert sql_shape("SELECT * FROM t1 WHERE id IN (%s, %s, %s) AND x = 'a''b' LIMIT 21") == (
        "SELECT * FROM t1 WHERE id IN (%s, ...) AND x = '?' LIMIT ?"
    )
    assert sql_shape('SELECT "app_table2"."col_3" FROM "app_table2"\n  WHERE n > -4.5') == (
        'SELECT "app_table2"."col_3" FROM "app_table2" WHERE n > ?'
    )
