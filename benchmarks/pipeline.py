"""`pipeline`: the whole ingestion (clean, dedupe, enrich, rules, route, store) against COPY.

Measured twice from the same start (a worker warmed and frozen, its caches empty): in one
process, as one poll ingests its pages; and, on PostgreSQL, in as many processes as the worker's
pool has (Procfile: --concurrency=2; Celery's default is the machine's cores), forked as the
pool forks, each ingesting its own stream's pages at the same time, as polls of several streams
run. `mentions_per_s` is the first, `pool_mentions_per_s` the second.
"""

import multiprocessing
import os
import random
import time
from datetime import UTC, datetime, timedelta

from django.db import connection, connections

from benchmarks.ingest import (
    _copy_reference,
    _empty_mentions,
    _executemany_reference,
    _ingest_pages,
    _through_pipeline,
)
from monitoring.connectors.base import NormalizedMention
from monitoring.enrichment.evaluation import mention_of
from monitoring.enrichment.training import load_labelled
from monitoring.models import Mention, Stream
from riskdesk.celery import prepare_worker


def _realistic_mentions(rows: int, seed: int = 11) -> list[NormalizedMention]:
    """The labelled set's posts, cycled with fresh ids; one in ten without a language."""
    rng = random.Random(seed)
    samples = load_labelled()
    start = datetime(2026, 3, 1, tzinfo=UTC)
    made = []
    for n in range(rows):
        mention = mention_of({**samples[n % len(samples)], "id": f"bench-{n}"})
        mention.published_at = start + timedelta(seconds=n)
        if rng.random() < 0.1:
            mention.language = ""
        mention.raw = {"n": n}
        made.append(mention)
    return made


def pipeline(rows: int = 200_000, batch: int = 1000) -> dict:
    from accounts.demo import seed_people_and_teams
    from alerting.demo import seed_alerting
    from monitoring.demo import seed_monitoring

    seed_people_and_teams()
    seed_monitoring()  # brand accounts and keyword lists, as a real install has them
    seed_alerting()  # and the demo's rules and channels
    mentions = _realistic_mentions(rows)
    prepare_worker()  # as a worker starts; the 200,000 inputs a worker never holds frozen with it
    postgresql = connection.vendor == "postgresql"
    stream = Stream.objects.create(name="bench pipeline", connector="x")
    before = (
        _copy_reference(mentions, indexed=True) if postgresql else _executemany_reference(mentions)
    )
    pool = min(POOL, os.cpu_count() or 1) if postgresql else 1
    if pool > 1:
        streams = [Stream.objects.create(name=f"bench {n}", connector="x") for n in range(pool)]
        pooled = _in_pool(mentions, batch, streams)
    started = time.perf_counter()
    seconds, stored, _duplicates = _through_pipeline(mentions, batch, stream=stream)
    elapsed = time.perf_counter() - started
    after = (
        _copy_reference(mentions, indexed=True) if postgresql else _executemany_reference(mentions)
    )
    reference = (before + after) / 2
    return {
        "rows": rows,
        "batch": batch,
        "stored": stored,
        "mentions_per_s": round(rows / seconds),
        "us_per_mention": round(elapsed / rows * 1e6),
        "reference": "copy" if postgresql else "executemany_insert",
        "copy_rows_per_s": round(rows / reference),
        "ratio": round(reference / seconds, 3),
        **(
            {
                "pool_processes": pool,
                "pool_mentions_per_s": round(rows / pooled),
                "pool_ratio": round(reference / pooled, 3),
            }
            if pool > 1
            else {}
        ),
    }


POOL = 2  # the worker's processes (Procfile)


def _in_pool(mentions: list[NormalizedMention], batch: int, streams: list[Stream]) -> float:
    """Seconds for one forked process a stream to ingest its share of `mentions` (in order,
    consecutive pages), all at once; the table emptied first, every mention stored after."""
    _empty_mentions()
    share = -(-len(mentions) // len(streams))
    fork = multiprocessing.get_context("fork")
    ready = fork.Barrier(len(streams) + 1)
    connections.close_all()  # each child opens its own, as a pool's children do
    children = [
        fork.Process(
            target=_pool_child,
            args=(mentions[n * share : (n + 1) * share], batch, stream, ready),
            name=f"bench-pool-{n}",
        )
        for n, stream in enumerate(streams)
    ]
    for child in children:
        child.start()
    ready.wait()
    started = time.perf_counter()
    for child in children:
        child.join()
    seconds = time.perf_counter() - started
    failed = [child.name for child in children if child.exitcode != 0]
    if failed:
        raise RuntimeError(f"pipeline bench: {', '.join(failed)} failed (see above)")
    stored = Mention.objects.count()
    if stored != len(mentions):
        raise RuntimeError(f"pipeline bench: the pool stored {stored} of {len(mentions)} mentions")
    return seconds


def _pool_child(share, batch: int, stream: Stream, ready) -> None:
    ready.wait()
    try:
        _ingest_pages(share, batch, stream)
    finally:
        connections.close_all()
