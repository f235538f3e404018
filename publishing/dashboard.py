"""The dashboard's publishing card: what goes out next, and what waits for a decision."""

from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from publishing.models import BrandPost, PostStatus
from riskdesk.permissions import can

NEXT_SHOWN = 4
WEEK = timedelta(days=7)


def dashboard_card(user) -> dict | None:
    """None for people who may not see the calendar; otherwise the card's figures (two
    queries, however many posts)."""
    if not can(user, "brand_post.view"):
        return None
    now = timezone.now()
    week = Q(status=PostStatus.SCHEDULED, scheduled_at__gte=now, scheduled_at__lt=now + WEEK)
    counts = BrandPost.objects.aggregate(
        week=Count("pk", filter=week),
        held=Count("pk", filter=Q(status=PostStatus.HELD)),
        failed=Count("pk", filter=Q(status=PostStatus.FAILED)),
    )
    upcoming = BrandPost.objects.filter(week).order_by("scheduled_at", "pk")
    return {**counts, "next": list(upcoming[:NEXT_SHOWN])}
