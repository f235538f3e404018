"""The ingestion pipeline: clean, drop duplicates, enrich, store in bulk.

Every source ends here: a poll's page, a webhook delivery, a push to
/api/v1/ingest/. `ingest` runs inside the caller's transaction, so a poll
stores its page and advances its stream's cursor together: a crash anywhere
loses nothing, and a re-poll stores nothing twice (the unique
`(platform, external_id)` of MentionKey drops what is already there).

Enrichment, rules and routing plug in as steps: `register_step(fn)` adds a
function that receives the batch (cleaned, each key once, not yet stored)
and fills its mentions' fields. The batch is not checked against the table
first: cursors and webhook digests make re-deliveries rare, and a lookup per
batch costs more than enriching the few repeats that the insert then drops.
`register_on_store(fn)` adds a function that receives [(id, mention)] of what was
inserted, inside the same transaction (the notifications' outbox, which queues
its sending on commit); a hook that acts on routing also hears of a stored mention that the
rules route later (`routed_later`: a reply whose parent came after it).
"""

import collections
import json
import queue
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from psycopg.errors import UniqueViolation

from monitoring.connectors.base import NormalizedMention
from monitoring.models import Mention, MentionKey, Platform

Step = Callable[[list[NormalizedMention]], None]

_steps: list[Step] = []
OnStore = Callable[[list[tuple[int, NormalizedMention]]], None]
_on_store: list[OnStore] = []
_on_routing: list[OnStore] = []

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
    "sentiment",
    "sentiment_label",
    "risk_score",
    "risk_reasons",
    "impersonates_id",
    "impersonation_score",
    "owned_by_id",
    "team_id",
    "priority",
    "status",
    "rule_trace",
    "first_response_due_at",
    "resolve_due_at",
]
_JSON = (COLUMNS.index("raw"), COLUMNS.index("risk_reasons"), COLUMNS.index("rule_trace"))
_DATETIMES = tuple(
    COLUMNS.index(name)
    for name in ("published_at", "received_at", "first_response_due_at", "resolve_due_at")
)
# Their PostgreSQL types, for binary COPY.
COLUMN_TYPES = [
    "varchar", "varchar", "int8", "varchar", "varchar", "varchar", "int8", "bool", "text",
    "varchar", "varchar", "timestamptz", "varchar", "varchar", "int8", "jsonb", "timestamptz",
    "float8", "varchar", "int2", "jsonb", "int8", "float8", "int8", "int8", "int2", "varchar",
    "jsonb", "timestamptz", "timestamptz",
]  # fmt: skip


def register_step(step: Step, *, first: bool = False) -> None:
    """`first`: before the others (a step that takes mentions out of the batch)."""
    if step not in _steps:
        _steps.insert(0, step) if first else _steps.append(step)


def register_on_store(hook: OnStore, *, on_routing: bool = False) -> None:
    """`on_routing`: the hook acts on where mentions were routed (notifications, incidents),
    so it also receives the stored mentions that the rules route later (`routed_later`)."""
    if hook not in _on_store:
        _on_store.append(hook)
    if on_routing and hook not in _on_routing:
        _on_routing.append(hook)


def routed_later(routed: list[tuple[int, NormalizedMention]]) -> None:
    """Tell the routing hooks about stored mentions the rules have just routed (as a batch's
    hooks are told), in the caller's transaction."""
    for hook in _on_routing:
        hook(routed)


@dataclass
class IngestResult:
    stored: list[tuple[str, str]] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
    # Mentions that cannot be stored, with why: "platform:external_id: field missing".
    invalid: list[str] = field(default_factory=list)


PLATFORMS = frozenset(Platform.values)


def _clean_text(value, limit: int) -> str:
    value = value if isinstance(value, str) else str(value or "")
    if "\x00" in value:  # PostgreSQL text cannot hold NUL; nothing legitimate sends one
        value = value.replace("\x00", "")
    return value if len(value) <= limit else value[:limit]


def clean(mention: NormalizedMention) -> NormalizedMention:
    """Make a mention storable: no NULs, fields cut to their column sizes, text capped."""
    for name, limit in FIELD_LIMITS.items():
        value = getattr(mention, name)
        if type(value) is not str or len(value) > limit or "\x00" in value:
            setattr(mention, name, _clean_text(value, limit))
    mention.text = _clean_text(mention.text, settings.MONITORING_MAX_TEXT)
    mention.author_name = mention.author_name.strip()
    if mention.author_followers is not None:
        mention.author_followers = max(0, int(mention.author_followers))
    mention.engagement = max(0, int(mention.engagement or 0))
    return mention


def problems_of(mention: NormalizedMention) -> dict[str, str]:
    """Why a mention cannot be stored, field by field (empty when it can)."""
    problems = {}
    if mention.platform not in PLATFORMS:
        problems["platform"] = f"unknown network {mention.platform!r}"
    if not str(mention.external_id or "").strip():
        problems["external_id"] = "missing"
    text = str(mention.text or "")
    if not text.strip() or ("\x00" in text and not text.replace("\x00", "").strip()):
        problems["text"] = "missing"
    if mention.published_at is None or mention.published_at.utcoffset() is None:
        problems["published_at"] = "missing or without a time zone"
    return problems


class ClaimLost(Exception):
    """The poll's claim on its stream expired and someone else holds (or held) it since."""


def ingest(
    mentions: Iterable[NormalizedMention],
    *,
    stream=None,
    cursor: dict | None = None,
    claim_token: str | None = None,
) -> IngestResult:
    """Store what is new among `mentions`; with `stream`, advance its cursor in the same commit.

    With `claim_token` (a poll), the cursor moves only while the stream is still held by
    that claim: a late poll whose claim was taken over raises ClaimLost and stores nothing,
    so it can never move the cursor back behind a newer poll's.
    """
    with transaction.atomic():
        prepared = _prepare(mentions, stream)
        return _commit(prepared, stream, cursor, claim_token)


@dataclass
class _Prepared:
    """A batch cleaned and through the steps, not stored yet."""

    result: IngestResult
    fresh: dict[tuple[str, str], NormalizedMention]
    new: list[NormalizedMention]


def _prepare(mentions: Iterable[NormalizedMention], stream) -> _Prepared:
    """Validate, clean, drop repeats within the batch, and run the steps (no write of ours)."""
    result = IngestResult()
    fresh: dict[tuple[str, str], NormalizedMention] = {}
    stream_id = stream.pk if stream else None
    for mention in mentions:
        problems = problems_of(mention)
        if problems:
            reasons = ", ".join(f"{name} {why}" for name, why in problems.items())
            result.invalid.append(f"{mention.platform}:{mention.external_id}: {reasons}")
            continue
        clean(mention)
        mention.stream_id = stream_id
        if mention.key in fresh:
            result.duplicates.append(mention.key)
        else:
            fresh[mention.key] = mention
    new = list(fresh.values())
    for step in _steps:
        step(new)
    return _Prepared(result, fresh, new)


def _commit(prepared: _Prepared, stream, cursor, claim_token) -> IngestResult:
    """Store a prepared batch, tell the hooks, move the cursor: inside the caller's atomic."""
    result, fresh = prepared.result, prepared.fresh
    inserted = _store(prepared.new, stream_id=stream.pk if stream else None)
    for key, pk in inserted:
        result.stored.append(key)
        result.ids.append(pk)
    _store_tags(fresh, inserted)
    if inserted:
        stored = [(pk, fresh[key]) for key, pk in inserted]
        for hook in _on_store:
            hook(stored)
    # What the unique constraint refused, or a step took out, was stored before: a duplicate.
    stored_keys = set(result.stored)
    result.duplicates.extend(m.key for m in fresh.values() if m.key not in stored_keys)
    if stream is not None:
        _advance(stream, cursor, found=len(result.ids), claim_token=claim_token)
    return result


# --- The store of one batch behind the preparation of the next -----------------------------

_local = threading.local()


def in_flight() -> dict[tuple[str, str], NormalizedMention]:
    """Mentions this thread has prepared and handed to a StoreBehind that has not committed
    them yet: a step that looks for stored mentions (a reply's parent) looks here too."""
    behind = getattr(_local, "behind", None)
    return behind.in_flight() if behind is not None else {}


class StoreBehind:
    """Ingest a stream's pages with the store of one page overlapping the steps of the next.

    The caller's thread prepares each page (cleaning, enrichment, rules, routing) and hands
    it to a store thread through a queue of `depth` pages; the store thread commits each
    page with its cursor in one transaction, in the order given, as `ingest` does. The
    database work releases the GIL, so the two overlap on two cores.

    Nothing is lost or stored twice: a page and its cursor commit together or not at all.
    When a store fails (a lost claim, a database error) the pages queued behind it are
    dropped uncommitted, their cursors unmoved, and the error is raised to the caller by
    the next `submit` or by `close`; a worker killed mid-page leaves the cursor of the last
    committed page, and the unique key drops anything a re-poll brings twice.

    Used as a context manager; outside PostgreSQL, or inside a transaction of the caller's
    (whose writes a second connection could not see), each page is stored at once in the
    caller's thread, as `ingest` would.
    """

    def __init__(self, *, stream=None, depth: int = 1):
        self.stream = stream
        self.results: list[IngestResult] = []
        self.overlapped = connection.vendor == "postgresql" and not connection.in_atomic_block
        self._queue: queue.Queue = queue.Queue(maxsize=max(1, depth))
        self._pending: collections.deque[_Prepared] = collections.deque()
        self._lock = threading.Lock()
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> "StoreBehind":
        if self.overlapped:
            self._thread = threading.Thread(target=self._store_loop, name="store-behind")
            self._thread.start()
            _local.behind = self
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        # The pages queued are committed whatever stopped the caller; a store that failed
        # raises its error instead of the caller's (the cursor is older than it thinks).
        self.close()

    def in_flight(self) -> dict[tuple[str, str], NormalizedMention]:
        with self._lock:
            return {key: m for prepared in self._pending for key, m in prepared.fresh.items()}

    def submit(
        self,
        mentions: Iterable[NormalizedMention],
        *,
        cursor: dict | None = None,
        claim_token: str | None = None,
    ) -> IngestResult:
        """Prepare this page now and queue its store (blocks while `depth` pages wait).

        Returns the page's result: its `invalid` at once, what was stored and what was a
        duplicate once the page is committed (after `close`).
        """
        self._raise_error()
        if not self.overlapped:
            result = ingest(mentions, stream=self.stream, cursor=cursor, claim_token=claim_token)
            self.results.append(result)
            return result
        prepared = _prepare(mentions, self.stream)
        with self._lock:
            self._pending.append(prepared)
        self._queue.put((prepared, cursor, claim_token))
        self._raise_error()
        return prepared.result

    def close(self) -> list[IngestResult]:
        """Wait for every queued page to be committed; raise the store's error if one failed."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
            if getattr(_local, "behind", None) is self:
                del _local.behind
        self._raise_error()
        return self.results

    def _raise_error(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _store_loop(self) -> None:
        failed = False
        try:
            while (item := self._queue.get()) is not None:
                prepared, cursor, claim_token = item
                if not failed:
                    try:
                        with transaction.atomic():
                            result = _commit(prepared, self.stream, cursor, claim_token)
                        self.results.append(result)
                    except BaseException as exc:  # handed to the caller's thread
                        self._error, failed = exc, True
                        prepared.result.stored.clear()  # rolled back: nothing of it stored
                        prepared.result.ids.clear()
                with self._lock:
                    self._pending.popleft()
        finally:
            connection.close()  # this thread's own connection


def _store_tags(fresh: dict, inserted: list[tuple[tuple[str, str], int]]) -> None:
    through = Mention.tags.through
    links = [(pk, tag_id) for key, pk in inserted for tag_id in dict.fromkeys(fresh[key].tag_ids)]
    if not links:
        return
    if connection.vendor != "postgresql":
        through.objects.bulk_create(
            [through(mention_id=pk, tag_id=tag_id) for pk, tag_id in links], batch_size=1000
        )
        return
    # COPY, as for the mentions: six times faster than model instances and a bulk INSERT.
    with connection.cursor() as cursor:
        copy_tag_links(cursor, links)


def copy_tag_links(cursor, links) -> None:
    """PostgreSQL binary COPY of (mention id, tag id) pairs into the mention-tag table."""
    table = Mention.tags.through._meta.db_table
    with cursor.cursor.copy(
        f"COPY {table} (mention_id, tag_id) FROM STDIN (FORMAT BINARY)"
    ) as copy:
        copy.set_types(["int8", "int8"])
        for link in links:
            copy.write_row(link)


def _advance(stream, cursor: dict | None, found: int, claim_token: str | None = None) -> None:
    from django.db.models import F

    changes = {"mentions_found": F("mentions_found") + found}
    if cursor is not None:
        changes["cursor"] = cursor
    rows = type(stream).objects.filter(pk=stream.pk)
    if claim_token is not None:
        rows = rows.filter(claim_token=claim_token)  # a conditional UPDATE: the claim or nothing
    if not rows.update(**changes) and claim_token is not None:
        raise ClaimLost(f"stream {stream.pk}: the poll's claim was taken over")
    if cursor is not None:
        stream.cursor = cursor


def copy_rows(cursor, table: str, mentions, stream_id, now, ids=None) -> None:
    """PostgreSQL binary COPY of `mentions` into `table`'s COLUMNS (and `id`, with `ids`).

    The jsonb columns take the dicts and lists as they are: the types set here pick
    psycopg's jsonb dumper, so no wrapper is made per value.
    """
    columns, types = (["id", *COLUMNS], ["int8", *COLUMN_TYPES]) if ids else (COLUMNS, COLUMN_TYPES)
    with cursor.cursor.copy(
        f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
    ) as copy:
        copy.set_types(types)
        write = copy.write_row
        if ids:
            for pk, mention in zip(ids, mentions, strict=True):
                write((pk, *_row(mention, stream_id, now)))
        else:
            for mention in mentions:
                write(_row(mention, stream_id, now))


def _row(mention: NormalizedMention, stream_id, now) -> tuple:
    """The values of COLUMNS for one mention."""
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
        mention.sentiment,
        mention.sentiment_label,
        mention.risk_score,
        mention.risk_reasons,
        mention.impersonates_id,
        mention.impersonation_score,
        mention.owned_by_id,
        mention.team_id,
        mention.priority,
        mention.status,
        mention.rule_trace,
        mention.first_response_due_at,
        mention.resolve_due_at,
    )


def sqlite_row(mention: NormalizedMention, stream_id, now) -> list:
    """The values of COLUMNS as Django stores them in SQLite (JSON text, its datetime format)."""
    row = list(_row(mention, stream_id, now))
    for index in _JSON:
        row[index] = json.dumps(row[index])
    for index in _DATETIMES:
        row[index] = connection.ops.adapt_datetimefield_value(row[index])
    return row


def _store(new: list[NormalizedMention], stream_id) -> list[tuple[tuple[str, str], int]]:
    """Insert `new` in bulk, skipping stored keys; returns ((platform, external_id), id) of each.

    The keys are claimed first in MentionKey, whose primary key is (platform, external_id):
    only the mentions whose key was free are inserted, whatever their `published_at` (the
    mentions' table, partitioned by it on PostgreSQL, cannot hold that unique key itself).
    """
    if not new:
        return []
    now = timezone.now()
    if connection.vendor == "postgresql":
        return _store_postgresql(new, stream_id, now)
    return _store_sqlite(new, stream_id, now)


KEY_TABLE = MentionKey._meta.db_table


def _store_sqlite(new, stream_id, now) -> list[tuple[tuple[str, str], int]]:
    """Claim the keys (with a placeholder id), insert the mentions whose key was free,
    then point their keys at them: all in the caller's transaction."""
    table = Mention._meta.db_table
    placeholders = "(" + ", ".join(["%s"] * len(COLUMNS)) + ")"
    claimed: set[tuple[str, str]] = set()
    inserted = {}
    with connection.cursor() as cursor:
        for start in range(0, len(new), 300):
            chunk = new[start : start + 300]
            cursor.execute(
                f"INSERT INTO {KEY_TABLE} (platform, external_id, mention_id) "  # noqa: S608
                f"VALUES {', '.join(['(%s, %s, 0)'] * len(chunk))} "
                "ON CONFLICT DO NOTHING RETURNING platform, external_id",
                [value for mention in chunk for value in mention.key],
            )
            claimed.update(cursor.fetchall())
        fresh = [mention for mention in new if mention.key in claimed]
        for start in range(0, len(fresh), 500):
            chunk = fresh[start : start + 500]
            params = []
            for mention in chunk:
                params.extend(sqlite_row(mention, stream_id, now))
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(COLUMNS)}) "  # noqa: S608 (our own names)
                f"VALUES {', '.join([placeholders] * len(chunk))} "
                "RETURNING platform, external_id, id",
                params,
            )
            inserted.update(((platform, external_id), pk) for platform, external_id, pk in cursor)
        cursor.executemany(
            f"UPDATE {KEY_TABLE} SET mention_id = %s "  # noqa: S608
            "WHERE platform = %s AND external_id = %s",
            [(pk, *key) for key, pk in inserted.items()],
        )
    return [(mention.key, inserted[mention.key]) for mention in fresh]


# After a batch met a stored key, this many batches go the ON CONFLICT way before the
# direct COPY is tried again: a stream that re-delivers often does not pay every batch twice.
DIRECT_RETRY_AFTER = 20
_direct_skips = 0


def _store_postgresql(new, stream_id, now) -> list[tuple[tuple[str, str], int]]:
    """Ids from the mentions' sequence, the keys claimed, then a binary COPY of the fresh.

    A COPY writes its rows in bulk (and its indexes at once), several times faster than an
    INSERT … ON CONFLICT, which inserts row by row. The keys go first by a COPY straight into
    MentionKey, inside a savepoint: a batch holding a key already stored fails it and claims
    its keys again through a temporary table and INSERT … ON CONFLICT DO NOTHING RETURNING.
    The mentions whose key was claimed then go by one COPY, which no key can refuse.
    """
    global _direct_skips
    table = Mention._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "  # noqa: S608
            "FROM generate_series(1, %s)",
            [len(new)],
        )
        pairs = [(mention, pk) for mention, (pk,) in zip(new, cursor.fetchall(), strict=True)]
        claimed = None
        if _direct_skips:
            _direct_skips -= 1
        else:
            try:
                with transaction.atomic(savepoint=True):
                    _copy_keys(cursor, KEY_TABLE, pairs)
            except (IntegrityError, UniqueViolation):  # COPY's own error is psycopg's
                _direct_skips = DIRECT_RETRY_AFTER
            else:
                claimed = pairs
        if claimed is None:
            claimed = _claim_on_conflict(cursor, pairs)
        if claimed:
            mentions, ids = zip(*claimed, strict=True)
            copy_rows(cursor, table, mentions, stream_id, now, ids=ids)
    return [(mention.key, pk) for mention, pk in claimed]


def _copy_keys(cursor, table: str, pairs) -> None:
    with cursor.cursor.copy(
        f"COPY {table} (platform, external_id, mention_id) FROM STDIN (FORMAT BINARY)"
    ) as copy:
        copy.set_types(["varchar", "varchar", "int8"])
        for mention, pk in pairs:
            copy.write_row((*mention.key, pk))


def _claim_on_conflict(cursor, pairs) -> list:
    """The pairs whose key was free: a temporary table, then INSERT … ON CONFLICT RETURNING."""
    cursor.execute(
        "CREATE TEMPORARY TABLE IF NOT EXISTS mention_key_batch ON COMMIT DELETE ROWS "  # noqa: S608
        f"AS SELECT platform, external_id, mention_id FROM {KEY_TABLE} WITH NO DATA"
    )
    _copy_keys(cursor, "mention_key_batch", pairs)
    cursor.execute(
        f"INSERT INTO {KEY_TABLE} (platform, external_id, mention_id) "  # noqa: S608
        "SELECT platform, external_id, mention_id FROM mention_key_batch "
        "ON CONFLICT DO NOTHING RETURNING mention_id"
    )
    claimed = {pk for (pk,) in cursor.fetchall()}
    if len(connection.atomic_blocks) > 1:  # inside a caller's transaction: no commit soon
        cursor.execute("TRUNCATE mention_key_batch")
    return [(mention, pk) for mention, pk in pairs if pk in claimed]
