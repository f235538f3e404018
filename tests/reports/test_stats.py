"""The packed durations and targets the response roll-ups keep (reports.selectors.stats)."""

import math
import random
from datetime import UTC, datetime, timedelta

from reports.selectors.stats import (
    FRACTIONS,
    pack,
    pack_moments,
    packed_before,
    packed_percentiles,
)


def _percentile_cont(values: list[float], fraction: float) -> float:
    """PostgreSQL's percentile_cont, written out."""
    ordered = sorted(values)
    rank = fraction * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def test_percentiles_of_chunks_are_those_of_all_their_values():
    rng = random.Random(7)  # noqa: S311  (test data, seeded)
    for count in (1, 2, 3, 10, 101, 1000):
        values = [rng.expovariate(1 / 3600) for _ in range(count)]
        cuts = sorted(rng.sample(range(count + 1), min(4, count + 1)))
        chunks = [pack(values[a:b]) for a, b in zip([0, *cuts], [*cuts, count], strict=True)]
        got = packed_percentiles(chunks, "first")
        assert got == {f"first_{k}": _percentile_cont(values, f) for k, f in FRACTIONS.items()}


def test_no_duration_gives_no_percentile():
    assert packed_percentiles([], "x") == {"x_p50": None, "x_p90": None}
    assert packed_percentiles([pack([]), b""], "x") == {"x_p50": None, "x_p90": None}


def test_packing_is_sorted_and_the_same_bytes_whatever_the_order():
    assert pack([3.5, 1.0, 2.25]) == pack([1.0, 2.25, 3.5])
    assert len(pack([1.0, 2.0])) == 16


def test_targets_before_a_moment_to_the_microsecond():
    moment = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)
    micro = timedelta(microseconds=1)
    packed = [pack_moments([moment - micro, moment]), pack_moments([moment + micro]), b""]
    assert packed_before(packed, moment) == 1
    assert packed_before(packed, moment + micro) == 2
    assert packed_before(packed, moment + 2 * micro) == 3
    assert packed_before(packed, datetime(1969, 12, 31, tzinfo=UTC)) == 0
