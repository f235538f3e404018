"""Whether a stream or a tag knows its usual volume well enough for a spike to mean anything.

A target's baseline is the windows of its own history before the current window. Its
history begins when its first counted mention arrived (`received_at`): a new stream's
first page of posts, or a backfill of last week's, is not a record of what it would have
seen, and a stream that fetched nothing for days (a wrong credential) has no history of
those days. Windows before the history began are not counted as empty, they are not
counted at all. Until it has MONITORING_SPIKE_MIN_BASELINE_WINDOWS whole windows of
history a target is learning: it raises nothing, and the spikes page says when it will
be ready.

Counted mentions leave out the brand's own posts (`owned_by`, status own): the brand's
announcements are neither a storm nor part of anyone's usual.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from monitoring.models import Mention, MentionStatus, Stream, Tag

BASELINE_WINDOWS = 24  # the most windows a baseline looks back


def window_minutes() -> int:
    return getattr(settings, "MONITORING_SPIKE_WINDOW", 60)


def min_baseline_windows() -> int:
    wanted = getattr(settings, "MONITORING_SPIKE_MIN_BASELINE_WINDOWS", 6)
    return min(max(wanted, 1), BASELINE_WINDOWS)


def counted(prefix: str = "") -> Q:
    """The mentions spikes count: not the brand's own posts. `prefix` reaches a Mention."""
    return Q(**{f"{prefix}owned_by__isnull": True}) & ~Q(**{f"{prefix}status": MentionStatus.OWN})


@dataclass(frozen=True)
class Baseline:
    start: datetime | None  # when the target's history began; None before its first mention
    windows: int  # whole windows of that history before the current one, at most 24
    ready_at: datetime | None  # when it has enough of them

    @property
    def ready(self) -> bool:
        return self.windows >= min_baseline_windows()


def baseline(start: datetime | None, now: datetime, window: timedelta) -> Baseline:
    """The baseline a history begun at `start` gives at `now` (the current window excluded)."""
    if start is None:
        return Baseline(start=None, windows=0, ready_at=None)
    whole = int((now - start) / window) - 1
    return Baseline(
        start=start,
        windows=max(0, min(whole, BASELINE_WINDOWS)),
        ready_at=start + (min_baseline_windows() + 1) * window,
    )


def _first_of_stream() -> Subquery:
    return Subquery(
        Mention.objects.filter(counted(), stream=OuterRef("pk"))
        .order_by("received_at")
        .values("received_at")[:1]
    )


def _first_of_tag() -> Subquery:
    return Subquery(
        Mention.tags.through.objects.filter(counted("mention__"), tag_id=OuterRef("pk"))
        .order_by("mention__received_at")
        .values("mention__received_at")[:1]
    )


def stream_history_starts(stream_ids) -> dict[int, datetime | None]:
    """{stream id: when its history began}, in one query (none for no ids)."""
    if not stream_ids:
        return {}
    rows = Stream.objects.filter(pk__in=stream_ids).annotate(first=_first_of_stream())
    return dict(rows.values_list("pk", "first"))


def tag_history_starts(tag_ids) -> dict[int, datetime | None]:
    """{tag id: when its history began}, in one query (none for no ids)."""
    if not tag_ids:
        return {}
    rows = Tag.objects.filter(pk__in=tag_ids).annotate(first=_first_of_tag())
    return dict(rows.values_list("pk", "first"))


# --- What the spikes page shows -----------------------------------------------------------


@dataclass(frozen=True)
class Learning:
    """A stream or tag still learning its usual volume."""

    stream: Stream | None
    tag: Tag | None
    baseline: Baseline
    needed: int


def learning(now: datetime | None = None) -> list[Learning]:
    """The enabled streams and the tags in use that cannot raise a spike yet, streams first.

    Two queries. A tag whose mentions are all older than the learning time is ready
    already; one that never had a mention has nothing to spike and is not listed.
    """
    now = now or timezone.now()
    window = timedelta(minutes=window_minutes())
    needed = min_baseline_windows()
    found = []
    streams = Stream.objects.filter(enabled=True).annotate(first=_first_of_stream())
    for stream in streams.order_by("name", "pk"):
        state = baseline(stream.first, now, window)
        if not state.ready:
            found.append(Learning(stream=stream, tag=None, baseline=state, needed=needed))
    recent = Mention.tags.through.objects.filter(
        counted("mention__"), mention__received_at__gte=now - (needed + 1) * window
    ).values("tag_id")
    tags = Tag.objects.filter(pk__in=recent).annotate(first=_first_of_tag())
    for tag in tags.order_by("name"):
        state = baseline(tag.first, now, window)
        if not state.ready:
            found.append(Learning(stream=None, tag=tag, baseline=state, needed=needed))
    return found
