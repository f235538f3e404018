import pytest

from connections.models import ConnectedAccount
from monitoring.connectors.base import http_client
from tests.monitoring.conftest import _fast_http  # noqa: F401  (short timeouts here too)


@pytest.fixture
def http():
    """An httpx client as a worker makes it."""
    with http_client() as c:
        yield c


@pytest.fixture
def connected(db):
    """`connected("mastodon", base_url=fake.url, secret={...})`: a connected account."""

    def make(kind: str, *, secret=None, base_url="", allowed_hosts=(), **fields):
        account = ConnectedAccount(
            name=fields.pop("name", f"{kind} brand {ConnectedAccount.objects.count() + 1}"),
            kind=kind,
            base_url=base_url,
            allowed_hosts=list(allowed_hosts),
            **fields,
        )
        account.secret = secret or {}
        account.save()
        return account

    return make
