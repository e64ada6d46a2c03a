"""Django's Redis cache, with one Redis client and connection pool per server for the whole
process; ``add_then_count``, a guard and a counter in one round trip; and ``set_each``, one
value under several keys, serialized once.

Django's ``RedisCacheClient`` builds a new ``redis.Redis`` for every cache operation; building
one copies the library's table of response callbacks, which costs about as much as a round
trip to a local Redis. And Django keeps a cache backend per thread, each with pools of its
own: the threads a page starts to ask its upstreams at once would each open new connections
to Redis (a connect and a handshake each) and leave them behind. A client only holds its
pool, and a pool is safe to share between threads, so both are built once per process.
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

# KEYS[1] is added for ARGV[1] seconds unless it is there; only then KEYS[2] counts one more,
# living ARGV[2] seconds from its first count. The count, or nil when KEYS[1] was there.
# "1" is how Django's serializer stores the integer 1, so the cache reads both keys as ints.
_ADD_THEN_COUNT = """
if not redis.call("SET", KEYS[1], "1", "NX", "EX", ARGV[1]) then
    return nil
end
local count = redis.call("INCR", KEYS[2])
if count == 1 then
    redis.call("EXPIRE", KEYS[2], ARGV[2])
end
return count
"""


def add_then_count(store: BaseCache, *, add: tuple[str, int], count: tuple[str, int]) -> int | None:
    """Add ``add``'s key (for its seconds) unless it is there, and only if it was added, count
    one more on ``count``'s key, which lives its seconds from its first count.

    Returns the new count, or None when the key was already there and nothing was counted.
    Atomic and one round trip on Redis; on other caches, Django's add() and incr().
    """
    # Asked by name: django.core.cache.cache is a proxy to the backend, not an instance of it.
    if own := getattr(store, "add_then_count", None):
        return own(add=add, count=count)
    return _add_then_count_each(store, add=add, count=count)


def _add_then_count_each(
    store: BaseCache, *, add: tuple[str, int], count: tuple[str, int]
) -> int | None:
    (add_key, add_seconds), (count_key, count_seconds) = add, count
    if not store.add(add_key, 1, timeout=add_seconds):
        return None
    try:
        return store.incr(count_key)
    except ValueError:
        # The first count; add() settles two first counts at once.
        return 1 if store.add(count_key, 1, timeout=count_seconds) else store.incr(count_key)


def set_each(store: BaseCache, value: Any, seconds: dict[str, int]) -> None:
    """Keep ``value`` under each key of ``seconds``, for that key's seconds.

    On Redis the value is serialized once and every key is sent in one round trip; on other
    caches, Django's set() for each key.
    """
    if own := getattr(store, "set_each", None):
        own(value, seconds)
        return
    for key, timeout in seconds.items():
        store.set(key, value, timeout=timeout)


# The process's clients, by server and pool options.
_CLIENTS: dict[tuple[str, str], Any] = {}
_CLIENTS_LOCK = threading.Lock()


class SharedClientRedisCacheClient(RedisCacheClient):
    # _servers, _pool_options, _pool_class and _client are Django's own, left out of its
    # type stubs.

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        options = repr(sorted(self._pool_options.items()))  # type: ignore[attr-defined]
        self._shared = [(server, options) for server in self._servers]  # type: ignore[attr-defined]

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        shared = self._shared[self._get_connection_pool_index(write)]  # type: ignore[attr-defined]
        client = _CLIENTS.get(shared)
        if client is None:
            with _CLIENTS_LOCK:
                client = _CLIENTS.get(shared)
                if client is None:
                    pool = self._pool_class.from_url(shared[0], **self._pool_options)  # type: ignore[attr-defined]
                    client = _CLIENTS[shared] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class SharedClientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient

    def set_each(self, value: Any, seconds: dict[str, int]) -> None:
        client = self._cache.get_client(write=True)  # type: ignore[attr-defined]
        data = self._cache._serializer.dumps(value)  # type: ignore[attr-defined]
        pipeline = client.pipeline(transaction=False)
        for key, timeout in seconds.items():
            key = self.make_and_validate_key(key)
            backend_timeout = self.get_backend_timeout(timeout)
            if backend_timeout == 0:
                # As Django's set(): no time to keep it is not keeping it.
                pipeline.delete(key)
            else:
                pipeline.set(key, data, ex=backend_timeout)
        pipeline.execute()

    def add_then_count(self, *, add: tuple[str, int], count: tuple[str, int]) -> int | None:
        (add_key, add_seconds), (count_key, count_seconds) = add, count
        seconds = [self.get_backend_timeout(add_seconds), self.get_backend_timeout(count_seconds)]
        if not all(seconds):
            # Under a second, or none: Django's own add() and incr() know what that means.
            return _add_then_count_each(self, add=add, count=count)
        keys = [self.make_and_validate_key(add_key), self.make_and_validate_key(count_key)]
        client = self._cache.get_client(keys[0], write=True)  # type: ignore[attr-defined]
        script = client.register_script(_ADD_THEN_COUNT)
        return script(keys=keys, args=seconds)
