"""Run Django in a subprocess with settings from a chosen environment, production-like or not."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-production-secret-key-that-is-long-enough-for-django-checks-123",
    "ALLOWED_HOSTS": "foyer.example",
    "SITE_URL": "https://foyer.example",
    "EMAIL_URL": "smtp://mail.foyer.example:25",
    "TOKEN_ENCRYPTION_KEYS": "uXZ0eQ8mB5m3h7v1kZ9Qe6Cq2yM0a4d8f1g3h5j7k9I=",
}
# What this test run's own environment may set that would change the answer.
_NOT_INHERITED = {
    *PRODUCTION,
    "DATABASE_URL",
    "REDIS_URL",
    "LOG_FORMAT",
    "SANDBOX_ENABLED",
    "VAPID_PUBLIC_KEY",
    "VAPID_PRIVATE_KEY",
    "VAPID_SUBJECT",
}


def django_run(code: str, *, production: bool = True, **overrides: str | None):
    """Run ``code`` after django.setup(); an override of None removes that variable."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in _NOT_INHERITED and not key.startswith(("BUTTERFLYMX_", "BUTLR_"))
    }
    if production:
        environment.update(PRODUCTION)
    for key, value in overrides.items():
        if value is None:
            environment.pop(key, None)
        else:
            environment[key] = value
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup()\n{code}"],
        cwd=ROOT,
        env={**environment, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
