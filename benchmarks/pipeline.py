"""`pipeline`: the whole ingestion (clean, dedupe, enrich, rules, route, store) against COPY."""

import random
import time
from datetime import UTC, datetime, timedelta

from django.db import connection

from benchmarks.ingest import _copy_reference, _executemany_reference, _through_pipeline
from monitoring.connectors.base import NormalizedMention
from monitoring.enrichment.evaluation import load_rows
from monitoring.models import Stream


def _realistic_mentions(rows: int, seed: int = 11) -> list[NormalizedMention]:
    """The labelled set's posts, cycled with fresh ids; one in ten without a language."""
    rng = random.Random(seed)
    samples = load_rows()
    start = datetime(2026, 3, 1, tzinfo=UTC)
    made = []
    for n in range(rows):
        row = samples[n % len(samples)]
        made.append(
            NormalizedMention(
                platform=row["platform"],
                external_id=f"bench-{n}",
                text=row["text"],
                published_at=start + timedelta(seconds=n),
                author_id=row.get("author_id") or "",
                author_handle=row.get("author_handle") or "",
                author_name=row.get("author_name") or "",
                author_followers=row.get("author_followers"),
                engagement=row.get("engagement") or 0,
                language="" if rng.random() < 0.1 else row.get("language", ""),
                raw={"n": n},
            )
        )
    return made


def pipeline(rows: int = 200_000, batch: int = 1000) -> dict:
    from accounts.demo import seed_people_and_teams
    from alerting.demo import seed_alerting
    from monitoring.demo import seed_monitoring

    seed_people_and_teams()
    seed_monitoring()  # brand accounts and keyword lists, as a real install has them
    seed_alerting()  # and the demo's rules and channels
    mentions = _realistic_mentions(rows)
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
