"""Dead letters: the staff page lists them with their last error; retry and discard are audited."""

import pytest
from django.urls import reverse

from tests.core.jobs import probe_tasks
from tests.core.jobs.seeding import job_status, seed_dead_letter
from tests.factories import MemberFactory
from yalls.core.audit.models import AuditEvent
from yalls.core.errors import Conflict, Forbidden, NotFound
from yalls.core.ops import services
from yalls.core.ops.models import JobFailure

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_jobs")]


@pytest.fixture
def staff():
    return MemberFactory(role="admin")


def test_retry_puts_the_job_back_and_is_audited(staff):
    job_id = seed_dead_letter()
    services.dead_letter_retry(actor=staff, job_id=job_id)
    status, attempts = job_status(job_id)
    assert status == "todo" and attempts == 4  # one more attempt
    event = AuditEvent.objects.get(action="job.retried")
    assert event.actor_id == staff.pk
    assert event.target_type == "job" and event.target_id == str(job_id)
    assert event.metadata["task"] == probe_tasks.always_fails.name
    assert event.metadata["last_error"] == "builtins.ValueError"
    # The failure history stays with the job.
    assert JobFailure.objects.filter(job_id=job_id).count() == 3


def test_discard_deletes_the_job_and_is_audited(staff):
    job_id = seed_dead_letter()
    services.dead_letter_discard(actor=staff, job_id=job_id)
    assert job_status(job_id) is None
    assert not JobFailure.objects.filter(job_id=job_id).exists()
    event = AuditEvent.objects.get(action="job.discarded")
    assert event.target_id == str(job_id) and event.metadata["attempts"] == 3


def test_members_cannot_retry_or_discard():
    member = MemberFactory()
    job_id = seed_dead_letter()
    for service in (services.dead_letter_retry, services.dead_letter_discard):
        with pytest.raises(Forbidden):
            service(actor=member, job_id=job_id)
    assert job_status(job_id) == ("failed", 3)
    assert not AuditEvent.objects.filter(action__startswith="job.").exists()


def test_only_dead_letters_can_be_retried_or_discarded(staff):
    waiting = probe_tasks.mark.defer(path="/tmp/x")
    for service in (services.dead_letter_retry, services.dead_letter_discard):
        with pytest.raises(Conflict):
            service(actor=staff, job_id=waiting)
        with pytest.raises(NotFound):
            service(actor=staff, job_id=999_999_999)
    assert job_status(waiting) == ("todo", 0)
    assert not AuditEvent.objects.filter(action__startswith="job.").exists()


def test_jobs_page_lists_dead_letters_with_their_error(client, staff):
    job_id = seed_dead_letter(error="farm 7 has no water")
    probe_tasks.mark.defer(path="/tmp/y")
    client.force_login(staff)
    response = client.get("/ops/jobs/")
    assert response.status_code == 200
    body = response.content.decode()
    assert f"#{job_id}" in body
    assert "farm 7 has no water" in body
    assert "Traceback (most recent call last)" in body
    assert f'action="/ops/jobs/{job_id}/retry"' in body
    assert f'action="/ops/jobs/{job_id}/discard"' in body
    queues = response.context["table"]
    assert {row["queue"]: (row["todo"], row["failed"]) for row in queues} == {"test_jobs": (1, 1)}


def test_jobs_page_filters_and_refuses_unknown_status(client, staff):
    client.force_login(staff)
    seed_dead_letter()
    ok = client.get("/ops/jobs/", {"status": "failed", "queue": "test_jobs"})
    assert ok.status_code == 200 and len(ok.context["recent"]) == 1
    assert client.get("/ops/jobs/", {"status": "exploded"}).status_code == 400


def test_retry_and_discard_buttons(client, staff):
    client.force_login(staff)
    retried, discarded = seed_dead_letter(), seed_dead_letter()
    response = client.post(reverse("ops_job_retry", args=[retried]))
    assert response.status_code == 302 and response["Location"] == "/ops/jobs/"
    assert job_status(retried)[0] == "todo"
    response = client.post(reverse("ops_job_discard", args=[discarded]), follow=True)
    assert job_status(discarded) is None
    assert f"Job {discarded} was discarded." in response.content.decode()
    # Retrying again (no longer a dead letter) says why instead of failing.
    response = client.post(reverse("ops_job_retry", args=[retried]), follow=True)
    assert response.status_code == 200
    assert "not in the dead-letter list" in response.content.decode()
    assert client.get(reverse("ops_job_retry", args=[retried])).status_code == 405


def test_jobs_pages_are_staff_only(client):
    job_id = seed_dead_letter()
    anonymous = client.get("/ops/jobs/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert client.post(f"/ops/jobs/{job_id}/retry").status_code == 302
    client.force_login(MemberFactory())
    assert client.get("/ops/jobs/").status_code == 403
    assert client.get("/ops/").status_code == 403
    assert client.post(f"/ops/jobs/{job_id}/retry").status_code == 403
    assert client.post(f"/ops/jobs/{job_id}/discard").status_code == 403
    assert job_status(job_id) == ("failed", 3)
