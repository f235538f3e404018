"""`pipeline`: the whole ingestion (clean, dedupe, enrich, rules, route, store) against COPY."""

import random
import time
from datetime import UTC, datetime, timedelta

from django.db import connection

from benchmarks.ingest import _copy_reference, _executemany_reference, _through_pipeline
from monitoring.connectors.base import NormalizedMention
from monitoring.enrichment.evaluation import mention_of
from monitoring.enrichment.training import load_labelled
from monitoring.models import Stream
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
    }
