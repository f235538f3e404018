"""Django's Redis cache with one client kept per connection pool.

Django's client builds a `redis.Redis` for every call (about 0.1 ms: the client copies its
table of reply callbacks), and a page makes several cache calls. A `redis.Redis` is safe to
share between threads, and its pool notices a fork and starts afresh in the child, so one
per pool is kept instead.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class KeptClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class KeptClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = KeptClient
