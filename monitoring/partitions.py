"""The mentions' monthly partitions on PostgreSQL: made ahead, and dropped after retention.

Migration 0020 partitions monitoring_mention by RANGE (published_at), one partition a month
(`monitoring_mention_pYYYYMM`, in UTC) and a DEFAULT one for any month without its own
(a post dated years back, a clock far ahead). Beat's `ensure_partitions` makes this month's
and the next ones before rows come; when a month's partition is made while DEFAULT holds
rows of that month, they move into it first (PostgreSQL refuses the partition otherwise).

Retention (settings.MONITORING_RETENTION_MONTHS, 0 keeps all) exports each month that is
entirely older than that to gzip JSON Lines under VAR_DIR, keeps the mentions an open
incident links (they move to DEFAULT), deletes what depends on the rest, and drops the month.
Elsewhere than PostgreSQL nothing is partitioned and these do nothing.
"""

import datetime
import gzip
import json
import logging
import os
import re
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone

from monitoring.models import REASON_BITS, Mention

logger = logging.getLogger(__name__)

TABLE = Mention._meta.db_table
DEFAULT = f"{TABLE}_default"
PARTITION_NAME = re.compile(rf"^{TABLE}_p(\d{{4}})(\d{{2}})$")
# Of the partition a month's rows take, what CREATE TABLE … LIKE copies (indexes come
# with ATTACH, from the partitioned table's own).
LIKE = "INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS INCLUDING STORAGE"


def is_partitioned() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = %s::regclass", [TABLE])
        return cursor.fetchone()[0] == "p"


def month_of(moment: datetime.datetime | datetime.date) -> datetime.date:
    """The first day of `moment`'s month, in UTC."""
    if isinstance(moment, datetime.datetime):
        moment = moment.astimezone(datetime.UTC)
    return datetime.date(moment.year, moment.month, 1)


def add_months(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def partition_name(month: datetime.date) -> str:
    return f"{TABLE}_p{month:%Y%m}"


def _bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = datetime.datetime(month.year, month.month, 1, tzinfo=datetime.UTC)
    after = add_months(month, 1)
    return start, datetime.datetime(after.year, after.month, 1, tzinfo=datetime.UTC)


def partition_months() -> list[datetime.date]:
    """The months that have their own partition, oldest first."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass",
            [TABLE],
        )
        names = [name for (name,) in cursor.fetchall()]
    months = []
    for name in names:
        if match := PARTITION_NAME.match(name):
            months.append(datetime.date(int(match[1]), int(match[2]), 1))
    return sorted(months)


def _stored_columns(cursor, table: str) -> str:
    """`table`'s columns that can be written (not generated), as a SQL list."""
    cursor.execute(
        "SELECT quote_ident(attname) FROM pg_attribute WHERE attrelid = %s::regclass "
        "AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum",
        [table],
    )
    return ", ".join(name for (name,) in cursor.fetchall())


def add_reason_statistics(cursor, table: str) -> None:
    """Statistics of each reason's bit on the partition `table`, which ANALYZE then keeps.

    Without them the planner takes a third of the mentions for every reason (its guess for an
    expression), where legal threats are one in fifty and a watchlist none: it walked the
    open queue or the date index for them instead of the reason's partial index (a reason
    filter with a status took up to 650 ms at 1M). Statistics belong to one table: each
    partition has its own, as it has its own indexes.
    """
    for code, bit in REASON_BITS.items():
        cursor.execute(
            f"CREATE STATISTICS IF NOT EXISTS {table}_reason_{code} "
            f"ON (reason_flags & {bit}) FROM {table}"
        )


def ensure_partition(month: datetime.date) -> bool:
    """Make `month`'s partition unless it exists; True when made.

    The rows of that month in DEFAULT move into it, in the same transaction: the new table
    is filled from DEFAULT, those rows deleted there, then the table attached.
    """
    name = partition_name(month)
    start, end = _bounds(month)
    with transaction.atomic(), connection.cursor() as cursor:
        # One maker at a time (two beats, a seed): the second finds the partition made.
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [TABLE])
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        if cursor.fetchone()[0]:
            return False
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {DEFAULT} "  # noqa: S608 (our own names)
            "WHERE published_at >= %s AND published_at < %s)",
            [start, end],
        )
        if not cursor.fetchone()[0]:
            cursor.execute(
                f"CREATE TABLE {name} PARTITION OF {TABLE} FOR VALUES FROM (%s) TO (%s)",
                [start, end],
            )
            add_reason_statistics(cursor, name)
            return True
        # No row of that month may come into DEFAULT between the move and the attach.
        cursor.execute(f"LOCK TABLE {DEFAULT} IN SHARE ROW EXCLUSIVE MODE")
        columns = _stored_columns(cursor, TABLE)
        cursor.execute(f"CREATE TABLE {name} (LIKE {TABLE} {LIKE})")
        cursor.execute(
            f"WITH moved AS (DELETE FROM {DEFAULT} "  # noqa: S608
            f"WHERE published_at >= %s AND published_at < %s RETURNING {columns}) "
            f"INSERT INTO {name} ({columns}) SELECT {columns} FROM moved",
            [start, end],
        )
        logger.info("moved %d mentions from %s into %s", cursor.rowcount, DEFAULT, name)
        cursor.execute(
            f"ALTER TABLE {TABLE} ATTACH PARTITION {name} FOR VALUES FROM (%s) TO (%s)",
            [start, end],
        )
        add_reason_statistics(cursor, name)
        cursor.execute(f"ANALYZE {name}")  # it holds rows already: their statistics now
    return True


def ensure_partitions(now=None, ahead: int | None = None) -> list[str]:
    """This month's partition and the next `ahead` ones (settings.MONITORING_PARTITIONS_AHEAD)."""
    if not is_partitioned():
        return []
    ahead = settings.MONITORING_PARTITIONS_AHEAD if ahead is None else ahead
    first = month_of(now or timezone.now())
    months = [add_months(first, n) for n in range(ahead + 1)]
    return [partition_name(month) for month in months if ensure_partition(month)]


def ensure_partitions_between(start: datetime.datetime, end: datetime.datetime) -> None:
    """A partition for every month from `start`'s to `end`'s (a bulk load's span)."""
    if not is_partitioned():
        return
    month, last = month_of(start), month_of(end)
    while month <= last:
        ensure_partition(month)
        month = add_months(month, 1)


def dependant_tables() -> list[str]:
    """The tables whose rows refer to a mention (its key, tags, events, links…)."""
    return sorted(
        relation.related_model._meta.db_table
        for relation in Mention._meta.get_fields(include_hidden=True)
        if relation.auto_created and not relation.concrete and not relation.many_to_many
    )


def truncate_mentions(cursor) -> None:
    """PostgreSQL: every mention gone, with what refers to them (no foreign key cascades)."""
    tables = ", ".join([TABLE, *dependant_tables()])
    cursor.execute(f"TRUNCATE {tables} CASCADE")


# --- Retention ------------------------------------------------------------------------------


def archive_dir() -> Path:
    return Path(settings.VAR_DIR) / "archive" / "mentions"


def expired_months(now=None, months: int | None = None) -> list[datetime.date]:
    """The partitions' months entirely older than the retention's `months` (none for 0)."""
    months = settings.MONITORING_RETENTION_MONTHS if months is None else months
    if months <= 0 or not is_partitioned():
        return []
    cutoff = add_months(month_of(now or timezone.now()), -months)
    return [month for month in partition_months() if add_months(month, 1) <= cutoff]


def apply_retention(now=None, months: int | None = None) -> list[dict]:
    """Export then drop every expired month's partition; what was done, month by month."""
    return [drop_month(month) for month in expired_months(now, months)]


def export_partition(name: str) -> Path:
    """Every row of the partition `name` as gzip JSON Lines (written aside, then renamed)."""
    directory = archive_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.jsonl.gz"
    partial = path.with_suffix(".gz.partial")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"DECLARE mention_export NO SCROLL CURSOR FOR "  # noqa: S608
            f"SELECT row_to_json(m)::text FROM {name} m ORDER BY m.id"
        )
        with gzip.open(partial, "wt", encoding="utf-8") as out:
            while True:
                cursor.execute("FETCH 5000 FROM mention_export")
                rows = cursor.fetchall()
                if not rows:
                    break
                out.writelines(f"{line}\n" for (line,) in rows)
        cursor.execute("CLOSE mention_export")
    os.replace(partial, path)
    return path


def _kept_ids(name: str) -> list[int]:
    """Mentions of the partition that an open incident links: retention keeps them."""
    from incidents.models import OPEN_STATUSES  # incidents builds on monitoring

    links = apps.get_model("incidents", "IncidentMention").objects.filter(
        incident__status__in=OPEN_STATUSES,
        mention_id__in=RawSQL(f"SELECT id FROM {name}", ()),  # noqa: S608, S611 (our own name)
    )
    return sorted(set(links.values_list("mention_id", flat=True)))


def _delete_dependants(ids_sql: str) -> dict[str, int]:
    """Delete (or detach) what refers to the mentions `ids_sql` selects, as the ORM would on
    their deletion: no database constraint does it for the partitioned mentions."""
    from django.db.models import CASCADE, SET_NULL

    counts = {}
    for relation in Mention._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete) or relation.many_to_many:
            continue
        model, field = relation.related_model, relation.field
        rows = model._base_manager.filter(
            **{f"{field.attname}__in": RawSQL(ids_sql, ())}  # noqa: S611 (our own SQL)
        )
        if relation.on_delete is CASCADE:
            deleted = rows.delete()[0]
        elif relation.on_delete is SET_NULL:
            deleted = rows.update(**{field.attname: None})
        else:
            raise RuntimeError(f"{model.__name__}.{field.name}: retention cannot delete")
        counts[model._meta.label] = deleted
    return counts


def drop_month(month: datetime.date) -> dict:
    """Export the month's partition, keep its mentions linked to an open incident (moved
    into DEFAULT), delete its other mentions' dependants and keys, drop it; audited."""
    from riskdesk.audit import audit_record

    name = partition_name(month)
    path = export_partition(name)
    with transaction.atomic(), connection.cursor() as cursor:
        # Detached first: no row of it changes, and no link is made to it, from here on.
        cursor.execute(f"ALTER TABLE {TABLE} DETACH PARTITION {name}")
        kept = _kept_ids(name)
        if kept:
            columns = _stored_columns(cursor, TABLE)
            cursor.execute(
                f"INSERT INTO {TABLE} ({columns}) SELECT {columns} FROM {name} "  # noqa: S608
                "WHERE id = ANY(%s)",
                [kept],
            )
        cursor.execute(f"SELECT count(*) FROM {name}")  # noqa: S608
        total = cursor.fetchone()[0]
        kept_array = "'{" + ",".join(map(str, kept)) + "}'::bigint[]"
        dropped_ids = f"SELECT id FROM {name} WHERE id <> ALL({kept_array})"  # noqa: S608
        dependants = _delete_dependants(dropped_ids)
        # Deferred foreign-key checks of rows written earlier in this transaction (a test's)
        # would hold the table: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"DROP TABLE {name}")
        outcome = {
            "partition": name,
            "month": f"{month:%Y-%m}",
            "export": str(path),
            "mentions": total,
            "deleted": total - len(kept),
            "kept_for_open_incidents": len(kept),
            "dependants": dependants,
        }
        audit_record(actor=None, verb="mention.retention", after=outcome)
    logger.info("retention: %s", json.dumps(outcome))
    return outcome
