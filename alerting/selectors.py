"""The reads of routing and alerting that pages, the API and the tasks share."""

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone

from alerting.models import Notification, NotificationChannel, SpikeAlert
from monitoring.models import Stream, hidden_team_ids

RECENT_NOTIFICATIONS = 20
SPIKES_LISTED = 100  # spikes are rare (one per storm, cooled down): the list is not paged


def notifications_due(*, limit: int = 200) -> list[int]:
    """Rows waiting to be sent whose time has come: delayed digests, retries, lost tasks."""
    return list(
        Notification.objects.filter(
            status=Notification.Status.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def channels() -> QuerySet:
    return NotificationChannel.objects.select_related("team")


def channels_listed() -> QuerySet:
    return channels().order_by("team__name", "name", "pk")


def recent_notifications(user) -> QuerySet:
    """The newest outbox rows `user` may read.

    A restricted queue's messages name its mentions' authors: for whoever may read them.
    """
    return (
        Notification.objects.select_related("channel__team")
        .exclude(channel__team_id__in=hidden_team_ids(user))
        .order_by("-id")[:RECENT_NOTIFICATIONS]
    )


def spikes() -> QuerySet:
    return SpikeAlert.objects.select_related("stream", "tag")


def spikes_active_first(queryset: QuerySet) -> list[SpikeAlert]:
    """Active first (open), then the most recent; at most SPIKES_LISTED."""
    active_first = Case(
        When(status=SpikeAlert.Status.OPEN, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return list(queryset.order_by(active_first, "-created_at", "-id")[:SPIKES_LISTED])


def stream_names(ids) -> dict[int, str]:
    """{id: name} of these streams (no query for none)."""
    return dict(Stream.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}
