"""The people and team pages: lists, forms, field-level rights and their query counts."""

import pytest
from django.core import mail

from accounts.models import EmploymentStatus, Team, TeamMembership, User
from riskdesk.models import AuditEvent
from tests.accounts.factories import TeamFactory, TeamMembershipFactory, UserFactory
from tests.riskdesk.factories import AuditEventFactory

pytestmark = pytest.mark.django_db


# --- People --------------------------------------------------------------------------------


def test_people_list_filters_by_role_and_text(client_for):
    UserFactory(display_name="Louise Fontaine", roles=["legal"])
    UserFactory(display_name="Lucas Legal-Intern", roles=["social"])
    client = client_for("social")

    by_role = client.get("/people/", {"role": "legal"})
    by_text = client.get("/people/", {"q": "lucas"})

    assert [p.display_name for p in by_role.context["people"]] == ["Louise Fontaine"]
    assert [p.display_name for p in by_text.context["people"]] == ["Lucas Legal-Intern"]


def test_people_list_answers_htmx_with_the_rows_only(client_for):
    UserFactory(display_name="Louise Fontaine")

    response = client_for("social").get("/people/", {"q": "louise"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert response.templates[0].name == "accounts/_people_rows.html"
    assert b"<html" not in response.content
    assert b"Louise Fontaine" in response.content


def test_admin_adds_a_person_who_is_invited(client_for, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("admin").post(
            "/people/new/",
            {
                "display_name": "Nadia Roux",
                "email": "nadia@example.com",
                "employment_status": "active",
                "roles": ["legal"],
            },
        )

    person = User.objects.get(email="nadia@example.com")
    assert response.status_code == 302
    assert response["Location"] == f"/people/{person.pk}/"
    assert person.roles == ["legal"]
    assert [m.to for m in mail.outbox] == [["nadia@example.com"]]


def test_adding_a_person_with_a_taken_email_shows_the_error(client_for):
    UserFactory(email="taken@example.com")
    client = client_for("admin")
    users_before = User.objects.count()

    response = client.post(
        "/people/new/",
        {"display_name": "Again", "email": "Taken@example.com", "employment_status": "active"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert User.objects.count() == users_before
    assert not AuditEvent.objects.filter(verb="user.create").exists()


def test_a_person_edits_their_own_name_but_nothing_else(client_for, social_user):
    response = client_for("social").post(
        f"/people/{social_user.pk}/edit/",
        {
            "display_name": "Sam L.",
            "email": "changed@example.com",  # disabled field: ignored
            "employment_status": "departed",  # disabled field: ignored
            "roles": ["admin"],  # disabled field: ignored
        },
    )

    assert response.status_code == 302
    social_user.refresh_from_db()
    assert social_user.display_name == "Sam L."
    assert social_user.email == "social@example.com"
    assert social_user.is_active is True
    assert social_user.roles == ["social"]


def test_hr_sees_only_employment_fields_enabled_and_records_a_departure(client_for):
    leaver = UserFactory(display_name="Leaver")
    client = client_for("hr")

    form = client.get(f"/people/{leaver.pk}/edit/").context["form"]
    enabled = {name for name, field in form.fields.items() if not field.disabled}
    assert enabled == {"employment_status", "departed_at"}

    response = client.post(
        f"/people/{leaver.pk}/edit/",
        {"employment_status": "departed", "display_name": "Renamed by HR"},
    )

    assert response.status_code == 302
    leaver.refresh_from_db()
    assert leaver.employment_status == EmploymentStatus.DEPARTED
    assert leaver.is_active is False
    assert leaver.display_name == "Leaver"


def test_a_departed_persons_open_session_stops_working(client_for, user_for):
    leaver_client = client_for("social")
    assert leaver_client.get("/").status_code == 200

    client_for("hr").post(
        f"/people/{user_for('social').pk}/edit/", {"employment_status": "departed"}
    )

    response = leaver_client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_an_unknown_person_is_a_404(client_for):
    assert client_for("social").get("/people/999999/").status_code == 404


# --- Teams ---------------------------------------------------------------------------------


def test_admin_creates_a_team_with_members_and_a_lead(client_for):
    ana, ben = UserFactory.create_batch(2)

    response = client_for("admin").post(
        "/teams/new/",
        {"name": "Crisis cell", "kind": "pr", "members": [ana.pk, ben.pk], "leads": [ana.pk]},
    )

    assert response.status_code == 302
    assert response["Location"] == "/teams/crisis-cell/"
    team = Team.objects.get(slug="crisis-cell")
    assert {m.user_id: m.is_lead for m in team.memberships.all()} == {ana.pk: True, ben.pk: False}


def test_a_team_form_with_a_lead_who_is_not_a_member_writes_nothing(client_for):
    outsider = UserFactory()
    client = client_for("admin")
    events_before = AuditEvent.objects.count()

    response = client.post(
        "/teams/new/", {"name": "Crisis cell", "kind": "pr", "leads": [outsider.pk]}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["leads"]
    assert not Team.objects.exists()
    assert AuditEvent.objects.count() == events_before


def test_editing_a_team_with_a_bad_lead_keeps_the_old_name(client_for):
    team = TeamFactory(name="Stable", slug="stable")
    outsider = UserFactory()

    response = client_for("admin").post(
        "/teams/stable/edit/", {"name": "Renamed", "kind": "pr", "leads": [outsider.pk]}
    )

    assert response.status_code == 200
    assert Team.objects.get(pk=team.pk).name == "Stable"
    assert not TeamMembership.objects.exists()


def test_a_team_form_without_a_name_shows_a_field_error(client_for):
    response = client_for("admin").post("/teams/new/", {"kind": "pr"})

    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert not Team.objects.exists()


def test_an_unknown_team_is_a_404(client_for):
    assert client_for("social").get("/teams/no-such-team/").status_code == 404


# --- Query counts of the list pages ---------------------------------------------------------


@pytest.fixture
def thirty_of_everything():
    teams = TeamFactory.create_batch(30)
    for n, team in enumerate(teams):
        person = UserFactory(roles=[["social"], ["legal", "hr"], []][n % 3])
        TeamMembershipFactory(team=team, user=person, is_lead=n % 2 == 0)
        AuditEventFactory(actor=person)


def test_people_page_query_count_does_not_grow(
    client_for, thirty_of_everything, django_assert_max_num_queries
):
    client = client_for("admin")

    with django_assert_max_num_queries(10):
        response = client.get("/people/")

    assert len(response.context["people"]) == 31


def test_teams_page_query_count_does_not_grow(
    client_for, thirty_of_everything, django_assert_max_num_queries
):
    client = client_for("admin")

    with django_assert_max_num_queries(7):
        response = client.get("/teams/")

    assert len(response.context["teams"]) == 30


def test_team_page_query_count_does_not_grow_with_members(
    client_for, django_assert_max_num_queries
):
    team = TeamFactory(slug="big")
    for _ in range(30):
        TeamMembershipFactory(team=team)
    client = client_for("admin")

    with django_assert_max_num_queries(9):
        response = client.get("/teams/big/")

    assert response.status_code == 200


def test_dashboard_query_count_does_not_grow(
    client_for, thirty_of_everything, django_assert_max_num_queries
):
    client = client_for("admin")

    # 11 (with the publishing freeze banner), the five risk and queue cards (riskiest,
    # impersonations, spikes, volume chart, queue), incidents 4, sponsored posts 1,
    # policies and training 8, offboarding 2, publishing 2.
    with django_assert_max_num_queries(33):
        response = client.get("/")

    assert response.status_code == 200
    assert len(response.context["recent_events"]) == 10
