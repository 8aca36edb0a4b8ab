"""The OpenAPI document checked against the running API by schemathesis: every operation, every
check, positive and negative data, as a signed-in member with a Bearer token, so a drift between
what the API says and what it does fails CI.

The run is deterministic (a fixed seed, derandomized) and bounded (3 examples per operation; the
examples, fuzzing and stateful phases), about a minute on two cores. ST_PHASES / ST_MAX_EXAMPLES
/ ST_TIMEOUT widen a local run (the coverage phase takes minutes); SCHEMATHESIS_OUTPUT keeps the
report.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import PASSWORD, EntityFactory, MemberFactory

SEED = 20261201
MAX_EXAMPLES = int(os.environ.get("ST_MAX_EXAMPLES", "3"))
PHASES = os.environ.get("ST_PHASES", "examples,fuzzing,stateful")
CHECKS = "all"  # every check the installed schemathesis offers, plus ours (schemathesis_hooks.py)
RUN_TIMEOUT_SECONDS = int(os.environ.get("ST_TIMEOUT", "300"))
CONFIG = Path(__file__).with_name("schemathesis.toml")


@pytest.fixture
def bearer(live_server, entity_kinds) -> str:
    """A member with an entity, a post and a follow, and another member with an entity and a post
    (so reads return rows, and writes meet things that are not the caller's); the member's access
    token is obtained the way a client gets one: POST /api/v1/auth/token."""
    import requests

    def sign_in(who) -> dict:
        response = requests.post(
            f"{live_server.url}/api/v1/auth/token",
            json={"email": who.email, "password": PASSWORD},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    def send(path: str, body: dict, headers: dict) -> None:
        response = requests.post(f"{live_server.url}{path}", json=body, headers=headers, timeout=30)
        assert response.status_code == 201, response.text

    member = MemberFactory(handle="schema_rider", email="rider@example.test")
    other = MemberFactory(handle="schema_other", email="other@example.test")
    EntityFactory(actor=member, handle="schema_farm", display_name="Schema Farm")
    EntityFactory(actor=other, handle="other_farm", display_name="Other Farm")
    headers = sign_in(member)
    send("/api/v1/posts", {"body": "Hello #horses"}, headers)
    send("/api/v1/posts", {"body": "Not yours to edit"}, sign_in(other))
    send("/api/v1/follows", {"target_kind": "member", "target": other.handle}, headers)
    return headers["Authorization"].removeprefix("Bearer ")


@pytest.mark.django_db(transaction=True)
def test_the_api_does_what_its_openapi_says(live_server, bearer, tmp_path: Path):
    report = tmp_path / "report.ndjson"
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(CONFIG),
        "run",
        f"{live_server.url}/api/v1/openapi.json",
        "--checks",
        CHECKS,
        "--mode",
        "all",
        "--phases",
        PHASES,
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--workers",
        "1",
        "--no-shrink",
        "--continue-on-failure",
        "--suppress-health-check",
        "all",
        "--request-timeout",
        "20",
        "--header",
        f"Authorization: Bearer {bearer}",
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(report),
        "--output-truncate",
        "false",
    ]
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(root)}
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECONDS,
        env=env,
        cwd=tmp_path,  # nothing it writes lands in the repository
        check=False,
    )
    if os.environ.get("SCHEMATHESIS_OUTPUT"):  # a path: keep the whole run's output there
        Path(os.environ["SCHEMATHESIS_OUTPUT"]).write_text(result.stdout + result.stderr)
    summary = result.stdout[-20000:]
    assert result.returncode == 0, f"schemathesis found drifts:\n{summary}\n{result.stderr[-3000:]}"
    assert "No issues found" in result.stdout or "passed" in result.stdout, summary
    assert report.exists() and report.stat().st_size > 0


def test_our_check_fails_only_a_parser_refusal_of_schema_valid_input():
    from types import SimpleNamespace

    from tests.core.schemathesis_hooks import schema_valid_input_passes_the_parser as check

    def case(positive: bool):
        mode = SimpleNamespace(is_positive=positive)
        return SimpleNamespace(
            meta=SimpleNamespace(generation=SimpleNamespace(mode=mode)),
            operation=SimpleNamespace(label="PATCH /api/v1/me"),
        )

    def response(status: int, code: str):
        body = {"code": code}
        return SimpleNamespace(status_code=status, json=lambda: body, text=json.dumps(body))

    with pytest.raises(AssertionError, match="Schema-valid input refused"):
        check(None, response(422, "request.validation_failed"), case(positive=True))
    assert check(None, response(422, "pin.url_invalid"), case(positive=True)) is None
    assert check(None, response(422, "request.validation_failed"), case(positive=False)) is None
    assert check(None, response(400, "request.bad"), case(positive=True)) is None
