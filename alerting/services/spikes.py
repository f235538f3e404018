"""Spike detection: a storm of (negative) mentions on a stream or a tag raises one alert.

`detect_spikes`, run by beat every minute, compares the count of the last window (the
hour before now, sliding) with the windows before it, per enabled stream and per tag,
for negative mentions and for all of them. The counts come from one GROUP BY query
per dimension, the window index computed by the database with a CASE over the
window bounds (portable to SQLite and PostgreSQL, unlike date truncation, which
only knows whole hours and minutes).

No false alarms: a spike needs a minimum volume in the window besides its z-score,
and a target still learning its usual volume raises nothing (alerting.services.baselines:
the baseline is the target's own history, never empty windows it was not there for).
The brand's own posts count nowhere. The words that drive a spike leave out the
stream's query and the brand's names (alerting.services.words).

A raised alert keeps the window's riskiest mentions and the words that rose
most against the baseline, and notifies the team after it commits. A cool-down
keeps a continuing storm to one alert; a negative alert also covers the total
volume of its target, which a negative storm inflates too; and a storm already
alerted on one target (a stream) is not alerted again on another (a tag of its
mentions) when most of the tag's mentions came from that stream.

Escalating a spike to an incident belongs to the incidents work: it will set
`status` to ESCALATED through a service of its own.
"""

import logging
import math
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Left
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Team
from alerting.models import SpikeAlert
from alerting.services import notifications, words
from alerting.services.baselines import (
    BASELINE_WINDOWS,
    baseline,
    counted,
    stream_history_starts,
    tag_history_starts,
    window_minutes,
)
from monitoring.models import RESTRICTED_TEAM_KINDS, Mention, Stream, Tag
from riskdesk.audit import audit_record
from riskdesk.permissions import require

logger = logging.getLogger(__name__)

TOP_MENTIONS = 10
TEXT_KEPT = 200  # characters of a mention's text a notification carries
# Bounds on the texts read to find the words of a spike: enough to rank words, never a whole day.
WORDS_WINDOW_TEXTS = 2000
WORDS_BASELINE_TEXTS = 5000
WORDS_TEXT_CHARS = 1000
NEGATIVE = "negative"


def min_count() -> int:
    return getattr(settings, "MONITORING_SPIKE_MIN_COUNT", 10)


def z_threshold() -> float:
    return getattr(settings, "MONITORING_SPIKE_Z", 3.0)


def cooldown_minutes() -> int:
    return getattr(settings, "MONITORING_SPIKE_COOLDOWN", 180)


# --- The figures -------------------------------------------------------------------------


@dataclass(frozen=True)
class Score:
    count: int
    mean: float
    std: float
    z: float
    windows: int = BASELINE_WINDOWS  # how many windows the baseline held


def score(counts: list[int]) -> Score:
    """`counts[0]` is the last window, the rest its baseline (at least one window).

    Population standard deviation with a floor of 1 and of the square root of the mean:
    mentions arrive like a Poisson count, whose spread is at least that, so an even
    baseline (9 an hour, every hour) does not make 13 a storm, and against a quiet one (0
    or 1 an hour) three posts are not a storm either.
    """
    count, baseline = counts[0], counts[1:]
    mean = sum(baseline) / len(baseline)
    spread = math.sqrt(sum((c - mean) ** 2 for c in baseline) / len(baseline))
    std = max(spread, math.sqrt(mean), 1.0)
    return Score(count=count, mean=mean, std=std, z=(count - mean) / std, windows=len(baseline))


def is_spike(figures: Score) -> bool:
    return figures.count >= min_count() and figures.z >= z_threshold()


# --- Detection ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """What a spike is about: a stream or a tag."""

    stream_id: int | None = None
    tag_id: int | None = None

    def mentions(self) -> QuerySet:
        """Its counted mentions: the brand's own posts are never part of a spike."""
        if self.stream_id is not None:
            return Mention.objects.filter(counted(), stream_id=self.stream_id)
        return Mention.objects.filter(counted(), tags=self.tag_id)


def _window_index(field: str, now: datetime, window: timedelta) -> Case:
    """0 for the last window before `now`, 1 for the one before it... up to the baseline's end."""
    return Case(
        *(
            When(**{f"{field}__gte": now - (k + 1) * window}, then=Value(k))
            for k in range(BASELINE_WINDOWS + 1)
        ),
        default=Value(None),
        output_field=IntegerField(),
    )


def _series(
    queryset: QuerySet, key: str, prefix: str, now: datetime, window: timedelta
) -> dict[object, dict[bool, list[int]]]:
    """{key: {negative_only: counts per window, last window first}} in one GROUP BY query.

    Windows go by publication time, not arrival: a new stream's backfill of
    yesterday's posts fills yesterday's windows instead of looking like a storm now.
    """
    start = now - (BASELINE_WINDOWS + 1) * window
    rows = (
        queryset.filter(**{f"{prefix}published_at__gte": start, f"{prefix}published_at__lt": now})
        .annotate(window_index=_window_index(f"{prefix}published_at", now, window))
        .values(key, "window_index")
        .annotate(
            total=Count("pk"),
            negative=Count("pk", filter=Q(**{f"{prefix}sentiment_label": NEGATIVE})),
        )
        .order_by()
    )
    series: dict[object, dict[bool, list[int]]] = {}
    for row in rows:
        counts = series.setdefault(
            row[key], {True: [0] * (BASELINE_WINDOWS + 1), False: [0] * (BASELINE_WINDOWS + 1)}
        )
        counts[True][row["window_index"]] += row["negative"]
        counts[False][row["window_index"]] += row["total"]
    return series


def _candidates(now: datetime, window: timedelta) -> list[tuple[Target, bool, Score]]:
    """Every (target, negative_only) whose last window is a spike, cool-down not yet applied.

    Only a target loud enough in its last window is asked for its history (one query per
    dimension); one still learning is left out, and a ready one is scored against the
    windows of its history alone.
    """
    by_stream = _series(
        Mention.objects.filter(counted(), stream__enabled=True), "stream_id", "", now, window
    )
    by_tag = _series(
        Mention.tags.through.objects.filter(counted("mention__")),
        "tag_id",
        "mention__",
        now,
        window,
    )
    loud = {
        dimension: {
            key: counts for key, counts in series.items() if counts[False][0] >= min_count()
        }
        for dimension, series in (("stream", by_stream), ("tag", by_tag))
    }
    starts = {
        "stream": stream_history_starts(list(loud["stream"])),
        "tag": tag_history_starts(list(loud["tag"])),
    }
    found = []
    for dimension, series in loud.items():
        for key, counts in series.items():
            history = baseline(starts[dimension].get(key), now, window)
            if not history.ready:
                continue
            target = Target(stream_id=key) if dimension == "stream" else Target(tag_id=key)
            for negative_only in (True, False):
                figures = score(counts[negative_only][: history.windows + 1])
                if is_spike(figures):
                    found.append((target, negative_only, figures))
    return found


def detect_spikes(*, now: datetime | None = None) -> list[SpikeAlert]:
    """Raise an alert for each stream or tag in a storm that no recent alert already covers."""
    now = now or timezone.now()
    window = timedelta(minutes=window_minutes())
    candidates = _candidates(now, window)
    if not candidates:
        return []
    cooling = set(
        SpikeAlert.objects.filter(
            created_at__gt=now - timedelta(minutes=cooldown_minutes())
        ).values_list("stream_id", "tag_id", "negative_only")
    )
    raised = []
    restricted = _restricted_team_ids()
    brand = words.brand_words()
    # Negative first: a negative alert also covers its target's total volume.
    for target, negative_only, figures in sorted(candidates, key=lambda c: not c[1]):
        if _covered(cooling, target, negative_only):
            continue
        alert = _raise(
            target,
            negative_only,
            figures,
            now=now,
            window=window,
            restricted=restricted,
            brand=brand,
        )
        if alert is not None:
            raised.append(alert)
            cooling.add((target.stream_id, target.tag_id, negative_only))
    return raised


def _covered(cooling: set, target: Target, negative_only: bool) -> bool:
    """An alert of the same kind is cooling down, or a negative one, which covers the total too."""
    keys = {
        (target.stream_id, target.tag_id, negative_only),
        (target.stream_id, target.tag_id, True),
    }
    return bool(keys & cooling)


@transaction.atomic
def _raise(
    target: Target,
    negative_only: bool,
    figures: Score,
    *,
    now: datetime,
    window: timedelta,
    restricted: set[int] = frozenset(),
    brand: set[str] = frozenset(),
) -> SpikeAlert | None:
    # The target's row is the lock: two overlapping runs cannot both raise the same alert.
    if target.stream_id is not None:
        streams = Stream.objects.select_for_update(of=("self",)).select_related("team")
        about = streams.filter(pk=target.stream_id).first()
    else:
        about = Tag.objects.select_for_update().filter(pk=target.tag_id).first()
    if about is None:
        return None
    since = now - timedelta(minutes=cooldown_minutes())
    if SpikeAlert.objects.filter(
        stream_id=target.stream_id,
        tag_id=target.tag_id,
        negative_only__in={negative_only, True},  # as in _covered
        created_at__gt=since,
    ).exists():
        return None

    mentions = target.mentions()
    if negative_only:
        mentions = mentions.filter(sentiment_label=NEGATIVE)
    window_start = now - window
    baseline_start = now - (figures.windows + 1) * window  # the history scored, no further
    in_window = list(
        mentions.filter(published_at__gte=window_start, published_at__lt=now)
        .annotate(head=Left("text", WORDS_TEXT_CHARS))
        .order_by("-risk_score", "-published_at", "-id")
        .values(
            "id", "head", "risk_score", "platform", "author_handle", "url", "team_id", "stream_id"
        )[:WORDS_WINDOW_TEXTS]
    )
    # The words are shown to everyone who sees spikes: only from mentions outside the
    # restricted queues (Legal, HR), which most readers may not see. The count and the top
    # mentions take every mention; each reader sees only the top mentions visible to them.
    baseline_texts = (
        mentions.filter(published_at__gte=baseline_start, published_at__lt=window_start)
        .exclude(team_id__in=restricted)
        .annotate(head=Left("text", WORDS_TEXT_CHARS))
        .order_by("-published_at")
        .values_list("head", flat=True)[:WORDS_BASELINE_TEXTS]
    )
    top = in_window[:TOP_MENTIONS]
    if _same_storm(in_window, top, negative_only, since):
        return None
    alert = SpikeAlert.objects.create(
        stream_id=target.stream_id,
        tag_id=target.tag_id,
        negative_only=negative_only,
        window_start=window_start,
        window_end=now,
        count=figures.count,
        baseline_mean=figures.mean,
        baseline_std=figures.std,
        zscore=figures.z,
        baseline_windows=figures.windows,
        top_mention_ids=[row["id"] for row in top],
        top_words=words.rising_words(
            (row["head"] for row in in_window if row["team_id"] not in restricted),
            baseline_texts,
            exclude=brand | _searched_words(about, in_window),
        ),
        created_at=now,
    )
    _notify(alert, about, top, restricted)
    logger.info("spike %s raised on %s", alert.pk, target_label(alert, about))
    return alert


def _same_storm(in_window: list[dict], top: list[dict], negative_only: bool, since) -> bool:
    """Whether a recent alert on another target already tells of this storm: one storm, one
    alert. It does when most of this window's mentions came from a stream that alerted (a
    tag's storm is its streams' storm), or when it holds half of these riskiest mentions."""
    recent = list(
        SpikeAlert.objects.filter(
            created_at__gt=since, negative_only__in={negative_only, True}
        ).values_list("stream_id", "top_mention_ids")
    )
    streams = {stream_id for stream_id, _ in recent if stream_id is not None}
    if in_window and 2 * sum(row["stream_id"] in streams for row in in_window) >= len(in_window):
        return True
    ids = {row["id"] for row in top}
    return bool(ids) and any(len(ids & set(held or ())) * 2 >= len(ids) for _, held in recent)


def _searched_words(about: Stream | Tag, in_window: list[dict]) -> set[str]:
    """What was searched, not what happened: the stream's query; for a tag, its own name and
    the queries of the streams its window's mentions came from."""
    if isinstance(about, Stream):
        return words.query_words(about)
    stream_ids = {row["stream_id"] for row in in_window if row["stream_id"] is not None}
    found = words.tokens(about.name)
    for stream in Stream.objects.filter(pk__in=stream_ids).only("query", "options"):
        found |= words.query_words(stream)
    return found


# --- Telling the team --------------------------------------------------------------------


def target_label(alert: SpikeAlert, about: Stream | Tag | None = None) -> str:
    about = about or alert.stream or alert.tag
    if isinstance(about, Tag):
        return _("the tag “%(tag)s”") % {"tag": about.name}
    return str(about)


def window_label(minutes: int) -> str:
    if minutes == 60:
        return _("in the last hour")
    return ngettext(
        "in the last %(minutes)d minute", "in the last %(minutes)d minutes", minutes
    ) % {"minutes": minutes}


def usual_label(mean: float) -> str:
    """6.0 → "6", 0.25 → "0.2": what people call usual, not a statistic."""
    return f"{round(mean, 1):g}"


def spike_subject(alert: SpikeAlert, about: Stream | Tag | None = None) -> str:
    minutes = round((alert.window_end - alert.window_start).total_seconds() / 60)
    if alert.negative_only:
        what = ngettext(
            "%(count)d negative mention", "%(count)d negative mentions", alert.count
        ) % {"count": alert.count}
    else:
        what = ngettext("%(count)d mention", "%(count)d mentions", alert.count) % {
            "count": alert.count
        }
    return _("Spike on %(target)s: %(what)s %(when)s (usual %(usual)s)") % {
        "target": target_label(alert, about),
        "what": what,
        "when": window_label(minutes),
        "usual": usual_label(alert.baseline_mean),
    }


def _team_for(about: Stream | Tag, top: list[dict]) -> Team | None:
    """The stream's team; for a tag, the team its riskiest mentions were routed to most.

    Otherwise the catch-all team, so a spike never goes to nobody.
    """
    if isinstance(about, Stream) and about.team is not None:
        return about.team
    routed = Counter(row["team_id"] for row in top if row["team_id"] is not None)
    if routed:
        team = Team.objects.filter(pk=routed.most_common(1)[0][0]).first()
        if team is not None:
            return team
    return Team.objects.filter(
        slug=getattr(settings, "MONITORING_CATCH_ALL_TEAM", "social")
    ).first()


def _restricted_team_ids() -> set[int]:
    return set(Team.objects.filter(kind__in=RESTRICTED_TEAM_KINDS).values_list("pk", flat=True))


def _notify(alert: SpikeAlert, about: Stream | Tag, top: list[dict], restricted=()) -> None:
    team = _team_for(about, top)
    if team is None:
        logger.warning("spike %s: no team to notify (no catch-all team)", alert.pk)
        return
    # Another restricted queue's mentions are not the notified team's to read.
    top = [row for row in top if row["team_id"] == team.pk or row["team_id"] not in restricted]
    link = reverse("spike_detail", kwargs={"pk": alert.pk})
    words = ", ".join(alert.top_words)
    summary = _("Usual: %(usual)s, z-score %(z).1f.") % {
        "usual": usual_label(alert.baseline_mean),
        "z": alert.zscore,
    }
    if words:
        summary += " " + _("Words: %(words)s.") % {"words": words}
    summary += f" {settings.RISKDESK_BASE_URL}{link}"
    notifications.notify_team(
        team=team,
        subject=spike_subject(alert, about),
        payload={
            "event": "spike.raised",
            "summary": summary,
            "count": alert.count,
            "mentions": [
                {
                    "id": row["id"],
                    "platform": row["platform"],
                    "author_handle": row["author_handle"],
                    "text": row["head"][:TEXT_KEPT],
                    "url": row["url"],
                    "risk_score": row["risk_score"],
                }
                for row in top
            ],
            "spike": {
                "id": alert.pk,
                "link": link,
                "target": target_label(alert, about),
                "stream": alert.stream_id,
                "tag": about.name if isinstance(about, Tag) else None,
                "negative_only": alert.negative_only,
                "window_start": alert.window_start.isoformat(),
                "window_end": alert.window_end.isoformat(),
                "count": alert.count,
                "baseline_mean": round(alert.baseline_mean, 2),
                "baseline_std": round(alert.baseline_std, 2),
                "zscore": round(alert.zscore, 2),
                "top_words": alert.top_words,
            },
        },
        mention_ids=[row["id"] for row in top],
    )


# --- Services ----------------------------------------------------------------------------


@transaction.atomic
def spike_acknowledge(*, actor, spike: SpikeAlert) -> SpikeAlert:
    """Someone has seen the spike and is on it; it leaves the active list."""
    require(actor, "spike.acknowledge", spike)
    spike = SpikeAlert.objects.select_for_update().get(pk=spike.pk)
    if spike.status != SpikeAlert.Status.OPEN:
        raise ValidationError(
            _("This spike is already %(status)s.") % {"status": spike.get_status_display().lower()}
        )
    spike.status = SpikeAlert.Status.ACKNOWLEDGED
    spike.save(update_fields=["status"])
    audit_record(
        actor=actor,
        verb="spike.acknowledge",
        target=spike,
        before={"status": SpikeAlert.Status.OPEN},
        after={"status": spike.status},
    )
    return spike
