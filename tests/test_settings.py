"""Settings come from the environment; production refuses to start without its secrets."""

import pytest

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
        "django.core.cache.backends.redis.RedisCache",
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


SANDBOX = "from django.conf import settings; print(settings.SANDBOX_ENABLED)"


def test_production_serves_the_sandbox_only_when_asked():
    assert django_run(SANDBOX).stdout.strip() == "False"
    assert django_run(SANDBOX, SANDBOX_ENABLED="true").stdout.strip() == "True"


def test_development_serves_the_sandbox_while_an_upstream_is_the_sandbox():
    assert django_run(SANDBOX, production=False).stdout.strip() == "True"


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
