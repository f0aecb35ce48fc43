"""``bromley_portal.core.cache.RedisCache``: Django's Redis cache with one redis-py client per pool,
against the real Redis (issue 17: building a client for every cache call was most of a cached page's
cost after gzip)."""

import os

from bromley_portal.core.cache import RedisCache
from tests.conftest import skip_or_fail


def make_cache(**options):
    url = os.environ.get("REDIS_URL", "")
    if not url:
        skip_or_fail("needs Redis: set REDIS_URL")
    return RedisCache(url, {"KEY_PREFIX": "cache-backend-test", "OPTIONS": options})


def test_it_caches_as_djangos_does_with_one_client():
    cache = make_cache()
    cache.clear()
    cache.set("page", {"main": "<p>Ambition 1</p>"}, timeout=60)
    cache.set_many({"a": 1, "b": 2}, timeout=60)
    assert cache.get("page") == {"main": "<p>Ambition 1</p>"}
    assert cache.get_many(["a", "b", "missing"]) == {"a": 1, "b": 2}
    assert cache.incr("a") == 2
    cache.delete("page")
    assert cache.get("page", "gone") == "gone"
    clients = {id(cache._cache.get_client(write=w)) for w in (True, False) for _ in range(3)}
    assert len(clients) == 1  # one server: one pool, one client, reused
    cache.clear()


def test_a_client_per_pool_when_reads_go_to_replicas():
    url = os.environ.get("REDIS_URL", "")
    if not url:
        skip_or_fail("needs Redis: set REDIS_URL")
    cache = RedisCache(f"{url},{url}", {"KEY_PREFIX": "cache-backend-test"})
    writer = cache._cache.get_client(write=True)
    assert cache._cache.get_client(write=True) is writer
    readers = {id(cache._cache.get_client(write=False)) for _ in range(20)}
    assert readers <= {id(c) for c in cache._cache._clients.values()}
    assert len(cache._cache._clients) == len(cache._cache._pools)
