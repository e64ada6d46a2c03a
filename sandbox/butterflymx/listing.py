"""Lists as the ButterflyMX API serves them: Ransack-style q[...] filters and page_info paging."""

import math
import re
from collections.abc import Callable
from datetime import UTC, datetime

from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils.dateparse import parse_date, parse_datetime

DEFAULT_PER = 25
MAX_PER = 100
_PREDICATE = re.compile(r"^q\[(?P<attribute>[a-z_]+?)_(?P<predicate>eq|in|gteq|lteq)\](\[\])?$")
_LOOKUPS = {"eq": "exact", "in": "in", "gteq": "gte", "lteq": "lte"}


def id_parse(value: str) -> int:
    """An id as the database can hold it; anything else does not parse."""
    number = int(value)
    if not 0 < number < 2**31:
        raise ValueError(f"not an id: {value!r}")
    return number


def time_parse(value: str) -> datetime:
    """A time as Ransack takes it, e.g. "2026-11-23 14:00:00 UTC" or ISO 8601."""
    text = value.strip()
    if text.endswith(" UTC"):
        text = text[:-4] + "+00:00"
    parsed = parse_datetime(text)
    if parsed is None:
        day = parse_date(text)
        if day is None:
            raise ValueError(f"not a time: {value!r}")
        parsed = datetime(day.year, day.month, day.day)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def queryset_filter(
    queryset: QuerySet, params: QueryDict, *, attributes: dict[str, tuple[str, Callable]]
) -> QuerySet:
    """Apply the q[...] predicates on known attributes (name -> (field path, parser)).

    As on the real server, a predicate whose value does not parse, or an unknown one, is
    silently ignored: the caller then gets the unfiltered list, with 200.
    """
    for key in params:
        match = _PREDICATE.match(key)
        if match is None or match["attribute"] not in attributes:
            continue
        path, parse = attributes[match["attribute"]]
        values = [value for value in params.getlist(key) if value.strip()]
        if not values:
            continue
        try:
            parsed = [parse(value) for value in values]
        except ValueError:
            continue
        predicate = match["predicate"]
        operand = parsed if predicate == "in" else parsed[0]
        queryset = queryset.filter(**{f"{path}__{_LOOKUPS[predicate]}": operand})
    return queryset


def queryset_search(queryset: QuerySet, text: str, *, paths: list[str]) -> QuerySet:
    """A Ransack "_start" search over several fields joined by "_or_": any may start with it."""
    text = text.strip()
    if not text:
        return queryset
    match = Q()
    for path in paths:
        match |= Q(**{f"{path}__istartswith": text})
    return queryset.filter(match)


def _positive_int(value: str | None, default: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if number > 0 else default


def page_get(queryset: QuerySet, params: QueryDict) -> tuple[list, dict]:
    """One page of the list (page and per, per at most 100) and its page_info."""
    page = _positive_int(params.get("page"), 1)
    per = min(_positive_int(params.get("per"), DEFAULT_PER), MAX_PER)
    total = queryset.count()
    total_pages = math.ceil(total / per)
    out_of_range = page > max(total_pages, 1)
    items = [] if out_of_range else list(queryset[(page - 1) * per : page * per])
    return items, {
        "current_page": page,
        "total_pages": total_pages,
        "total_item_count": total,
        "page_item_count": len(items),
        "page_size": per,
        "next_page": page + 1 if page < total_pages else None,
        "prev_page": page - 1 if page > 1 and not out_of_range else None,
        "first_page": page == 1,
        "last_page": page >= total_pages,
    }
