"""Signed, expiring links to private files, and the access rule asked on every fetch."""

import pytest
from django.test import Client

from yalls.core import storage


@pytest.fixture
def private_file(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    name = storage.private_storage().save("testing/report.txt", _content(b"private words"))
    yield name
    storage._access_rules.pop("testing", None)


def _content(data: bytes):
    from django.core.files.base import ContentFile

    return ContentFile(data)


def test_a_link_is_stable_within_its_step_and_checks_out():
    first = storage.private_url("a/b.txt", now=1_000_000)
    assert first == storage.private_url("a/b.txt", now=1_000_010)
    query = dict(part.split("=") for part in first.split("?", 1)[1].split("&"))
    expires = int(query["exp"])
    assert expires >= 1_000_000 + 3600
    assert storage.private_url_check("a/b.txt", query["exp"], query["sig"], now=1_000_000) == "ok"
    assert storage.private_url_check("a/c.txt", query["exp"], query["sig"], now=1_000_000) == (
        "invalid"
    )
    assert storage.private_url_check("a/b.txt", query["exp"], query["sig"], now=expires) == (
        "expired"
    )
    assert storage.private_url_check("a/b.txt", "soon", query["sig"], now=0) == "invalid"


@pytest.mark.django_db
def test_a_folder_without_an_access_rule_is_served_to_nobody(private_file):
    url = storage.private_storage().url(private_file)
    assert Client().get(url).status_code == 404


@pytest.mark.django_db
def test_the_registered_rule_decides(private_file):
    url = storage.private_storage().url(private_file)
    storage.register_private_access("testing", lambda viewer, name: True)
    response = Client().get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"private words"
    storage.register_private_access("testing", lambda viewer, name: False)
    assert Client().get(url).status_code == 404


@pytest.mark.django_db
def test_behind_nginx_the_file_is_handed_over_by_x_accel_redirect(private_file, settings):
    settings.PRIVATE_FILES_ACCEL_REDIRECT = "/_private/"
    storage.register_private_access("testing", lambda viewer, name: True)
    response = Client().get(storage.private_storage().url(private_file))
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == "/_private/testing/report.txt"
    assert response.content == b""
