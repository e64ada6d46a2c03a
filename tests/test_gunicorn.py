"""The shipped gunicorn settings: where Foyer listens, and no workers over a per-process cache."""

import os
import runpy
import signal
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.production import PRODUCTION, ROOT

CONFIG = str(ROOT / "config" / "gunicorn.conf.py")
LOCAL = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "foyer"}
REDIS = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://cache"}


@pytest.fixture
def gunicorn_config(monkeypatch):
    # Set before deleting, so that what the config file sets is undone afterwards too.
    for name in ("DEBUG", "BIND", "PORT"):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)

    def load(**environment: str) -> dict:
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(CONFIG)

    return load


def test_gunicorn_listens_on_the_loopback_by_default(gunicorn_config):
    assert gunicorn_config()["bind"] == "127.0.0.1:8000"
    assert gunicorn_config(PORT="9123")["bind"] == "127.0.0.1:9123"


def test_gunicorn_listens_where_bind_says(gunicorn_config):
    assert gunicorn_config(BIND="10.0.0.5:8080")["bind"] == "10.0.0.5:8080"


def starting(config: dict, workers: int) -> None:
    config["on_starting"](SimpleNamespace(cfg=SimpleNamespace(workers=workers)))


def test_gunicorn_refuses_several_workers_over_a_per_process_cache(gunicorn_config, settings):
    settings.CACHES = {"default": LOCAL}

    with pytest.raises(RuntimeError, match="need a shared cache"):
        starting(gunicorn_config(), workers=2)


def test_gunicorn_starts_one_worker_or_several_over_a_shared_cache(gunicorn_config, settings):
    config = gunicorn_config()
    settings.CACHES = {"default": LOCAL}
    starting(config, workers=1)
    settings.CACHES = {"default": REDIS}
    starting(config, workers=5)


def test_gunicorn_exits_at_once_with_several_workers_and_no_redis():
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "LOG_FORMAT", "DJANGO_SETTINGS_MODULE"}
    }
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", CONFIG, "config.wsgi"],
        cwd=ROOT,
        env={**environment, **PRODUCTION, "WEB_CONCURRENCY": "3", "BIND": "127.0.0.1:0"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _, err = server.communicate(timeout=30)
    finally:
        # Had it started, its workers go with it.
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.communicate()

    assert server.returncode != 0
    assert "3 worker processes need a shared cache: set REDIS_URL" in err
    assert "Listening at" not in err
