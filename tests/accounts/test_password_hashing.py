"""The suite hashes with MD5 for speed; these tests keep the real hashers honest."""

import json
import os
import subprocess
import sys

import pytest
from django.contrib.auth.hashers import check_password, make_password
from django.test import override_settings

PRODUCTION_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]


def _hashers_in(env: str) -> list[str]:
    code = "from django.conf import settings; import json; print(json.dumps(settings.PASSWORD_HASHERS))"
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={**os.environ, "YALLS_ENV": env, "DJANGO_SETTINGS_MODULE": "yalls.settings",
             "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "example.org",
             "DATABASE_URL": "postgres://app@db.invalid/yalls", "SITE_URL": "https://example.org",
             "EMAIL_URL": "smtp://mail.invalid:587"},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("env", ["development", "production"])
def test_only_the_test_environment_uses_the_fast_hasher(env):
    hashers = _hashers_in(env)
    assert hashers[0] == "django.contrib.auth.hashers.PBKDF2PasswordHasher"
    assert not any("MD5" in h for h in hashers)


def test_the_production_hasher_round_trips():
    with override_settings(PASSWORD_HASHERS=PRODUCTION_HASHERS):
        encoded = make_password("correct horse battery")
        assert encoded.startswith("pbkdf2_sha256$")
        assert check_password("correct horse battery", encoded)
        assert not check_password("wrong horse battery", encoded)
