"""Conversations in the pipeline (monitoring.threads): context from the parent, fast threads.

A reply to an impersonator is a security case, urgent; a reply to a post flagged crisis or
security inherits it; a parent riskdesk does not know adds nothing. A thread that grows fast
raises its root's risk once per new pace, audited, never twice for the same replies.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alerting.models import Notification, NotificationChannel
from monitoring import pipeline, threads
from monitoring.models import Mention, MentionStatus
from riskdesk.models import AuditEvent
from tests.accounts.factories import TeamFactory
from tests.monitoring.factories import MentionFactory
from tests.monitoring.scripted import mention

pytestmark = pytest.mark.django_db

SCAM = (
    "Free Lumora headphones for our 10 first followers! Click the link in bio and confirm your card"
)
VICTIM = "ok done! how long does it take?"  # nothing in the words: the context says it all


@pytest.fixture
def social_team():
    team = TeamFactory(name="Social media", slug="social")
    NotificationChannel.objects.create(
        team=team, name="mail", kind="email", target="social@example.com", min_risk=70
    )
    return team


def _impostor_post(n=1, **fields):
    return mention(n, author_id="666", author_handle="lumora_0fficial", text=SCAM, **fields)


def _codes(m) -> list[str]:
    return [r["code"] for r in m.risk_reasons]


# --- Combining ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "weight", "combined"),
    [(0, 75, 75), (3, 75, 76), (60, 75, 90), (100, 30, 100), (50, 0, 50), (40, 50, 70)],
)
def test_a_weight_joins_a_score_as_independent_probabilities(score, weight, combined):
    assert threads.combine(score, weight) == combined


def test_a_reason_is_added_once_keeping_the_keys_it_finds():
    m = mention(1, risk_score=20)
    m.risk_reasons = [{"code": "crisis", "detail": "crisis: 'recall'", "confidence": 0.8}]

    assert threads.add_reason(m, "security", "reply to @x", 75)
    assert not threads.add_reason(m, "security", "reply to @x", 75)

    assert m.risk_score == 80
    assert m.risk_reasons == [
        {"code": "security", "detail": "reply to @x", "confidence": 1.0},  # the stronger first
        {"code": "crisis", "detail": "crisis: 'recall'", "confidence": 0.8},
    ]


# --- Context from the parent --------------------------------------------------------------------


def test_the_victim_of_an_impersonator_is_an_urgent_security_case(brand, social_team):
    pipeline.ingest([_impostor_post()])
    impostor = Mention.objects.get()
    assert impostor.impersonates == brand

    pipeline.ingest(
        [mention(2, parent_id="1", text=VICTIM, author_handle="jane", author_followers=12)]
    )

    victim = Mention.objects.get(external_id="2")
    assert victim.risk_score >= 70
    assert victim.risk_reasons[0] == {
        "code": "security",
        "detail": "reply to @lumora_0fficial, an account imitating @lumora",
        "confidence": 1.0,
    }
    assert victim.team == social_team  # routed (the catch-all), no longer with no team
    assert victim.thread_id == "1"  # its thread learned from the parent
    assert any(victim.pk in n.mention_ids for n in Notification.objects.all())  # the team hears


def test_a_victim_the_model_already_flagged_gains_the_context_in_the_same_reason(brand):
    pipeline.ingest([_impostor_post()])
    pipeline.ingest([mention(2, parent_id="1", text="done, entered my card details")])

    victim = Mention.objects.get(external_id="2")
    assert _codes(victim).count("security") == 1
    security = next(r for r in victim.risk_reasons if r["code"] == "security")
    assert security["detail"].endswith("; reply to @lumora_0fficial, an account imitating @lumora")
    assert victim.risk_score >= 75


def test_the_impostor_and_its_victim_in_the_same_batch(brand, social_team):
    pipeline.ingest([mention(2, parent_id="1", text=VICTIM), _impostor_post()])

    victim = Mention.objects.get(external_id="2")
    assert "security" in _codes(victim)
    assert victim.risk_score >= 70


def test_an_impostor_answering_itself_and_the_brand_answering_it_gain_nothing(brand):
    pipeline.ingest(
        [
            _impostor_post(),
            mention(2, parent_id="1", author_id="666", author_handle="lumora_0fficial", text="hi"),
            mention(3, parent_id="1", author_id="42", author_handle="lumora", text="This is fake"),
        ]
    )
    own_thread, brand_reply = Mention.objects.filter(external_id__in=["2", "3"]).order_by(
        "external_id"
    )
    assert not any(r["detail"].startswith("reply to") for r in own_thread.risk_reasons)
    assert brand_reply.status == MentionStatus.OWN
    assert "security" not in _codes(brand_reply)
    assert brand_reply.thread_id == "1"


def test_a_reply_to_a_crisis_post_inherits_it_naming_the_parent(brand):
    parent = MentionFactory(
        platform="x",
        external_id="100",
        author_handle="angry_mum",
        risk_score=50,
        risk_reasons=[{"code": "crisis", "detail": "crisis: 'recall'"}],
        thread_id="100",
    )

    pipeline.ingest([mention(2, parent_id="100", text="same here", author_handle="bob")])

    reply = Mention.objects.get(external_id="2")
    assert {
        "code": "crisis",
        "detail": "reply to @angry_mum's post 100, flagged crisis",
        "confidence": 1.0,
    } in (reply.risk_reasons)
    assert reply.risk_score >= threads.INHERITED_WEIGHTS["crisis"]
    assert reply.thread_id == parent.thread_id


def test_a_reply_with_its_own_crisis_words_is_not_counted_twice():
    MentionFactory(
        platform="x",
        external_id="100",
        risk_reasons=[{"code": "crisis", "detail": "crisis: 'recall'"}],
    )
    alone = pipeline.ingest([mention(5, text="the recall poisoned my dog")])
    alone_score = Mention.objects.get(pk=alone.ids[0]).risk_score

    pipeline.ingest([mention(2, parent_id="100", text="the recall poisoned my dog")])

    reply = Mention.objects.get(external_id="2")
    assert _codes(reply).count("crisis") == 1
    assert reply.risk_score == alone_score


def test_a_reply_whose_parent_is_unknown_learns_nothing():
    result = pipeline.ingest([mention(2, parent_id="never-seen", text="lol", thread_id="")])

    reply = Mention.objects.get(pk=result.ids[0])
    assert reply.thread_id == ""
    assert not any(r["detail"].startswith("reply to") for r in reply.risk_reasons)


def test_a_reply_on_another_network_is_not_a_reply_to_this_post(brand):
    pipeline.ingest([_impostor_post()])
    pipeline.ingest([mention(2, platform="reddit", parent_id="1", text=VICTIM)])
    assert "security" not in _codes(Mention.objects.get(external_id="2"))


def test_a_re_delivered_victim_is_a_duplicate_and_changes_nothing(brand):
    pipeline.ingest([_impostor_post(), mention(2, parent_id="1", text=VICTIM)])
    before = Mention.objects.get(external_id="2")

    again = pipeline.ingest([mention(2, parent_id="1", text=VICTIM)])

    assert again.duplicates == [("x", "2")]
    after = Mention.objects.get(external_id="2")
    assert (after.risk_score, after.risk_reasons) == (before.risk_score, before.risk_reasons)


def test_parents_are_read_in_one_query_for_the_batch(brand):
    for n, platform in enumerate(["x", "reddit", "bluesky"]):
        MentionFactory(platform=platform, external_id=f"p{n}")
    batch = [
        mention(n, platform=platform, parent_id=f"p{n}")
        for n, platform in enumerate(["x", "reddit", "bluesky"])
    ]
    batch.append(mention(9, parent_id="p-unknown"))

    with CaptureQueriesContext(connection) as captured:
        threads.thread_context(batch)

    assert len(captured) == 1
    assert [m.thread_id for m in batch[:3]] == ["p0", "p1", "p2"]


# --- Replies stored before the post they answer --------------------------------------------------


def test_a_victim_stored_before_the_impostor_s_post_learns_it_when_the_post_comes(
    brand, social_team
):
    pipeline.ingest([mention(2, parent_id="1", text=VICTIM, author_handle="jane")])
    before = Mention.objects.get(external_id="2")
    assert (before.team, before.thread_id, before.risk_score) == (None, "", 0)

    pipeline.ingest([_impostor_post()])

    victim = Mention.objects.get(external_id="2")
    assert victim.risk_reasons[0]["detail"] == (
        "reply to @lumora_0fficial, an account imitating @lumora"
    )
    assert victim.risk_score >= 70
    assert victim.thread_id == "1"
    assert victim.team == social_team  # the rules ran again: routed as if it came last
    assert victim.rule_trace[-1]["name"] == "catch-all"
    assert victim.first_response_due_at is not None
    assert victim.first_response_due_at > victim.received_at  # its clock runs from arrival
    assert any(victim.pk in n.mention_ids for n in Notification.objects.all())  # the team hears
    assert victim.events.get().kind == "routed"
    change = AuditEvent.objects.get(verb="mention.thread_context")
    assert change.actor is None
    assert change.before["risk_score"] == 0
    assert change.after["risk_score"] == victim.risk_score


def test_a_reply_with_a_team_keeps_it_and_gains_the_parent_s_context(brand, social_team):
    other = TeamFactory(name="Customer service", slug="care")
    pipeline.ingest([mention(2, parent_id="1", text=VICTIM)])
    Mention.objects.filter(external_id="2").update(team=other)

    pipeline.ingest([_impostor_post()])

    victim = Mention.objects.get(external_id="2")
    assert victim.team == other
    assert "security" in _codes(victim)
    assert not victim.events.exists()


def test_a_late_parent_teaches_the_brand_s_own_reply_its_thread_only(brand):
    pipeline.ingest([mention(2, parent_id="1", text="We're on it.", author_id="42")])

    pipeline.ingest([_impostor_post()])

    own = Mention.objects.get(external_id="2")
    assert own.status == MentionStatus.OWN
    assert own.thread_id == "1"
    assert "security" not in _codes(own)
    assert own.team is None


def test_a_late_parent_reaches_only_its_network_and_what_it_did_not_teach_already(brand):
    pipeline.ingest([mention(2, platform="reddit", parent_id="1", text=VICTIM)])
    pipeline.ingest([mention(3, parent_id="1", text=VICTIM), _impostor_post()])

    assert "security" not in _codes(Mention.objects.get(external_id="2"))  # on Reddit
    same_batch = Mention.objects.get(external_id="3")
    assert _codes(same_batch).count("security") == 1
    assert not AuditEvent.objects.filter(verb="mention.thread_context").exists()


def test_looking_for_earlier_replies_is_one_query_a_batch():
    result = pipeline.ingest([mention(n) for n in range(1, 4)])
    stored = list(zip(result.ids, [mention(n) for n in range(1, 4)], strict=True))

    with CaptureQueriesContext(connection) as captured:
        threads.late_replies(stored)

    assert len(captured) == 1
    assert "parent_id" in captured[0]["sql"]


# --- Fast threads --------------------------------------------------------------------------------


def _replies(start, count, *, thread="root", minutes_ago=5, **fields):
    published = timezone.now() - timedelta(minutes=minutes_ago)
    return [
        mention(n, parent_id=thread, thread_id=thread, published_at=published, **fields)
        for n in range(start, start + count)
    ]


@pytest.fixture
def root():
    return MentionFactory(
        platform="x",
        external_id="root",
        thread_id="root",
        risk_score=10,
        risk_reasons=[{"code": "negative", "detail": "negative: sentiment -0.40"}],
    )


def test_a_thread_that_grows_fast_raises_its_root_once_per_pace(settings, root):
    settings.MONITORING_THREAD_FAST_REPLIES = 20

    pipeline.ingest(_replies(1, 19))
    root.refresh_from_db()
    assert root.risk_score == 10  # not yet

    pipeline.ingest(_replies(100, 1))
    root.refresh_from_db()
    reach = [r for r in root.risk_reasons if r["code"] == "reach"]
    assert reach == [
        {"code": "reach", "detail": "thread: 20 replies in the last hour", "confidence": 1.0}
    ]
    assert root.risk_score == threads.combine(10, threads.thread_weight(20, 20))
    audit = AuditEvent.objects.get(verb="mention.thread_risk")
    assert (audit.actor, audit.before, audit.after["replies_last_hour"]) == (
        None,
        {"risk_score": 10},
        20,
    )

    pipeline.ingest(_replies(200, 20))  # twice the pace: updated, not repeated
    root.refresh_from_db()
    reach = [r for r in root.risk_reasons if r["code"] == "reach"]
    assert reach == [
        {"code": "reach", "detail": "thread: 40 replies in the last hour", "confidence": 1.0}
    ]
    assert root.risk_score == threads.combine(10, threads.thread_weight(40, 20))
    assert {"code": "negative", "detail": "negative: sentiment -0.40"} in root.risk_reasons

    pipeline.ingest(_replies(200, 20))  # re-delivered: duplicates, nothing stored, nothing said
    assert AuditEvent.objects.filter(verb="mention.thread_risk").count() == 2


def test_a_root_with_no_team_that_a_fast_thread_makes_risky_is_routed(settings, root, social_team):
    settings.MONITORING_THREAD_FAST_REPLIES = 20
    settings.MONITORING_CATCH_ALL_RISK = 30  # the raised root reaches it, the replies do not
    assert root.team is None

    pipeline.ingest(_replies(1, 20))

    root.refresh_from_db()
    assert root.risk_score >= 30
    assert root.team == social_team
    assert root.first_response_due_at is not None
    assert root.events.get().kind == "routed"
    assert not any(root.pk in n.mention_ids for n in Notification.objects.all())  # under 70
    assert AuditEvent.objects.get(verb="mention.thread_risk").after["team_id"] == social_team.pk


def test_old_replies_the_brand_s_and_other_threads_do_not_count(settings, root, brand):
    settings.MONITORING_THREAD_FAST_REPLIES = 5
    MentionFactory(platform="x", external_id="other", thread_id="other")
    pipeline.ingest(
        _replies(1, 4, minutes_ago=90)  # over an hour ago
        + _replies(10, 4)
        + _replies(20, 3, author_id="42", author_handle="lumora")  # the brand answering
        + _replies(30, 4, thread="other", minutes_ago=5)
    )
    root.refresh_from_db()
    assert root.risk_score == 10
    assert AuditEvent.objects.filter(verb="mention.thread_risk").count() == 0


def test_the_count_is_one_query_and_zero_turns_it_off(settings, root):
    settings.MONITORING_THREAD_FAST_REPLIES = 0
    pipeline.ingest(_replies(1, 30))
    root.refresh_from_db()
    assert root.risk_score == 10

    stored = [(pk, m) for pk, m in zip(range(1, 4), _replies(1, 3), strict=True)]
    with CaptureQueriesContext(connection) as captured:
        settings.MONITORING_THREAD_FAST_REPLIES = 1000
        threads.fast_threads(stored)
    assert len(captured) == 1


def test_a_fast_thread_without_a_stored_root_raises_nothing(settings):
    settings.MONITORING_THREAD_FAST_REPLIES = 3
    pipeline.ingest(_replies(1, 5, thread="gone"))
    assert not AuditEvent.objects.filter(verb="mention.thread_risk").exists()
