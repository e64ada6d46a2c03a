"""Fixtures shared by the whole suite."""

import ipaddress
import sys
import time
import types
from urllib.parse import urlsplit

import pytest
import urllib3.util.retry
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test.testcases import QuietWSGIRequestHandler

from config import settings as configured
from occupancy.butlr import client as butlr_client
from residents.butterflymx import client as butterflymx_client
from tests.factories import AuthenticatorFactory, UserFactory

pytest_plugins = [
    "tests.fixtures.butterflymx",
    "tests.fixtures.butlr",
    "tests.fixtures.scripted_http",
    "tests.fixtures.push_service",
]

# Every setting that names an upstream host. A test that needs an upstream says which: the
# sandbox fixtures (tests/fixtures/) or `responses`; otherwise nothing can answer.
UPSTREAM_URLS = {
    "SITE_URL": "https://foyer.invalid",
    "BUTTERFLYMX_ACCOUNTS_URL": "https://accounts.butterflymx.invalid",
    "BUTTERFLYMX_API_URL": "https://api.butterflymx.invalid",
    "BUTLR_API_URL": "https://api.butlr.invalid",
}
# The port of the configured site (8000 by default), where a development server may listen.
SITE_PORT = urlsplit(configured.SITE_URL).port or 80
# The database and the cache, which may answer on another machine.
SERVICE_PORTS = {
    int(database.get("PORT") or 5432)
    for database in configured.DATABASES.values()
    if database["ENGINE"] == "django.db.backends.postgresql"
} | ({urlsplit(configured.REDIS_URL).port or 6379} if configured.REDIS_URL else set())


def unexpected_connections(addresses) -> list:
    """The addresses no test may connect to: the configured site's port, and other machines
    but for the database and the cache. Tests open their own servers (the live server,
    gunicorn) on free loopback ports."""
    unexpected = []
    for address in addresses:
        if not isinstance(address, tuple):
            continue  # a Unix socket
        host, port = address[0], address[1]
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if port == SITE_PORT or not (loopback or port in SERVICE_PORTS):
            unexpected.append(address)
    return unexpected


_connections: list | None = None


def _record_connections(event, args):
    if event == "socket.connect" and _connections is not None:
        _connections.append(args[1])


sys.addaudithook(_record_connections)


@pytest.fixture(autouse=True)
def _no_unexpected_connections():
    """Fails the test that connected to the site's port or to another machine."""
    global _connections
    _connections = connections = []
    yield connections
    _connections = None
    assert unexpected_connections(connections) == []


@pytest.fixture(autouse=True)
def _upstreams_cannot_answer(settings):
    for name, url in UPSTREAM_URLS.items():
        setattr(settings, name, url)


@pytest.fixture(scope="session", autouse=True)
def _static_files_from_the_apps(tmp_path_factory):
    """Static files are served from the apps' folders, as in development, not from a
    collectstatic output a benchmark may have left: WhiteNoise would index all of it again
    for every test's client."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "STATIC_ROOT", tmp_path_factory.mktemp("static-root"))
        yield


@pytest.fixture(scope="session", autouse=True)
def _live_server_answers_at_once():
    """The live server writes an answer's headers and body separately; with Nagle's algorithm
    on, every answer on a kept-alive connection then waits ~40 ms for the client's delayed
    ACK, which made each sandbox call ten times slower than its work."""
    QuietWSGIRequestHandler.disable_nagle_algorithm = True
    yield
    QuietWSGIRequestHandler.disable_nagle_algorithm = False


@pytest.fixture(autouse=True)
def _retries_without_waiting(monkeypatch):
    """Retries still happen and are counted; only urllib3's waits between them are skipped.
    Tests of the backoff itself record those waits the same way."""
    monkeypatch.setattr(
        urllib3.util.retry,
        "time",
        types.SimpleNamespace(sleep=lambda seconds: None, time=time.time),
    )


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


@pytest.fixture(autouse=True)
def _second_factor_required(settings):
    """As in production: managers and staff need a second factor for the dashboard and the
    admin. The `manager` has one; `manager_without_second_factor` has none."""
    settings.MFA_REQUIRED_FOR_MANAGERS = True


@pytest.fixture
def password():
    return "correct-horse-battery-staple"


@pytest.fixture
def resident(db, password):
    return UserFactory(password=password)


@pytest.fixture
def manager_without_second_factor(db, password):
    user = UserFactory(password=password)
    # get_or_create: transactional tests flush the group the data migration made.
    group, _ = Group.objects.get_or_create(name=settings.PROPERTY_MANAGERS_GROUP)
    user.groups.add(group)
    return user


@pytest.fixture
def manager(manager_without_second_factor):
    """A property manager with an authenticator app and its recovery codes."""
    AuthenticatorFactory(user=manager_without_second_factor)
    AuthenticatorFactory(user=manager_without_second_factor, recovery_codes=True)
    return manager_without_second_factor


@pytest.fixture
def resident_client(client, resident):
    client.force_login(resident)
    return client


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client
