"""The in-process copy of cache entries keyed by their content (riskdesk.near_cache)."""

from django.core.cache import cache, caches

from riskdesk import near_cache
from riskdesk.near_cache import NearCache
from tests.conftest import empty_cache


def test_a_value_is_read_here_once_kept(monkeypatch):
    near = NearCache(max_entries=10)
    near.set("row:1", "<li>1</li>", 60)
    assert cache.get("row:1") == "<li>1</li>"  # the shared cache has it too
    monkeypatch.setattr(caches["default"], "get_many", lambda keys: {})  # it says nothing
    assert near.get_many(["row:1", "row:2"]) == {"row:1": "<li>1</li>"}


def test_a_value_only_the_shared_cache_has_is_read_there_then_kept_here(monkeypatch):
    cache.set("row:3", "<li>3</li>", 60)
    near = NearCache(max_entries=10)
    assert near.get("row:3") == "<li>3</li>"
    monkeypatch.setattr(caches["default"], "get_many", lambda keys: {})
    assert near.get("row:3") == "<li>3</li>"


def test_copies_expire_and_the_least_recently_read_go_first(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(near_cache.time, "monotonic", lambda: now[0])
    near = NearCache(max_entries=2)
    near.set_many({"a": 1, "b": 2}, 60)
    near.get("a")
    near.set("c", 3, 60)  # "b" was read least recently
    monkeypatch.setattr(caches["default"], "get_many", lambda keys: {})
    assert near.get_many(["a", "b", "c"]) == {"a": 1, "c": 3}
    now[0] += near_cache.NEAR_TTL + 1
    assert near.get_many(["a", "c"]) == {}


def test_another_cache_starts_empty_here(settings):
    near = NearCache(max_entries=10)
    near.set("row:1", "old", 60)
    empty_cache(settings)  # a new key prefix, as each test has
    assert near.get("row:1") is None
