"""Ops, end to end in Chromium: a staff member reads the Ops page (route latency, queue depth),
opens the jobs page and retries a dead-lettered job, which leaves the dead-letter list.
axe-core runs on both pages and must find nothing."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.core.jobs import probe_tasks
from tests.core.jobs.conftest import truncate_jobs
from tests.core.jobs.seeding import job_status, seed_dead_letter
from tests.e2e.conftest import assert_no_axe_violations, assert_page_intact
from tests.factories import PASSWORD, MemberFactory
from yalls.core.audit.models import AuditEvent

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def jobs_cleanup(transactional_db):
    truncate_jobs()
    yield
    truncate_jobs()


def test_staff_reads_ops_and_retries_a_dead_letter(page: Page, jobs_cleanup):
    staff = MemberFactory(role="admin", display_name="Ops Person")
    dead = seed_dead_letter(error="the farrier webhook timed out")
    probe_tasks.mark.defer(path="/tmp/ops-journey")

    page.goto("/accounts/login/")
    page.get_by_label("Email", exact=True).fill(staff.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto(f"/@{staff.handle}")  # some traffic for the latency table

    page.goto("/ops/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Operations")
    routes = page.get_by_test_id("route-table")
    # Exactly this route: /@<str:handle>/followers and friends may have traffic from other journeys
    # of this process (the figures are per process since its start).
    expect(
        routes.locator(".route-cell code").filter(has_text=re.compile(r"^/@<str:handle>$"))
    ).to_have_count(1)
    expect(routes.get_by_role("row").filter(has_text="/accounts/login/")).not_to_have_count(0)
    expect(page.get_by_test_id("queue-depth")).to_have_text("1 waiting")
    expect(page.get_by_test_id("dead-letters")).to_have_text("1")
    assert_page_intact(page)
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Background jobs").click()
    expect(page).to_have_url(re.compile(r"/ops/jobs/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Background jobs")
    dead_letters = page.get_by_test_id("dead-letter-list")
    expect(dead_letters.get_by_role("listitem")).to_have_count(1)
    expect(dead_letters).to_contain_text("the farrier webhook timed out")
    page.get_by_text(f"Traceback of job {dead}").click()
    expect(dead_letters.locator("pre")).to_contain_text("ValueError")
    assert_page_intact(page)
    assert_no_axe_violations(page)

    page.get_by_role("button", name=f"Retry job {dead}").click()
    expect(page).to_have_url(re.compile(r"/ops/jobs/$"))
    expect(page.get_by_role("status")).to_contain_text(f"Job {dead} is back in its queue.")
    expect(page.get_by_test_id("dead-letter-list")).to_have_count(0)
    expect(page.get_by_role("heading", name="No dead letters")).to_be_visible()
    assert job_status(dead)[0] == "todo"
    assert AuditEvent.objects.filter(action="job.retried", target_id=str(dead)).count() == 1
    assert_page_intact(page)
    assert_no_axe_violations(page)
