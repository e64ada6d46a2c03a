"""Settings come from the environment; production refuses to start without its secrets."""

import pytest
from django.db import connection

from tests.production import django_run

SHOW = (
    "from django.conf import settings; "
    "print(settings.DEBUG, settings.SESSION_COOKIE_SECURE, settings.SECURE_SSL_REDIRECT,"
    " settings.CACHES['default']['BACKEND'])"
)


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL", "TOKEN_ENCRYPTION_KEYS"]
)
def test_production_refuses_to_start_without_its_secrets(missing):
    result = django_run(SHOW, **{missing: None})
    assert result.returncode != 0
    assert f"{missing} must be set" in result.stderr


def test_production_switches_on_security_and_redis():
    result = django_run(SHOW, REDIS_URL="redis://127.0.0.1:6379/1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "True",
        "True",
        "config.cache.SharedClientRedisCache",
    ]


def test_development_defaults_need_nothing():
    result = django_run(SHOW, production=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "False",
        "False",
        "django.core.cache.backends.locmem.LocMemCache",
    ]


FAULTS = "from django.conf import settings; print(repr(settings.SANDBOX_FAULTS))"


def test_sandbox_faults_are_a_json_list():
    result = django_run(
        FAULTS, production=False, SANDBOX_FAULTS='[{"endpoint": "*", "latency_ms": 50}]'
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[{'endpoint': '*', 'latency_ms': 50}]"


def test_sandbox_faults_default_to_none():
    result = django_run(FAULTS, production=False, SANDBOX_FAULTS=None)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


SANDBOX = """
from django.conf import settings
from django.urls import Resolver404, resolve
try:
    resolve("/sandbox/_control")
    served = True
except Resolver404:
    served = False
print(settings.SANDBOX_ENABLED, served)
"""


def test_production_serves_the_sandbox_only_when_asked():
    assert django_run(SANDBOX).stdout.split() == ["False", "False"]
    assert django_run(SANDBOX, SANDBOX_ENABLED="true").stdout.split() == ["True", "True"]


def test_development_serves_the_sandbox_while_an_upstream_is_the_sandbox():
    assert django_run(SANDBOX, production=False).stdout.split() == ["True", "True"]


@pytest.mark.parametrize(
    "name", ["BUTTERFLYMX_ACCOUNTS_URL", "BUTTERFLYMX_API_URL", "BUTLR_API_URL"]
)
@pytest.mark.parametrize(
    "url", ["http://api.upstream.example", "http://127.0.0.1:9000/v4", "ftp://127.0.0.1/sandbox/"]
)
def test_production_refuses_plain_http_upstreams(name, url):
    result = django_run(SHOW, **{name: url})

    assert result.returncode != 0
    assert f"{name} must be an https:// URL" in result.stderr


@pytest.mark.parametrize(
    "url", ["https://api.upstream.example", "http://127.0.0.1:9000/sandbox/butlr"]
)
def test_production_takes_https_or_a_sandbox_on_the_loopback(url):
    result = django_run(SHOW, BUTLR_API_URL=url)

    assert result.returncode == 0, result.stderr


DATABASE = "from django.conf import settings; print(repr(settings.DATABASES['default']['OPTIONS']))"


def test_postgresql_statements_and_connections_are_bounded_in_time():
    result = django_run(DATABASE, DATABASE_URL="postgres://foyer:pw@db.invalid:5432/foyer")

    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.strip() == "{'connect_timeout': 5, 'options': '-c statement_timeout=10000'}"
    )


def test_the_statement_timeout_is_a_setting_and_keeps_the_urls_own_options():
    result = django_run(
        DATABASE,
        DATABASE_URL="postgres://foyer:pw@db.invalid:5432/foyer?options=-c%20search_path%3Dfoyer",
        DATABASE_STATEMENT_TIMEOUT="2.5",
    )

    assert result.returncode == 0, result.stderr
    options = result.stdout.strip()
    assert "'options': '-c search_path=foyer -c statement_timeout=2500'" in options


REDIS = "from django.conf import settings; print(repr(settings.CACHES['default']['OPTIONS']))"


def test_redis_calls_are_bounded_in_time():
    result = django_run(REDIS, REDIS_URL="redis://cache.invalid:6379/0")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "{'socket_connect_timeout': 2.0, 'socket_timeout': 2.0}"


@pytest.mark.django_db
def test_postgresql_itself_applies_the_statement_timeout():
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL setting")
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "10s"


SITE = (
    "from django.conf import settings; print(settings.SITE_URL);"
    " print(' '.join(settings.SANDBOX_BUTTERFLYMX_REDIRECT_URIS))"
)


def test_the_demo_port_sets_the_site_address_and_the_sandbox_redirect_uris():
    result = django_run(SITE, production=False, PORT="8123", SITE_URL=None)
    assert result.returncode == 0, result.stderr
    site_url, redirect_uris = result.stdout.splitlines()
    assert site_url == "http://127.0.0.1:8123"
    assert redirect_uris.split() == [
        "http://127.0.0.1:8123/accounts/butterflymx/login/callback/",
        "http://localhost:8123/accounts/butterflymx/login/callback/",
    ]


def test_a_given_site_address_wins_over_the_port_and_is_the_only_redirect_uri():
    result = django_run(SITE, production=False, PORT="8123", SITE_URL="https://demo.foyer.example/")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "https://demo.foyer.example",
        "https://demo.foyer.example/accounts/butterflymx/login/callback/",
    ]
