"""The Redis cache builds one client per connection pool and still reads what it wrote;
add_then_count takes a guard and counts in one step, on Redis and elsewhere."""

import threading
import time

import pytest
import redis
import time_machine
from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisSerializer

import config.cache
from config.cache import SharedClientRedisCache, add_then_count, set_each

KEYS = ["answer", "other", *(f"key-{number}" for number in range(8))]


@pytest.fixture
def redis_cache(monkeypatch):
    if not settings.REDIS_URL:
        pytest.skip("runs where REDIS_URL names the cache, as in CI's PostgreSQL + Redis run")
    # None of the process's clients yet.
    monkeypatch.setattr(config.cache, "_CLIENTS", {})
    cache = SharedClientRedisCache(settings.REDIS_URL, {"KEY_PREFIX": "foyer-cache-test"})
    yield cache
    cache.delete_many(KEYS)


@pytest.fixture
def built(monkeypatch):
    """Every redis.Redis client built from now on."""
    built = []
    original = redis.Redis.__init__

    def counting(self, *args, **kwargs):
        built.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "__init__", counting)
    return built


def _in_eight_threads(work) -> list[Exception]:
    """Runs ``work(number)`` in 8 threads at once; what they raised."""
    errors = []

    def guarded(number):
        try:
            work(number)
        except Exception as error:  # returned to the test, which asserts there is none
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(number,)) for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_one_client_serves_every_call(redis_cache, built):
    redis_cache.set("answer", {"doors": 3})
    assert redis_cache.get("answer") == {"doors": 3}
    assert redis_cache.add("other", 1) is True
    assert redis_cache.incr("other") == 2
    assert len(built) == 1


def test_each_threads_own_backend_shares_the_process_client(redis_cache, built):
    pools = []

    def work(number):
        # As Django does: a backend of the thread's own.
        store = SharedClientRedisCache(settings.REDIS_URL, {"KEY_PREFIX": "foyer-cache-test"})
        store.set(f"key-{number}", number)
        pools.append(store._cache.get_client().connection_pool)

    redis_cache.set("answer", 1)
    assert _in_eight_threads(work) == []
    assert len(built) == 1
    assert {id(pool) for pool in pools} == {id(redis_cache._cache.get_client().connection_pool)}
    # A backend with other options has a client of its own.
    SharedClientRedisCache(settings.REDIS_URL, {"OPTIONS": {"socket_timeout": 3}}).get("answer")
    assert len(built) == 2


def test_threads_share_the_client(redis_cache):
    def work(number):
        for step in range(50):
            redis_cache.set(f"key-{number}", step)
            assert redis_cache.get(f"key-{number}") == step

    assert _in_eight_threads(work) == []
    assert redis_cache.get_many([f"key-{number}" for number in range(8)]) == {
        f"key-{number}": 49 for number in range(8)
    }


COUNTED = [
    "guard",
    "guard-2",
    "count",
    "answer",
    "last-good",
    "gone",
    *(f"guard-{number}" for number in range(400)),
]


@pytest.fixture(params=["redis", "local memory"])
def any_cache(request):
    if request.param == "redis":
        if not settings.REDIS_URL:
            pytest.skip("runs where REDIS_URL names the cache, as in CI's PostgreSQL + Redis run")
        store = SharedClientRedisCache(settings.REDIS_URL, {"KEY_PREFIX": "foyer-count-test"})
    else:
        store = LocMemCache("add-then-count", {})
    store.delete_many(COUNTED)
    yield store
    store.delete_many(COUNTED)


def test_a_guard_taken_counts_once_and_a_guard_held_counts_nothing(any_cache):
    assert add_then_count(any_cache, add=("guard", 3), count=("count", 70)) == 1
    assert add_then_count(any_cache, add=("guard", 3), count=("count", 70)) is None
    assert add_then_count(any_cache, add=("guard-2", 3), count=("count", 70)) == 2
    # Both keys read back through Django's cache as the integers it would have written.
    assert any_cache.get("guard") == 1
    assert any_cache.get("count") == 2
    assert any_cache.incr("count") == 3


def test_on_redis_a_guard_of_under_a_second_is_not_kept(redis_cache):
    redis_cache.delete_many(["guard", "count"])
    assert add_then_count(redis_cache, add=("guard", 0.001), count=("count", 70)) == 1
    assert add_then_count(redis_cache, add=("guard", 0.001), count=("count", 70)) == 2
    redis_cache.delete_many(["guard", "count"])


def test_both_keys_expire_after_their_own_seconds(any_cache):
    if isinstance(any_cache, LocMemCache):
        now = time.time()
        with time_machine.travel(now, tick=False):
            add_then_count(any_cache, add=("guard", 3), count=("count", 70))
        with time_machine.travel(now + 4, tick=False):
            assert any_cache.get("guard") is None
            assert any_cache.get("count") == 1
            add_then_count(any_cache, add=("guard", 3), count=("count", 70))
        with time_machine.travel(now + 71, tick=False):
            # The count lives from its first count, not from its latest.
            assert any_cache.get("count") is None
        return
    add_then_count(any_cache, add=("guard", 3), count=("count", 70))
    add_then_count(any_cache, add=("guard-2", 3), count=("count", 70))
    client = redis.Redis.from_url(settings.REDIS_URL)
    assert 0 < client.ttl(any_cache.make_and_validate_key("guard")) <= 3
    assert 60 < client.ttl(any_cache.make_and_validate_key("count")) <= 70


def test_counts_at_once_are_each_counted(any_cache):
    counts = []

    def work(number):
        for step in range(50):
            guard = (f"guard-{number * 50 + step}", 3)
            counts.append(add_then_count(any_cache, add=guard, count=("count", 70)))

    assert _in_eight_threads(work) == []
    assert sorted(counts) == list(range(1, 401))


def test_two_first_counts_at_once_are_both_counted(monkeypatch):
    store = LocMemCache("add-then-count-race", {})
    add = store.add

    def another_first_count(key, value, timeout):
        # Another request starts the count between this one's incr and add.
        if key == "count":
            add(key, value, timeout)
        return add(key, value, timeout)

    monkeypatch.setattr(store, "add", another_first_count)

    assert add_then_count(store, add=("guard", 3), count=("count", 70)) == 2


def test_one_value_is_kept_under_each_key_for_its_own_seconds(any_cache):
    value = {"rows": list(range(50))}
    any_cache.set("gone", "stale")
    if isinstance(any_cache, LocMemCache):
        now = time.time()
        with time_machine.travel(now, tick=False):
            set_each(any_cache, value, {"answer": 60, "last-good": 3600, "gone": 0})
            assert any_cache.get("answer") == any_cache.get("last-good") == value
            assert any_cache.get("gone") is None
        with time_machine.travel(now + 61, tick=False):
            assert any_cache.get("answer") is None
            assert any_cache.get("last-good") == value
        return
    set_each(any_cache, value, {"answer": 60, "last-good": 3600, "gone": 0})
    assert any_cache.get("answer") == any_cache.get("last-good") == value
    assert any_cache.get("gone") is None
    client = redis.Redis.from_url(settings.REDIS_URL)
    assert 50 < client.ttl(any_cache.make_and_validate_key("answer")) <= 60
    assert 3500 < client.ttl(any_cache.make_and_validate_key("last-good")) <= 3600


def test_on_redis_the_value_is_serialized_once_and_sent_in_one_round_trip(redis_cache, monkeypatch):
    serialized, sent = [], []
    dumps = RedisSerializer.dumps
    execute = redis.client.Pipeline.execute
    monkeypatch.setattr(
        RedisSerializer, "dumps", lambda self, obj: serialized.append(obj) or dumps(self, obj)
    )
    monkeypatch.setattr(
        redis.client.Pipeline, "execute", lambda self, **kw: sent.append(1) or execute(self, **kw)
    )

    set_each(redis_cache, {"rows": [1, 2]}, {"answer": 60, "other": 3600})

    assert len(serialized) == 1
    assert sent == [1]
    assert redis_cache.get("other") == {"rows": [1, 2]}
