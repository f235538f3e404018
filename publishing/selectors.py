"""Reads of the publishing home: the calendar, the accounts a person may publish as, the
posts held, and the outbox's due deliveries."""

from datetime import date, datetime, time, timedelta

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from connections.models import ConnectedAccount
from inbox.models import ReplyState
from publishing.models import BrandPost, Delivery, PostStatus
from respond.publishers import get_publisher, publishes
from riskdesk.permissions import can


def posts() -> QuerySet:
    return BrandPost.objects.select_related(
        "author", "clearance", "held_freeze__incident"
    ).prefetch_related(
        Prefetch("deliveries", queryset=Delivery.objects.select_related("account__brand_account"))
    )


def calendar(start: date, days: int) -> dict[date, list[BrandPost]]:
    """Posts with a time in [start, start + days), by local day, in time order."""
    zone = timezone.get_current_timezone()
    begin = timezone.make_aware(datetime.combine(start, time.min), zone)
    end = begin + timedelta(days=days)
    by_day: dict[date, list[BrandPost]] = {start + timedelta(days=n): [] for n in range(days)}
    for post in (
        posts()
        .filter(scheduled_at__gte=begin, scheduled_at__lt=end)
        .exclude(status=PostStatus.DROPPED)
    ):
        by_day[timezone.localtime(post.scheduled_at, zone).date()].append(post)
    return by_day


def accounts_of(post: BrandPost) -> list[ConnectedAccount]:
    """The accounts `post` is published as."""
    return [d.account for d in post.deliveries.select_related("account__brand_account")]


def unscheduled() -> QuerySet:
    return (
        posts().filter(scheduled_at__isnull=True, status=PostStatus.DRAFT).order_by("-updated_at")
    )


def held() -> QuerySet:
    return posts().filter(status=PostStatus.HELD).order_by("scheduled_at", "pk")


def publishing_accounts(user) -> list[ConnectedAccount]:
    """The connected accounts `user` may publish the brand's posts as."""
    accounts = ConnectedAccount.objects.filter(brand_account__isnull=False).select_related(
        "brand_account"
    )
    return [
        a
        for a in accounts
        if publishes(a.kind)
        and get_publisher(a.kind).can_publish
        and can(user, "connected_account.act", a)
    ]


def deliveries_due() -> list[int]:
    """Deliveries whose post's time has come (or whose retry is due), and those whose worker
    died holding them (the sweep)."""
    now = timezone.now()
    return list(
        Delivery.objects.filter(
            Q(state=ReplyState.QUEUED, next_attempt_at__lte=now)
            | Q(state=ReplyState.SENDING, claimed_until__lt=now),
            post__status=PostStatus.SCHEDULED,
            post__scheduled_at__lte=now,
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:500]
    )
