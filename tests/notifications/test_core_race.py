"""The dedupe key under a real race: two transactions send the same event at once; the unique
constraint lets one in and the other returns None without breaking its caller's transaction."""

import threading

import pytest
from django.db import connection, transaction

from tests.factories import MemberFactory
from yalls.notifications.models import Notification
from yalls.notifications.services import notify


@pytest.mark.django_db(transaction=True)
def test_concurrent_sends_of_one_event_make_one_row():
    member = MemberFactory(password=None)
    first_inserted, results, errors = threading.Event(), {}, []

    def first():
        try:
            with transaction.atomic():
                results["first"] = notify(
                    recipient=member, kind="social.mention", title="m", dedupe_key="race"
                )
                first_inserted.set()
                # Hold the transaction open while the second one checks and inserts.
                threading.Event().wait(0.5)
        except Exception as exc:  # pragma: no cover - surfaced below
            errors.append(exc)
        finally:
            first_inserted.set()
            connection.close()

    def second():
        try:
            first_inserted.wait(5)
            with transaction.atomic():
                results["second"] = notify(
                    recipient=member, kind="social.mention", title="m", dedupe_key="race"
                )
                # The caller's transaction is still usable after the lost race.
                results["after"] = Notification.objects.filter(recipient=member).count()
        except Exception as exc:  # pragma: no cover
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert errors == []
    assert results["first"] is not None and results["second"] is None
    assert results["after"] == 1
    assert Notification.objects.filter(recipient=member, dedupe_key="race").count() == 1
