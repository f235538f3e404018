from datetime import timedelta

import pytest
from django.utils import timezone

from publishing import services
from publishing.services import posts as post_services
from tests.fakes.mastodon import FakeMastodon
from tests.monitoring.conftest import _fast_http  # noqa: F401  (short timeouts here too)
from tests.publishing.factories import connected_account


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


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
