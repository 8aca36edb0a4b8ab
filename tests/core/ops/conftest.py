import pytest

from tests.core.jobs.conftest import empty_jobs  # noqa: F401
from tests.core.ops.private_redis import metrics_redis, private_redis_url  # noqa: F401


@pytest.fixture(autouse=True)
def fresh_metrics(metrics_redis):  # noqa: F811 (the imported fixture)
    yield
