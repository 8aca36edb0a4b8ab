"""Settings for a web process the fault tests kill mid-request: the project's, with the test-only
idempotency routes (a write that can pause after writing) in front of the real ones."""

from yalls.settings import *  # noqa: F403

ROOT_URLCONF = "tests.core.idempotency.urls"
