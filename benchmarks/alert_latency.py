"""`alert_latency`: from a batch's commit to its notification reaching a webhook sink.

One team with a generic webhook channel pointing at an in-process sink
(stdlib ThreadingHTTPServer on 127.0.0.1, recording when each mention id
arrives). Each alert is a one-mention batch through `pipeline.ingest`, already
routed (team set, notify on), so the rules are bypassed; the clock starts at
the batch's commit. Sending is done the way production does it, except for
the broker: `send_notification.delay(id)` (queued on commit) puts the id on an
in-process queue that a small pool of worker threads drains by calling
`notification_send`, as Celery workers would. So the figure is the outbox's
own cost (rows, claim, signing, HTTP), without the broker's hop.

The reference in the same run: a bare POST of the same size to the sink (same outbound client).
"""

import contextlib
import json
import queue
import statistics
import threading
import time
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.db import connection, transaction
from django.test.utils import override_settings

from accounts.models import Team
from alerting import services, tasks
from alerting.models import NotificationChannel
from monitoring import pipeline
from monitoring.connectors.base import NormalizedMention
from riskdesk import outbound


class _Sink:
    """Records time.perf_counter() at the arrival of each mention id."""

    def __init__(self):
        self.arrivals: dict[int, float] = {}
        self.done = threading.Condition()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                now = time.perf_counter()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                ids = json.loads(body).get("mention_ids") or []
                with sink.done:
                    for mention_id in ids:
                        sink.arrivals.setdefault(mention_id, now)
                    sink.done.notify_all()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self.done:
            while len(self.arrivals) < count and time.monotonic() < deadline:
                self.done.wait(0.1)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _percentiles(values_ms: list[float]) -> dict:
    cuts = statistics.quantiles(values_ms, n=100, method="inclusive")
    return {
        "p50_ms": round(cuts[49], 1),
        "p95_ms": round(cuts[94], 1),
        "max_ms": round(max(values_ms), 1),
    }


def _worker(ids: "queue.Queue[int | None]", db_lock) -> None:
    try:
        while (notification_id := ids.get()) is not None:
            with db_lock:
                services.notification_send(notification_id)
    finally:
        connection.close()


def _reference_post_ms(url: str, rounds: int = 50) -> float:
    body = json.dumps({"mention_ids": [], "payload": {"text": "x" * 600}}).encode()
    times = []
    with outbound.client(timeout=5) as client:  # the client notifications send with
        for _ in range(rounds):
            started = time.perf_counter()
            client.post(url, content=body, headers={"Content-Type": "application/json"})
            times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 2)


def alert_latency(alerts: int = 200, workers: int = 4, interval_ms: float = 10) -> dict:
    sink = _Sink()
    ids: queue.Queue[int | None] = queue.Queue()
    slug = f"bench-alerts-{uuid.uuid4().hex[:8]}"
    team = Team.objects.create(name=slug, slug=slug, kind="security")
    channel = NotificationChannel(team=team, name="Bench sink", kind="webhook", target=sink.url)
    channel.secret = "bench-secret"  # noqa: S105 (a throwaway key)
    channel.save()

    saved_steps, saved_hooks = list(pipeline._steps), list(pipeline._on_store)
    # The broker's stand-in: the outbox queues the task by name, so its `delay` is replaced
    # on the registered task itself.
    tasks.send_notification.delay = ids.put
    pipeline._steps[:] = []  # enrichment and rules run before the commit: not measured here
    pipeline.register_on_store(services.queue_for_stored)
    # SQLite's shared in-memory test database answers "table is locked" instead of waiting,
    # so there the threads take turns (the figure is then pessimistic); PostgreSQL runs free.
    sqlite = connection.vendor == "sqlite"
    db_lock = threading.Lock() if sqlite else contextlib.nullcontext()
    pool = [
        threading.Thread(target=_worker, args=(ids, db_lock), daemon=True) for _ in range(workers)
    ]
    for thread in pool:
        thread.start()
    committed_at: dict[int, float] = {}
    try:
        with override_settings(MONITORING_NOTIFY_MAX_PER_WINDOW=alerts + 1):  # no digests here
            for n in range(alerts):
                mention = NormalizedMention(
                    platform="x",
                    external_id=f"{slug}-{n}",
                    text=f"Our lawyers will contact you about order {n}",
                    published_at=datetime.now(UTC),
                    author_handle=f"customer{n}",
                    risk_score=90,
                    risk_reasons=[{"code": "legal", "detail": "lawyers"}],
                    team_id=team.pk,
                    notify=True,
                )
                clock: list[float] = []
                with db_lock, transaction.atomic():
                    # Registered before the pipeline's: runs first, right after the commit.
                    transaction.on_commit(lambda clock=clock: clock.append(time.perf_counter()))
                    result = pipeline.ingest([mention])
                committed_at[result.ids[0]] = clock[0]
                time.sleep(interval_ms / 1000)
            sink.wait_for(alerts, timeout=60)
    finally:
        for _ in pool:
            ids.put(None)
        for thread in pool:
            thread.join(timeout=10)
        pipeline._steps[:] = saved_steps
        pipeline._on_store[:] = saved_hooks
        del tasks.send_notification.delay  # back to the task's own
    reference = _reference_post_ms(sink.url)
    sink.stop()
    latencies = [
        (sink.arrivals[pk] - at) * 1000 for pk, at in committed_at.items() if pk in sink.arrivals
    ]
    return {
        "alerts": alerts,
        "delivered": len(latencies),
        **_percentiles(latencies),
        "workers": workers,
        "serialized_for_sqlite": sqlite,
        "interval_ms": interval_ms,
        "reference_post_ms": reference,
        "target_p95_ms": 2000,
    }
