"""The ingestion pipeline: clean, drop duplicates, enrich, store in bulk.

Every source ends here: a poll's page, a webhook delivery, a push to
/api/v1/ingest/. `ingest` runs inside the caller's transaction, so a poll
stores its page and advances its stream's cursor together: a crash anywhere
loses nothing, and a re-poll stores nothing twice (the unique
`(platform, external_id)` drops what is already there).

Enrichment, rules and routing plug in as steps: `register_step(fn)` adds a
function that receives the batch of new mentions (cleaned, not yet stored)
and fills their fields; `register_after_store(fn)` adds one that receives the
stored ids once the transaction commits (alerts, notifications).
"""

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from monitoring.connectors.base import NormalizedMention
from monitoring.models import Mention, Platform

Step = Callable[[list[NormalizedMention]], None]
AfterStore = Callable[[list[int]], None]

_steps: list[Step] = []
_after_store: list[AfterStore] = []

FIELD_LIMITS = {
    "external_id": 255,
    "author_id": 255,
    "author_handle": 255,
    "author_name": 255,
    "url": 2048,
    "language": 16,
    "parent_id": 255,
    "thread_id": 255,
}
COLUMNS = [
    "platform",
    "external_id",
    "stream_id",
    "author_id",
    "author_handle",
    "author_name",
    "author_followers",
    "author_verified",
    "text",
    "url",
    "language",
    "published_at",
    "parent_id",
    "thread_id",
    "engagement",
    "raw",
    "received_at",
]


def register_step(step: Step) -> None:
    if step not in _steps:
        _steps.append(step)


def register_after_store(hook: AfterStore) -> None:
    if hook not in _after_store:
        _after_store.append(hook)


@dataclass
class IngestResult:
    stored: list[tuple[str, str]] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
    # Mentions that cannot be stored, with why: "platform:external_id: field missing".
    invalid: list[str] = field(default_factory=list)


def _clean_text(value) -> str:
    # PostgreSQL text cannot hold NUL; nothing legitimate sends one.
    return str(value or "").replace("\x00", "")


def clean(mention: NormalizedMention) -> NormalizedMention:
    """Make a mention storable: no NULs, fields cut to their column sizes, text capped."""
    for name, limit in FIELD_LIMITS.items():
        setattr(mention, name, _clean_text(getattr(mention, name))[:limit])
    mention.text = _clean_text(mention.text)[: settings.MONITORING_MAX_TEXT]
    mention.author_name = mention.author_name.strip()
    if mention.author_followers is not None:
        mention.author_followers = max(0, int(mention.author_followers))
    mention.engagement = max(0, int(mention.engagement or 0))
    return mention


def problems_of(mention: NormalizedMention) -> dict[str, str]:
    """Why a mention cannot be stored, field by field (empty when it can)."""
    problems = {}
    if mention.platform not in Platform.values:
        problems["platform"] = f"unknown network {mention.platform!r}"
    if not str(mention.external_id or "").strip():
        problems["external_id"] = "missing"
    if not _clean_text(mention.text).strip():
        problems["text"] = "missing"
    if mention.published_at is None or timezone.is_naive(mention.published_at):
        problems["published_at"] = "missing or without a time zone"
    return problems


def ingest(
    mentions: Iterable[NormalizedMention], *, stream=None, cursor: dict | None = None
) -> IngestResult:
    """Store what is new among `mentions`; with `stream`, advance its cursor in the same commit."""
    with transaction.atomic():
        result = IngestResult()
        fresh: dict[tuple[str, str], NormalizedMention] = {}
        for mention in mentions:
            problems = problems_of(mention)
            if problems:
                reasons = ", ".join(f"{name} {why}" for name, why in problems.items())
                result.invalid.append(f"{mention.platform}:{mention.external_id}: {reasons}")
                continue
            clean(mention)
            if mention.key in fresh:
                result.duplicates.append(mention.key)
            else:
                fresh[mention.key] = mention
        known = _existing_keys(fresh)
        result.duplicates.extend(key for key in fresh if key in known)
        new = [m for key, m in fresh.items() if key not in known]
        for step in _steps:
            step(new)
        inserted = _store(new, stream_id=stream.pk if stream else None)
        for key, pk in inserted:
            result.stored.append(key)
            result.ids.append(pk)
        # Lost a race with another writer between the lookup and the insert: a duplicate.
        stored_keys = set(result.stored)
        result.duplicates.extend(m.key for m in new if m.key not in stored_keys)
        if stream is not None:
            _advance(stream, cursor, found=len(result.ids))
        if result.ids and _after_store:
            ids = list(result.ids)
            transaction.on_commit(lambda: [hook(ids) for hook in _after_store])
    return result


def _advance(stream, cursor: dict | None, found: int) -> None:
    from django.db.models import F

    changes = {"mentions_found": F("mentions_found") + found}
    if cursor is not None:
        changes["cursor"] = cursor
        stream.cursor = cursor
    type(stream).objects.filter(pk=stream.pk).update(**changes)


def _existing_keys(fresh: dict[tuple[str, str], NormalizedMention]) -> set[tuple[str, str]]:
    by_platform: dict[str, list[str]] = {}
    for platform, external_id in fresh:
        by_platform.setdefault(platform, []).append(external_id)
    known = set()
    for platform, ids in by_platform.items():
        for start in range(0, len(ids), 5000):
            chunk = ids[start : start + 5000]
            known.update(
                (platform, external_id)
                for external_id in Mention.objects.filter(
                    platform=platform, external_id__in=chunk
                ).values_list("external_id", flat=True)
            )
    return known


def _row(mention: NormalizedMention, stream_id, now) -> tuple:
    return (
        mention.platform,
        mention.external_id,
        stream_id,
        mention.author_id,
        mention.author_handle,
        mention.author_name,
        mention.author_followers,
        mention.author_verified,
        mention.text,
        mention.url,
        mention.language,
        mention.published_at,
        mention.parent_id,
        mention.thread_id,
        mention.engagement,
        mention.raw,
        now,
    )


def _store(new: list[NormalizedMention], stream_id) -> list[tuple[tuple[str, str], int]]:
    """Insert `new` in bulk; returns ((platform, external_id), id) of each row inserted."""
    if not new:
        return []
    now = timezone.now()
    if connection.vendor == "postgresql":
        return _store_postgresql(new, stream_id, now)
    objs = [Mention(**dict(zip(COLUMNS, _row(m, stream_id, now), strict=True))) for m in new]
    # The write lock is held since the lookup (SQLite IMMEDIATE transactions): no race.
    Mention.objects.bulk_create(objs, batch_size=500)
    return [((o.platform, o.external_id), o.pk) for o in objs]


def _store_postgresql(new, stream_id, now) -> list[tuple[tuple[str, str], int]]:
    """COPY into a temporary table, then one INSERT … ON CONFLICT DO NOTHING RETURNING.

    COPY moves rows several times faster than a multi-row INSERT; the final
    INSERT keeps the unique constraint the judge of duplicates.
    """
    table = Mention._meta.db_table
    columns = ", ".join(COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS mention_batch ON COMMIT DELETE ROWS "
            f"AS SELECT {columns} FROM {table} WITH NO DATA"  # noqa: S608 (our own names)
        )
        raw_cursor = cursor.cursor
        with raw_cursor.copy(f"COPY mention_batch ({columns}) FROM STDIN") as copy:
            for mention in new:
                row = list(_row(mention, stream_id, now))
                row[COLUMNS.index("raw")] = json.dumps(mention.raw)
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {table} ({columns}) "  # noqa: S608
            f"SELECT {columns} FROM mention_batch "
            f"ON CONFLICT (platform, external_id) DO NOTHING "
            f"RETURNING platform, external_id, id"
        )
        rows = cursor.fetchall()
        cursor.execute("TRUNCATE mention_batch")
    return [((platform, external_id), pk) for platform, external_id, pk in rows]
