"""Brute-force protection shared by the sign-in form, the password-reset form and the API
token endpoint.

- django-axes counts failures per (username, address); the username it sees is always
  normalised (`axes_username`), since people are found whatever the letter case: a lockout
  on `manager@…` also holds `Manager@…` and `MANAGER@…`.
- An address that fails too often across any usernames is locked too
  (RISKDESK_LOGIN_FAILURE_LIMIT_PER_ADDRESS, for the cool-off time): counted in the cache.
- The forms are throttled per address and per target e-mail (RISKDESK_FORM_THROTTLES), so
  nobody floods a person with reset e-mails or sprays passwords slowly below the lockout.
"""

import hashlib

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.core.cache import cache


def normalise_username(value) -> str:
    return str(value or "").strip().lower()


def axes_username(request, credentials: dict | None = None) -> str:
    """AXES_USERNAME_CALLABLE: the username of an attempt, as the user lookup sees it."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        value = credentials.get(field)
    else:
        data = getattr(request, "data", None)
        value = (data if isinstance(data, dict) else request.POST).get(field)
    return normalise_username(value)


def _address(request) -> str:
    from riskdesk.middleware import client_ip

    return client_ip(request) or "unknown"


def _failures_key(request) -> str:
    return f"login-guard:failures:{_address(request)}"


def _count(key: str, timeout: int) -> int:
    """Add one to the counter `key` (which lasts `timeout` seconds from its first count)."""
    cache.add(key, 0, timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout)
        return 1


def record_failure(request) -> None:
    """Count one failed sign-in against the client's address (any username)."""
    _count(_failures_key(request), int(settings.AXES_COOLOFF_TIME.total_seconds()))


def address_locked_out(request) -> bool:
    limit = settings.RISKDESK_LOGIN_FAILURE_LIMIT_PER_ADDRESS
    return bool(limit) and (cache.get(_failures_key(request)) or 0) >= limit


def is_locked_out(request, username: str) -> bool:
    return address_locked_out(request) or AxesProxyHandler.is_locked(
        request, {settings.AXES_USERNAME_FORM_FIELD: username}
    )


def throttled(request, scope: str, target) -> bool:
    """Count one post of the form `scope`; True when its address or target is over the limit."""
    limits = settings.RISKDESK_FORM_THROTTLES[scope]
    timeout = int(limits["minutes"]) * 60
    over = False
    for kind, value in (("address", _address(request)), ("target", normalise_username(target))):
        if not value:
            continue
        digest = hashlib.sha256(value.encode()).hexdigest()[:32]
        count = _count(f"login-guard:{scope}:{kind}:{digest}", timeout)
        over = over or count > limits[f"per_{kind}"]
    return over
