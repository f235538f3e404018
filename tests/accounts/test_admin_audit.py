"""Changes made through the Django admin to people, roles (groups) and teams are audited."""

import datetime

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.db.models import QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import EmploymentStatus, ScimIdentity, Team, TeamMembership, User
from riskdesk.admin import AuditedModelAdmin
from riskdesk.models import AuditEvent
from tests.accounts.factories import TeamFactory, UserFactory
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return UserFactory(email="root@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    sign_in(client, superuser)
    return client


def form_data(client, url, **changes) -> dict:
    """The admin form's current values as a browser would post them, with `changes`."""
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if name in changes:
            value = changes[name]
        if value is None or value is False:
            continue
        if value is True:
            data[name] = "on"
        elif isinstance(value, datetime.datetime):
            data[f"{name}_0"], data[f"{name}_1"] = (
                value.date().isoformat(),
                value.strftime("%H:%M:%S"),
            )
        elif isinstance(value, list | tuple | QuerySet):
            data[name] = [getattr(v, "pk", v) for v in value]
        else:
            data[name] = getattr(value, "pk", value)
    for formset in response.context.get("inline_admin_formsets", []):
        prefix = formset.formset.prefix
        data |= {
            f"{prefix}-TOTAL_FORMS": "0",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
    return data


def test_changing_a_person_in_the_admin_is_audited(admin_client, superuser):
    person = UserFactory(email="ana@example.com", roles=["social"])
    url = f"/admin/accounts/user/{person.pk}/change/"
    admin_group = Group.objects.get(name="admin")

    response = admin_client.post(
        url,
        form_data(
            admin_client,
            url,
            is_superuser=True,
            groups=[admin_group.pk],
            employment_status=EmploymentStatus.ACTIVE,
        ),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    event = AuditEvent.objects.get(verb="user.admin_update")
    assert event.actor == superuser
    assert event.target_id == str(person.pk)
    assert (event.before["is_superuser"], event.after["is_superuser"]) == (False, True)
    assert (event.before["roles"], event.after["roles"]) == (["social"], ["admin"])


def test_saving_a_person_unchanged_writes_nothing(admin_client):
    person = UserFactory()
    url = f"/admin/accounts/user/{person.pk}/change/"

    assert admin_client.post(url, form_data(admin_client, url)).status_code == 302
    assert not AuditEvent.objects.filter(verb__startswith="user.admin").exists()


def test_adding_and_deleting_a_person_in_the_admin_is_audited(admin_client):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "email": "new@example.com",
            "display_name": "New Person",
            "password1": "a-long-password-42",
            "password2": "a-long-password-42",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    person = User.objects.get(email="new@example.com")
    assert AuditEvent.objects.get(verb="user.admin_create").after["email"] == "new@example.com"

    response = admin_client.post(f"/admin/accounts/user/{person.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not User.objects.filter(pk=person.pk).exists()
    event = AuditEvent.objects.get(verb="user.admin_delete")
    assert event.before["email"] == "new@example.com"


def test_the_bulk_delete_action_audits_each_person(admin_client):
    people = UserFactory.create_batch(2)

    response = admin_client.post(
        "/admin/accounts/user/",
        {"action": "delete_selected", "_selected_action": [p.pk for p in people], "post": "yes"},
    )

    assert response.status_code == 302
    deleted = AuditEvent.objects.filter(verb="user.admin_delete")
    assert sorted(deleted.values_list("target_id", flat=True)) == sorted(str(p.pk) for p in people)


def test_a_password_set_in_the_admin_is_audited(admin_client, superuser):
    person = UserFactory()

    response = admin_client.post(
        f"/admin/accounts/user/{person.pk}/password/",
        {"password1": "a-long-password-42", "password2": "a-long-password-42"},
    )

    assert response.status_code == 302
    event = AuditEvent.objects.get(verb="user.admin_password_change")
    assert (event.actor, event.target_id) == (superuser, str(person.pk))


def test_changing_a_roles_permissions_in_the_admin_is_audited(admin_client):
    group = Group.objects.get(name="hr")
    url = f"/admin/auth/group/{group.pk}/change/"
    extra = Permission.objects.get(codename="change_user")
    wanted = [*group.permissions.values_list("pk", flat=True), extra.pk]

    response = admin_client.post(url, form_data(admin_client, url, permissions=wanted))

    assert response.status_code == 302
    event = AuditEvent.objects.get(verb="group.admin_update")
    assert "accounts.change_user" not in event.before["permissions"]
    assert "accounts.change_user" in event.after["permissions"]


def test_team_memberships_changed_in_the_admin_are_audited(admin_client):
    team = TeamFactory(name="Legal")
    person = UserFactory()
    url = f"/admin/accounts/team/{team.pk}/change/"
    data = form_data(admin_client, url) | {
        "memberships-TOTAL_FORMS": "1",
        "memberships-0-user": person.pk,
        "memberships-0-is_lead": "on",
        "memberships-0-team": team.pk,
    }

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["errors"]
    assert TeamMembership.objects.filter(team=team, user=person, is_lead=True).exists()
    event = AuditEvent.objects.get(verb="team.admin_update")
    assert (event.before["members"], event.after["members"]) == ([], [person.pk])
    assert event.after["leads"] == [person.pk]


def test_an_admin_cannot_be_linked_to_a_scim_provider_in_the_admin(admin_client, superuser):
    from accounts import services

    provider, _token = services.scim_provider_create(actor=superuser, name="Okta")
    person = UserFactory()

    for user, linked in ((superuser, False), (person, True)):
        admin_client.post(
            "/admin/accounts/scimidentity/add/",
            {"provider": provider.pk, "user": user.pk, "external_id": "x"},
        )
        assert ScimIdentity.objects.filter(user=user).exists() is linked
    assert AuditEvent.objects.filter(verb="scim_identity.admin_create").count() == 1


PEOPLE_AND_ROLES = {"accounts", "auth", "otp_totp", "otp_static"}


def test_every_admin_that_changes_people_teams_or_roles_is_audited():
    """A new ModelAdmin for these apps must audit its changes (or be read-only)."""
    unaudited = [
        f"{model._meta.label}: {type(model_admin).__name__}"
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in PEOPLE_AND_ROLES
        and not isinstance(model_admin, AuditedModelAdmin)
    ]

    assert unaudited == []
    assert {User, Group, Team, TOTPDevice} <= set(admin.site._registry)
    assert not [m for m in admin.site._registry if m._meta.app_label == "authtoken"]


def test_a_second_factor_removed_in_the_admin_is_audited(admin_client, superuser):
    person = UserFactory()
    device = TOTPDevice.objects.create(user=person, name="phone", confirmed=True)

    response = admin_client.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    event = AuditEvent.objects.get(verb="two_factor_device.admin_delete")
    assert event.before == {"user": person.pk, "name": "phone", "confirmed": True}
