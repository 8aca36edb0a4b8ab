from tests.core.jobs.conftest import empty_jobs  # noqa: F401
