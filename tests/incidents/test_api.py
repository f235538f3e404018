"""/api/v1/incidents/ and /api/v1/playbooks/: round trips, workflow actions, errors, schema."""

import pytest

from incidents.models import Incident, Playbook
from riskdesk.models import AuditEvent
from tests.incidents.factories import IncidentFactory, make_spike
from tests.monitoring.factories import MentionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def openapi_schema(django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def assert_matches_schema(schema, component, data):
    documented = schema["components"]["schemas"][component]
    assert set(data) == set(documented["properties"]), component


def test_the_schema_documents_the_workflow_actions(openapi_schema):
    paths = openapi_schema["paths"]
    for action in [
        "status",
        "severity",
        "assign-role",
        "complete-task",
        "add-task",
        "note",
        "pin",
        "link-mentions",
        "add-statement",
        "update-statement",
        "submit-statement",
        "approve-statement",
        "request-changes",
        "freeze",
        "unfreeze",
        "review",
    ]:
        assert "post" in paths[f"/api/v1/incidents/{{id}}/{action}/"], action
    assert "post" in paths["/api/v1/incidents/"]
    assert "get" in paths["/api/v1/publishing-freeze/"]
    assert {"get", "put", "patch", "delete"} <= set(paths["/api/v1/playbooks/{id}/"])


def test_declare_run_and_close_through_the_api(
    api_client_for, social_user, legal_user, storm_playbook, openapi_schema
):
    client = api_client_for("social")
    spike = make_spike(mentions=2)
    created = client.post(
        "/api/v1/incidents/",
        {"title": "Storm", "severity": 2, "playbook": storm_playbook.pk, "spike": spike.pk},
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert_matches_schema(openapi_schema, "Incident", body)
    assert body["lead"] == social_user.pk
    assert body["mention_count"] == 2
    pk = body["id"]
    again = client.post("/api/v1/incidents/", {"title": "Storm", "severity": 2, "spike": spike.pk})
    assert again.status_code == 200
    assert again.json()["id"] == pk

    def post(action, data, who=client):
        return who.post(f"/api/v1/incidents/{pk}/{action}/", data)

    assert post("assign-role", {"role": "legal", "person": legal_user.pk}).json()["legal"] == (
        legal_user.pk
    )
    tasks = client.get(f"/api/v1/incidents/{pk}/tasks/").json()
    legal_task = next(t for t in tasks if t["role"] == "legal")
    done = post("complete-task", {"task": legal_task["id"]}, api_client_for("legal"))
    assert done.json()["state"] == "done"
    assert post("add-task", {"title": "Call the platform", "role": "lead"}).status_code == 201
    note = post("note", {"text": "Platform answered"})
    assert note.status_code == 201
    assert post("pin", {"entry": note.json()["id"]}).json()["pinned"] is True
    extra = MentionFactory()
    assert post("link-mentions", {"mentions": [extra.pk]}).json() == {
        "linked": 1,
        "mention_count": 3,
    }
    statement = post("add-statement", {"title": "Reply", "text": "We are on it."}).json()
    assert post("submit-statement", {"statement": statement["id"]}).json()["state"] == "pending"
    approved = post(
        "approve-statement",
        {"statement": statement["id"], "digest": statement["digest"]},
        api_client_for("legal"),
    ).json()
    assert approved["is_cleared"] is True
    edited = post(
        "update-statement", {"statement": statement["id"], "title": "Reply", "text": "Changed"}
    ).json()
    assert edited["is_cleared"] is False
    assert post("severity", {"severity": 1}).json()["severity"] == 1
    assert post("freeze", {"reason": "Storm"}).json()["frozen"] is True
    assert post("status", {"status": "resolved", "reason": "x"}).status_code == 400  # frozen
    assert post("unfreeze", {}).json()["frozen"] is False
    resolved = post("status", {"status": "resolved", "reason": "Handled differently"})
    assert resolved.json()["status"] == "resolved"
    reviewed = client.post(
        f"/api/v1/incidents/{pk}/review/",
        {
            "summary": "s",
            "impact": "i",
            "went_well": "w",
            "went_badly": "b",
            "action_items": [
                {"title": "Train", "assignee": legal_user.pk, "due_at": "2026-04-01T09:00:00Z"}
            ],
        },
        format="json",
    ).json()
    assert reviewed["status"] == "reviewed"
    assert reviewed["metrics"]["time_to_resolve"] is not None
    timeline = client.get(f"/api/v1/incidents/{pk}/timeline/").json()
    assert timeline[0]["kind"] == "declared"
    assert {"declared", "role", "task", "note", "mentions", "statement", "freeze", "review"} <= {
        e["kind"] for e in timeline
    }
    markdown = client.get(f"/api/v1/incidents/{pk}/markdown/")
    assert markdown.status_code == 200
    assert b"## Timeline" in markdown.content


def test_bad_input_is_a_400_with_field_errors_and_nothing_written(api_client_for):
    client = api_client_for("social")
    response = client.post("/api/v1/incidents/", {"title": "", "severity": 7})
    assert response.status_code == 400
    assert set(response.json()) == {"title", "severity"}
    response = client.post("/api/v1/incidents/", {"title": "x", "severity": 2, "mentions": [999]})
    assert response.status_code == 400
    assert "mentions" in response.json()
    incident = IncidentFactory(lead=None)
    bad = client.post(f"/api/v1/incidents/{incident.pk}/status/", {"status": "flying"})
    assert bad.status_code == 400
    assert not Incident.objects.exclude(pk=incident.pk).exists()
    assert not AuditEvent.objects.exists()


def test_wrong_people_are_refused_and_nothing_changes(api_client_for, api_client, social_user):
    client = api_client_for("social")
    pk = client.post("/api/v1/incidents/", {"title": "x", "severity": 2}).json()["id"]
    before = AuditEvent.objects.count()
    legal = api_client_for("legal")
    assert legal.post(f"/api/v1/incidents/{pk}/status/", {"status": "contained"}).status_code == 403
    assert legal.post(f"/api/v1/incidents/{pk}/freeze/", {"reason": "r"}).status_code == 403
    assert api_client_for("no-role").get("/api/v1/incidents/").status_code == 403
    assert api_client.get("/api/v1/incidents/").status_code == 401
    assert AuditEvent.objects.count() == before
    assert Incident.objects.get(pk=pk).status == "declared"


def test_the_list_filters_and_its_query_count_does_not_grow(
    api_client_for, django_assert_max_num_queries
):
    client = api_client_for("manager")
    IncidentFactory.create_batch(2, severity=1)
    with django_assert_max_num_queries(8) as few:
        client.get("/api/v1/incidents/")
    IncidentFactory.create_batch(20, severity=3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/api/v1/incidents/?severity=1&state=open")
    assert [r["severity"] for r in response.json()["results"]] == [1, 1]


def test_playbooks_are_read_by_all_and_edited_by_admins(api_client_for, openapi_schema):
    social = api_client_for("social")
    listed = social.get("/api/v1/playbooks/").json()["results"]
    assert {p["scenario"] for p in listed} >= {
        "review_storm",
        "account_compromise",
        "impersonation",
        "compliance_breach",
        "legal_threat",
        "data_leak",
        "employee_post",
    }
    assert_matches_schema(openapi_schema, "Playbook", listed[0])
    body = {
        "name": "Influencer meltdown",
        "scenario": "employee_post",
        "default_severity": 3,
        "steps": [
            {"title": "Call the agency", "role": "communications", "due_minutes": 30},
            {
                "title": "Check the contract",
                "role": "legal",
                "due_minutes": 120,
                "policy_reference": "Sponsored content policy §5",
            },
        ],
    }
    assert social.post("/api/v1/playbooks/", body, format="json").status_code == 403
    admin = api_client_for("admin")
    created = admin.post("/api/v1/playbooks/", body, format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert [s["title"] for s in created.json()["steps"]] == [
        "Call the agency",
        "Check the contract",
    ]
    bad = admin.patch(
        f"/api/v1/playbooks/{pk}/",
        {"steps": [{"title": "x", "role": "nobody", "due_minutes": 5}]},
        format="json",
    )
    assert bad.status_code == 400
    patched = admin.patch(
        f"/api/v1/playbooks/{pk}/",
        {"steps": [{"title": "Only step", "role": "lead", "due_minutes": 10}]},
        format="json",
    )
    assert [s["title"] for s in patched.json()["steps"]] == ["Only step"]
    assert admin.delete(f"/api/v1/playbooks/{pk}/").status_code == 204
    assert not Playbook.objects.filter(pk=pk).exists()
    assert AuditEvent.objects.filter(verb__startswith="playbook.").count() == 3
