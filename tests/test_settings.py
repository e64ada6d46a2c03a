"""Settings come from the environment; production refuses to start without its secrets."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-production-secret-key-that-is-long-enough-for-django-checks-123",
    "ALLOWED_HOSTS": "foyer.example",
    "EMAIL_URL": "smtp://mail.foyer.example:25",
    "TOKEN_ENCRYPTION_KEYS": "uXZ0eQ8mB5m3h7v1kZ9Qe6Cq2yM0a4d8f1g3h5j7k9I=",
}


def load_settings(**overrides):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in PRODUCTION and key not in {"DATABASE_URL", "REDIS_URL"}
    }
    environment.update({k: v for k, v in overrides.items() if v is not None})
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.DEBUG, settings.SESSION_COOKIE_SECURE, settings.SECURE_SSL_REDIRECT,"
            " settings.CACHES['default']['BACKEND'])",
        ],
        cwd=ROOT,
        env={**environment, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "TOKEN_ENCRYPTION_KEYS"])
def test_production_refuses_to_start_without_its_secrets(missing):
    result = load_settings(**{**PRODUCTION, missing: None})
    assert result.returncode != 0
    assert f"{missing} must be set" in result.stderr


def test_production_switches_on_security_and_redis():
    result = load_settings(**PRODUCTION, REDIS_URL="redis://127.0.0.1:6379/1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "True",
        "True",
        "django.core.cache.backends.redis.RedisCache",
    ]


def test_development_defaults_need_nothing():
    result = load_settings()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "False",
        "False",
        "django.core.cache.backends.locmem.LocMemCache",
    ]
