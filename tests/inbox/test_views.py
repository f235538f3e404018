"""The inbox pages: list, live poll, panel and actions, as a browser (and htmx) uses them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import TeamKind, TeamMembership
from inbox.models import MentionEvent, ReplyTemplate
from inbox.services import viewing_mark
from monitoring.models import Mention, MentionStatus
from riskdesk.models import AuditEvent
from tests.accounts.factories import TeamFactory
from tests.conftest import empty_cache
from tests.monitoring.factories import MentionFactory

pytestmark = pytest.mark.django_db

HOSTILE = (
    'Hi <script>alert(1)</script> <img src=x onerror="alert(2)"> '
    '<a href="javascript:alert(3)">x</a>'
)
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_inbox_lists_mentions_escaped_with_filters(client_for):
    MentionFactory(text=HOSTILE, risk_score=80)
    MentionFactory(text="calm one", status=MentionStatus.RESOLVED)
    response = client_for("social").get("/inbox/?status=open")
    body = response.content.decode()
    assert response.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<script>alert(1)" not in body
    assert 'onerror="alert(2)"' not in body
    assert 'href="javascript:' not in body
    assert "calm one" not in body


def test_inbox_page_queries_do_not_grow_with_rows(
    client_for, settings, django_assert_max_num_queries
):
    client = client_for("social")
    team = TeamFactory()
    for n in range(5):
        MentionFactory(team=team, risk_score=n * 10)
    client.get("/inbox/")  # warm the session
    empty_cache(settings)  # every row rendered anew
    with django_assert_max_num_queries(17) as few:  # cache emptied: +organisation, teams,
        # streams, breach count, and the rows' relations (warm: test_page.PAGE_QUERIES)
        client.get("/inbox/")
    MentionFactory.create_batch(40, team=team)
    empty_cache(settings)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/inbox/").status_code == 200


def test_keyset_pages_through_everything_once(client_for):
    published = timezone.now() - timedelta(hours=1)
    made = {MentionFactory(published_at=published).pk for _ in range(55)}  # all tied on time
    client = client_for("social")
    response = client.get("/inbox/", **HTMX)
    rows = response.context["rows"]
    cursor = response.context["next_cursor"]
    assert len(rows) == 50
    assert cursor
    more = client.get(f"/inbox/?cursor={cursor}", **HTMX)
    seen = {m.pk for m in rows} | {m.pk for m in more.context["rows"]}
    assert seen == made
    assert more.context["next_cursor"] is None


def test_restricted_queue_is_invisible_to_others(client_for, user_for):
    legal = TeamFactory(kind=TeamKind.LEGAL)
    secret = MentionFactory(team=legal, text="our lawyer letter")
    social = client_for("social")
    assert "our lawyer letter" not in social.get("/inbox/").content.decode()
    assert social.get(f"/inbox/{secret.pk}/").status_code == 404
    TeamMembership.objects.create(team=legal, user=user_for("legal"))
    assert client_for("legal").get(f"/inbox/{secret.pk}/").status_code == 200
    assert client_for("admin").get(f"/inbox/{secret.pk}/").status_code == 200


def test_panel_shows_detail_and_history(client_for):
    mention = MentionFactory(
        text=HOSTILE,
        risk_reasons=[{"code": "legal", "detail": "legal: lawsuit"}],
        rule_trace=[{"rule": 1, "name": "Legal threats", "did": ["routed to Legal"]}],
    )
    MentionFactory(author_id=mention.author_id, text="earlier post by the same author")
    response = client_for("social").get(f"/inbox/{mention.pk}/", **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Legal threats" in body
    assert "routed to Legal" in body
    assert "earlier post by the same author" in body
    assert "<script>alert(1)" not in body


def test_bulk_assign_tag_resolve_through_the_toolbar(client_for, user_for):
    mentions = MentionFactory.create_batch(3)
    client = client_for("social")
    me = user_for("social")
    ids = [m.pk for m in mentions]
    response = client.post(
        "/inbox/bulk/", {"id": ids, "action": "assign", "assignee": me.pk}, **HTMX
    )
    assert response.status_code == 200
    assert Mention.objects.filter(pk__in=ids, assignee=me).count() == 3
    client.post(
        "/inbox/bulk/",
        {"ids": ",".join(map(str, ids)), "action": "tag", "tags": "refund, Storm"},
        **HTMX,
    )
    assert sorted(mentions[0].tags.values_list("name", flat=True)) == ["refund", "storm"]
    client.post("/inbox/bulk/", {"id": ids, "action": "status", "status": "resolved"})
    assert Mention.objects.filter(pk__in=ids, status="resolved").count() == 3
    assert AuditEvent.objects.filter(verb="mention.status").count() == 3
    assert MentionEvent.objects.filter(kind="assigned").count() == 3


def test_a_selection_is_linked_to_an_incident_or_declares_one(client_for, user_for):
    from incidents.models import IncidentMention
    from incidents.services import incident_declare

    mentions = MentionFactory.create_batch(2)
    ids = [m.pk for m in mentions]
    client = client_for("social")
    incident = incident_declare(actor=user_for("social"), title="Fake giveaway", severity=2)
    page = client.get("/inbox/").content.decode()
    assert '<option value="escalate">' in page
    assert '<option value="declare">' in page
    # The incident picker loads when the toolbar is first used.
    pickers = client.get("/inbox/toolbar/", **HTMX).content.decode()
    assert f'<option value="{incident.pk}">{incident.reference} · Fake giveaway</option>' in pickers

    client.post("/inbox/bulk/", {"id": ids, "action": "escalate", "incident": incident.pk}, **HTMX)
    assert set(
        IncidentMention.objects.filter(incident=incident).values_list("mention_id", flat=True)
    ) == set(ids)

    declare = client.post("/inbox/bulk/", {"id": ids, "action": "declare"}, **HTMX)
    assert declare.status_code == 204
    assert declare["HX-Redirect"] == f"/incidents/declare/?mentions={ids[0]}%2C{ids[1]}"
    plain = client.post("/inbox/bulk/", {"id": ids, "action": "declare"})
    assert plain.status_code == 302
    assert plain["Location"] == declare["HX-Redirect"]


def test_bulk_refuses_without_triage_and_changes_nothing(client_for):
    mention = MentionFactory()
    response = client_for("manager").post(
        "/inbox/bulk/", {"id": [mention.pk], "action": "status", "status": "resolved"}
    )
    assert response.status_code == 403
    mention.refresh_from_db()
    assert mention.status == "new"


def test_bulk_bad_input_is_a_message_not_a_crash(client_for):
    mention = MentionFactory()
    response = client_for("social").post(
        "/inbox/bulk/", {"id": [mention.pk], "action": "status", "status": "nonsense"}, **HTMX
    )
    assert response.status_code == 200
    assert "message--error" in response.content.decode()
    mention.refresh_from_db()
    assert mention.status == "new"


def test_reply_from_template_records_and_moves_to_private(client_for):
    mention = MentionFactory(author_handle="angry_ann", language="en")
    template = ReplyTemplate.objects.get(name="Move to private messages", language="en")
    client = client_for("social")
    draft = client.get(f"/inbox/{mention.pk}/reply/draft/?template={template.pk}", **HTMX)
    body = draft.content.decode()
    assert "@angry_ann" in body
    assert f"RD-{mention.pk}" in body
    client.post(
        f"/inbox/{mention.pk}/reply/",
        {"template": template.pk, "body": "Hi @angry_ann, DM us please"},
        **HTMX,
    )
    mention.refresh_from_db()
    assert mention.status == MentionStatus.WAITING
    assert mention.first_response_at is not None
    reply = mention.replies.get()
    assert reply.private
    assert reply.sent_by is not None


def test_poll_counts_new_mentions_and_sends_changed_rows(client_for, user_for):
    first = MentionFactory()
    client = client_for("social")
    since = (timezone.now() - timedelta(seconds=1)).isoformat()
    MentionFactory()
    Mention.objects.filter(pk=first.pk).update(updated_at=timezone.now())
    viewing_mark(first.pk, user_for("admin"))
    response = client.get(
        "/inbox/poll/", {"top": first.pk, "changed_since": since, "ids": str(first.pk)}, **HTMX
    )
    body = response.content.decode()
    assert "1 new mention" in body
    assert f'id="m-{first.pk}"' in body
    assert 'hx-swap-oob="true"' in body
    assert "is viewing" in body


def test_poll_asks_again_for_changes_still_committing(client_for):
    mention = MentionFactory()
    client = client_for("social")
    stamped = timezone.now()  # a change stamped before the first poll, committed after it
    since = client.get("/inbox/poll/", {"top": mention.pk}, **HTMX).context["since"]
    Mention.objects.filter(pk=mention.pk).update(updated_at=stamped)

    second = client.get(
        "/inbox/poll/", {"top": mention.pk, "changed_since": since, "ids": str(mention.pk)}, **HTMX
    )

    assert f'id="m-{mention.pk}"' in second.content.decode()


def test_saved_views_are_personal(client_for, user_for):
    client = client_for("social")
    response = client.post("/inbox/views/", {"name": "Storm", "query": "status=open&tag=storm"})
    assert response.status_code == 302
    view = user_for("social").saved_views.get()
    assert "Storm" in client.get("/inbox/").content.decode()
    assert client_for("admin").post(f"/inbox/views/{view.pk}/delete/").status_code == 404


def test_sla_report_page(client_for):
    MentionFactory(
        priority=4,
        first_response_due_at=timezone.now() - timedelta(hours=1),
        received_at=timezone.now() - timedelta(hours=2),
    )
    response = client_for("social").get("/inbox/sla/")
    assert response.status_code == 200
    assert response.context["breached"] == 1
