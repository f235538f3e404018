"""A copy, inside the process, of shared cache entries whose key names their content.

A page of the inbox reads its fifty rendered rows from the shared cache (inbox.selectors
.render_rows): fetching and unpickling them from Redis cost more than the rest of the list.
Such a key changes whenever what its value shows changes (a row's key holds the mention's
update time, its timer, the templates' digest, the language), so a copy kept here is never
wrong, at most as old as the shared one may be. Copies live NEAR_TTL seconds at most, and the
least recently read go first past `max_entries`. Keys are kept as the shared cache makes them
(with its key prefix), so a cache switched for another (as each test does) starts empty here.
"""

import threading
import time
from collections import OrderedDict

from django.core.cache import cache

NEAR_TTL = 60


class NearCache:
    def __init__(self, max_entries: int):
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()

    def get_many(self, keys) -> dict:
        """Like the shared cache's get_many: the keys found, here first, then there."""
        now = time.monotonic()
        names = {key: cache.make_key(key) for key in keys}
        found, missing = {}, []
        with self._lock:
            for key, name in names.items():
                entry = self._entries.get(name)
                if entry is not None and entry[0] > now:
                    self._entries.move_to_end(name)
                    found[key] = entry[1]
                else:
                    missing.append(key)
        if missing:
            shared = cache.get_many(missing)
            self._keep({names[key]: value for key, value in shared.items()}, now)
            found.update(shared)
        return found

    def get(self, key, default=None):
        return self.get_many([key]).get(key, default)

    def set_many(self, values: dict, timeout: int) -> None:
        cache.set_many(values, timeout)
        self._keep({cache.make_key(key): value for key, value in values.items()}, time.monotonic())

    def set(self, key, value, timeout: int) -> None:
        self.set_many({key: value}, timeout)

    def _keep(self, values: dict, now: float) -> None:
        expires = now + NEAR_TTL
        with self._lock:
            for name, value in values.items():
                self._entries[name] = (expires, value)
                self._entries.move_to_end(name)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
