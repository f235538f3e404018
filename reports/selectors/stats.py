"""Durations and percentiles: computed by the database, or from packed durations.

PostgreSQL answers a group's median and 90th percentile in the grouping query itself
(`percentile_cont`). SQLite has no percentile aggregate: there each percentile is read as
the one or two rows around its rank (ORDER BY … LIMIT 2 OFFSET k), still one small query a
group and never the group's rows. The roll-ups keep each day's durations packed (`pack`), and
`packed_percentiles` selects the ranks among a period's. All three interpolate between ranks
as PostgreSQL does, so they give the same figures.
"""

import math
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import numpy
from django.db import connection
from django.db.models import Aggregate, Count, FloatField, Func, Q

FRACTIONS = {"p50": 0.5, "p90": 0.9}


class Seconds(Func):
    """`end - start` in seconds (a float), for two datetime expressions."""

    output_field = FloatField()
    arg_joiner = " - "
    template = "EXTRACT(EPOCH FROM (%(expressions)s))"

    def __init__(self, end, start):
        super().__init__(end, start)

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
            **extra,
        )


class Percentile(Aggregate):
    """PostgreSQL's continuous percentile of a number, `fraction` between 0 and 1."""

    function = "PERCENTILE_CONT"
    name = "Percentile"
    output_field = FloatField()
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def percentile_aggregates(measured) -> dict:
    """PostgreSQL aggregates of the percentiles of each (prefix, value, condition) of
    `measured`, named f"{prefix}_p50" and so on: computed by the counting query itself (FILTER),
    one pass over the rows."""
    return {
        f"{prefix}_{name}": Percentile(value, fraction, filter=condition)
        for prefix, value, condition in measured
        for name, fraction in FRACTIONS.items()
    }


def _rank_value(queryset, value, count: int, fraction: float) -> float | None:
    if not count:
        return None
    rank = fraction * (count - 1)
    low = math.floor(rank)
    rows = list(
        queryset.annotate(_v=value).order_by("_v").values_list("_v", flat=True)[low : low + 2]
    )
    if not rows:
        return None
    if len(rows) == 1 or rank == low:
        return rows[0]
    return rows[0] + (rows[1] - rows[0]) * (rank - low)


def percentiles(queryset, *, key: str | None, value, condition: Q, prefix: str) -> dict:
    """{group key: {f"{prefix}_p50": seconds, f"{prefix}_p90": seconds}} of `value` over the
    rows meeting `condition`, grouped by the field `key` (one group, None, without it)."""
    rows = queryset.filter(condition).order_by()
    if connection.vendor == "postgresql":
        aggregates = {
            f"{prefix}_{name}": Percentile(value, fraction) for name, fraction in FRACTIONS.items()
        }
        if key is None:
            return {None: rows.aggregate(**aggregates)}
        return {row.pop(key): row for row in rows.values(key).annotate(**aggregates).order_by(key)}
    counts = (
        {None: rows.count()}
        if key is None
        else dict(rows.values_list(key).annotate(n=Count("pk")).values_list(key, "n"))
    )
    result = {}
    for group, count in counts.items():
        members = rows if key is None else rows.filter(**{key: group})
        result[group] = {
            f"{prefix}_{name}": _rank_value(members, value, count, fraction)
            for name, fraction in FRACTIONS.items()
        }
    return result


PACKED = numpy.dtype("<f8")  # float64 seconds, little-endian, one after the other
MOMENTS = numpy.dtype("<i8")  # microseconds since 1970 (UTC)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def pack(seconds: Iterable[float]) -> bytes:
    """Durations as a roll-up row keeps them, in ascending order (the same rows, the same bytes)."""
    return numpy.sort(numpy.fromiter(seconds, dtype=PACKED)).tobytes()


def _micro(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


def pack_moments(moments: Iterable[datetime]) -> bytes:
    """Moments as a roll-up row keeps them, exactly, in ascending order."""
    return numpy.sort(numpy.fromiter(map(_micro, moments), dtype=MOMENTS)).tobytes()


def packed_before(packed: Iterable[bytes], moment: datetime) -> int:
    """How many of the moments in `packed` are before `moment`."""
    limit = _micro(moment)
    return sum(int((numpy.frombuffer(b, dtype=MOMENTS) < limit).sum()) for b in packed)


def packed_percentiles(packed: Iterable[bytes], prefix: str) -> dict[str, float | None]:
    """{f"{prefix}_p50": seconds, f"{prefix}_p90": seconds} of every duration in `packed`:
    `percentile_cont`'s figures, the ranks found by a partial sort (numpy.partition)."""
    values = numpy.concatenate([numpy.frombuffer(b, dtype=PACKED) for b in packed] or [[]])
    count = len(values)
    if not count:
        return {f"{prefix}_{name}": None for name in FRACTIONS}
    ranks = {name: fraction * (count - 1) for name, fraction in FRACTIONS.items()}
    wanted = sorted({i for rank in ranks.values() for i in (math.floor(rank), math.ceil(rank))})
    ordered = numpy.partition(values, wanted)
    result = {}
    for name, rank in ranks.items():
        low = math.floor(rank)
        first, second = float(ordered[low]), float(ordered[math.ceil(rank)])
        result[f"{prefix}_{name}"] = first + (second - first) * (rank - low)
    return result
