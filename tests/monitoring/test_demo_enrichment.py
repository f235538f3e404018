"""On the demo network, the lookalike "official" account is flagged within one poll."""

import threading
import time

import pytest
from django.core.management import call_command

from alerting.models import Notification
from monitoring import services
from monitoring.demo import DEMO_STREAM_NAME
from monitoring.demo.network import REAL_DAY, build_server
from monitoring.models import Mention, Stream

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self):
        self.now = time.time()

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def demo_stream(clock):
    server = build_server("127.0.0.1", 0, clock=clock)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    call_command("seed_demo", verbosity=0)
    stream = Stream.objects.get(name=DEMO_STREAM_NAME)
    stream.base_url = server.url
    stream.save()
    yield stream
    server.shutdown()
    server.server_close()


def poll(stream):
    token = services.stream_claim(stream.pk, ignore_schedule=True)
    return services.stream_poll(stream_id=stream.pk, claim_token=token)


def test_the_lookalike_is_flagged_and_the_brand_is_not(demo_stream, clock):
    poll(demo_stream)  # the morning's first posts
    clock.now += REAL_DAY * 0.4  # past noon, when the lookalike posts its "gift"
    outcome = poll(demo_stream)
    assert outcome.status == "ok"

    lookalike = Mention.objects.filter(author_handle__startswith="@lumora_officiaI@").first()
    assert lookalike is not None
    assert lookalike.impersonates.handle == "lumora"
    assert lookalike.risk_score >= 90
    assert lookalike.risk_reasons[0]["code"] == "impersonation"
    assert lookalike.team.slug == "security"
    assert lookalike.priority == 4
    assert "impersonation" in {tag.name for tag in lookalike.tags.all()}
    assert lookalike.rule_trace[0]["name"] == "Impersonation of our accounts"
    alerted = Notification.objects.filter(channel__team__slug="security")
    assert any(lookalike.pk in n.mention_ids for n in alerted)

    brand = Mention.objects.filter(author_handle="@lumora@demo.riskdesk.local")
    assert brand.exists()
    assert not brand.filter(impersonates__isnull=False).exists()
    assert set(Mention.objects.values_list("language", flat=True)) >= {"en", "fr"}
    assert Mention.objects.filter(sentiment_label="negative").exists()
