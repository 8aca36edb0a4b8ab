"""/api/v1/flags: every flag for the caller (anonymous too), exposures and conversions, bad input."""

import json

import pytest
from django.test import Client

from tests.factories import PASSWORD
from yalls.core.flags.models import ExperimentConversion, ExperimentExposure
from yalls.core.flags.services import flag_create

pytestmark = pytest.mark.django_db

BASE = "/api/v1/flags"


def assert_problem(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == code
    return response.json()


def post(client, path, body=None, token=None, raw=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    data = raw if raw is not None else (json.dumps(body) if body is not None else "")
    return client.post(path, data=data, content_type="application/json", **headers)


@pytest.fixture
def token(member):
    response = post(Client(), "/api/v1/auth/token", {"email": member.email, "password": PASSWORD})
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


@pytest.fixture
def experiment(staff):
    return flag_create(
        actor=staff,
        key="reels_layout",
        enabled=True,
        variants=[
            {"key": "control", "weight": 1},
            {"key": "grid", "weight": 1, "payload": {"cols": 3}},
        ],
    )


def test_anonymous_gets_flags_and_a_stable_id(seeded, staff):
    flag_create(actor=staff, key="half_lane", enabled=True, rollout=50)
    client = Client()
    first = client.get(BASE)
    assert first.status_code == 200
    assert first["Cache-Control"] == "private, no-store"
    body = first.json()["flags"]
    assert body["discover_reels"] == {"enabled": True, "variant": None, "payload": None}
    assert body["payments_real"]["enabled"] is False
    cookie = first.cookies["yalls_aid"]
    assert cookie["httponly"]
    # The cookie comes back: same id, same answers, no new cookie.
    again = client.get(BASE)
    assert "yalls_aid" not in again.cookies
    assert again.json() == first.json()
    # Apps send the header instead; 50 % of ids are in a 50 % rollout.
    seen = {
        Client()
        .get(BASE, HTTP_X_ANONYMOUS_ID=f"device-{i:04d}")
        .json()["flags"]["half_lane"]["enabled"]
        for i in range(40)
    }
    assert seen == {True, False}


def test_signed_in_member_by_token(seeded, experiment, token, member):
    response = Client().get(BASE, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    state = response.json()["flags"]["reels_layout"]
    assert state["enabled"] and state["variant"] in {"control", "grid"}
    assert state["payload"] == ({"cols": 3} if state["variant"] == "grid" else None)
    assert "yalls_aid" not in response.cookies


def test_bad_token_is_401_not_anonymous(seeded):
    response = Client().get(BASE, HTTP_AUTHORIZATION="Bearer not-a-token")
    assert response.status_code == 401


def test_exposure_and_conversion(experiment, token, member):
    response = post(Client(), f"{BASE}/reels_layout/exposure", token=token)
    assert response.status_code == 200, response.content
    exposure = response.json()
    assert exposure["exposed"] and exposure["variant"] in {"control", "grid"}
    assert post(Client(), f"{BASE}/reels_layout/exposure", token=token).json() == exposure
    assert ExperimentExposure.objects.get().subject_id == str(member.pk)
    converted = post(Client(), f"{BASE}/reels_layout/conversion", {"event": "follow"}, token=token)
    assert converted.status_code == 200
    assert converted.json() == {
        "key": "reels_layout",
        "event": "follow",
        "variant": exposure["variant"],
        "recorded": True,
    }
    assert ExperimentConversion.objects.count() == 1


def test_conversion_without_exposure_is_not_recorded(experiment, token):
    response = post(Client(), f"{BASE}/reels_layout/conversion", {"event": "follow"}, token=token)
    assert response.json()["recorded"] is False
    assert not ExperimentConversion.objects.exists()


def test_writes_need_a_member(experiment):
    assert_problem(post(Client(), f"{BASE}/reels_layout/exposure"), 401, "auth.required")
    assert_problem(
        post(Client(), f"{BASE}/reels_layout/conversion", {"event": "x"}), 401, "auth.required"
    )


def test_bad_input(experiment, seeded, token):
    assert_problem(post(Client(), f"{BASE}/nope/exposure", token=token), 404, "flag.not_found")
    assert_problem(
        post(Client(), f"{BASE}/nope/conversion", {"event": "x"}, token=token),
        404,
        "flag.not_found",
    )
    assert_problem(
        post(Client(), f"{BASE}/discover_reels/exposure", token=token),
        409,
        "experiment.not_an_experiment",
    )
    body = assert_problem(
        post(Client(), f"{BASE}/reels_layout/conversion", {"event": "Not OK"}, token=token),
        422,  # the documented pattern: the parser refuses it before the service does
        "request.validation_failed",
    )
    assert body["errors"][0]["field"] == "event"
    assert_problem(
        post(Client(), f"{BASE}/reels_layout/conversion", {"event": "x", "extra": 1}, token=token),
        422,
        "request.validation_failed",
    )
    assert_problem(
        post(Client(), f"{BASE}/reels_layout/conversion", {"event": "x" * 65}, token=token),
        422,
        "request.validation_failed",
    )
    assert_problem(
        post(Client(), f"{BASE}/reels_layout/conversion", raw="{nope", token=token),
        400,
        "request.malformed_json",
    )
    assert not ExperimentConversion.objects.exists() and not ExperimentExposure.objects.exists()
