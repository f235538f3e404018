"""The audit page: a person's sign-ins of a day share one row; mentions named for who may read."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType

from accounts.models import TeamKind
from monitoring.models import Mention
from riskdesk.models import AuditEvent
from riskdesk.selectors import audit_page
from tests.accounts.factories import TeamFactory, UserFactory
from tests.conftest import sign_in
from tests.monitoring.factories import MentionFactory
from tests.riskdesk.factories import AuditEventFactory

pytestmark = pytest.mark.django_db


def _at(day: int, hour: int, **fields) -> AuditEvent:
    with time_machine.travel(datetime(2026, 3, day, hour, 0, tzinfo=UTC), tick=False):
        return AuditEventFactory(**fields)


def _sign_in(person, day: int, hour: int, verb: str = "auth.login") -> AuditEvent:
    return _at(day, hour, actor=person, verb=verb)


def _on_mention(mention, verb: str = "mention.assign", **fields) -> AuditEvent:
    return AuditEventFactory(
        verb=verb,
        target_type=ContentType.objects.get_for_model(Mention),
        target_id=str(mention.pk),
        target_label=str(mention),
        **fields,
    )


def _auditor(*, role_user=None):
    """Someone who may read the audit trail, with the mention rights of `role_user`."""
    person = role_user or UserFactory()
    person.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    return type(person).objects.get(pk=person.pk)  # fresh permission cache


@pytest.fixture
def alice(db):
    return UserFactory(email="alice@example.com")


@pytest.fixture
def bob(db):
    return UserFactory(email="bob@example.com")


def test_a_persons_sign_ins_of_a_day_share_one_row_that_opens_on_each(client_for, alice, bob):
    first = _sign_in(alice, 2, 8)
    _sign_in(bob, 2, 9)
    _sign_in(alice, 2, 10)
    change = _at(2, 11, actor=alice, verb="team.update")
    _sign_in(alice, 2, 12)
    last = _sign_in(alice, 2, 18, verb="auth.logout")
    next_day = _sign_in(alice, 3, 8)

    response = client_for("admin").get("/audit/")

    rows = response.context["page"].items
    assert [(r.event.pk, len(r.events)) for r in rows] == [
        (next_day.pk, 1),
        (last.pk, 4),  # alice's 2 March, in the place of its newest event
        (change.pk, 1),
        (rows[3].event.pk, 1),  # bob's one sign-in
    ]
    assert rows[1].events[-1] == first
    assert (rows[1].sign_ins, rows[1].sign_outs) == (3, 1)
    body = response.content.decode()
    assert "Signed in 3 times, signed out once" in body
    for event in AuditEvent.objects.all():  # every event is still one click away
        assert f'href="/audit/{event.pk}/"' in body
    assert response.context["page"].event_count == 7


def test_grouping_never_hides_an_event_between_pages(alice, bob, admin_user):
    events = []
    for hour in range(8, 20):
        events.append(_sign_in(alice if hour % 3 else bob, 2, hour))
        events.append(_at(2, hour, actor=bob, verb="team.update"))

    seen, before = [], None
    while True:
        page = audit_page(AuditEvent.objects.all(), before, viewer=admin_user, rows=3)
        assert len(page.items) <= 3
        seen += [e.pk for row in page.items for e in row.events]
        if page.next_before is None:
            break
        assert page.next_before == min(e.pk for row in page.items for e in row.events)
        before = str(page.next_before)

    assert sorted(seen) == sorted(e.pk for e in events)


def test_other_filters_still_apply_and_sign_ins_alone_can_be_listed(client_for, alice):
    _sign_in(alice, 2, 8)
    _sign_in(alice, 2, 9)
    _at(2, 10, actor=alice, verb="team.update")

    response = client_for("admin").get("/audit/", {"verb": "auth."})

    rows = response.context["page"].items
    assert len(rows) == 1
    assert len(rows[0].events) == 2


def test_a_mention_is_named_by_author_and_the_start_of_its_text(client_for):
    mention = MentionFactory(
        author_handle="jdoe",
        text="My printer is dead <script>alert(1)</script> and support never answers, again "
        "and again, for weeks now",
    )
    _on_mention(mention)

    response = client_for("admin").get("/audit/")

    body = response.content.decode()
    assert "@jdoe: “My printer is dead &lt;script&gt;alert(1)&lt;/script&gt; and support" in body
    assert "<script>alert(1)" not in body
    assert "for weeks now" not in body  # only the start
    assert mention.external_id not in body  # no raw external id
    detail = client_for("admin").get(f"/audit/{AuditEvent.objects.get().pk}/")
    assert "@jdoe: “My printer is dead" in detail.content.decode()


def test_a_mention_the_viewer_may_not_read_is_only_a_mention(client, user_for):
    hr_queue = TeamFactory(kind=TeamKind.HR)
    hidden = MentionFactory(author_handle="whistle", text="Confidential complaint", team=hr_queue)
    shown = MentionFactory(author_handle="jdoe", text="My printer is dead")
    _on_mention(hidden)
    _on_mention(shown)

    social_auditor = _auditor(role_user=user_for("social"))
    sign_in(client, social_auditor)
    body = client.get("/audit/").content.decode()
    assert "@jdoe: “My printer is dead”" in body
    assert "whistle" not in body
    assert "Confidential" not in body
    assert hidden.external_id not in body
    assert "a mention" in body

    client.logout()
    sign_in(client, _auditor())  # no mention rights at all
    body = client.get("/audit/").content.decode()
    assert "jdoe" not in body
    assert "whistle" not in body
    assert body.count("a mention") == 2
    hidden_event = AuditEvent.objects.get(target_id=str(hidden.pk))
    detail = client.get(f"/audit/{hidden_event.pk}/").content.decode()
    assert "whistle" not in detail
    assert "a mention" in detail


# Session, user, its permissions, the filter's choices, the events, the mentions named...
# (10 while the freeze banner was read on every page, 9 while the permissions took two reads)
PINNED_QUERIES = 8


def test_audit_page_reads_mentions_and_groups_in_a_fixed_number_of_queries(
    client_for, alice, django_assert_max_num_queries
):
    client = client_for("admin")
    client.get("/audit/")  # warm the per-process caches (content types, permissions)
    _on_mention(MentionFactory())
    _sign_in(alice, 2, 8)
    with django_assert_max_num_queries(100) as few:
        client.get("/audit/")
    few_queries = len(few)  # now: the next request empties the log it reads

    for hour in range(30):
        _on_mention(MentionFactory())
        _sign_in(alice if hour % 2 else UserFactory(), 2, 8)
    with django_assert_max_num_queries(few_queries) as many:
        response = client.get("/audit/")

    assert len(many.captured_queries) == few_queries == PINNED_QUERIES
    mention_reads = [q for q in many.captured_queries if "monitoring_mention" in q["sql"]]
    assert len(mention_reads) == 1
    assert response.context["page"].event_count == 62
