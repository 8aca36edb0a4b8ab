"""Fixtures for the flags tests: seeded flags present, fast passwords, a clean process memo."""

import pytest


@pytest.fixture(autouse=True)
def _fresh_flags_memo():
    from yalls.core.flags import selectors

    selectors._memo = None
    yield
    selectors._memo = None


@pytest.fixture
def seeded(db):
    """The seeded flags and the test samples; a transactional test elsewhere may have flushed
    them."""
    from tests.core.flags.samples import sample_flags_ensure

    sample_flags_ensure()


@pytest.fixture
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff(db, fast_passwords):
    from tests.factories import MemberFactory

    return MemberFactory(role="admin")


@pytest.fixture
def member(db, fast_passwords):
    from tests.factories import MemberFactory

    return MemberFactory()
