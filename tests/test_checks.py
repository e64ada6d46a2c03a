"""Foyer's deploy checks name every unsafe production setting."""

import pytest

from config.checks import production_checks

REDIS = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://cache"}
LOCAL = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "foyer"}


@pytest.fixture
def deployable(settings):
    settings.SITE_URL = "https://foyer.example"
    settings.BUTTERFLYMX_ACCOUNTS_URL = "https://accounts.butterflymx.com"
    settings.BUTTERFLYMX_API_URL = "https://api.butterflymx.com"
    settings.BUTLR_API_URL = "https://api.butlr.io"
    settings.BUTTERFLYMX_SANDBOX = False
    settings.BUTLR_SANDBOX = False
    settings.SANDBOX_ENABLED = False
    settings.CACHES = {"default": REDIS}
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    settings.VAPID_PUBLIC_KEY = "public"
    settings.VAPID_PRIVATE_KEY = "private"
    settings.VAPID_SUBJECT = "mailto:ops@foyer.example"
    settings.PUSH_ENABLED = True
    return settings


def ids() -> list[str]:
    return [problem.id for problem in production_checks(None)]


def test_a_production_configuration_passes(deployable):
    assert ids() == []


def test_a_plain_http_site_url_fails(deployable):
    deployable.SITE_URL = "http://127.0.0.1:8000"
    assert ids() == ["foyer.E001"]


@pytest.mark.parametrize(
    "name", ["BUTTERFLYMX_ACCOUNTS_URL", "BUTTERFLYMX_API_URL", "BUTLR_API_URL"]
)
def test_a_plain_http_upstream_fails(deployable, name):
    setattr(deployable, name, "http://api.upstream.example")
    assert ids() == ["foyer.E002"]


def test_a_sandbox_on_the_loopback_may_be_reached_over_http(deployable):
    deployable.BUTLR_API_URL = "http://127.0.0.1:9000/sandbox/butlr"
    assert ids() == []


@pytest.mark.parametrize(
    "backend",
    [
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.cache.backends.dummy.DummyCache",
        "django.core.cache.backends.filebased.FileBasedCache",
    ],
)
def test_a_cache_each_process_or_machine_keeps_to_itself_fails(deployable, backend):
    deployable.CACHES = {"default": {**LOCAL, "BACKEND": backend}}
    assert ids() == ["foyer.E003"]


@pytest.mark.parametrize(
    "backend",
    ["config.cache.SharedClientRedisCache", "django.core.cache.backends.db.DatabaseCache"],
)
def test_a_shared_cache_or_one_built_on_it_passes(deployable, backend):
    deployable.CACHES = {"default": {**LOCAL, "BACKEND": backend}}
    assert "foyer.E003" not in ids()


def test_a_cache_backend_that_does_not_import_fails(deployable):
    deployable.CACHES = {"default": {**LOCAL, "BACKEND": "config.cache.NoSuchCache"}}
    assert ids() == ["foyer.E003"]


def test_an_upstream_left_to_the_sandbox_fails(deployable):
    deployable.BUTLR_SANDBOX = True
    assert ids() == ["foyer.E004"]


@pytest.mark.parametrize(("count", "header"), [(0, None), (0, "")])
def test_trusting_no_proxy_for_the_clients_address_is_flagged(deployable, count, header):
    deployable.ALLAUTH_TRUSTED_PROXY_COUNT = count
    deployable.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = header
    assert ids() == ["foyer.W002"]


def test_a_trusted_client_address_header_will_do(deployable):
    deployable.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    deployable.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    assert ids() == []


def test_serving_the_sandbox_is_flagged(deployable):
    deployable.SANDBOX_ENABLED = True
    assert ids() == ["foyer.W001"]


def test_doorbell_notifications_without_vapid_keys_are_flagged(deployable):
    deployable.PUSH_ENABLED = False
    assert ids() == ["foyer.W003"]


@pytest.mark.parametrize(
    "subject",
    ["ops@foyer.example", "mailto:ops@localhost", "http://foyer.example", "https://127.0.0.1"],
)
def test_a_vapid_subject_push_services_refuse_fails(deployable, subject):
    deployable.VAPID_SUBJECT = subject
    assert ids() == ["foyer.E005"]
