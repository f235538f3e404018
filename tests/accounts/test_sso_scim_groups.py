"""SCIM 2.0 /scim/v2/Groups (Okta's and Entra's shapes), and the roles its groups drive."""

import json

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from accounts import services
from accounts.models import IdentityProvider, ScimGroup
from riskdesk.models import AuditEvent
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

SCIM = "application/scim+json"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


@pytest.fixture
def provider(admin_user):
    return services.scim_provider_create(actor=admin_user, name="Okta")


@pytest.fixture
def mapping(provider):
    """The single sign-on provider linked to this SCIM connection, with its mapping."""
    sso = IdentityProvider(
        name="Okta SSO",
        slug="okta",
        issuer="https://lumora.okta.example",
        client_id="c",
        scim_provider=provider[0],
        group_roles={"rd-social": "social", "rd-legal": "legal"},
    )
    sso.secret = {"client_secret": "x"}
    sso.save()
    return sso


@pytest.fixture
def call(provider):
    token = provider[1]
    client = Client()

    def send(method, path, body=None, token=token):
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        data = json.dumps(body) if body is not None else ""
        return getattr(client, method)(f"/scim/v2{path}", data=data, content_type=SCIM, **kwargs)

    return send


@pytest.fixture
def people(provider, admin_user):
    """Two people the provider manages, with no roles yet."""
    found = []
    for email in ("ana@example.com", "ben@example.com"):
        person = UserFactory(email=email)
        services.scim_identity_link(actor=admin_user, provider=provider[0], user=person)
        found.append(person)
    return found


def roles(person) -> list[str]:
    person.refresh_from_db()
    person.__dict__.pop("_roles_cache", None)
    return sorted(person.roles)


def create(call, name, members=()):
    response = call(
        "post",
        "/Groups",
        {
            "schemas": [GROUP],
            "displayName": name,
            "members": [{"value": str(m.pk)} for m in members],
        },
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_a_group_is_created_read_and_listed(call, people, mapping):
    body = create(call, "rd-social", [people[0]])

    assert body["displayName"] == "rd-social"
    assert body["members"][0]["value"] == str(people[0].pk)
    assert body["meta"]["resourceType"] == "Group"
    assert call("get", f"/Groups/{body['id']}").json()["id"] == body["id"]
    listing = call("get", '/Groups?filter=displayName eq "RD-SOCIAL"').json()
    assert listing["totalResults"] == 1
    bare = call("get", "/Groups?excludedAttributes=members").json()
    assert "members" not in bare["Resources"][0]
    assert AuditEvent.objects.filter(verb="scim.group_create").count() == 1


def test_members_of_a_mapped_group_get_its_role(call, people, mapping):
    create(call, "rd-social", people)

    assert roles(people[0]) == ["social"]
    assert roles(people[1]) == ["social"]
    event = AuditEvent.objects.filter(verb="auth.roles_from_groups").first()
    assert event.after["source"] == "scim:Okta"


def test_patch_adds_and_removes_members_and_their_roles(call, people, mapping):
    group = create(call, "rd-legal")
    ana, ben = people

    added = call(
        "patch",
        f"/Groups/{group['id']}",
        {
            "schemas": [PATCH],
            "Operations": [
                {"op": "add", "path": "members", "value": [{"value": str(ana.pk)}]},
                {"op": "Add", "path": "members", "value": [{"value": str(ben.pk)}]},
            ],
        },
    )
    assert added.status_code == 200
    assert roles(ana) == roles(ben) == ["legal"]

    removed = call(
        "patch",
        f"/Groups/{group['id']}",
        {
            "schemas": [PATCH],
            "Operations": [{"op": "remove", "path": f'members[value eq "{ana.pk}"]'}],
        },
    )
    assert removed.status_code == 200
    assert roles(ana) == []
    assert roles(ben) == ["legal"]
    assert {m["value"] for m in removed.json()["members"]} == {str(ben.pk)}

    # Entra removes with a value list on the path "members".
    call(
        "patch",
        f"/Groups/{group['id']}",
        {
            "schemas": [PATCH],
            "Operations": [{"op": "Remove", "path": "members", "value": [{"value": str(ben.pk)}]}],
        },
    )
    assert roles(ben) == []
    assert AuditEvent.objects.filter(verb="scim.group_update").count() == 3


def test_renaming_a_group_out_of_the_mapping_takes_the_role(call, people, mapping):
    group = create(call, "rd-social", [people[0]])

    call(
        "patch",
        f"/Groups/{group['id']}",
        {"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"displayName": "x"}}]},
    )

    assert ScimGroup.objects.get().display_name == "x"
    assert roles(people[0]) == []


def test_put_replaces_the_members(call, people, mapping):
    group = create(call, "rd-social", [people[0]])

    response = call(
        "put",
        f"/Groups/{group['id']}",
        {"schemas": [GROUP], "displayName": "rd-social", "members": [{"value": str(people[1].pk)}]},
    )

    assert response.status_code == 200
    assert roles(people[0]) == []
    assert roles(people[1]) == ["social"]


def test_delete_removes_the_group_and_its_roles(call, people, mapping):
    group = create(call, "rd-social", people)

    assert call("delete", f"/Groups/{group['id']}").status_code == 204

    assert not ScimGroup.objects.exists()
    assert roles(people[0]) == roles(people[1]) == []
    assert AuditEvent.objects.filter(verb="scim.group_delete").count() == 1


def test_other_roles_and_admins_are_left_alone(call, people, mapping, admin_user):
    from accounts.models import ScimIdentity

    people[0].groups.add(Group.objects.get(name="hr"))
    create(call, "rd-social", [people[0]])

    assert roles(people[0]) == ["hr", "social"]
    assert not ScimIdentity.objects.filter(user=admin_user).exists()
    bad = call(
        "post", "/Groups", {"displayName": "rd-legal", "members": [{"value": str(admin_user.pk)}]}
    )
    assert bad.status_code == 400
    assert bad.json()["scimType"] == "invalidValue"


def test_errors_use_the_scim_error_schema(call, people, provider):
    missing = call("get", "/Groups/999")
    create(call, "team")
    duplicate = call("post", "/Groups", {"displayName": "TEAM"})
    no_name = call("post", "/Groups", {"displayName": ""})
    bad_filter = call("get", '/Groups?filter=members eq "1"')
    bad_patch = call("patch", f"/Groups/{ScimGroup.objects.get().pk}", {"Operations": []})
    no_token = call("get", "/Groups", token="")

    for response, status in [
        (missing, 404),
        (duplicate, 409),
        (no_name, 400),
        (bad_filter, 400),
        (bad_patch, 400),
        (no_token, 401),
    ]:
        assert response.status_code == status
        assert response["Content-Type"] == SCIM
        assert response.json()["schemas"] == [ERROR]


def test_a_provider_sees_only_its_own_groups(call, people, admin_user):
    create(call, "rd-social")
    _other, token = services.scim_provider_create(actor=admin_user, name="Entra")

    listing = call("get", "/Groups", token=token).json()

    assert listing["totalResults"] == 0
    assert call("get", f"/Groups/{ScimGroup.objects.get().pk}", token=token).status_code == 404


def test_without_a_linked_mapping_groups_change_no_roles(call, people):
    create(call, "rd-social", people)

    assert roles(people[0]) == []
