"""Project-level views: the health check for load balancers, and the favicon."""

import logging

from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.warning("health check: database unavailable", exc_info=True)
        return False


def _cache_ok() -> bool:
    try:
        cache.set("healthz", "ok", timeout=10)
        return cache.get("healthz") == "ok"
    except Exception:
        logger.warning("health check: cache unavailable", exc_info=True)
        return False


@never_cache
@require_GET
def healthz(request):
    checks = {"database": _database_ok(), "cache": _cache_ok()}
    healthy = all(checks.values())
    return JsonResponse(
        {
            "status": "ok" if healthy else "unavailable",
            "checks": {name: "ok" if ok else "failing" for name, ok in checks.items()},
        },
        status=200 if healthy else 503,
    )


@require_GET
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says: the icon is Foyer's SVG."""
    return HttpResponsePermanentRedirect(staticfiles_storage.url("icons/foyer.svg"))
