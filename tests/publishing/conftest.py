from datetime import timedelta

import pytest
from django.utils import timezone

from compliance.rulebook import rule_lists_seed
from connections.models import ConnectedAccount
from publishing import services
from publishing.services import posts as post_services
from tests.fakes.mastodon import FakeMastodon
from tests.monitoring.conftest import _fast_http  # noqa: F401  (short timeouts here too)
from tests.offboarding.factories import BrandAccountFactory
from tests.publishing.factories import connected_account


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _compliance_rule_lists(db):
    """The rule lists the claim checks read: seeded by a migration, which a browser test's
    flush of the database (earlier in the same run) takes away."""
    rule_lists_seed()


@pytest.fixture(autouse=True)
def link_checks(monkeypatch):
    """Legal reviews queue link checks: captured instead of sent to the broker."""
    from compliance import tasks

    monkeypatch.setattr(tasks.check_post_links, "delay", lambda *a: None)


@pytest.fixture
def mastodon():
    with FakeMastodon() as fake:
        yield fake


@pytest.fixture
def lumora(mastodon, social_user):
    """The brand's Mastodon account, which the social person may publish as."""
    return connected_account(mastodon, people=[social_user])


@pytest.fixture
def queued(monkeypatch):
    """Attempts queued after commit, instead of a broker."""
    calls = []
    monkeypatch.setattr(post_services, "enqueue", calls.append)
    return calls


@pytest.fixture
def soon():
    return timezone.now() + timedelta(hours=2)


@pytest.fixture
def write(social_user, lumora, soon):
    """`write(text=..., schedule=True, **fields)`: a post by the social person as @lumora."""

    def make(accounts=None, **fields):
        values = {"title": "Spring menu", "text": "Our spring menu is here.", "scheduled_at": soon}
        values.update(fields)
        return services.post_create(actor=social_user, accounts=accounts or [lumora], **values)

    return make


# --- The pages' tests: accounts that are not sent to (no fake network needed) --------------


@pytest.fixture
def brand_account(db):
    """`brand_account("x", "lumora_x", people=[user])`: a connected brand account."""

    def make(kind: str = "mastodon", handle: str = "lumora", *, people=()):
        brand = BrandAccountFactory(platform=kind, handle=handle)
        account = ConnectedAccount(
            name=f"@{handle} on {kind}",
            kind=kind,
            platform=kind,
            base_url="http://127.0.0.1:9",
            brand_account=brand,
            allowed_hosts=["127.0.0.1"],
        )
        account.secret = {"access_token": "token"}
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
