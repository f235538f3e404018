"""/healthz: database, broker and workers, 200 when all are fine and 503 otherwise.

Anyone gets the states; only signed-in admins get the details (errors, times).
"""

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from celery.contrib.testing.worker import start_worker
from django.db import OperationalError

from riskdesk import health
from riskdesk.celery import app as celery_app
from riskdesk.models import WorkerHeartbeat
from riskdesk.tasks import worker_heartbeat
from tests.conftest import ANONYMOUS
from tests.riskdesk.factories import WorkerHeartbeatFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client_for):
    """/healthz's details are for admins: most checks below read them."""
    return client_for("admin")


NOON = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)


def test_healthz_is_ok_with_a_fresh_heartbeat(admin_client):
    WorkerHeartbeatFactory()

    response = admin_client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True
    assert body["workers"]["ok"] is True
    assert body["workers"]["last_heartbeat"] is not None
    assert "no-cache" in response["Cache-Control"]


def test_healthz_fails_when_no_worker_ever_reported(admin_client):
    response = admin_client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["database"]["ok"] is True
    assert body["workers"] == {
        "ok": False,
        "last_heartbeat": None,
        "error": "no worker heartbeat yet",
    }


def test_healthz_fails_once_the_last_heartbeat_is_too_old(admin_client, settings):
    WorkerHeartbeatFactory(seen_at=NOON)

    just_fresh = NOON + settings.HEARTBEAT_MAX_AGE - timedelta(seconds=1)
    with time_machine.travel(just_fresh, tick=False):
        assert admin_client.get("/healthz").status_code == 200

    too_old = NOON + settings.HEARTBEAT_MAX_AGE + timedelta(seconds=1)
    with time_machine.travel(too_old, tick=False):
        response = admin_client.get("/healthz")
    assert response.status_code == 503
    workers = response.json()["workers"]
    assert workers["ok"] is False
    assert workers["age_seconds"] == (settings.HEARTBEAT_MAX_AGE.total_seconds() + 1)


def test_healthz_uses_the_newest_of_several_heartbeats(admin_client, settings):
    WorkerHeartbeatFactory(seen_at=NOON - timedelta(days=1))
    WorkerHeartbeatFactory(seen_at=NOON)

    with time_machine.travel(NOON + timedelta(seconds=5), tick=False):
        response = admin_client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["workers"]["last_heartbeat"] == NOON.isoformat()


def test_healthz_fails_fast_when_the_broker_is_unreachable(admin_client, monkeypatch):
    WorkerHeartbeatFactory()
    # Port 1 on the loopback: nothing listens there, the connection is refused at once.
    monkeypatch.setattr(health.celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")

    started = time.monotonic()
    response = admin_client.get("/healthz")
    elapsed = time.monotonic() - started

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["broker"]["ok"] is False
    assert "127.0.0.1:1" in body["broker"]["error"]
    assert body["database"]["ok"] is True
    assert elapsed < 2, f"/healthz took {elapsed:.1f}s to report a dead broker"


@pytest.mark.parametrize("role", [ANONYMOUS, "social", "manager", "hr", "legal"])
def test_healthz_shows_only_the_states_to_anyone_but_an_admin(client_for, monkeypatch, role):
    """No exception text, host, port, version or time for anonymous callers and non-admins."""
    monkeypatch.setattr(health.celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")

    response = client_for(role).get("/healthz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "fail",
        "database": {"ok": True},
        "broker": {"ok": False},
        "workers": {"ok": False},
    }
    assert "127.0.0.1" not in response.content.decode()


def test_healthz_shows_the_details_to_an_admin(admin_client, monkeypatch):
    monkeypatch.setattr(health.celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")

    body = admin_client.get("/healthz").json()

    assert "127.0.0.1:1" in body["broker"]["error"]
    assert body["database"]["vendor"]
    assert body["workers"]["error"] == "no worker heartbeat yet"


def test_healthz_hides_the_details_from_an_admin_who_has_not_verified_2fa(client_for, settings):
    settings.RISKDESK_REQUIRE_2FA = True  # admin is one of RISKDESK_2FA_ROLES

    body = client_for("admin").get("/healthz").json()

    assert body["database"] == {"ok": True}


def test_healthz_needs_no_sign_in_and_only_answers_get(client):
    WorkerHeartbeatFactory()

    assert client.get("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


def test_heartbeat_task_keeps_one_row_per_worker_and_moves_its_time():
    with time_machine.travel(NOON, tick=False):
        worker_heartbeat.apply()
    with time_machine.travel(NOON + timedelta(seconds=30), tick=False):
        worker_heartbeat.apply()

    beat = WorkerHeartbeat.objects.get()
    assert beat.seen_at == NOON + timedelta(seconds=30)


def _heartbeat_seen() -> bool:
    """Whether the worker's row is there; on SQLite's shared test database the worker's
    thread may hold the table while it writes, which is "not yet", not a failure."""
    try:
        return WorkerHeartbeat.objects.exists()
    except OperationalError as error:
        if "locked" not in str(error):
            raise
        return False


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_consumes_the_heartbeat_through_the_broker(admin_client):
    """The path `make run` uses: beat's message crosses the configured broker to a worker.

    Embedded run: kombu's filesystem transport; with REDIS_URL: Redis. A queue of
    its own keeps a worker someone else runs on the same broker out of this test.
    """
    queue = f"riskdesk-test-{uuid.uuid4().hex}"
    assert admin_client.get("/healthz").status_code == 503  # nobody has reported yet

    with start_worker(
        celery_app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=10
    ):
        worker_heartbeat.apply_async(queue=queue)
        deadline = time.monotonic() + 10
        while not _heartbeat_seen():
            assert time.monotonic() < deadline, "the worker ran no heartbeat within 10 s"
            time.sleep(0.05)

    assert WorkerHeartbeat.objects.count() == 1
    response = admin_client.get("/healthz")
    assert response.status_code == 200, response.json()
    assert response.json()["workers"]["ok"] is True
