"""Thin Celery tasks of the connected accounts: keep signed-in tokens fresh."""

from celery import shared_task

from connections import services
from connections.models import ConnectedAccount


@shared_task(ignore_result=True)
def refresh_due_connected_accounts() -> int:
    """Beat, every 5 minutes: queue a refresh of tokens that expire within 15 minutes."""
    return len(services.connected_accounts_refresh_due())


@shared_task(ignore_result=True)
def refresh_connected_account(account_id: int) -> None:
    account = ConnectedAccount.objects.filter(pk=account_id).first()
    if account is not None:
        services.connected_account_refresh(account)
