"""Door cards at rest, rendered once and kept in the shared cache.

A card at rest shows only what its door is (name, kind, whether it is a favourite) and the
tenancy it opens for, so it is the same for every page and every resident of that tenancy:
the doors page puts cached cards together instead of rendering each one. A card's only
per-request part, its CSRF token, is rendered as a stand-in and filled in per request.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from functools import cache as once

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import get_template, render_to_string
from django.templatetags.static import static
from django.utils.safestring import SafeString, mark_safe

from residents.selectors import Door

CARD_TEMPLATE = "residents/doors.html#door-card"
CARD_SECONDS = 6 * 3600


@once
def _stand_in() -> str:
    """The CSRF token's place in a cached card: the same in every process, and not
    something a door's name could contain by chance or design."""
    digest = hmac.new(settings.SECRET_KEY.encode(), b"door-card-csrf", hashlib.sha256)
    return f"csrf{digest.hexdigest()[:32]}"


@once
def _edition() -> str:
    """What a card's markup was made from: a changed template or a new static files build
    (the icons' hashed address) makes new cards instead of serving old ones."""
    source = get_template("residents/doors.html").template.source  # type: ignore[attr-defined]
    made_from = f"{source}\n{static('icons/doors.svg')}"
    return hashlib.sha256(made_from.encode()).hexdigest()[:12]


def _key(*, building_id: int, tenant_id: int, door: Door) -> str:
    name = hashlib.sha256(f"{door.name}\n{door.type}".encode()).hexdigest()[:16]
    pinned = int(door.pinned)
    return f"door-card:{_edition()}:{building_id}:{tenant_id}:{door.kind}:{door.id}:{pinned}:{name}"


def door_cards(
    request: HttpRequest, *, building_id: int, tenant_id: int, doors: Iterable[Door]
) -> dict[tuple[str, int], SafeString]:
    """Each door's card at rest, by (kind, id): read from the cache in one round trip,
    rendered (and kept) only where missing."""
    wanted = {_key(building_id=building_id, tenant_id=tenant_id, door=door): door for door in doors}
    found = cache.get_many(list(wanted))
    made = {}
    for key, door in wanted.items():
        if key not in found:
            context = {
                "door": door,
                "building_id": building_id,
                "tenant_id": tenant_id,
                "csrf_token": _stand_in(),
            }
            made[key] = render_to_string(CARD_TEMPLATE, context)
    if made:
        cache.set_many(made, CARD_SECONDS)
        found.update(made)
    token = get_token(request)
    return {
        (door.kind, door.id): mark_safe(found[key].replace(_stand_in(), token))  # noqa: S308
        for key, door in wanted.items()
    }
