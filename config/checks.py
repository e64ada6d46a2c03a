"""Foyer's own deploy checks (`manage.py check --deploy`), and the rules settings share with them.

Settings refuse to start on the gravest of these in production; the checks repeat them so that
`check --deploy` names every problem of a configuration at once. The settings import this
module, which registers the checks.
"""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.utils.module_loading import import_string

# Caches every process, on every machine, reads and writes alike: the unlock cooldown, the
# unlock rate limit and allauth's sign-in limits only hold there.
SHARED_CACHE_BACKENDS = {
    "django.core.cache.backends.redis.RedisCache",
    "django.core.cache.backends.memcached.PyMemcacheCache",
    "django.core.cache.backends.memcached.PyLibMCCache",
    "django.core.cache.backends.db.DatabaseCache",
}
UPSTREAM_URL_SETTINGS = ("BUTTERFLYMX_ACCOUNTS_URL", "BUTTERFLYMX_API_URL", "BUTLR_API_URL")


def host_is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def upstream_url_is_safe(url: str) -> bool:
    """HTTPS, or plain HTTP to a sandbox on this machine's loopback."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        return True
    return (
        parts.scheme == "http"
        and host_is_loopback(parts.hostname or "")
        and parts.path.startswith("/sandbox/")
    )


def cache_is_shared(cache: dict) -> bool:
    """Whether the cache's backend is one of those, or built on one (config.cache's)."""
    try:
        backend = import_string(cache.get("BACKEND", ""))
    except ImportError:
        return False
    return any(
        isinstance(backend, type) and issubclass(backend, import_string(shared))
        for shared in SHARED_CACHE_BACKENDS
    )


@register(Tags.security, deploy=True)
def production_checks(app_configs, **kwargs):
    problems: list[CheckMessage] = []
    if urlsplit(settings.SITE_URL).scheme != "https":
        problems.append(
            Error(
                f"SITE_URL is {settings.SITE_URL!r}, not an https:// address.",
                hint="Set SITE_URL to the public HTTPS address, e.g. https://foyer.example.",
                id="foyer.E001",
            )
        )
    for name in UPSTREAM_URL_SETTINGS:
        if not upstream_url_is_safe(getattr(settings, name)):
            problems.append(
                Error(
                    f"{name} is {getattr(settings, name)!r}: tokens and the client secret "
                    "would travel over plain HTTP.",
                    hint="Use the service's https:// address.",
                    id="foyer.E002",
                )
            )
    if not cache_is_shared(settings.CACHES["default"]):
        problems.append(
            Error(
                "The cache is not shared between processes: the unlock cooldown, the unlock "
                "rate limit and the sign-in limits would hold per process only.",
                hint="Set REDIS_URL.",
                id="foyer.E003",
            )
        )
    for service, is_sandbox in (
        ("BUTTERFLYMX", settings.BUTTERFLYMX_SANDBOX),
        ("BUTLR", settings.BUTLR_SANDBOX),
    ):
        if is_sandbox:
            problems.append(
                Error(
                    f"{service}_CLIENT_ID is not set: the sandbox stands in for the real service.",
                    hint=f"Set {service}_CLIENT_ID and {service}_CLIENT_SECRET.",
                    id="foyer.E004",
                )
            )
    if not settings.ALLAUTH_TRUSTED_PROXY_COUNT and not settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER:
        problems.append(
            Warning(
                "No proxy is trusted for the client's address: gunicorn listens on the loopback "
                "behind a proxy, so every client would share the proxy's address and one "
                "client's failed sign-ins would lock everyone out.",
                hint="Set TRUSTED_PROXY_COUNT (usually 1) or TRUSTED_CLIENT_IP_HEADER.",
                id="foyer.W002",
            )
        )
    problems.extend(_push_problems())
    if settings.SANDBOX_ENABLED:
        problems.append(
            Warning(
                "The sandbox is served under /sandbox/: anyone may sign in to it as its made-up "
                "residents and call its stand-in services.",
                hint="Leave SANDBOX_ENABLED unset in production.",
                id="foyer.W001",
            )
        )
    return problems


def _push_problems() -> list[CheckMessage]:
    """Doorbell notifications need all three VAPID settings; browsers' push services (Apple's
    first) refuse a subject that is not a real mailto: or https: address."""
    if not settings.PUSH_ENABLED:
        return [
            Warning(
                "Doorbell notifications are off: VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY and "
                "VAPID_SUBJECT are not all set. Residents only see a ring while the doors page "
                "is open.",
                hint="Make a key pair (see README, 'Doorbell notifications') and set all three.",
                id="foyer.W003",
            )
        ]
    subject = settings.VAPID_SUBJECT
    host = urlsplit(subject).hostname or subject.partition("@")[2]
    if not subject.startswith(("mailto:", "https://")) or host_is_loopback(host):
        return [
            Error(
                f"VAPID_SUBJECT is {subject!r}: push services refuse anything but a real "
                "mailto: or https: address.",
                hint="Set VAPID_SUBJECT to e.g. mailto:ops@foyer.example.",
                id="foyer.E005",
            )
        ]
    return []
