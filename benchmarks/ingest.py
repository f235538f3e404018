"""`ingest_store`: normalized mentions through the pipeline's store step, against COPY."""

import random
import time
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction

from monitoring import pipeline
from monitoring.connectors.base import NormalizedMention
from monitoring.models import Mention

WORDS = [
    "acme",
    "brew",
    "coffee",
    "machine",
    "update",
    "broken",
    "refund",
    "love",
    "great",
    "slow",
    "support",
    "order",
    "livraison",
    "cassé",
    "merci",
    "génial",
    "remboursement",
    "avocat",
    "boycott",
    "recall",
    "firmware",
    "app",
]


def _mentions(rows: int, duplicate_share: float, seed: int = 7) -> list[NormalizedMention]:
    rng = random.Random(seed)
    unique = int(rows * (1 - duplicate_share))
    start = datetime(2026, 3, 1, tzinfo=UTC)
    made = []
    for n in range(rows):
        i = n if n < unique else rng.randrange(unique)  # a repeat of one already seen
        made.append(
            NormalizedMention(
                platform=("x", "mastodon", "bluesky", "reddit")[i % 4],
                external_id=str(10**12 + i),
                text=" ".join(rng.choice(WORDS) for _ in range(30)),
                published_at=start + timedelta(seconds=i),
                author_id=f"user-{i % 5000}",
                author_handle=f"handle_{i % 5000}",
                author_name=f"Person {i % 5000}",
                author_followers=i % 100_000,
                url=f"https://example.org/post/{i}",
                language=("en", "fr")[i % 2],
                engagement=i % 50,
                raw={"id": str(i), "metrics": {"likes": i % 50}},
            )
        )
    rng.shuffle(made)
    return made


def _copy_reference(mentions: list[NormalizedMention]) -> float:
    """Seconds PostgreSQL COPY takes to load the same rows into a copy of the table."""
    columns = ", ".join(pipeline.COLUMNS)
    table = Mention._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            # A regular (logged) table like the real one, without its indexes: plain COPY.
            f"CREATE TABLE bench_copy (LIKE {table} INCLUDING DEFAULTS INCLUDING IDENTITY)"
        )
        started = time.perf_counter()
        with (
            transaction.atomic(),
            cursor.cursor.copy(f"COPY bench_copy ({columns}) FROM STDIN") as copy,
        ):
            now = datetime.now(UTC)
            for mention in mentions:
                copy.write_row(pipeline._row(mention, None, now))
        elapsed = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_copy")
    return elapsed


def _executemany_reference(mentions: list[NormalizedMention]) -> float:
    """Without PostgreSQL: a plain executemany INSERT of the same rows (SQLite's fastest path)."""
    columns = ", ".join(pipeline.COLUMNS)
    marks = ", ".join(["%s"] * len(pipeline.COLUMNS))
    table = Mention._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE bench_copy AS SELECT * FROM {table} WHERE 0")
        now = datetime.now(UTC)
        rows = [pipeline._row(m, None, now) for m in mentions]
        started = time.perf_counter()
        with transaction.atomic():
            cursor.executemany(f"INSERT INTO bench_copy ({columns}) VALUES ({marks})", rows)
        elapsed = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_copy")
    return elapsed


def ingest_store(rows: int = 200_000, batch: int = 1000, duplicate_share: float = 0.1) -> dict:
    mentions = _mentions(rows, duplicate_share)
    reference = "copy" if connection.vendor == "postgresql" else "executemany_insert"
    reference_seconds = (
        _copy_reference(mentions) if reference == "copy" else _executemany_reference(mentions)
    )
    Mention.objects.all().delete()

    started = time.perf_counter()
    stored = duplicates = 0
    for offset in range(0, rows, batch):
        result = pipeline.ingest(mentions[offset : offset + batch])
        stored += len(result.ids)
        duplicates += len(result.duplicates)
    seconds = time.perf_counter() - started

    assert stored == Mention.objects.count()
    return {
        "rows": rows,
        "batch": batch,
        "stored": stored,
        "duplicates": duplicates,
        "mentions_per_s": round(rows / seconds),
        "reference": reference,
        "copy_rows_per_s": round(rows / reference_seconds),
        "ratio": round(reference_seconds / seconds, 3),
    }
