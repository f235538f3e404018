import pytest

from connections.models import ConnectedAccount
from monitoring.connectors.base import http_client
from respond import services
from tests.fakes.mastodon import FakeMastodon
from tests.monitoring.conftest import _fast_http  # noqa: F401  (short timeouts here too)
from tests.monitoring.factories import MentionFactory
from tests.offboarding.factories import BrandAccountFactory


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


@pytest.fixture
def mastodon():
    with FakeMastodon() as fake:
        yield fake


@pytest.fixture
def queued(monkeypatch):
    """The attempts queued after commit, instead of a broker."""
    calls = []
    monkeypatch.setattr(services, "_enqueue", calls.append)
    return calls


@pytest.fixture
def support(mastodon, connected, social_user):
    brand = BrandAccountFactory(platform="mastodon", handle="acme")
    account = connected(
        "mastodon",
        name="@acme on the instance",
        platform="mastodon",
        base_url=mastodon.url,
        brand_account=brand,
        secret={"access_token": "good-token"},
    )
    account.acting_people.add(social_user)
    return account


@pytest.fixture
def greg(mastodon):
    status = mastodon.post(
        "Is the #acme kettle broken for everyone?",
        account=mastodon.account("greg@fosstodon.example", "Greg H."),
    )
    return MentionFactory(
        platform="mastodon",
        external_id=status["uri"],
        author_handle="@greg@fosstodon.example",
        raw=status,
    )
