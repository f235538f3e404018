"""/api/v1/organisation/, /sla-targets/, /team-hours/, /holidays/, /reply-templates/."""

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from accounts.roles import Role
from accounts.services import api_token_create
from inbox.models import Holiday, ReplyTemplate, SlaTarget, TeamHours
from monitoring.models import Priority
from riskdesk.models import AuditEvent
from tests.accounts.factories import TeamFactory
from tests.conftest import NO_ROLE
from tests.inbox.factories import ReplyTemplateFactory
from tests.workspace.factories import HolidayFactory

pytestmark = pytest.mark.django_db


def token_client(user) -> APIClient:
    _token, key = api_token_create(actor=user, user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_admin_manages_sla_targets_with_a_token(admin_user):
    client = token_client(admin_user)
    listing = client.get("/api/v1/sla-targets/").json()
    normal = next(
        t for t in listing["results"] if t["priority"] == Priority.NORMAL and t["team"] is None
    )
    assert normal["first_response"] == "2 h"
    assert normal["resolution"] == "3 d"
    team = TeamFactory()
    created = client.post(
        "/api/v1/sla-targets/",
        {
            "team": team.pk,
            "priority": Priority.HIGH,
            "first_response": "90 min",
            "resolution": "1 d 4 h",
            "business_hours": True,
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["first_response"] == "1 h 30 min"
    pk = created.json()["id"]
    changed = client.patch(
        f"/api/v1/sla-targets/{pk}/", {"first_response": "30 min"}, format="json"
    )
    assert changed.json()["first_response"] == "30 min"
    assert SlaTarget.objects.get(pk=pk).first_response == timedelta(minutes=30)
    assert client.delete(f"/api/v1/sla-targets/{pk}/").status_code == 204
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"sla_target.create", "sla_target.update", "sla_target.delete"} <= verbs


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"first_response": "soon", "resolution": "1 d"}, "first_response"),
        ({"first_response": "0 min", "resolution": "1 d"}, "first_response"),
        ({"first_response": 30, "resolution": "1 d"}, "first_response"),
        ({"first_response": "1 h", "resolution": "-1 d"}, "resolution"),
        ({"first_response": "1 h", "resolution": "1 d", "team": None}, "priority"),
    ],
)
def test_sla_target_bad_input_is_a_400(api_client_for, data, field):
    body = {"priority": Priority.NORMAL, "team": TeamFactory().pk, **data}
    response = api_client_for(Role.ADMIN).post("/api/v1/sla-targets/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize("role", [Role.SOCIAL, Role.LEGAL, Role.HR, Role.MANAGER, NO_ROLE])
def test_others_cannot_write_with_a_session_or_a_token(user_for, api_client_for, role):
    team = TeamFactory()
    target = SlaTarget.objects.get(team=None, priority=Priority.NORMAL)
    template = ReplyTemplateFactory()
    holiday = HolidayFactory(team=team)
    writes = [
        ("patch", "/api/v1/organisation/", {"brand_name": "Pwned"}),
        (
            "post",
            "/api/v1/sla-targets/",
            {"priority": 1, "first_response": "1 h", "resolution": "2 h", "team": team.pk},
        ),
        ("patch", f"/api/v1/sla-targets/{target.pk}/", {"first_response": "1 min"}),
        ("delete", f"/api/v1/sla-targets/{target.pk}/", None),
        (
            "post",
            "/api/v1/team-hours/",
            {"team": team.pk, "weekdays": [0], "opens": "09:00", "closes": "17:00"},
        ),
        ("post", "/api/v1/holidays/", {"team": team.pk, "date": "2026-07-14", "name": "x"}),
        ("delete", f"/api/v1/holidays/{holiday.pk}/", None),
        ("post", "/api/v1/reply-templates/", {"name": "x", "language": "en", "body": "Hi"}),
        ("patch", f"/api/v1/reply-templates/{template.pk}/", {"is_active": False}),
    ]
    for client in (api_client_for(role), token_client(user_for(role))):
        for method, url, body in writes:
            response = getattr(client, method)(url, body, format="json")
            assert response.status_code == 403, (method, url, response.status_code)
        assert client.get("/api/v1/organisation/").status_code == 403
    assert (
        not AuditEvent.objects.filter(verb__contains=".").exclude(verb__startswith="auth").exists()
    )
    target.refresh_from_db()
    assert target.first_response == timedelta(hours=2)


def test_organisation_api(api_client_for):
    client = api_client_for(Role.ADMIN)
    assert client.get("/api/v1/organisation/").json()["languages"] == ["en", "fr"]
    changed = client.patch(
        "/api/v1/organisation/",
        {"brand_name": "Northwind", "timezone": "Europe/Rome"},
        format="json",
    )
    assert changed.status_code == 200
    assert (changed.json()["brand_name"], changed.json()["timezone"]) == (
        "Northwind",
        "Europe/Rome",
    )
    bad = client.patch("/api/v1/organisation/", {"timezone": "Europe/Atlantis"}, format="json")
    assert bad.status_code == 400
    assert "timezone" in bad.json()
    bad = client.patch("/api/v1/organisation/", {"languages": ["klingon"]}, format="json")
    assert bad.status_code == 400
    assert "languages" in bad.json()


def test_team_hours_and_holidays_api(api_client_for):
    client = api_client_for(Role.ADMIN)
    team = TeamFactory()
    bad = client.post(
        "/api/v1/team-hours/",
        {"team": team.pk, "weekdays": [0], "opens": "18:00", "closes": "08:00"},
        format="json",
    )
    assert bad.status_code == 400
    assert "closes" in bad.json()
    created = client.post(
        "/api/v1/team-hours/",
        {"team": team.pk, "weekdays": [0, 1], "opens": "08:00", "closes": "18:00"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["timezone"] == "Europe/Paris"  # the organisation's
    pk = created.json()["id"]
    changed = client.patch(
        f"/api/v1/team-hours/{pk}/", {"timezone": "Europe/London"}, format="json"
    )
    assert changed.json()["timezone"] == "Europe/London"
    assert changed.json()["weekdays"] == [0, 1]
    holiday = client.post(
        "/api/v1/holidays/",
        {"team": team.pk, "date": "2026-07-14", "name": "Bastille Day"},
        format="json",
    )
    assert holiday.status_code == 201
    twice = client.post(
        "/api/v1/holidays/", {"team": team.pk, "date": "2026-07-14", "name": "Again"}, format="json"
    )
    assert twice.status_code == 400
    assert "date" in twice.json()
    assert client.delete(f"/api/v1/team-hours/{pk}/").status_code == 204
    assert not TeamHours.objects.filter(team=team).exists()
    assert Holiday.objects.filter(team=team).count() == 1


def test_reply_templates_api(api_client_for):
    client = api_client_for(Role.ADMIN)
    created = client.post(
        "/api/v1/reply-templates/",
        {"name": "Hi", "language": "en", "body": "Hi {author} — {brand}"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert (
        client.patch(f"/api/v1/reply-templates/{pk}/", {"is_active": False}, format="json").json()[
            "is_active"
        ]
        is False
    )
    bad = client.post(
        "/api/v1/reply-templates/",
        {"name": "Bad", "language": "en", "body": "{oops}"},
        format="json",
    )
    assert bad.status_code == 400
    assert "body" in bad.json()
    bad = client.post(
        "/api/v1/reply-templates/", {"name": "Hi", "language": "en", "body": "Hello"}, format="json"
    )
    assert bad.status_code == 400
    assert "name" in bad.json()
    assert ReplyTemplate.objects.filter(name="Hi").count() == 1
    social = api_client_for(Role.SOCIAL).get("/api/v1/reply-templates/")
    assert social.status_code == 200  # the people who reply read them
