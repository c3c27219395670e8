"""Shared fixtures. Tests use the real database and the sandbox on loopback; nothing of ours is mocked."""

import shutil

import pytest
from django.db import connection


def pytest_collection_modifyitems(config, items):
    on_pg = connection.vendor == "postgresql"
    has_chromium = shutil.which("chromium") is not None
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    skip_browser = pytest.mark.skip(
        reason="Debian's chromium is not installed (.ci/run installs it)"
    )
    for item in items:
        if "pg" in item.keywords and not on_pg:
            item.add_marker(skip_pg)
        if "browser" in item.keywords and not has_chromium:
            item.add_marker(skip_browser)


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    # Login lockout and API throttles are off unless a test turns them on (tests/backoffice/
    # test_throttling.py shows they work): the suite sends hundreds of requests as one user.
    settings.AXES_ENABLED = False
    settings.API_THROTTLE_MEMBER = ""
    settings.API_THROTTLE_BACKOFFICE = ""


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2 at production strength costs about a second per user on these machines.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _korean_by_default():
    # A request that picks English leaves the thread's language active; every test starts in Korean.
    from django.utils import translation

    translation.activate("ko")
    yield
    translation.activate("ko")
