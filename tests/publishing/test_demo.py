"""The demo's calendar: the sponsored post cleared by legal, held by a freeze, published after."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command

from accounts.demo import demo_email
from accounts.models import User
from compliance.models import PostStatus as LegalStatus
from incidents.freeze import freeze_lift, freeze_start
from incidents.models import Incident
from publishing import selectors, services
from publishing.demo import SPONSORED_TITLE
from publishing.models import BrandPost, PostStatus
from respond.demo import DEMO_TOKEN
from tests.fakes.mastodon import FakeMastodon

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_network(settings):
    with FakeMastodon(tokens=(DEMO_TOKEN,), me="lumora") as fake:
        settings.MONITORING_DEMO_NETWORK_URL = fake.url
        yield fake


def test_the_demo_sponsored_post_is_held_by_the_freeze_then_published_with_its_clearance(
    demo_network, monkeypatch
):
    monkeypatch.setattr("compliance.tasks.check_post_links.delay", lambda *a: None)
    call_command("seed_demo", verbosity=0)
    post = BrandPost.objects.get(title=SPONSORED_TITLE)
    assert post.status == PostStatus.SCHEDULED
    assert post.clearance.status == LegalStatus.APPROVED
    assert BrandPost.objects.count() == 3
    manager = User.objects.get(email=demo_email("manager"))
    social = User.objects.get(email=demo_email("social"))
    incident = Incident.objects.get()
    freeze_start(actor=manager, incident=incident, reason="Lookalike account scam")
    services.posts_hold_frozen()
    post.refresh_from_db()
    assert (post.status, post.held_reason) == (PostStatus.HELD, "frozen")
    freeze_lift(actor=manager, incident=incident)
    with time_machine.travel(post.scheduled_at + timedelta(minutes=10)):
        services.post_release(actor=social, post=post, decision="publish")
        for delivery_id in selectors.deliveries_due():
            services.delivery_send(delivery_id)
    post.refresh_from_db()
    assert list(post.deliveries.values_list("error", flat=True)) == [""]
    assert post.status == PostStatus.PUBLISHED
    assert post.clearance.status == LegalStatus.PUBLISHED
    texts = [s["text"] for s in demo_network.statuses]
    assert any(t.startswith("#ad Spring at Café Sol") for t in texts)
