"""Fixtures shared by the whole suite."""

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import cache

from occupancy.butlr import client as butlr_client
from residents.butterflymx import client as butterflymx_client
from tests.factories import UserFactory

pytest_plugins = ["tests.fixtures.butterflymx", "tests.fixtures.butlr"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _sessions_outlive_time_travel(settings):
    """A client signs in by the real clock, and many tests then travel to a fixed day: a
    year ahead, or a year back, the session must still be valid there."""
    settings.SESSION_COOKIE_AGE = 20 * 365 * 86400


@pytest.fixture(autouse=True)
def _close_upstream_connections(request):
    """Drop the clients' pooled keep-alive connections after a test that used the live server,
    so that no server thread outlives the test holding the shared test database."""
    yield
    if "live_server" in request.fixturenames:
        butterflymx_client._session.close()
        butlr_client._session.close()


@pytest.fixture(autouse=True)
def _clear_cache():
    """Every test starts with an empty cache (local memory, or Redis in CI)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def password():
    return "correct-horse-battery-staple"


@pytest.fixture
def resident(db, password):
    return UserFactory(password=password)


@pytest.fixture
def manager(db, password):
    user = UserFactory(password=password)
    # get_or_create: transactional tests flush the group the data migration made.
    group, _ = Group.objects.get_or_create(name=settings.PROPERTY_MANAGERS_GROUP)
    user.groups.add(group)
    return user


@pytest.fixture
def resident_client(client, resident):
    client.force_login(resident)
    return client


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client
