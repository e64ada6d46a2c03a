"""Settings come from the environment; production refuses to start without its secrets."""

import pytest

from tests.production import django_run

SHOW = (
    "from django.conf import settings; "
    "print(settings.DEBUG, settings.SESSION_COOKIE_SECURE, settings.SECURE_SSL_REDIRECT,"
    " settings.CACHES['default']['BACKEND'])"
)


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "TOKEN_ENCRYPTION_KEYS"])
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
