"""/ops/flags: staff only; toggles, rollout and edits go through flag_update and are audited; the
readout page; the template tags."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from yalls.core.audit.models import AuditEvent
from yalls.core.flags.models import ExperimentExposure, Flag
from yalls.core.flags.services import flag_create

pytestmark = pytest.mark.django_db

INDEX = "/ops/flags/"


def test_anonymous_is_sent_to_sign_in_and_members_are_refused(seeded, client, member):
    response = client.get(INDEX)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.post(f"{INDEX}discover_reels/", {"action": "disable"}).status_code == 302
    client.force_login(member)
    for url in (INDEX, f"{INDEX}discover_reels/edit", f"{INDEX}discover_reels/readout"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"{INDEX}discover_reels/", {"action": "disable"}).status_code == 403
    assert Flag.objects.get(key="discover_reels").enabled
    assert not AuditEvent.objects.filter(action="flag.updated").exists()


def test_staff_sees_and_toggles_flags(seeded, client, staff):
    client.force_login(staff)
    page = client.get(INDEX)
    assert page.status_code == 200
    assert b"discover_reels" in page.content and b"payments_real" in page.content
    response = client.post(f"{INDEX}discover_reels/", {"action": "disable"})
    assert response.status_code == 302 and response["Location"].endswith("#flag-discover_reels")
    assert not Flag.objects.get(key="discover_reels").enabled
    event = AuditEvent.objects.get(action="flag.updated", target_id="discover_reels")
    assert event.metadata == {"before": {"enabled": True}, "after": {"enabled": False}}
    client.post(f"{INDEX}payments_real/", {"action": "kill"})
    assert Flag.objects.get(key="payments_real").kill_switch
    client.post(f"{INDEX}payments_real/", {"action": "rollout", "rollout": "33.33"})
    assert Flag.objects.get(key="payments_real").rollout_bp == 3333
    assert AuditEvent.objects.filter(action="flag.updated").count() == 3


def test_bad_rollout_rerenders_with_the_error_and_writes_nothing(seeded, client, staff):
    client.force_login(staff)
    response = client.post(f"{INDEX}discover_reels/", {"action": "rollout", "rollout": "100.001"})
    assert response.status_code == 400
    assert b"0.01" in response.content and b'aria-invalid="true"' in response.content
    assert b'value="100.001"' in response.content
    assert Flag.objects.get(key="discover_reels").rollout_bp == 10_000
    assert not AuditEvent.objects.filter(action="flag.updated").exists()


def test_unknown_flag_or_action(seeded, client, staff):
    client.force_login(staff)
    assert client.post(f"{INDEX}nope/", {"action": "disable"}).status_code == 404
    assert client.get(f"{INDEX}nope/readout").status_code == 404
    assert client.post(f"{INDEX}discover_reels/", {"action": "explode"}).status_code == 400
    assert client.get(f"{INDEX}discover_reels/").status_code == 405


def test_edit_targeting_and_variants(seeded, client, staff):
    client.force_login(staff)
    assert client.get(f"{INDEX}discover_reels/edit").status_code == 200
    data = {
        "description": "Reels lane",
        "environments": "production, staging",
        "roles": "member",
        "allow_list": "@Rosa",
        "variants": '[{"key": "control", "weight": 1}, {"key": "grid", "weight": 3}]',
        "payload": "",
    }
    response = client.post(f"{INDEX}discover_reels/edit", data)
    assert response.status_code == 302, response.content
    flag = Flag.objects.get(key="discover_reels")
    assert flag.environments == ["production", "staging"] and flag.allow_list == ["@rosa"]
    assert [v["weight"] for v in flag.variants] == [1, 3]
    bad = client.post(
        f"{INDEX}discover_reels/edit",
        {**data, "variants": '[{"key": "control", "weight": 1}, {"key": "b", "weight": -1}]'},
    )
    assert bad.status_code == 400 and b"whole numbers" in bad.content
    assert (
        client.post(f"{INDEX}discover_reels/edit", {**data, "payload": "{nope"}).status_code == 400
    )
    assert [v["weight"] for v in Flag.objects.get(key="discover_reels").variants] == [1, 3]


def test_readout_page(client, staff):
    flag = flag_create(
        actor=staff, key="reels_layout", enabled=True,
        variants=[{"key": "control", "weight": 1}, {"key": "grid", "weight": 1}],
    )  # fmt: skip
    client.force_login(staff)
    empty = client.get(f"{INDEX}reels_layout/readout")
    assert empty.status_code == 200 and b"No exposures yet" in empty.content
    for i in range(10):
        ExperimentExposure.objects.create(
            flag=flag, subject_id=f"s{i}", variant=["control", "grid"][i % 2]
        )
    page = client.get(f"{INDEX}reels_layout/readout?event=unknown")
    assert page.status_code == 200 and b"Baseline" in page.content and b"grid" in page.content


def test_template_tags(seeded, staff, member):
    request = RequestFactory().get("/")
    request.user = member
    request.session = None
    html = Template(
        '{% load flags %}{% flag_enabled "discover_reels" as on %}{% flag_enabled "payments_real" as pay %}'
        '{% flag_variant "discover_reels" as v %}{{ on }} {{ pay }} {{ v }}'
    ).render(Context({"request": request}))
    assert html == "True False None"
