from dataclasses import dataclass, field
from datetime import datetime

import pytest
from django.utils import timezone


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploads go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def queued_link_checks(monkeypatch):
    """Link checks queued by services, captured instead of sent to the broker: [post_id]."""
    from compliance import tasks

    queued = []
    monkeypatch.setattr(tasks.check_post_links, "delay", queued.append)
    monkeypatch.setattr(tasks.recheck_open_posts, "delay", lambda: queued.append("recheck"))
    return queued


@pytest.fixture(autouse=True)
def _short_link_timeout(settings):
    settings.COMPLIANCE_LINK_TIMEOUT = 0.5


@dataclass
class FakeIncident:
    pk: int = 1
    reference: str = "INC-1"
    title: str = "Counterfeit Lumora Brew recall"


@dataclass
class FakeFreeze:
    """What templates and services read of a freeze; its incident is enough to link to."""

    reason: str
    incident: object = field(default_factory=FakeIncident)
    started_at: datetime = None


@pytest.fixture
def frozen(monkeypatch):
    """An active publishing freeze, as incidents.freeze.current_freeze() returns it."""
    from incidents import freeze

    active = FakeFreeze(reason="SEV1: counterfeit Lumora Brew recall", started_at=timezone.now())
    monkeypatch.setattr(freeze, "current_freeze", lambda: active)
    return active


@pytest.fixture(autouse=True)
def no_freeze(monkeypatch):
    """No freeze unless a test asks for one (`frozen`), whatever incidents holds."""
    from incidents import freeze

    monkeypatch.setattr(freeze, "current_freeze", lambda: None)


@pytest.fixture
def legal2(user_for):
    from tests.accounts.factories import UserFactory

    return UserFactory(email="legal2@example.com", display_name="Second Lawyer", roles=["legal"])
