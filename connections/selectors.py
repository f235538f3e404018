"""Reads of connected accounts that pages share."""

from django.db.models import Prefetch, QuerySet

from connections.models import ConnectedAccount
from monitoring.models import Stream
from offboarding.models import BrandAccount


def accounts_with_uses() -> QuerySet[ConnectedAccount]:
    """Every account with what the list shows beside it, in a fixed number of queries: the
    brand account it acts as, who connected it, the streams and brand accounts using it."""
    streams = Stream.objects.only("pk", "name", "credential_id").order_by("name")
    revoked = BrandAccount.objects.order_by("platform", "handle")
    return (
        ConnectedAccount.objects.select_related("brand_account", "created_by")
        .prefetch_related(
            Prefetch("streams", queryset=streams), Prefetch("revoked_accounts", queryset=revoked)
        )
        .order_by("name")
    )
