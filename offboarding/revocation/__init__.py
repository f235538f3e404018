"""Connectors that remove a person from a network through its admin API, one module each.

Each revoker takes a `connections.ConnectedAccount` of its kind and an httpx client, and
`revoke(grant)` returns a `Revocation` (a one-line summary and the exchanges as evidence)
or raises one of `monitoring.connectors.base`'s errors: `TransientError` (timeouts, 5xx:
try again), `RateLimited` (try again after `until`), `PermanentError` (a refused token, a
missing permission: someone must fix the connection) or `MalformedPayload`."""

from dataclasses import dataclass, field
from functools import cache

from django.utils.module_loading import import_string

REVOKER_PATHS = {
    "meta_business": "offboarding.revocation.meta_business.MetaBusinessRevoker",
}


@dataclass
class Revocation:
    summary: str
    evidence: dict = field(default_factory=dict)


@cache
def get_revoker(kind: str):
    try:
        return import_string(REVOKER_PATHS[kind])
    except KeyError:
        raise LookupError(f"no revocation connector for {kind!r}") from None


def can_revoke(grant) -> bool:
    """Whether riskdesk can end this grant on its own (else a person does it by hand)."""
    connection = grant.account.revocation_connection
    if connection is None or not grant.is_active:
        return False
    revoker = get_revoker(connection.kind)
    return grant.via in revoker.vias and grant.account.platform in revoker.platforms
