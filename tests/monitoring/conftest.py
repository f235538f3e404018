import pytest

from monitoring.connectors.base import http_client


@pytest.fixture(autouse=True)
def _fast_http(settings):
    """Short timeouts and backoff, so fault tests take milliseconds, not minutes."""
    settings.MONITORING_HTTP = settings.MONITORING_HTTP | {
        "timeout": 0.5,
        "backoff_base": 0.01,
        "backoff_cap": 0.05,
        "max_wait": 0.2,
    }


@pytest.fixture
def http():
    """An httpx client as a poll makes it."""
    with http_client() as c:
        yield c


@pytest.fixture
def scripted(monkeypatch):
    """Register the scripted connector; returns its class (set `.script`)."""
    from monitoring import connectors
    from tests.monitoring.scripted import ScriptedConnector

    monkeypatch.setitem(
        connectors.CONNECTOR_PATHS, "scripted", "tests.monitoring.scripted.ScriptedConnector"
    )
    monkeypatch.setattr(ScriptedConnector, "script", [])
    monkeypatch.setattr(ScriptedConnector, "cursors_seen", [])
    monkeypatch.setattr(ScriptedConnector, "wait_until_after_fetch", None)
    yield ScriptedConnector
    connectors.get_connector.cache_clear()


@pytest.fixture
def queued_polls(monkeypatch):
    """Polls queued by services, captured instead of sent to the broker: [(stream_id, token)]."""
    from monitoring import tasks

    queued = []
    monkeypatch.setattr(tasks.poll_stream, "delay", lambda *args: queued.append(args))
    return queued
