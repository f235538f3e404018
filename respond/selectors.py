"""Queries of the respond home: whom a person may reply as, what a freeze lets through,
and the outbox's due replies."""

from django.db.models import Q
from django.utils import timezone

from connections.models import ConnectedAccount
from inbox.models import MentionReply, ReplyState
from incidents.models import OPEN_STATUSES, HoldingStatement
from monitoring.models import Mention
from respond.publishers import publishes
from riskdesk.permissions import can


def accounts_for(user, mention: Mention) -> list[ConnectedAccount]:
    """The connected accounts `user` may reply to `mention` as, on its network."""
    accounts = ConnectedAccount.objects.filter(
        Q(platform=mention.platform) | Q(kind=mention.platform), brand_account__isnull=False
    ).select_related("brand_account")
    return [a for a in accounts if publishes(a.kind) and can(user, "connected_account.act", a)]


def cleared_statements():
    """Holding statements legal approved, of open incidents: what a freeze lets through."""
    return HoldingStatement.objects.filter(
        state=HoldingStatement.State.APPROVED, incident__status__in=OPEN_STATUSES
    ).select_related("incident")


def replies_due() -> list[int]:
    """Replies whose attempt is due, or whose worker died holding them (the sweep)."""
    now = timezone.now()
    return list(
        MentionReply.objects.filter(
            Q(state=ReplyState.QUEUED, next_attempt_at__lte=now)
            | Q(state=ReplyState.SENDING, claimed_until__lt=now)
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:500]
    )
