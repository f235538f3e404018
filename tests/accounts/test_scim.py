"""SCIM 2.0 /scim/v2/Users with request bodies shaped like Okta's and Microsoft Entra's."""

import json

import pytest
from django.test import Client

from accounts import scim, services
from accounts.models import (
    ApiToken,
    CaseSource,
    CaseStatus,
    OffboardingCase,
    ScimIdentity,
    User,
)
from riskdesk.models import AuditEvent
from tests.accounts.factories import UserFactory
from tests.accounts.offboarding_factories import AccessGrantFactory
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

SCIM = "application/scim+json"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    from accounts import tasks

    monkeypatch.setattr(tasks.revoke_access, "delay", lambda task_id: None)


@pytest.fixture
def provider(admin_user):
    return scim.scim_provider_create(actor=admin_user, name="Okta")


@pytest.fixture
def idp(provider):
    """A client that talks SCIM with the provider's bearer token."""
    _provider, token = provider

    class Idp:
        client = Client()

        def call(self, method, path, body=None, token=token):
            kwargs = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
            data = (
                body
                if isinstance(body, str | bytes)
                else json.dumps(body)
                if body is not None
                else ""
            )
            return getattr(self.client, method)(
                f"/scim/v2{path}", data=data, content_type=SCIM, **kwargs
            )

    return Idp()


OKTA_CREATE = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "userName": "chloe.garnier@example.com",
    "name": {"givenName": "Chloé", "familyName": "Garnier"},
    "emails": [{"primary": True, "value": "chloe.garnier@example.com", "type": "work"}],
    "displayName": "Chloé Garnier",
    "locale": "en-US",
    "externalId": "00ujl29u0le5T6Aj10h7",
    "groups": [],
    "password": "not-kept-1234",
    "active": True,
}

ENTRA_CREATE = {
    "schemas": [
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    ],
    "externalId": "jules.moreau",
    "userName": "Jules.Moreau@example.com",
    "active": True,
    "emails": [{"primary": True, "type": "work", "value": "Jules.Moreau@example.com"}],
    "meta": {"resourceType": "User"},
    "name": {"formatted": "Jules Moreau", "familyName": "Moreau", "givenName": "Jules"},
    "roles": [],
}


def test_okta_creates_finds_and_deactivates_a_person(idp, hr_user):
    created = idp.call("post", "/Users", OKTA_CREATE)
    assert created.status_code == 201, created.content
    assert created["Content-Type"] == SCIM
    body = created.json()
    person = User.objects.get(email="chloe.garnier@example.com")
    assert body["id"] == str(person.pk)
    assert body["active"] is True
    assert body["externalId"] == "00ujl29u0le5T6Aj10h7"
    assert created["Location"].endswith(f"/scim/v2/Users/{person.pk}")
    assert person.display_name == "Chloé Garnier"
    assert not person.has_usable_password()

    found = idp.call(
        "get",
        "/Users?filter=userName%20eq%20%22chloe.garnier%40example.com%22&startIndex=1&count=100",
    )
    assert found.json()["totalResults"] == 1
    assert found.json()["Resources"][0]["id"] == str(person.pk)

    AccessGrantFactory(person=person)
    services.api_token_create(actor=person, user=person)
    deactivate = {"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": False}}]}
    response = idp.call("patch", f"/Users/{person.pk}", deactivate)

    assert response.status_code == 200
    assert response.json()["active"] is False
    case = OffboardingCase.objects.get(person=person)
    assert case.status == CaseStatus.OPEN
    assert case.source == CaseSource.SCIM
    assert case.identity_provider.name == "Okta"
    assert case.opened_by is None
    person.refresh_from_db()
    assert not person.is_active
    assert not ApiToken.objects.filter(user=person).usable().exists()
    assert case.tasks.filter(kind="revoke").count() == 1
    event = AuditEvent.objects.get(verb="offboarding.open")
    assert event.actor is None
    assert event.after["provider"] == "Okta"


def test_okta_put_with_active_false_deprovisions(idp):
    person = UserFactory(email="sam@example.com", display_name="Sam Leroy")
    body = {
        **OKTA_CREATE,
        "userName": "sam@example.com",
        "displayName": "Sam Leroy",
        "active": False,
    }

    response = idp.call("put", f"/Users/{person.pk}", body)

    assert response.status_code == 200
    assert OffboardingCase.objects.filter(person=person, status="open").exists()


def test_entra_string_false_and_delete(idp):
    created = idp.call("post", "/Users", ENTRA_CREATE).json()
    person = User.objects.get(pk=created["id"])
    assert person.email == "jules.moreau@example.com"
    assert person.display_name == "Jules Moreau"
    assert ScimIdentity.objects.get(user=person).external_id == "jules.moreau"

    by_external = idp.call("get", '/Users?filter=externalId eq "jules.moreau"')
    assert by_external.json()["Resources"][0]["userName"] == "jules.moreau@example.com"

    entra = {
        "schemas": [PATCH],
        "Operations": [
            {"op": "Replace", "path": "active", "value": "False"},
            {"op": "Add", "path": "title", "value": "Community manager"},
        ],
    }
    assert idp.call("patch", f"/Users/{person.pk}", entra).status_code == 200
    first = OffboardingCase.objects.get(person=person)

    # Entra then deletes the user: the open case is the one, not a second.
    assert idp.call("delete", f"/Users/{person.pk}").status_code == 204
    assert list(OffboardingCase.objects.filter(person=person)) == [first]
    assert User.objects.filter(pk=person.pk).exists()  # the record stays


def test_delete_alone_opens_the_case(idp):
    person = UserFactory()
    assert idp.call("delete", f"/Users/{person.pk}").status_code == 204
    assert OffboardingCase.objects.get(person=person).source == CaseSource.SCIM


def test_rename_through_patch(idp):
    person = UserFactory(display_name="Old Name")
    ops = {
        "schemas": [PATCH],
        "Operations": [{"op": "replace", "path": "displayName", "value": "New Name"}],
    }

    assert idp.call("patch", f"/Users/{person.pk}", ops).json()["displayName"] == "New Name"
    person.refresh_from_db()
    assert person.display_name == "New Name"
    assert person.is_active
    assert AuditEvent.objects.filter(verb="scim.user_update", target_id=str(person.pk)).exists()


@pytest.mark.parametrize("header", [None, "Bearer wrong-token", "Basic dXNlcjpwYXNz", "Bearer "])
def test_wrong_or_missing_token_is_401_with_a_scim_error(idp, header):
    person = UserFactory()
    kwargs = {"HTTP_AUTHORIZATION": header} if header else {}

    response = Client().delete(f"/scim/v2/Users/{person.pk}", **kwargs)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert response.json()["status"] == "401"
    assert not OffboardingCase.objects.exists()


def test_a_turned_off_provider_is_refused(idp, provider, admin_user):
    scim.scim_provider_set_active(actor=admin_user, provider=provider[0], is_active=False)
    assert idp.call("get", "/Users").status_code == 401


def test_a_rotated_token_replaces_the_old_one(idp, provider, admin_user):
    new = scim.scim_provider_rotate(actor=admin_user, provider=provider[0])
    assert idp.call("get", "/Users").status_code == 401
    assert idp.call("get", "/Users", token=new).status_code == 200


@pytest.mark.parametrize(
    ("method", "body", "scim_type"),
    [
        ("post", "{not json", "invalidSyntax"),
        ("post", "[1, 2]", "invalidSyntax"),
        ("post", {"displayName": "No user name"}, "invalidValue"),
        ("post", {"userName": "not-an-email"}, "invalidValue"),
        ("post", {"userName": "a@example.com", "active": "maybe"}, "invalidValue"),
        (
            "patch",
            {"Operations": [{"op": "replace", "path": "active", "value": False}]},
            "invalidSyntax",
        ),
        ("patch", {"schemas": [PATCH], "Operations": []}, "invalidSyntax"),
        (
            "patch",
            {"schemas": [PATCH], "Operations": [{"op": "move", "path": "active"}]},
            "invalidSyntax",
        ),
        (
            "patch",
            {"schemas": [PATCH], "Operations": [{"op": "replace", "value": "x"}]},
            "invalidValue",
        ),
        (
            "patch",
            {"schemas": [PATCH], "Operations": [{"op": "replace", "path": "active", "value": 3}]},
            "invalidValue",
        ),
    ],
)
def test_malformed_requests_get_scim_errors_and_change_nothing(idp, method, body, scim_type):
    person = UserFactory(email="kept@example.com")
    path = "/Users" if method == "post" else f"/Users/{person.pk}"
    users_before = User.objects.count()

    response = idp.call(method, path, body)

    assert response.status_code == 400, response.content
    assert response["Content-Type"] == SCIM
    assert response.json()["scimType"] == scim_type
    assert response.json()["detail"]
    assert User.objects.count() == users_before
    person.refresh_from_db()
    assert person.is_active
    assert not OffboardingCase.objects.exists()


def test_bad_filter_unknown_user_and_duplicates(idp):
    UserFactory(email="taken@example.com")

    assert idp.call("get", '/Users?filter=title co "x"').json()["scimType"] == "invalidFilter"
    assert idp.call("get", "/Users/999999").status_code == 404
    assert idp.call("get", "/Users/abc").status_code == 404
    duplicate = idp.call("post", "/Users", {**OKTA_CREATE, "userName": "TAKEN@example.com"})
    assert duplicate.status_code == 409
    assert duplicate.json()["scimType"] == "uniqueness"


def test_reactivation_waits_for_the_open_case(idp):
    person = UserFactory()
    idp.call("delete", f"/Users/{person.pk}")
    ops = {"schemas": [PATCH], "Operations": [{"op": "replace", "path": "active", "value": True}]}

    response = idp.call("patch", f"/Users/{person.pk}", ops)

    assert response.status_code == 409
    person.refresh_from_db()
    assert not person.is_active


def test_list_pages_and_service_provider_config(idp):
    for n in range(3):
        UserFactory(email=f"p{n}@example.com")
    page = idp.call("get", "/Users?startIndex=2&count=2").json()

    assert page["startIndex"] == 2
    assert page["itemsPerPage"] == 2
    assert page["totalResults"] >= 3
    config = idp.call("get", "/ServiceProviderConfig").json()
    assert config["patch"]["supported"] is True


def test_admin_manages_providers_in_the_browser(client_for, no_role_user):
    client = client_for("admin")
    response = client.post("/scim-providers/", {"name": "Microsoft Entra ID"})
    assert response.status_code == 200
    token = response.context["token"]
    assert token.startswith("rdscim_")
    assert token.encode() in response.content
    assert client.get("/scim-providers/").content.count(token.encode()) == 0  # shown once

    other = Client()
    sign_in(other, no_role_user)
    assert other.get("/scim-providers/").status_code == 403
