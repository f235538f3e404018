"""Brute-force protection shared by the sign-in form and the API token endpoint."""

from axes.handlers.proxy import AxesProxyHandler


def is_locked_out(request, username: str) -> bool:
    return AxesProxyHandler.is_locked(request, {"username": username})
