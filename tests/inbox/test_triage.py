"""inbox.services: every inbox action as a service call.

Each action is checked for permission (nothing changed, nothing audited when
refused), writes history (MentionEvent) and audit events, does nothing on a
repeat, and refuses bad input with a ValidationError before writing anything.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import TeamKind
from inbox import services
from inbox.models import MentionEvent, MentionReply, SlaTarget
from incidents.models import IncidentMention
from monitoring.models import (
    Mention,
    MentionStatus,
    Priority,
    Tag,
    WatchedAuthor,
)
from riskdesk.models import AuditEvent
from tests.accounts.factories import TeamFactory, UserFactory
from tests.inbox.factories import ReplyTemplateFactory, restricted_team
from tests.incidents.factories import IncidentFactory
from tests.monitoring.factories import MentionFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)  # a Wednesday


def _written() -> tuple[int, int]:
    return MentionEvent.objects.count(), AuditEvent.objects.count()


def _mentions(n=2, **fields) -> list[Mention]:
    return [MentionFactory(**fields) for _ in range(n)]


def _fresh(mentions) -> list[Mention]:
    """The mentions as stored now (a list page reloads them before acting)."""
    return list(Mention.objects.filter(pk__in=[m.pk for m in mentions]).order_by("pk"))


def _state(mention) -> tuple:
    m = Mention.objects.get(pk=mention.pk)
    tags = sorted(m.tags.values_list("name", flat=True))
    return (m.assignee_id, m.team_id, m.status, m.priority, m.resolved_at, tags)


# --- Permission --------------------------------------------------------------------------


@pytest.fixture
def legal_queue(legal_user):
    return restricted_team(TeamKind.LEGAL, members=[legal_user])


ACTIONS = {
    "assign": lambda actor, ms, other: services.mentions_assign(
        actor=actor, mentions=ms, assignee=other
    ),
    "unassign": lambda actor, ms, other: services.mentions_unassign(actor=actor, mentions=ms),
    "route": lambda actor, ms, other: services.mentions_assign(
        actor=actor, mentions=ms, team=TeamFactory()
    ),
    "tag": lambda actor, ms, other: services.mentions_tag(actor=actor, mentions=ms, add=["x"]),
    "status": lambda actor, ms, other: services.mentions_set_status(
        actor=actor, mentions=ms, status="resolved"
    ),
    "priority": lambda actor, ms, other: services.mentions_set_priority(
        actor=actor, mentions=ms, priority=Priority.URGENT
    ),
    "note": lambda actor, ms, other: services.mention_note_add(
        actor=actor, mention=ms[0], text="Seen"
    ),
    "reply": lambda actor, ms, other: services.mention_reply(
        actor=actor, mention=ms[0], body="Hello"
    ),
    "watch": lambda actor, ms, other: services.mention_watch_author(actor=actor, mention=ms[0]),
    "escalate": lambda actor, ms, other: services.mentions_escalate(
        actor=actor, mentions=ms, incident=IncidentFactory()
    ),
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("role", ["manager", "hr", "no-role"])
def test_roles_without_triage_are_refused_and_nothing_is_written(action, role, user_for):
    other = user_for("social")
    mention = MentionFactory(assignee=other)
    before, written = _state(mention), _written()
    replies, watched = MentionReply.objects.count(), WatchedAuthor.objects.count()

    with pytest.raises(PermissionDenied):
        ACTIONS[action](user_for(role), [mention], other)

    assert _state(mention) == before
    assert _written() == written
    assert (MentionReply.objects.count(), WatchedAuthor.objects.count()) == (replies, watched)
    assert not IncidentMention.objects.exists()


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_a_social_user_may_not_act_on_a_legal_queue_mention(action, social_user, legal_queue):
    restricted = MentionFactory(team=legal_queue)
    ordinary = MentionFactory()
    before, written = _state(restricted), _written()

    with pytest.raises(PermissionDenied):
        # Mixed into a selection, the restricted one spoils the whole selection.
        ACTIONS[action](social_user, [restricted, ordinary], None)

    assert _state(restricted) == before
    assert _written() == written
    assert not IncidentMention.objects.exists()


def test_legal_members_and_admins_may_work_the_legal_queue(legal_user, admin_user, legal_queue):
    mention = MentionFactory(team=legal_queue)
    assert services.mentions_set_status(actor=legal_user, mentions=[mention], status="waiting") == 1
    mention = Mention.objects.get(pk=mention.pk)
    assert services.mentions_set_priority(actor=admin_user, mentions=[mention], priority=4) == 1
    assert list(
        MentionEvent.objects.filter(mention=mention).order_by("id").values_list("actor", "kind")
    ) == [(legal_user.pk, "status"), (admin_user.pk, "priority")]


def test_an_hr_member_outside_legal_is_still_refused(user_for, legal_queue):
    """Membership of one restricted queue opens that queue only."""
    lawyer_in_hr = UserFactory(roles=["legal"])
    restricted_team(TeamKind.HR, members=[lawyer_in_hr])
    with pytest.raises(PermissionDenied):
        services.mentions_set_status(
            actor=lawyer_in_hr, mentions=[MentionFactory(team=legal_queue)], status="waiting"
        )


# --- Selection ---------------------------------------------------------------------------


def test_an_empty_selection_is_refused(social_user):
    with pytest.raises(ValidationError, match="at least one"):
        services.mentions_set_status(actor=social_user, mentions=[], status="resolved")


def test_more_than_500_mentions_at_once_are_refused(social_user):
    too_many = [Mention(pk=n) for n in range(1, services.MAX_SELECTION + 2)]
    with pytest.raises(ValidationError, match="at most 500"):
        services.mentions_set_status(actor=social_user, mentions=too_many, status="resolved")
    assert _written() == (0, 0)


def test_exactly_500_mentions_are_accepted(social_user):
    published = datetime(2026, 3, 1, tzinfo=UTC)
    Mention.objects.bulk_create(
        Mention(platform="x", external_id=f"bulk-{n}", text="t", published_at=published)
        for n in range(services.MAX_SELECTION)
    )
    selection = list(Mention.objects.all())
    assert len(selection) == 500
    # Nobody holds them: accepted, and nothing to change.
    assert services.mentions_unassign(actor=social_user, mentions=selection) == 0


# --- Assign and route ----------------------------------------------------------------------


def test_assign_to_a_person_writes_history_and_audit_once(social_user, user_for):
    colleague = user_for("legal")
    first, second = _mentions(2)

    assert (
        services.mentions_assign(actor=social_user, mentions=[first, second], assignee=colleague)
        == 2
    )

    assert set(Mention.objects.values_list("assignee", flat=True)) == {colleague.pk}
    events = MentionEvent.objects.filter(kind=MentionEvent.Kind.ASSIGNED)
    assert sorted(e.mention_id for e in events) == [first.pk, second.pk]
    event = events.get(mention=first)
    assert event.actor == social_user
    assert event.data == {
        "from": {"assignee": None},
        "assignee": colleague.pk,
        "assignee_name": str(colleague),
    }
    audits = AuditEvent.objects.filter(verb="mention.assign")
    assert sorted(a.target_id for a in audits) == sorted([str(first.pk), str(second.pk)])
    assert audits.get(target_id=str(first.pk)).after["assignee"] == colleague.pk
    assert audits.get(target_id=str(first.pk)).actor == social_user

    # Again: nothing changes, nothing is recorded.
    written = _written()
    assert (
        services.mentions_assign(
            actor=social_user, mentions=_fresh([first, second]), assignee=colleague
        )
        == 0
    )
    assert _written() == written


def test_assign_only_changes_the_mentions_held_by_someone_else(social_user, user_for):
    colleague = user_for("legal")
    mine, theirs = MentionFactory(assignee=colleague), MentionFactory(assignee=social_user)
    assert (
        services.mentions_assign(actor=social_user, mentions=[mine, theirs], assignee=colleague)
        == 1
    )
    event = MentionEvent.objects.get()
    assert (event.mention_id, event.data["from"]) == (theirs.pk, {"assignee": social_user.pk})


def test_assign_needs_a_person_or_a_team(social_user):
    with pytest.raises(ValidationError, match="person or a team"):
        services.mentions_assign(actor=social_user, mentions=[MentionFactory()])


@pytest.mark.parametrize("who", ["hr", "inactive"])
def test_assign_refuses_people_who_cannot_work_on_mentions(social_user, user_for, who):
    person = user_for("hr") if who == "hr" else UserFactory(roles=["social"], is_active=False)
    mention = MentionFactory()
    with pytest.raises(ValidationError) as caught:
        services.mentions_assign(actor=social_user, mentions=[mention], assignee=person)
    assert "assignee" in caught.value.message_dict
    assert Mention.objects.get(pk=mention.pk).assignee is None
    assert _written() == (0, 0)


@time_machine.travel(NOW, tick=False)
def test_route_to_a_team_recomputes_its_due_times_in_the_team_hours(social_user):
    from tests.inbox.factories import TeamHoursFactory

    customer_service = TeamFactory(name="Customer service", kind=TeamKind.CUSTOMER_SERVICE)
    TeamHoursFactory(team=customer_service)  # 9-17 Paris, weekdays
    SlaTarget.objects.filter(team=None, priority=Priority.NORMAL).update(
        first_response=timedelta(hours=8)
    )
    # Normal priority: 8 business hours to answer. Arrived Wednesday 10:00 UTC (11:00 Paris).
    mention = MentionFactory(priority=Priority.NORMAL, received_at=NOW)

    assert (
        services.mentions_assign(actor=social_user, mentions=[mention], team=customer_service) == 1
    )

    stored = Mention.objects.get(pk=mention.pk)
    assert stored.team == customer_service
    # 6 hours on Wednesday (11:00-17:00 Paris), 2 more on Thursday: 11:00 Paris, 10:00 UTC.
    assert stored.first_response_due_at == datetime(2026, 3, 5, 10, 0, tzinfo=UTC)
    event = MentionEvent.objects.get(kind=MentionEvent.Kind.ROUTED)
    assert event.data == {
        "from": {"team": None},
        "team": customer_service.pk,
        "team_name": "Customer service",
    }
    assert AuditEvent.objects.filter(verb="mention.route", target_id=str(mention.pk)).count() == 1

    written = _written()
    assert (
        services.mentions_assign(
            actor=social_user, mentions=_fresh([mention]), team=customer_service
        )
        == 0
    )
    assert _written() == written


def test_unassign_records_only_the_assigned_ones(social_user, user_for):
    held, free = MentionFactory(assignee=user_for("legal")), MentionFactory()
    assert services.mentions_unassign(actor=social_user, mentions=[held, free]) == 1
    assert Mention.objects.get(pk=held.pk).assignee is None
    assert AuditEvent.objects.get(verb="mention.unassign").target_id == str(held.pk)
    written = _written()
    assert services.mentions_unassign(actor=social_user, mentions=_fresh([held, free])) == 0
    assert _written() == written


# --- Tags -------------------------------------------------------------------------------------


def test_tags_are_added_and_removed_cleaned_and_recorded(social_user):
    first, second = _mentions(2)
    second.tags.add(Tag.objects.create(name="refund"))

    changed = services.mentions_tag(
        actor=social_user, mentions=[first, second], add=["  Refund ", "Late   Delivery"]
    )

    assert changed == 2
    assert _state(first)[-1] == ["late delivery", "refund"]
    assert _state(second)[-1] == ["late delivery", "refund"]
    assert MentionEvent.objects.get(mention=second, kind="tagged").data == {
        "added": ["late delivery"],
        "removed": [],
    }
    assert AuditEvent.objects.filter(verb="mention.tag").count() == 2

    written = _written()
    assert services.mentions_tag(actor=social_user, mentions=[first, second], add=["refund"]) == 0
    assert _written() == written

    assert (
        services.mentions_tag(actor=social_user, mentions=[first], remove=["REFUND", "never"]) == 1
    )
    assert _state(first)[-1] == ["late delivery"]
    assert MentionEvent.objects.filter(mention=first, kind="tagged").latest("id").data == {
        "added": [],
        "removed": ["refund"],
    }
    assert not Tag.objects.filter(name="never").exists()  # removing creates nothing


@pytest.mark.parametrize(
    ("add", "remove", "message"),
    [
        (["x" * 65], [], "64 characters"),
        ([], [], "Name the tags"),
        (["   "], [""], "Name the tags"),
    ],
)
def test_bad_tags_are_refused_before_anything_is_written(social_user, add, remove, message):
    mention = MentionFactory()
    with pytest.raises(ValidationError, match=message):
        services.mentions_tag(actor=social_user, mentions=[mention], add=add, remove=remove)
    assert not Tag.objects.exists()
    assert _written() == (0, 0)


def test_a_64_character_tag_is_fine(social_user):
    mention = MentionFactory()
    assert services.mentions_tag(actor=social_user, mentions=[mention], add=["y" * 64]) == 1


# --- Status and priority -----------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_resolving_stamps_resolved_and_first_response(social_user):
    answered_at = NOW - timedelta(hours=1)
    untouched, answered = MentionFactory(), MentionFactory(first_response_at=answered_at)

    changed = services.mentions_set_status(
        actor=social_user, mentions=[untouched, answered], status=MentionStatus.RESOLVED
    )

    assert changed == 2
    untouched, answered = _fresh([untouched, answered])
    assert (untouched.status, untouched.resolved_at, untouched.first_response_at) == (
        "resolved",
        NOW,
        NOW,
    )
    assert (answered.resolved_at, answered.first_response_at) == (NOW, answered_at)
    event = MentionEvent.objects.get(mention=untouched)
    assert (event.kind, event.data) == ("status", {"from": {"status": "new"}, "status": "resolved"})
    audit = AuditEvent.objects.get(verb="mention.status", target_id=str(untouched.pk))
    assert (audit.before, audit.after) == ({"status": "new"}, {"status": "resolved"})

    written = _written()
    assert (
        services.mentions_set_status(actor=social_user, mentions=[untouched], status="resolved")
        == 0
    )
    assert _written() == written


@time_machine.travel(NOW, tick=False)
def test_ignoring_as_spam_closes_too_and_reopening_clears_resolved(social_user):
    mention = MentionFactory()
    services.mentions_set_status(actor=social_user, mentions=[mention], status="ignored")
    mention = Mention.objects.get(pk=mention.pk)
    assert mention.resolved_at == NOW

    services.mentions_set_status(actor=social_user, mentions=[mention], status="in_progress")
    mention = Mention.objects.get(pk=mention.pk)
    assert (mention.status, mention.resolved_at) == ("in_progress", None)
    assert mention.first_response_at == NOW  # an answer given stays given


@pytest.mark.parametrize("status", ["closed", "", "open", "RESOLVED"])
def test_unknown_status_is_refused(social_user, status):
    mention = MentionFactory()
    with pytest.raises(ValidationError) as caught:
        services.mentions_set_status(actor=social_user, mentions=[mention], status=status)
    assert "status" in caught.value.message_dict
    assert Mention.objects.get(pk=mention.pk).status == "new"
    assert _written() == (0, 0)


@pytest.mark.parametrize("priority", [0, 5, "3", None])
def test_unknown_priority_is_refused(social_user, priority):
    mention = MentionFactory()
    with pytest.raises(ValidationError) as caught:
        services.mentions_set_priority(actor=social_user, mentions=[mention], priority=priority)
    assert "priority" in caught.value.message_dict
    assert _written() == (0, 0)


def test_priority_change_recomputes_due_times_from_arrival(social_user):
    arrived = datetime(2026, 3, 4, 8, 0, tzinfo=UTC)
    mention = MentionFactory(
        received_at=arrived,
        priority=Priority.NORMAL,
        first_response_due_at=arrived + timedelta(hours=8),
        resolve_due_at=arrived + timedelta(days=3),
    )

    assert services.mentions_set_priority(actor=social_user, mentions=[mention], priority=4) == 1

    stored = Mention.objects.get(pk=mention.pk)
    # Urgent (default targets): first response in 30 minutes, resolution in 4 hours.
    assert stored.priority == Priority.URGENT
    assert stored.first_response_due_at == arrived + timedelta(minutes=30)
    assert stored.resolve_due_at == arrived + timedelta(hours=4)
    event = MentionEvent.objects.get(kind="priority")
    assert event.data == {"from": {"priority": 2}, "priority": 4}
    assert AuditEvent.objects.filter(verb="mention.priority").count() == 1

    written = _written()
    assert (
        services.mentions_set_priority(actor=social_user, mentions=_fresh([mention]), priority=4)
        == 0
    )
    assert _written() == written


# --- Notes -------------------------------------------------------------------------------------


def test_a_note_joins_the_history_and_the_audit(social_user):
    mention = MentionFactory()
    event = services.mention_note_add(
        actor=social_user, mention=mention, text="  Customer called.  "
    )
    assert (event.kind, event.text, event.actor) == ("note", "Customer called.", social_user)
    audit = AuditEvent.objects.get(verb="mention.note")
    assert (audit.target_id, audit.after) == (str(mention.pk), {"note": event.pk})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Write the note"),
        ("   ", "Write the note"),
        (None, "Write the note"),
        ("n" * 5001, "5,000"),
    ],
)
def test_an_empty_or_huge_note_is_refused(social_user, text, message):
    with pytest.raises(ValidationError, match=message):
        services.mention_note_add(actor=social_user, mention=MentionFactory(), text=text)
    assert _written() == (0, 0)


# --- Replies and templates ---------------------------------------------------------------------


def test_template_fills_in_author_brand_and_case(settings):
    settings.RISKDESK_BRAND_NAME = "Lumora"
    template = ReplyTemplateFactory(body="Hi {author}, {brand} here. Case {case}.")
    mention = MentionFactory(author_handle="@jdoe", author_name="Jane Doe")
    assert services.template_render(template, mention) == (
        f"Hi @jdoe, Lumora here. Case RD-{mention.pk}."
    )
    nameless = MentionFactory(author_handle="", author_name="Le Monde")
    assert services.template_render(template, nameless).startswith("Hi Le Monde, ")


def test_the_default_templates_render():
    """The templates the migration installs use only the known variables."""
    from inbox.models import ReplyTemplate

    mention = MentionFactory(author_handle="jdoe")
    templates = list(ReplyTemplate.objects.all())
    assert {t.language for t in templates} >= {"en", "fr"}
    assert any(t.moves_to_private for t in templates)
    for template in templates:
        services.template_body_check(template.body)
        text = services.template_render(template, mention)
        assert "{" not in text
        assert "@jdoe" in text


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("Hello {name}", "Unknown variables: name"),
        ("Hello {author.__class__}", "Unknown variables"),
        ("Hello {author", "Unbalanced"),
        ("Hello }", "Unbalanced"),
    ],
)
def test_template_bodies_with_unknown_variables_are_refused(body, message):
    with pytest.raises(ValidationError, match=message):
        services.template_body_check(body)


def test_template_body_check_accepts_plain_text_and_known_variables():
    body = "Thanks {author} from {brand}, {case}; literal {{braces}}."
    assert services.template_body_check(body) == body


@time_machine.travel(NOW, tick=False)
def test_a_private_message_reply_records_it_and_waits_for_the_author(social_user):
    template = ReplyTemplateFactory(
        name="Take it private", moves_to_private=True, body="DM us, {author} ({case})."
    )
    mention = MentionFactory(author_handle="angry")
    body = services.template_render(template, mention)

    reply = services.mention_reply(actor=social_user, mention=mention, body=body, template=template)

    reply.refresh_from_db()
    assert reply.body == f"DM us, @angry (RD-{mention.pk})."
    assert (reply.private, reply.template, reply.publisher) == (True, template, "recorded")
    assert (reply.drafted_by, reply.sent_by, reply.drafted_at, reply.sent_at) == (
        social_user,
        social_user,
        NOW,
        NOW,
    )
    stored = Mention.objects.get(pk=mention.pk)
    assert (stored.status, stored.first_response_at) == ("waiting", NOW)
    event = MentionEvent.objects.get(kind="reply")
    assert event.text == reply.body
    assert event.data == {"reply": reply.pk, "private": True, "template": "Take it private"}
    audit = AuditEvent.objects.get(verb="mention.reply")
    assert (audit.before, audit.after) == (
        {"status": "new"},
        {"reply": reply.pk, "status": "waiting"},
    )


def test_a_public_reply_puts_the_mention_in_progress_and_keeps_the_first_response(social_user):
    first = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    mention = MentionFactory(status="waiting", first_response_at=first)
    services.mention_reply(actor=social_user, mention=mention, body="Any news?")
    stored = Mention.objects.get(pk=mention.pk)
    assert (stored.status, stored.first_response_at) == ("in_progress", first)
    assert MentionReply.objects.get().private is False


def test_a_reply_to_a_resolved_mention_leaves_it_resolved(social_user):
    mention = MentionFactory(status="resolved")
    services.mention_reply(actor=social_user, mention=mention, body="One more thing.")
    assert Mention.objects.get(pk=mention.pk).status == "resolved"


@pytest.mark.parametrize(("body", "message"), [("  ", "Write the reply"), ("r" * 10_001, "10,000")])
def test_an_empty_or_huge_reply_is_refused(social_user, body, message):
    mention = MentionFactory()
    with pytest.raises(ValidationError, match=message):
        services.mention_reply(actor=social_user, mention=mention, body=body)
    assert not MentionReply.objects.exists()
    assert Mention.objects.get(pk=mention.pk).first_response_at is None
    assert _written() == (0, 0)


def test_a_reply_without_a_connected_account_is_recorded_as_posted_by_hand(social_user):
    mention = MentionFactory()
    reply = services.mention_reply(actor=social_user, mention=mention, body="Hello")
    assert (reply.state, reply.publisher, reply.account) == ("recorded", "recorded", None)
    assert reply.sent_at is not None


# --- Watchlist and impersonators -------------------------------------------------------------


def test_watching_the_author_adds_them_once(social_user):
    mention = MentionFactory(platform="x", author_id="42", author_handle="troll")

    watched = services.mention_watch_author(actor=social_user, mention=mention)

    assert (watched.platform, watched.author_id, watched.author_handle) == ("x", "42", "troll")
    assert watched.impersonator is False
    assert AuditEvent.objects.filter(verb="watchlist.add").count() == 1
    event = MentionEvent.objects.get(kind="watchlist")
    assert event.data == {"impersonator": False, "watched": watched.pk}

    written = _written()
    again = services.mention_watch_author(
        actor=social_user, mention=Mention.objects.get(pk=mention.pk)
    )
    assert again == watched
    assert _written() == written
    assert WatchedAuthor.objects.count() == 1


def test_marking_an_impersonator_upgrades_a_watched_author_once(social_user):
    mention = MentionFactory(platform="x", author_id="99", author_handle="acme_support_help")
    services.mention_watch_author(actor=social_user, mention=mention)

    watched = services.mention_watch_author(actor=social_user, mention=mention, impersonator=True)

    assert watched.impersonator is True
    assert WatchedAuthor.objects.get().impersonator is True
    audit = AuditEvent.objects.get(verb="watchlist.impersonator")
    assert (audit.before, audit.after) == ({"impersonator": False}, {"impersonator": True})
    assert MentionEvent.objects.filter(kind="watchlist").count() == 2

    written = _written()
    services.mention_watch_author(actor=social_user, mention=mention, impersonator=True)
    assert _written() == written


def test_a_new_impersonator_is_watched_as_such(social_user):
    mention = MentionFactory(platform="mastodon", author_id="7", author_handle="fake_brand")
    watched = services.mention_watch_author(actor=social_user, mention=mention, impersonator=True)
    assert watched.impersonator is True
    assert watched.reason == "Impersonates the brand"
    assert MentionEvent.objects.get().data["impersonator"] is True


def test_an_author_without_id_cannot_be_watched(social_user):
    with pytest.raises(ValidationError, match="no author id"):
        services.mention_watch_author(actor=social_user, mention=MentionFactory(author_id=""))
    assert not WatchedAuthor.objects.exists()
    assert _written() == (0, 0)


def test_legal_may_triage_but_not_manage_the_watchlist(legal_user):
    mention = MentionFactory(author_id="5")
    with pytest.raises(PermissionDenied):
        services.mention_watch_author(actor=legal_user, mention=mention)
    assert not WatchedAuthor.objects.exists()
    assert _written() == (0, 0)


# --- Escalation --------------------------------------------------------------------------------


def test_escalating_links_to_the_incident_and_writes_history_once(social_user):
    incident = IncidentFactory(title="Boiler recall")
    first, second = _mentions(2)

    assert (
        services.mentions_escalate(actor=social_user, mentions=[first, second], incident=incident)
        == 2
    )

    assert set(IncidentMention.objects.values_list("mention_id", flat=True)) == {
        first.pk,
        second.pk,
    }
    event = MentionEvent.objects.get(mention=first, kind="escalated")
    assert event.data == {"incident": incident.pk, "incident_title": str(incident)}
    assert AuditEvent.objects.filter(verb="incident.link_mentions").count() == 1

    written = _written()
    assert (
        services.mentions_escalate(actor=social_user, mentions=[first, second], incident=incident)
        == 0
    )
    assert _written() == written

    third = MentionFactory()
    assert (
        services.mentions_escalate(actor=social_user, mentions=[first, third], incident=incident)
        == 1
    )
    assert (
        list(
            MentionEvent.objects.filter(kind="escalated")
            .values_list("mention_id", flat=True)
            .order_by("id")
        )[-1]
        == third.pk
    )
    assert MentionEvent.objects.filter(kind="escalated").count() == 3
