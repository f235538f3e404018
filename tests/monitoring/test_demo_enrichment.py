"""On the demo network, the lookalike "official" account is flagged within one poll, its
victims are urgent, and the brand's own posts are not work."""

import threading

import pytest
from django.core.management import call_command

from alerting.models import Notification
from monitoring import services
from monitoring.demo import DEMO_STREAM_NAME
from monitoring.demo.network import REAL_DAY, build_server
from monitoring.models import Mention, MentionStatus, Priority, Stream

pytestmark = pytest.mark.django_db


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


def test_the_demo_day_s_victim_is_urgent_and_the_brand_s_posts_are_its_own(demo_stream, clock):
    """The faults seen on the demo: the brand's replies sat in the inbox as work, and the
    customer answering the lookalike support account scored 3 with no team."""
    for _ in range(6):  # the morning and past the lookalike support account's scam (12:07)
        poll(demo_stream)
        clock.now += REAL_DAY * 0.1

    victim = Mention.objects.get(text__startswith="@1umora_support done, entered my details")
    assert victim.risk_score >= 70
    assert victim.risk_reasons[0]["code"] == "security"
    assert "imitating @lumora_support" in victim.risk_reasons[0]["detail"]
    assert [r["code"] for r in victim.risk_reasons].count("security") == 1
    assert victim.team is not None

    own = Mention.objects.filter(author_handle="@lumora_support@demo.riskdesk.local")
    assert own.exists()
    assert set(own.values_list("status", flat=True)) == {MentionStatus.OWN}
    assert not own.exclude(team=None).exists()
    answered = Mention.objects.filter(first_response_at__isnull=False, owned_by__isnull=True)
    assert answered.exists()  # the support account's replies answered the customers


def routed(text_start: str) -> Mention:
    return Mention.objects.select_related("team").get(text__startswith=text_start)


def test_the_demo_storm_and_scam_reach_the_right_queues(demo_stream, clock):
    """The risk team's reading of the demo day: scam victims to Security, urgently; the press
    to PR; dead machines to Customer service, high; the brand's own posts are nobody's work."""
    for _ in range(8):  # the whole day up to the scam's victims (12:44) and past it
        poll(demo_stream)
        clock.now += REAL_DAY * 0.08

    victims = [
        "@1umora_support done, entered my details",
        "@lumora_officiaI C'est vrai ?? Je viens de remplir le formulaire",
        "Great, I gave my card number to the scam account",
        "J'ai rempli le formulaire du faux compte",
    ]
    for text in victims:
        victim = routed(text)
        assert (victim.team.slug, victim.priority) == ("security", Priority.URGENT), text
        assert "security" in [r["code"] for r in victim.risk_reasons], text
    notified = {pk for n in Notification.objects.all() for pk in n.mention_ids}
    assert routed(victims[0]).pk in notified  # the Security team hears of it

    for text in [
        "We're looking into the #Lumora Brew firmware 3.2 failures",
        "#lumora : des centaines de machines à café Lumora Brew bloquées",
    ]:
        assert routed(text).team.slug == "pr", text

    for text in [
        "My #lumora Brew is DEAD after this morning's update",
        "Après la mise à jour 3.2, ma #lumora Brew ne s'allume plus",
        "Woke up to a dead #lumora Brew",
    ]:
        dead = routed(text)
        assert (dead.team.slug, dead.priority) == ("customer-service", Priority.HIGH), text

    own = Mention.objects.filter(owned_by__isnull=False)
    assert own.exists()
    assert not own.exclude(status=MentionStatus.OWN).exists()
    assert not own.exclude(team=None).exists()
