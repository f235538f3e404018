"""`ingest_store`: normalized mentions through the pipeline's store step, against COPY."""

import random
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction

from monitoring import partitions, pipeline
from monitoring.connectors.base import NormalizedMention
from monitoring.models import Mention, MentionKey, Stream

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


def _copy_reference(mentions: list[NormalizedMention], indexed: bool) -> float:
    """Seconds PostgreSQL COPY takes to load the same rows into a copy of the table.

    `indexed`: the copy has every index of the real table and its generated search
    column (the unique index made plain, since the rows hold duplicates); otherwise it
    is a bare heap.
    """
    table = Mention._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE bench_copy (LIKE {table} INCLUDING DEFAULTS INCLUDING IDENTITY"
            f"{' INCLUDING GENERATED' if indexed else ''})"
        )
        if indexed:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [table]
            )
            for name, definition in cursor.fetchall():
                definition = (
                    definition.replace("CREATE UNIQUE INDEX", "CREATE INDEX")
                    .replace(f" INDEX {name} ON ", f" INDEX bench_{name} ON ")
                    .replace(f" ON ONLY public.{table} ", " ON bench_copy ")
                    .replace(f" ON public.{table} ", " ON bench_copy ")
                )
                cursor.execute(definition)
        started = time.perf_counter()
        with transaction.atomic():
            pipeline.copy_rows(cursor, "bench_copy", mentions, None, datetime.now(UTC))
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
        rows = [pipeline.sqlite_row(m, None, now) for m in mentions]
        started = time.perf_counter()
        with transaction.atomic():
            cursor.executemany(f"INSERT INTO bench_copy ({columns}) VALUES ({marks})", rows)
        elapsed = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_copy")
    return elapsed


def _through_pipeline(mentions, batch: int, stream=None) -> tuple[float, int, int]:
    """Seconds to ingest `mentions` in batches (as a stream's pages when `stream` is given)."""
    _empty_mentions()
    started = time.perf_counter()
    results = _ingest_pages(mentions, batch, stream)
    seconds = time.perf_counter() - started
    stored = sum(len(result.ids) for result in results)
    duplicates = sum(len(result.duplicates) for result in results)
    assert stored == Mention.objects.count()
    return seconds, stored, duplicates


def _empty_mentions() -> None:
    """On PostgreSQL, an empty table without dead rows."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            partitions.truncate_mentions(cursor)
        else:
            cursor.execute(f"DELETE FROM {MentionKey._meta.db_table}")
            cursor.execute(f"DELETE FROM {Mention._meta.db_table}")


def _ingest_pages(mentions, batch: int, stream=None) -> list:
    """As a worker ingests a poll's pages: each stored behind the preparation of the next."""
    with pipeline.StoreBehind(stream=stream) as behind:
        for offset in range(0, len(mentions), batch):
            page = mentions[offset : offset + batch]
            behind.submit(page, cursor={"offset": offset + batch} if stream else None)
    return behind.results


@contextmanager
def store_step_only():
    """The pipeline without enrichment, rules and outbox: what `ingest_store` measures."""
    saved = pipeline._steps[:], pipeline._on_store[:]
    pipeline._steps[:], pipeline._on_store[:] = [], []
    try:
        yield
    finally:
        pipeline._steps[:], pipeline._on_store[:] = saved


def ingest_store(rows: int = 200_000, batch: int = 1000, duplicate_share: float = 0.1) -> dict:
    """Polled pages (a stream's, with its cursor) and pushed batches (API, webhooks).

    On PostgreSQL the reference is COPY of the same rows into a copy of the table with
    the same indexes (`ratio`), and into a bare heap (`bare_ratio`). Each reference runs
    before and after, so a machine busier at one moment weighs on both sides.
    """
    mentions = _mentions(rows, duplicate_share)
    postgresql = connection.vendor == "postgresql"
    stream = Stream.objects.create(name="bench", connector="x")

    def reference(**kwargs) -> float:
        if not postgresql:
            return _executemany_reference(mentions)
        return _copy_reference(mentions, **kwargs)

    before = reference(indexed=True), reference(indexed=False)
    with store_step_only():
        pushed, _stored, _duplicates = _through_pipeline(mentions, batch)
        polled, stored, duplicates = _through_pipeline(mentions, batch, stream=stream)
    after = reference(indexed=True), reference(indexed=False)
    indexed, bare = (before[0] + after[0]) / 2, (before[1] + after[1]) / 2
    return {
        "rows": rows,
        "batch": batch,
        "stored": stored,
        "duplicates": duplicates,
        "mentions_per_s": round(rows / polled),
        "pushed_mentions_per_s": round(rows / pushed),
        "reference": "copy" if postgresql else "executemany_insert",
        "copy_rows_per_s": round(rows / indexed),
        "copy_bare_rows_per_s": round(rows / bare),
        "ratio": round(indexed / polled, 3),
        "pushed_ratio": round(indexed / pushed, 3),
        "bare_ratio": round(bare / polled, 3),
    }
