"""Fixtures of the publishing tests: brand accounts the social person may publish as."""

import pytest

from connections.models import ConnectedAccount
from respond.publishers.mastodon import MastodonPublisher
from respond.publishers.x import XPublisher
from tests.offboarding.factories import BrandAccountFactory


@pytest.fixture(autouse=True)
def _publishers_publish(monkeypatch):
    """The publishers of Mastodon and X publish the brand's posts (a no-op once every
    publisher says so itself)."""
    monkeypatch.setattr(MastodonPublisher, "can_publish", True, raising=False)
    monkeypatch.setattr(XPublisher, "can_publish", True, raising=False)


@pytest.fixture
def brand_account(db):
    """`brand_account("mastodon", "lumora", people=[user])`: a connected brand account."""

    def make(kind: str = "mastodon", handle: str = "lumora", *, people=()):
        brand = BrandAccountFactory(platform=kind, handle=handle)
        account = ConnectedAccount(
            name=f"@{handle} on {kind}",
            kind=kind,
            platform=kind,
            base_url="http://127.0.0.1:9" if kind == "mastodon" else "",
            brand_account=brand,
            allowed_hosts=["127.0.0.1"],
        )
        account.secret = {"access_token": "token"} if kind == "mastodon" else {"bearer": "t"}
        account.save()
        account.acting_people.add(*people)
        return account

    return make


@pytest.fixture
def mastodon_account(brand_account, social_user):
    return brand_account("mastodon", "lumora", people=[social_user])


@pytest.fixture
def x_account(brand_account, social_user):
    return brand_account("x", "lumora_x", people=[social_user])
