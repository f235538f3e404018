"""riskdesk.cache: Django's Redis cache, one client kept per connection pool."""

import os
import uuid

import pytest

from riskdesk.cache import KeptClientRedisCache

pytestmark = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL")


def test_one_client_serves_every_call_and_the_values_round_trip():
    cache = KeptClientRedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": uuid.uuid4().hex})
    cache.set("a", {"n": 1}, 30)
    cache.set_many({"b": [2], "c": "three"}, 30)
    assert cache.get("a") == {"n": 1}
    assert cache.get_many(["a", "b", "c", "missing"]) == {"a": {"n": 1}, "b": [2], "c": "three"}
    assert cache.add("counter", 1, 30)
    assert not cache.add("counter", 5, 30)
    assert cache.incr("counter") == 2
    client = cache._cache.get_client("a")
    assert cache._cache.get_client("b") is client
    assert cache._cache.get_client(None, write=True) is client  # one server: one pool
    cache.delete_many(["a", "b", "c", "counter"])
    assert cache.get_many(["a", "b", "c", "counter"]) == {}
