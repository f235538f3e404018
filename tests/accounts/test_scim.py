"""SCIM 2.0 /scim/v2/Users with request bodies shaped like Okta's and Microsoft Entra's."""

import json

import pytest
from django.test import Client

from accounts import services
from accounts.models import ApiToken, ScimIdentity, User
from offboarding.models import CaseSource, CaseStatus, OffboardingCase
from riskdesk.models import AuditEvent
from tests.accounts.factories import UserFactory
from tests.conftest import sign_in
from tests.offboarding.factories import AccessGrantFactory

pytestmark = pytest.mark.django_db

SCIM = "application/scim+json"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    from offboarding import tasks

    monkeypatch.setattr(tasks.revoke_access, "delay", lambda task_id: None)


@pytest.fixture
def provider(admin_user):
    return services.scim_provider_create(actor=admin_user, name="Okta")


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


@pytest.fixture
def managed(provider, admin_user):
    """`managed(person)`: an admin links someone already in riskdesk to the provider."""

    def link(person, external_id=""):
        services.scim_identity_link(
            actor=admin_user, provider=provider[0], user=person, external_id=external_id
        )
        return person

    return link


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


def test_okta_put_with_active_false_deprovisions(idp, managed):
    person = managed(UserFactory(email="sam@example.com", display_name="Sam Leroy"))
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


def test_delete_alone_opens_the_case(idp, managed):
    person = managed(UserFactory())
    assert idp.call("delete", f"/Users/{person.pk}").status_code == 204
    assert OffboardingCase.objects.get(person=person).source == CaseSource.SCIM


def test_rename_through_patch(idp, managed):
    person = managed(UserFactory(display_name="Old Name"))
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
    services.scim_provider_set_active(actor=admin_user, provider=provider[0], is_active=False)
    assert idp.call("get", "/Users").status_code == 401


def test_a_rotated_token_replaces_the_old_one(idp, provider, admin_user):
    new = services.scim_provider_rotate(actor=admin_user, provider=provider[0])
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
def test_malformed_requests_get_scim_errors_and_change_nothing(
    idp, managed, method, body, scim_type
):
    person = managed(UserFactory(email="kept@example.com"))
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


def test_reactivation_waits_for_the_open_case(idp, managed):
    person = managed(UserFactory())
    idp.call("delete", f"/Users/{person.pk}")
    ops = {"schemas": [PATCH], "Operations": [{"op": "replace", "path": "active", "value": True}]}

    response = idp.call("patch", f"/Users/{person.pk}", ops)

    assert response.status_code == 409
    person.refresh_from_db()
    assert not person.is_active


def test_list_pages_and_service_provider_config(idp, managed):
    for n in range(3):
        managed(UserFactory(email=f"p{n}@example.com"))
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


# --- A provider manages only its own people, never an admin --------------------------------

RENAME = {
    "schemas": [PATCH],
    "Operations": [{"op": "replace", "path": "userName", "value": "owned@evil.example"}],
}
WRITES = [
    ("patch", RENAME),
    ("put", {**OKTA_CREATE, "userName": "owned@evil.example"}),
    ("delete", None),
]


def assert_untouched(person, email):
    person.refresh_from_db()
    assert person.email == email
    assert person.is_active
    assert not OffboardingCase.objects.filter(person=person).exists()


@pytest.mark.parametrize(("method", "body"), WRITES, ids=["patch", "put", "delete"])
def test_someone_the_provider_does_not_manage_looks_missing(idp, method, body):
    stranger = UserFactory(email="stranger@example.com")

    response = idp.call(method, f"/Users/{stranger.pk}", body)
    missing = idp.call(method, "/Users/999999", body)

    assert response.status_code == missing.status_code == 404
    assert response.json().keys() == missing.json().keys()
    assert idp.call("get", f"/Users/{stranger.pk}").status_code == 404
    assert_untouched(stranger, "stranger@example.com")


def test_people_the_provider_does_not_manage_are_absent_from_its_lists(idp, managed):
    UserFactory(email="stranger@example.com")
    mine = managed(UserFactory(email="mine@example.com"))
    other = services.scim_provider_create(actor=UserFactory(is_superuser=True), name="Entra")[0]
    linked_elsewhere = UserFactory(email="entra@example.com")
    ScimIdentity.objects.create(provider=other, user=linked_elsewhere, external_id="e-1")

    listed = idp.call("get", "/Users?count=200").json()
    found = [
        idp.call("get", f'/Users?filter={attribute} eq "{value}"').json()["totalResults"]
        for attribute, value in [
            ("userName", "stranger@example.com"),
            ("emails", "entra@example.com"),
            ("externalId", "e-1"),
            ("id", str(linked_elsewhere.pk)),
        ]
    ]

    assert [r["id"] for r in listed["Resources"]] == [str(mine.pk)]
    assert listed["totalResults"] == 1
    assert found == [0, 0, 0, 0]


@pytest.mark.parametrize("rights", ["admin_role", "superuser"])
@pytest.mark.parametrize(("method", "body"), WRITES, ids=["patch", "put", "delete"])
def test_people_with_admin_rights_are_never_changed_over_scim(idp, provider, method, body, rights):
    admin = UserFactory(
        email="root@example.com",
        roles=["admin"] if rights == "admin_role" else [],
        is_superuser=rights == "superuser",
    )
    # Even when the provider provisioned them before they became admins.
    ScimIdentity.objects.create(provider=provider[0], user=admin)

    response = idp.call(method, f"/Users/{admin.pk}", body)

    assert response.status_code == 403
    assert response["Content-Type"] == SCIM
    assert response.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert response.json()["status"] == "403"
    assert_untouched(admin, "root@example.com")


def test_an_admin_cannot_be_linked_to_a_provider(provider, admin_user):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.scim_identity_link(actor=admin_user, provider=provider[0], user=admin_user)
    assert not ScimIdentity.objects.filter(user=admin_user).exists()


def test_linking_needs_scim_manage_and_is_audited(provider, admin_user, hr_user):
    from django.core.exceptions import PermissionDenied

    person = UserFactory()
    with pytest.raises(PermissionDenied):
        services.scim_identity_link(actor=hr_user, provider=provider[0], user=person)

    services.scim_identity_link(actor=admin_user, provider=provider[0], user=person)

    event = AuditEvent.objects.get(verb="scim.identity_link")
    assert (event.actor, event.target_id) == (admin_user, str(person.pk))


@pytest.mark.parametrize(
    "name",
    [
        {"givenName": ["Chloé"], "familyName": "Garnier"},
        {"givenName": "Chloé", "familyName": {"x": 1}},
        {"formatted": 42},
        {"givenName": True},
    ],
)
def test_name_parts_must_be_strings(idp, managed, name):
    body = {k: v for k, v in OKTA_CREATE.items() if k != "displayName"} | {"name": name}
    person = managed(UserFactory(email="kept@example.com", display_name="Kept Name"))
    patch = {"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"name": name}}]}

    created = idp.call("post", "/Users", body)
    patched = idp.call("patch", f"/Users/{person.pk}", patch)

    for response in (created, patched):
        assert response.status_code == 400
        assert response.json()["scimType"] == "invalidValue"
    assert not User.objects.filter(email="chloe.garnier@example.com").exists()
    person.refresh_from_db()
    assert person.display_name == "Kept Name"
