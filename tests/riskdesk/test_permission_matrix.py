"""Every role (plus no role and nobody) against every protected page and API endpoint.

Each row names a request and the status each kind of visitor gets. Anonymous
visitors are sent to /login/ by pages and answered 401 by the API; a signed-in
person without the right is answered 403; and a refused request writes nothing.
"""

import json

import pytest

from accounts.models import Team, User
from riskdesk.models import AuditEvent
from tests.accounts.factories import TeamFactory, UserFactory
from tests.conftest import ANONYMOUS, NO_ROLE
from tests.riskdesk.factories import AuditEventFactory

pytestmark = pytest.mark.django_db

COLUMNS = ["social", "legal", "hr", "manager", "admin", NO_ROLE, ANONYMOUS]
SIGNED_IN = COLUMNS[:-1]


def everyone(status, anonymous):
    return dict.fromkeys(SIGNED_IN, status) | {ANONYMOUS: anonymous}


def only(allowed: dict, anonymous, refused=403):
    return dict.fromkeys(SIGNED_IN, refused) | allowed | {ANONYMOUS: anonymous}


PAGE = 302  # anonymous page visit: redirected to /login/
API = 401  # anonymous API call

SOMEONE = "someone@example.com"
NEW_PERSON_FORM = {
    "display_name": "Newcomer",
    "email": "newcomer@example.com",
    "employment_status": "active",
}
# Everything an admin's form needs; HR's form takes only the employment fields of it.
DEPARTURE_FORM = {"display_name": "Someone Else", "email": SOMEONE, "employment_status": "departed"}
OWN_PROFILE_FORM = {
    "display_name": "My New Name",
    "email": "{my_email}",
    "employment_status": "active",
}

# (method, path, body: JSON for the API, form fields for pages, expected status per column)
# {person}: someone else; {me}: the visitor themselves; {team}/{team_id}; {event};
# in bodies, {my_email} too.
MATRIX = [
    ("GET", "/", None, everyone(200, PAGE)),
    ("GET", "/people/", None, everyone(200, PAGE)),
    ("GET", "/people/new/", None, only({"admin": 200}, PAGE)),
    ("GET", "/people/{person}/", None, everyone(200, PAGE)),
    ("GET", "/people/{person}/edit/", None, only({"admin": 200, "hr": 200}, PAGE)),
    ("GET", "/people/{me}/edit/", None, everyone(200, PAGE)),
    ("GET", "/teams/", None, everyone(200, PAGE)),
    ("GET", "/teams/new/", None, only({"admin": 200}, PAGE)),
    ("GET", "/teams/{team}/", None, everyone(200, PAGE)),
    ("GET", "/teams/{team}/edit/", None, only({"admin": 200}, PAGE)),
    ("GET", "/audit/", None, only({"admin": 200}, PAGE)),
    ("GET", "/audit/{event}/", None, only({"admin": 200}, PAGE)),
    ("GET", "/account/security/", None, everyone(200, PAGE)),
    ("POST", "/people/new/", NEW_PERSON_FORM, only({"admin": 302}, PAGE)),
    ("POST", "/people/{person}/edit/", DEPARTURE_FORM, only({"admin": 302, "hr": 302}, PAGE)),
    ("POST", "/people/{me}/edit/", OWN_PROFILE_FORM, everyone(302, PAGE)),
    ("POST", "/teams/new/", {"name": "Night shift", "kind": "pr"}, only({"admin": 302}, PAGE)),
    ("POST", "/teams/{team}/edit/", {"name": "Renamed", "kind": "pr"}, only({"admin": 302}, PAGE)),
    ("GET", "/api/v1/users/", None, everyone(200, API)),
    ("GET", "/api/v1/users/{person}/", None, everyone(200, API)),
    (
        "POST",
        "/api/v1/users/",
        {"email": "newcomer@example.com", "display_name": "Newcomer"},
        only({"admin": 201}, API),
    ),
    ("PATCH", "/api/v1/users/{person}/", {"display_name": "Renamed"}, only({"admin": 200}, API)),
    ("PATCH", "/api/v1/users/{me}/", {"display_name": "My New Name"}, everyone(200, API)),
    (
        "PATCH",
        "/api/v1/users/{person}/",
        {"employment_status": "departed"},
        only({"admin": 200, "hr": 200}, API),
    ),
    ("PATCH", "/api/v1/users/{person}/", {"roles": ["admin"]}, only({"admin": 200}, API)),
    ("DELETE", "/api/v1/users/{person}/", None, everyone(405, API)),  # people depart instead
    ("GET", "/api/v1/teams/", None, everyone(200, API)),
    ("GET", "/api/v1/teams/{team_id}/", None, everyone(200, API)),
    ("POST", "/api/v1/teams/", {"name": "Night shift", "kind": "pr"}, only({"admin": 201}, API)),
    ("PATCH", "/api/v1/teams/{team_id}/", {"description": "New"}, only({"admin": 200}, API)),
    ("DELETE", "/api/v1/teams/{team_id}/", None, only({"admin": 204}, API)),
    ("GET", "/api/v1/audit-events/", None, only({"admin": 200}, API)),
    ("GET", "/api/v1/audit-events/{event}/", None, only({"admin": 200}, API)),
    ("POST", "/api/v1/audit-events/", {"verb": "forged"}, everyone(405, API)),
    ("PATCH", "/api/v1/audit-events/{event}/", {"verb": "forged"}, everyone(405, API)),
    ("DELETE", "/api/v1/audit-events/{event}/", None, everyone(405, API)),
]

CASES = [
    pytest.param(method, path, body, role, expected[role], id=f"{method} {path} as {role}")
    for method, path, body, expected in MATRIX
    for role in COLUMNS
]


def _state():
    """What a refused request must leave as it was."""
    return (
        AuditEvent.objects.count(),
        list(User.objects.order_by("pk").values_list("display_name", "is_active")),
        list(Team.objects.order_by("pk").values_list("name", "description")),
    )


@pytest.mark.parametrize(("method", "path", "body", "role", "expected"), CASES)
def test_permission_matrix(client_for, user_for, method, path, body, role, expected):
    person = UserFactory(email=SOMEONE, display_name="Someone Else")
    team = TeamFactory(slug="the-team")
    event = AuditEventFactory(actor=person)
    is_api = path.startswith("/api/")
    client = client_for(role, api=is_api)
    me = person if role == ANONYMOUS else user_for(role)
    ids = {
        "person": person.pk,
        "me": me.pk,
        "my_email": me.email,
        "team": team.slug,
        "team_id": team.pk,
        "event": event.pk,
    }
    url = path.format(**ids)
    if body is not None:
        body = {k: v.format(**ids) if isinstance(v, str) else v for k, v in body.items()}
    before = _state()

    if is_api:
        data = json.dumps(body) if body is not None else ""
        response = client.generic(method, url, data, content_type="application/json")
    elif method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, body)  # an HTML form

    assert response.status_code == expected, response.content[:500]
    if role == ANONYMOUS and not is_api:
        assert response["Location"] == f"/login/?next={url}"
    if expected in (401, 403, 405) or role == ANONYMOUS:
        assert _state() == before, "a refused request changed something"
    elif method != "GET":
        assert _state() != before, "an allowed write changed nothing"
    if is_api and expected >= 400:
        assert "detail" in response.json()
