"""Monitoring's fixtures that the alerting tests need too: short HTTP timeouts for sending."""

import pytest

from tests.monitoring.conftest import _fast_http  # noqa: F401  (autouse)


@pytest.fixture
def notified(monkeypatch):
    """notify_team calls, recorded instead of writing outbox rows."""
    from alerting.services import notifications

    calls = []
    monkeypatch.setattr(
        notifications, "notify_team", lambda **kwargs: calls.append(kwargs) or [], raising=False
    )
    return calls
