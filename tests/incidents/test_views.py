"""The incident pages: rendering, permissions, forms, escaping and query counts."""

import pytest
from django.db import reset_queries
from django.urls import reverse

from incidents.freeze import freeze_start
from incidents.models import HoldingStatement, Incident, IncidentTask, Status, TimelineEntry
from incidents.services import incident_assign_role, incident_declare
from incidents.services.statements import statement_create, statement_submit
from incidents.services.work import note_add
from riskdesk.models import AuditEvent
from tests.accounts.factories import UserFactory
from tests.conftest import NO_ROLE
from tests.incidents.factories import IncidentFactory, TaskFactory, make_spike
from tests.monitoring.factories import MentionFactory

pytestmark = pytest.mark.django_db

EVIL = "<script>alert('x')</script><img src=x onerror=alert(1)>"


@pytest.fixture
def incident(social_user, storm_playbook):
    mentions = [
        MentionFactory(text=EVIL, risk_score=90, sentiment=-0.9, sentiment_label="negative"),
        MentionFactory(risk_score=20, sentiment=0.2, sentiment_label="neutral"),
    ]
    return incident_declare(
        actor=social_user,
        title="Storm",
        severity=2,
        playbook=storm_playbook,
        mentions=[m.pk for m in mentions],
    )


def _url(name, **kwargs):
    return reverse(name, kwargs=kwargs)


# --- Pages and permissions --------------------------------------------------------------------


@pytest.mark.parametrize("role", ["social", "legal", "hr", "manager", "admin"])
def test_every_role_sees_incidents_and_may_declare(client_for, role, incident):
    client = client_for(role)
    for name, kwargs in [
        ("incident_list", {}),
        ("incident_board", {}),
        ("incident_declare", {}),
        ("incident_my_tasks", {}),
        ("incident_report", {}),
        ("incident_detail", {"pk": incident.pk}),
        ("playbook_list", {}),
    ]:
        assert client.get(_url(name, **kwargs)).status_code == 200, name


def test_people_without_a_role_and_visitors_are_kept_out(client_for, incident):
    assert client_for(NO_ROLE).get(_url("incident_list")).status_code == 403
    assert client_for(NO_ROLE).get(_url("incident_detail", pk=incident.pk)).status_code == 403
    response = client_for(None).get(_url("incident_detail", pk=incident.pk))
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert client_for("social").get(_url("incident_detail", pk=99999)).status_code == 404


def test_the_incident_page_shows_everything_and_escapes_mention_text(client_for, incident):
    response = client_for("social").get(_url("incident_detail", pk=incident.pk))
    html = response.content.decode()

    assert EVIL not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    for text in ["Run it", "Roles", "Tasks", "Linked mentions", "Holding statements", "Timeline"]:
        assert text in html
    assert incident.tasks.first().title in html
    assert "Time to detect" in html
    # The live sections reload themselves.
    for section in ["tasks", "timeline", "mentions", "statements"]:
        assert _url("incident_live", pk=incident.pk, section=section) in html


def test_hr_sees_the_incident_but_not_the_mentions_nor_the_run_controls(client_for, incident):
    html = client_for("hr").get(_url("incident_detail", pk=incident.pk)).content.decode()
    assert "Run it" not in html
    assert "alert" not in html  # no mention text for who cannot see mentions
    assert "2 mentions linked." in html


def test_live_sections_render_alone(client_for, incident):
    client = client_for("legal")
    for section in ["tasks", "timeline", "mentions", "statements"]:
        response = client.get(
            _url("incident_live", pk=incident.pk, section=section), HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 200
        assert b"<html" not in response.content
    assert client.get(_url("incident_live", pk=incident.pk, section="nope")).status_code == 404


def test_the_page_query_counts_do_not_grow(
    client_for, incident, social_user, django_assert_max_num_queries
):
    client = client_for("social")
    client.get(_url("incident_detail", pk=incident.pk))  # warm caches (content types...)
    with django_assert_max_num_queries(40) as first:
        client.get(_url("incident_detail", pk=incident.pk))
    for n in range(15):
        note_add(actor=social_user, incident=incident, text=f"note {n}")
        TaskFactory(incident=incident, assignee=social_user)
        statement_create(actor=social_user, incident=incident, title=f"s{n}", text="t")
    MentionFactory.create_batch(10)
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(_url("incident_detail", pk=incident.pk))


def test_the_list_and_board_query_counts_do_not_grow(client_for, django_assert_max_num_queries):
    client = client_for("social")
    IncidentFactory.create_batch(3)
    client.get(_url("incident_list"))
    with django_assert_max_num_queries(12) as few:
        client.get(_url("incident_list"))
    list_queries = len(few)  # now: the next request empties the log it reads
    reset_queries()
    with django_assert_max_num_queries(14) as board_few:
        client.get(_url("incident_board"))
    board_queries = len(board_few)
    for incident in IncidentFactory.create_batch(30):
        TaskFactory.create_batch(2, incident=incident)
    client.get("/")  # the freeze banner, forgotten by those incidents' saves, read again
    with django_assert_max_num_queries(list_queries):
        response = client.get(_url("incident_list"))
    assert response.content.decode().count("INC-") >= 30
    reset_queries()
    with django_assert_max_num_queries(board_queries):
        client.get(_url("incident_board"))
    with django_assert_max_num_queries(12):
        client.get(_url("incident_my_tasks"))
    with django_assert_max_num_queries(12):
        client.get(_url("incident_report"))
    with django_assert_max_num_queries(12):
        client.get(_url("playbook_list"))


def test_the_list_filters_and_searches(client_for):
    IncidentFactory(title="Lookalike account", severity=1)
    IncidentFactory(title="Old one", status=Status.REVIEWED)
    client = client_for("social")
    assert "Old one" not in client.get(_url("incident_list")).content.decode()  # open by default
    everything = client.get(_url("incident_list") + "?state=").content.decode()
    assert "Old one" in everything
    assert "Lookalike account" in everything
    found = client.get(_url("incident_list") + "?q=lookalike&state=").content.decode()
    assert "Lookalike account" in found
    assert "Old one" not in found
    fragment = client.get(_url("incident_list") + "?severity=1", HTTP_HX_REQUEST="true")
    assert b"<html" not in fragment.content
    assert b"Lookalike account" in fragment.content


# --- Declaring --------------------------------------------------------------------------------


def test_the_declare_page_prefills_from_a_selection_a_spike_and_an_impersonation(client_for):
    client = client_for("social")
    selected = MentionFactory.create_batch(2, text=EVIL)
    html = client.get(
        _url("incident_declare") + f"?mentions={selected[0].pk},{selected[1].pk}"
    ).content.decode()
    assert "2 mentions will be linked" in html
    assert EVIL not in html
    assert f'value="{selected[0].pk},{selected[1].pk}"' in html
    assert "SEV1" in html
    assert "Brand-threatening" in html

    spike = make_spike(mentions=2)
    html = client.get(_url("incident_declare") + f"?spike={spike.pk}").content.decode()
    assert "Spike of negative mentions" in html
    assert f'name="spike" value="{spike.pk}"' in html

    impostor = MentionFactory(author_handle="lumora_officiaI")
    html = client.get(_url("incident_declare") + f"?impersonation={impostor.pk}").content.decode()
    assert "Impersonation: @lumora_officiaI" in html
    assert client.get(_url("incident_declare") + "?spike=999999").status_code == 404


def test_declaring_from_the_page(client_for, social_user, storm_playbook):
    mentions = MentionFactory.create_batch(3)
    response = client_for("social").post(
        _url("incident_declare"),
        {
            "title": "Storm on Mastodon",
            "severity": "2",
            "playbook": storm_playbook.pk,
            "summary": "Many complaints about the update.",
            "mentions": ",".join(str(m.pk) for m in mentions),
        },
    )
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("incident_detail", pk=incident.pk)
    assert incident.lead == social_user
    assert incident.mention_count == 3
    assert incident.tasks.count() == storm_playbook.steps.count()


def test_a_bad_declaration_shows_the_errors_and_saves_nothing(client_for):
    response = client_for("social").post(
        _url("incident_declare"), {"title": "", "severity": "7", "mentions": "1,abc"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "field__errors" in html
    assert not Incident.objects.exists()
    response = client_for("social").post(
        _url("incident_declare"), {"title": "x", "severity": "2", "mentions": "999999"}
    )
    assert "Unknown mention: 999999." in response.content.decode()
    assert not Incident.objects.exists()


def test_declaring_twice_from_a_spike_on_the_page_links_to_the_first(client_for, storm_playbook):
    spike = make_spike(mentions=2)
    client = client_for("social")
    body = {"title": "Storm", "severity": "2", "spike": spike.pk, "playbook": storm_playbook.pk}
    first = client.post(_url("incident_declare"), body)
    second = client.post(_url("incident_declare"), body)
    assert Incident.objects.count() == 1
    assert first["Location"] == second["Location"]
    page = client.get(second["Location"]).content.decode()
    assert "already open for this" in page


def test_linking_a_selection_goes_back_to_next(client_for, incident):
    more = MentionFactory.create_batch(2)
    client = client_for("social")
    response = client.post(
        _url("incident_link_mentions"),
        {"incident": incident.pk, "mentions": f"{more[0].pk},{more[1].pk}", "next": "/inbox/?x=1"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/inbox/?x=1"
    incident.refresh_from_db()
    assert incident.mention_count == 4
    # An outside address is not followed; repeated ids link nothing new.
    response = client.post(
        _url("incident_link_mentions"),
        {"incident": incident.pk, "mentions": [more[0].pk], "next": "https://evil.example/"},
    )
    assert response["Location"] == _url("incident_detail", pk=incident.pk)
    assert (
        client_for("hr")
        .post(_url("incident_link_mentions"), {"incident": incident.pk, "mentions": more[0].pk})
        .status_code
        == 403
    )


# --- Running it from the page -----------------------------------------------------------------


def test_roles_status_severity_and_tasks_from_the_page(client_for, incident, legal_user):
    client = client_for("social")
    assert (
        client.post(
            _url("incident_role", pk=incident.pk), {"role": "legal", "legal-person": legal_user.pk}
        ).status_code
        == 302
    )
    incident.refresh_from_db()
    assert incident.legal == legal_user

    client.post(_url("incident_severity", pk=incident.pk), {"severity": "1", "reason": "press"})
    client.post(_url("incident_status", pk=incident.pk), {"status": "investigating"})
    incident.refresh_from_db()
    assert (incident.severity, incident.status) == (1, "investigating")

    task = incident.tasks.filter(role="legal").first()
    assert (
        client_for("legal")
        .post(_url("incident_task_tick", pk=incident.pk, task_pk=task.pk))
        .status_code
        == 302
    )
    assert IncidentTask.objects.get(pk=task.pk).state == "done"

    # A refused move shows a message and changes nothing.
    response = client.post(
        _url("incident_status", pk=incident.pk), {"status": "reviewed"}, follow=True
    )
    assert "cannot go from investigating to reviewed" in response.content.decode()
    # Someone who does not run the incident is refused.
    assert (
        client_for("legal")
        .post(_url("incident_status", pk=incident.pk), {"status": "contained"})
        .status_code
        == 403
    )
    incident.refresh_from_db()
    assert incident.status == "investigating"


def test_notes_pins_freeze_and_export(client_for, incident, social_user):
    client = client_for("social")
    client.post(
        _url("incident_note_add", pk=incident.pk), {"text": "Called [Mastodon](http://x) *support*"}
    )
    note = TimelineEntry.objects.get(kind="note")
    client.post(_url("incident_pin", pk=incident.pk, entry_pk=note.pk), {"pinned": "1"})
    assert TimelineEntry.objects.get(pk=note.pk).pinned
    client.post(_url("incident_freeze", pk=incident.pk), {"reason": "Storm running"})
    assert incident.freezes.get().reason == "Storm running"

    export = client.get(_url("incident_markdown", pk=incident.pk))
    assert export["Content-Type"].startswith("text/markdown")
    assert f"{incident.reference}.md" in export["Content-Disposition"]
    text = export.content.decode()
    assert "## Timeline" in text
    assert "## Pinned" in text
    assert r"\[Mastodon\]" in text
    assert r"\*support\*" in text
    assert "Publishing frozen: Storm running" in text


def test_a_statement_goes_to_legal_and_back_from_its_page(
    client_for, incident, social_user, legal_user
):
    incident_assign_role(actor=social_user, incident=incident, role="legal", person=legal_user)
    client = client_for("social")
    client.post(
        _url("incident_statement_create", pk=incident.pk),
        {"title": "Reply", "text": "We are on it."},
    )
    statement = HoldingStatement.objects.get()
    url = _url("incident_statement", pk=incident.pk, statement_pk=statement.pk)
    client.post(url, {"action": "submit"})
    legal = client_for("legal")
    page = legal.get(url).content.decode()
    assert "Approve this text" in page
    legal.post(url, {"action": "approve", "digest": statement.digest(), "comment": ""})
    statement.refresh_from_db()
    assert statement.is_cleared
    # The author edits: the approval is void, and the page says so.
    response = client.post(
        url,
        {"action": "save", "title": "Reply", "text": "We are still on it.", "channel": ""},
        follow=True,
    )
    assert "approval is void" in response.content.decode()
    statement.refresh_from_db()
    assert not statement.is_cleared
    # HR can read it but neither edit nor approve it.
    hr = client_for("hr")
    assert hr.post(url, {"action": "approve"}).status_code == 403
    assert HoldingStatement.objects.get().state == "draft"


def test_the_review_page_closes_the_incident(client_for, incident, social_user, legal_user):
    client = client_for("social")
    client.post(
        _url("incident_status", pk=incident.pk), {"status": "resolved", "reason": "Handled."}
    )
    form = {
        "summary": "Storm over the update.",
        "impact": "300 mentions.",
        "went_well": "Fast acknowledgment.",
        "went_badly": "Legal was reached late.",
        "items-TOTAL_FORMS": "3",
        "items-INITIAL_FORMS": "0",
        "items-0-title": "Name a legal on-call",
        "items-0-assignee": legal_user.pk,
        "items-0-due_at": "2026-04-01",
        "items-1-title": "Half-filled",
    }
    response = client.post(_url("incident_review", pk=incident.pk), form)
    assert response.status_code == 200  # the half-filled item is refused
    assert "needs a title, an owner and a due date" in response.content.decode()
    form.pop("items-1-title")
    response = client.post(_url("incident_review", pk=incident.pk), form)
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == "reviewed"
    item = IncidentTask.objects.get(kind="action_item")
    assert item.assignee == legal_user
    assert (
        "Name a legal on-call"
        in client_for("legal").get(_url("incident_my_tasks")).content.decode()
    )
    assert AuditEvent.objects.filter(verb="incident.review").count() == 1


def test_a_freeze_panel_and_lift_on_the_page(client_for, incident, social_user):
    freeze_start(actor=social_user, incident=incident, reason="Storm <b>running</b>")
    html = client_for("social").get(_url("incident_detail", pk=incident.pk)).content.decode()
    assert "Lift the freeze" in html
    assert "Storm &lt;b&gt;running&lt;/b&gt;" in html
    client_for("social").post(_url("incident_unfreeze", pk=incident.pk), {"note": "over"})
    assert (
        "Lift the freeze"
        not in client_for("social").get(_url("incident_detail", pk=incident.pk)).content.decode()
    )


def test_a_pending_statement_waits_for_legal_on_the_dashboard_card(
    social_user, legal_user, incident
):
    from incidents.dashboard import dashboard_card

    incident_assign_role(actor=social_user, incident=incident, role="legal", person=legal_user)
    statement_submit(
        actor=social_user,
        statement=statement_create(actor=social_user, incident=incident, title="t", text="x"),
    )
    card = dashboard_card(legal_user)
    assert dict(card["by_severity"])[2] == 1
    assert card["mine"] == incident.tasks.filter(role="legal").count()
    assert dashboard_card(UserFactory()) is None
