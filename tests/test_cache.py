"""The Redis cache builds one client per connection pool and still reads what it wrote."""

import threading

import pytest
import redis
from django.conf import settings

from config.cache import SharedClientRedisCache

KEYS = ["answer", "other", *(f"key-{number}" for number in range(8))]


@pytest.fixture
def redis_cache():
    if not settings.REDIS_URL:
        pytest.skip("runs where REDIS_URL names the cache, as in CI's PostgreSQL + Redis run")
    cache = SharedClientRedisCache(settings.REDIS_URL, {"KEY_PREFIX": "foyer-cache-test"})
    yield cache
    cache.delete_many(KEYS)


def test_one_client_serves_every_call(redis_cache, monkeypatch):
    built = []
    original = redis.Redis.__init__

    def counting(self, *args, **kwargs):
        built.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "__init__", counting)
    redis_cache.set("answer", {"doors": 3})
    assert redis_cache.get("answer") == {"doors": 3}
    assert redis_cache.add("other", 1) is True
    assert redis_cache.incr("other") == 2
    assert len(built) == 1


def test_threads_share_the_client(redis_cache):
    errors = []

    def work(number):
        try:
            for step in range(50):
                redis_cache.set(f"key-{number}", step)
                assert redis_cache.get(f"key-{number}") == step
        except Exception as error:  # reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(number,)) for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert redis_cache.get_many([f"key-{number}" for number in range(8)]) == {
        f"key-{number}": 49 for number in range(8)
    }
