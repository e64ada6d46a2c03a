"""The Butlr sandbox's recent answers, kept encoded by query.

A reporting or detections answer depends on nothing but its parsed query (the synthetic
series are the same in every process, and the query holds its time range in whole minutes),
so the same question within a minute (every manager's first dashboard asks the same ones)
is answered from here instead of being built and encoded again. Answers are kept up to a
byte budget, and large ones are not kept at all.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

import orjson

# What all kept answers may take together, and the largest one kept.
BUDGET_BYTES = 32 * 1024 * 1024
LARGEST_BYTES = 2 * 1024 * 1024

_kept: OrderedDict[Hashable, bytes] = OrderedDict()
_kept_bytes = 0
_lock = threading.Lock()


def answer_encoded(query: Hashable, build: Callable[[], object]) -> bytes:
    """The JSON of ``build()``, the answer to ``query``: kept from before, or built now."""
    global _kept_bytes
    with _lock:
        body = _kept.get(query)
        if body is not None:
            _kept.move_to_end(query)
            return body
    # Grouped answers may have a key of None (a floor's points grouped by room_id): "null".
    body = orjson.dumps(build(), option=orjson.OPT_NON_STR_KEYS)
    if len(body) > LARGEST_BYTES:
        return body
    with _lock:
        if query not in _kept:
            _kept[query] = body
            _kept_bytes += len(body)
        while _kept_bytes > BUDGET_BYTES:
            _, dropped = _kept.popitem(last=False)
            _kept_bytes -= len(dropped)
    return body


def answers_forget() -> None:
    """Drop every kept answer."""
    global _kept_bytes
    with _lock:
        _kept.clear()
        _kept_bytes = 0
