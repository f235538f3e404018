"""/api/v1/users/ and /api/v1/teams/: JSON round trips, field errors, and the schema."""

import json

import pytest
import yaml
from django.core import mail
from django.core.management import call_command

from accounts.models import Team, TeamMembership, User
from riskdesk.models import AuditEvent
from tests.accounts.factories import TeamFactory, TeamMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_api(api_client_for):
    return api_client_for("admin")


@pytest.fixture(scope="module")
def openapi_schema(django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def assert_matches_schema(schema, component, data):
    """The response carries exactly the fields the OpenAPI component documents."""
    documented = schema["components"]["schemas"][component]
    assert set(data) == set(documented["properties"]), component
    assert set(documented.get("required", [])) <= set(data)


def _written():
    return (
        User.objects.count(),
        Team.objects.count(),
        TeamMembership.objects.count(),
        AuditEvent.objects.count(),
    )


# --- Users ----------------------------------------------------------------------------


def test_users_create_retrieve_and_patch_round_trip(
    admin_api, admin_user, openapi_schema, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created = admin_api.post(
            "/api/v1/users/",
            {"email": "Nadia@Example.com", "display_name": "Nadia", "roles": ["legal"]},
        )

    assert created.status_code == 201, created.json()
    body = created.json()
    assert_matches_schema(openapi_schema, "User", body)
    assert body["email"] == "nadia@example.com"
    assert body["roles"] == ["legal"]
    assert body["is_active"] is True
    assert [m.to for m in mail.outbox] == [["nadia@example.com"]]  # invited

    fetched = admin_api.get(f"/api/v1/users/{body['id']}/").json()
    assert fetched == body

    patched = admin_api.patch(
        f"/api/v1/users/{body['id']}/", {"roles": ["legal", "manager"], "manager": admin_user.pk}
    )
    assert patched.status_code == 200, patched.json()
    assert patched.json()["roles"] == ["legal", "manager"]
    assert patched.json()["manager"] == admin_user.pk
    assert AuditEvent.objects.filter(verb="user.update", target_id=str(body["id"])).count() == 1


def test_users_list_shows_roles_and_team_slugs(api_client_for, openapi_schema):
    person = UserFactory(display_name="Aaron First", roles=["social"])
    TeamMembershipFactory(user=person, team=TeamFactory(name="Social media", slug="social"))
    client = api_client_for("manager")

    response = client.get("/api/v1/users/", {"role": "social"})

    assert response.status_code == 200
    [listed] = response.json()["results"]
    assert_matches_schema(openapi_schema, "User", listed)
    assert listed["id"] == person.pk
    assert listed["roles"] == ["social"]
    assert listed["teams"] == ["social"]


def test_users_create_refuses_a_taken_email_with_a_field_error(admin_api):
    UserFactory(email="taken@example.com")
    before = _written()

    response = admin_api.post(
        "/api/v1/users/", {"email": "TAKEN@example.com", "display_name": "Again"}
    )

    assert response.status_code == 400
    assert list(response.json()) == ["email"]
    assert _written() == before


def test_users_create_refuses_an_unknown_role_with_a_field_error(admin_api):
    before = _written()

    response = admin_api.post(
        "/api/v1/users/", {"email": "n@example.com", "display_name": "N", "roles": ["wizard"]}
    )

    assert response.status_code == 400
    assert "roles" in response.json()
    assert _written() == before


def test_users_create_lists_every_missing_field(admin_api):
    response = admin_api.post("/api/v1/users/", {})

    assert response.status_code == 400
    assert set(response.json()) == {"email", "display_name"}


def test_hr_records_a_departure_through_the_api(api_client_for):
    person = UserFactory()

    response = api_client_for("hr").patch(
        f"/api/v1/users/{person.pk}/", {"employment_status": "departed"}
    )

    assert response.status_code == 200, response.json()
    assert response.json()["is_active"] is False
    assert response.json()["departed_at"] is not None


def test_users_cannot_be_deleted_only_departed(admin_api):
    person = UserFactory()

    response = admin_api.delete(f"/api/v1/users/{person.pk}/")

    assert response.status_code == 405
    assert User.objects.filter(pk=person.pk).exists()


# --- Teams --------------------------------------------------------------------------------


def test_teams_create_patch_and_delete_round_trip(admin_api, openapi_schema):
    ana, ben = UserFactory.create_batch(2)

    created = admin_api.post(
        "/api/v1/teams/",
        {"name": "Crisis cell", "kind": "pr", "members": [ana.pk, ben.pk], "leads": [ana.pk]},
    )
    assert created.status_code == 201, created.json()
    team = created.json()
    assert_matches_schema(openapi_schema, "Team", team)
    assert team["slug"] == "crisis-cell"
    assert sorted(team["members"]) == sorted([ana.pk, ben.pk])
    assert team["leads"] == [ana.pk]

    assert admin_api.get(f"/api/v1/teams/{team['id']}/").json() == team

    patched = admin_api.patch(
        f"/api/v1/teams/{team['id']}/", {"description": "Runs the playbooks", "members": [ben.pk]}
    )
    assert patched.status_code == 200, patched.json()
    assert patched.json()["description"] == "Runs the playbooks"
    assert patched.json()["members"] == [ben.pk]
    assert patched.json()["leads"] == []

    deleted = admin_api.delete(f"/api/v1/teams/{team['id']}/")
    assert deleted.status_code == 204
    assert admin_api.get(f"/api/v1/teams/{team['id']}/").status_code == 404
    assert list(
        AuditEvent.objects.filter(target_id=str(team["id"]))
        .order_by("pk")
        .values_list("verb", flat=True)
    ) == ["team.create", "team.members", "team.update", "team.members", "team.delete"]


def test_teams_list_filters_by_kind(api_client_for):
    TeamFactory(name="Legal", kind="legal")
    TeamFactory(name="Social", kind="social")

    response = api_client_for("social").get("/api/v1/teams/", {"kind": "legal"})

    assert [t["name"] for t in response.json()["results"]] == ["Legal"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "pr"}, "name"),
        ({"name": "Night shift", "kind": "astrology"}, "kind"),
        ({"name": "Night shift", "kind": "pr", "members": [999999]}, "members"),
        ({"name": "Night shift", "kind": "pr", "email": "not-an-address"}, "email"),
    ],
    ids=["missing-name", "unknown-kind", "unknown-member", "bad-email"],
)
def test_teams_create_answers_bad_fields_with_field_errors(admin_api, body, field):
    before = _written()

    response = admin_api.post("/api/v1/teams/", body)

    assert response.status_code == 400
    assert field in response.json()
    assert _written() == before


def test_teams_create_with_a_lead_who_is_not_a_member_writes_nothing(admin_api):
    outsider = UserFactory()
    before = _written()

    response = admin_api.post(
        "/api/v1/teams/",
        {"name": "Night shift", "kind": "pr", "members": [], "leads": [outsider.pk]},
    )

    assert response.status_code == 400
    assert "leads" in response.json()
    assert _written() == before, "the team was created without its members"


def test_teams_patch_with_a_lead_who_is_not_a_member_changes_nothing(admin_api):
    team = TeamFactory(name="Stable")
    outsider = UserFactory()
    before = _written()

    response = admin_api.patch(
        f"/api/v1/teams/{team.pk}/", {"name": "Renamed", "leads": [outsider.pk]}
    )

    assert response.status_code == 400
    assert "leads" in response.json()
    assert Team.objects.get(pk=team.pk).name == "Stable"
    assert _written() == before


def test_teams_create_refuses_a_duplicate_name_whatever_its_case(admin_api):
    TeamFactory(name="Legal")

    response = admin_api.post("/api/v1/teams/", {"name": "legal", "kind": "legal"})

    assert response.status_code == 400
    assert "name" in response.json()
    assert Team.objects.count() == 1


# --- Malformed requests -----------------------------------------------------------------


@pytest.mark.parametrize(
    "raw_body",
    ['{"name": "Night shift", "kind": ', "not json at all", ""],
    ids=["truncated", "garbage", "empty"],
)
def test_a_body_that_is_not_json_is_answered_400_and_writes_nothing(admin_api, raw_body):
    before = _written()

    response = admin_api.generic(
        "POST", "/api/v1/teams/", raw_body, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()  # says what is wrong
    assert _written() == before


def test_a_json_list_where_an_object_is_expected_is_answered_400(admin_api):
    response = admin_api.generic(
        "POST", "/api/v1/teams/", json.dumps([{"name": "x"}]), content_type="application/json"
    )

    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    assert not Team.objects.exists()


@pytest.mark.parametrize("role", [None, "social"])
def test_an_unknown_api_route_answers_404_in_json(api_client_for, api_client, role):
    client = api_client if role is None else api_client_for(role)

    response = client.get("/api/v1/nope/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_an_unknown_object_answers_404_in_json(admin_api):
    response = admin_api.get("/api/v1/teams/999999/")

    assert response.status_code == 404
    assert "detail" in response.json()


# --- Schema and docs -------------------------------------------------------------------


def test_the_openapi_schema_is_served(api_client):
    response = api_client.get("/api/schema/")

    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    for path in [
        "/api/v1/users/",
        "/api/v1/teams/",
        "/api/v1/audit-events/",
        "/api/v1/auth/token/",
    ]:
        assert path in schema["paths"]
    assert {"cookieAuth", "tokenAuth"} <= set(schema["components"]["securitySchemes"])


def test_the_openapi_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    assert "/api/v1/teams/" in target.read_text()


def test_the_api_docs_page_is_served_to_signed_in_people(client_for):
    response = client_for("social").get("/api/docs/")

    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


# --- Query counts of the lists ------------------------------------------------------------


def _thirty_people_in_teams():
    teams = TeamFactory.create_batch(3)
    for n in range(30):
        TeamMembershipFactory(
            team=teams[n % 3], user=UserFactory(roles=[["social"], ["legal", "hr"], []][n % 3])
        )


def test_users_list_query_count_does_not_grow(api_client_for, django_assert_max_num_queries):
    client = api_client_for("social")
    _thirty_people_in_teams()

    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/users/")

    assert len(response.json()["results"]) == 31


def test_teams_list_query_count_does_not_grow(api_client_for, django_assert_max_num_queries):
    client = api_client_for("social")
    for team in TeamFactory.create_batch(30):
        TeamMembershipFactory(team=team)

    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/teams/")

    assert len(response.json()["results"]) == 30
