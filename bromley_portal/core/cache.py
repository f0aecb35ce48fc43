"""Django's Redis cache backend with one redis-py client per connection pool.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every cache call, and each
copies redis-py's table of about 170 response callbacks: with the page cache's three reads and the
session's read a request, that was the largest part of serving a cached page after gzip (issue 17's
load figures). A ``redis.Redis`` is safe to share between threads (it takes a connection from the pool
for each command), and Django keeps a cache object per thread anyway; so this client makes one per
pool and reuses it. Everything else is Django's.
"""

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
