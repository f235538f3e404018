"""accounts.services: each operation checks permission, changes, and audits in one go."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import ApiToken, EmploymentStatus, Team, TeamKind, TeamMembership, User
from riskdesk.models import AuditEvent
from tests.accounts.factories import TeamFactory, TeamMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

DEPARTURE = datetime(2025, 5, 2, 17, 30, tzinfo=UTC)


# --- user_create ---------------------------------------------------------------------


def test_user_create_records_the_new_person_with_roles(
    admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        person = services.user_create(
            actor=admin_user,
            email="  Nadia.Roux@Example.COM ",
            display_name="Nadia Roux",
            roles=["legal", "hr"],
            manager=admin_user,
        )

    assert person.email == "nadia.roux@example.com"
    assert sorted(person.roles) == ["hr", "legal"]
    assert not person.has_usable_password()
    event = AuditEvent.objects.get(verb="user.create")
    assert event.actor == admin_user
    assert event.target_id == str(person.pk)
    assert event.before is None
    assert event.after == {
        "email": "nadia.roux@example.com",
        "display_name": "Nadia Roux",
        "employment_status": "active",
        "departed_at": None,
        "manager": admin_user.pk,
        "is_active": True,
        "roles": ["hr", "legal"],
    }


def test_user_create_sends_the_invitation_only_after_commit(
    admin_user, django_capture_on_commit_callbacks, settings
):
    settings.RISKDESK_BASE_URL = "https://riskdesk.example.com"
    with django_capture_on_commit_callbacks() as callbacks:
        services.user_create(actor=admin_user, email="nadia@example.com", display_name="Nadia")
        assert mail.outbox == []  # nothing leaves before the person exists for good

    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nadia@example.com"]
    assert "https://riskdesk.example.com/password/reset/" in message.body


def test_user_create_with_a_password_sends_no_invitation(
    admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        person = services.user_create(
            actor=admin_user,
            email="nadia@example.com",
            display_name="Nadia",
            password="x-long-pw-1",
        )

    assert person.check_password("x-long-pw-1")
    assert mail.outbox == []


def test_user_create_refuses_an_email_already_used_whatever_its_case(admin_user):
    UserFactory(email="taken@example.com")
    users_before = User.objects.count()

    with pytest.raises(ValidationError) as error:
        services.user_create(actor=admin_user, email="TAKEN@Example.com", display_name="Dup")

    assert "email" in error.value.message_dict
    assert User.objects.count() == users_before
    assert not AuditEvent.objects.exists()


def test_user_create_with_an_unknown_role_writes_nothing(admin_user):
    with pytest.raises(ValidationError) as error:
        services.user_create(
            actor=admin_user, email="nadia@example.com", display_name="Nadia", roles=["wizard"]
        )

    assert "wizard" in str(error.value.message_dict["roles"])
    assert not User.objects.filter(email="nadia@example.com").exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("role", ["social", "legal", "hr", "manager"])
def test_only_admins_create_people(user_for, role):
    with pytest.raises(PermissionDenied):
        services.user_create(actor=user_for(role), email="nadia@example.com", display_name="N")
    assert not User.objects.filter(email="nadia@example.com").exists()


# --- user_update -----------------------------------------------------------------------


def test_a_person_edits_their_own_display_name(social_user):
    services.user_update(actor=social_user, user=social_user, display_name="Sam L.")

    social_user.refresh_from_db()
    assert social_user.display_name == "Sam L."
    event = AuditEvent.objects.get(verb="user.update")
    assert event.before["display_name"] == "Social Person"
    assert event.after["display_name"] == "Sam L."


def test_a_person_cannot_edit_someone_elses_display_name(social_user):
    colleague = UserFactory(display_name="Colleague")

    with pytest.raises(PermissionDenied):
        services.user_update(actor=social_user, user=colleague, display_name="Hacked")

    colleague.refresh_from_db()
    assert colleague.display_name == "Colleague"
    assert not AuditEvent.objects.exists()


def test_a_person_cannot_change_their_own_email_or_roles(social_user):
    with pytest.raises(PermissionDenied):
        services.user_update(actor=social_user, user=social_user, email="new@example.com")
    with pytest.raises(PermissionDenied):
        services.user_update(actor=social_user, user=social_user, roles=["admin"])

    social_user.refresh_from_db()
    assert social_user.email == "social@example.com"
    assert social_user.roles == ["social"]


def test_hr_records_a_departure_which_ends_all_access(hr_user):
    leaver = UserFactory(roles=["social"])
    services.api_token_create(actor=leaver, user=leaver)

    with time_machine.travel(DEPARTURE, tick=False):
        services.user_update(
            actor=hr_user, user=leaver, employment_status=EmploymentStatus.DEPARTED
        )

    leaver.refresh_from_db()
    assert leaver.employment_status == EmploymentStatus.DEPARTED
    assert leaver.departed_at == DEPARTURE
    assert leaver.is_active is False
    assert not ApiToken.objects.filter(user=leaver).usable().exists()
    event = AuditEvent.objects.get(verb="user.update")
    assert event.actor == hr_user
    assert (event.before["is_active"], event.after["is_active"]) == (True, False)
    assert event.after["departed_at"] == "2025-05-02T17:30:00Z"


def test_hr_cannot_change_anything_but_employment(hr_user):
    person = UserFactory(email="person@example.com")

    with pytest.raises(PermissionDenied):
        services.user_update(actor=hr_user, user=person, email="other@example.com")
    with pytest.raises(PermissionDenied):
        services.user_update(actor=hr_user, user=person, roles=["hr"])

    person.refresh_from_db()
    assert person.email == "person@example.com"
    assert person.roles == []


@pytest.mark.parametrize("role", ["social", "legal", "manager"])
def test_only_hr_and_admins_record_departures(user_for, role):
    person = UserFactory()

    with pytest.raises(PermissionDenied):
        services.user_update(
            actor=user_for(role), user=person, employment_status=EmploymentStatus.DEPARTED
        )

    person.refresh_from_db()
    assert person.is_active is True


def test_social_cannot_change_someones_roles(social_user):
    person = UserFactory(roles=["social"])

    with pytest.raises(PermissionDenied):
        services.user_update(actor=social_user, user=person, roles=["admin"])

    assert User.objects.get(pk=person.pk).roles == ["social"]


def test_admin_changes_roles_and_the_event_shows_both_sides(admin_user):
    person = UserFactory(roles=["social"])

    services.user_update(actor=admin_user, user=person, roles=["legal", "manager"])

    assert sorted(User.objects.get(pk=person.pk).roles) == ["legal", "manager"]
    event = AuditEvent.objects.get(verb="user.update")
    assert event.before["roles"] == ["social"]
    assert event.after["roles"] == ["legal", "manager"]


def test_an_update_that_changes_nothing_records_nothing(admin_user):
    person = UserFactory(display_name="Same Name")

    services.user_update(actor=admin_user, user=person, display_name="Same Name")

    assert not AuditEvent.objects.exists()


def test_user_update_refuses_a_taken_email_and_self_management(admin_user):
    person = UserFactory(email="person@example.com")
    UserFactory(email="taken@example.com")

    with pytest.raises(ValidationError) as taken:
        services.user_update(actor=admin_user, user=person, email="Taken@example.com")
    with pytest.raises(ValidationError) as own_manager:
        services.user_update(actor=admin_user, user=person, manager=person)

    assert "email" in taken.value.message_dict
    assert "manager" in own_manager.value.message_dict
    person.refresh_from_db()
    assert (person.email, person.manager) == ("person@example.com", None)


def test_user_update_rejects_fields_it_does_not_know(admin_user):
    with pytest.raises(ValueError, match="is_superuser"):
        services.user_update(actor=admin_user, user=admin_user, is_superuser=True)
    admin_user.refresh_from_db()
    assert admin_user.is_superuser is False


# --- Teams -------------------------------------------------------------------------------


def test_team_create_is_audited_and_gets_a_unique_slug(admin_user):
    first = services.team_create(actor=admin_user, name="Legal", kind=TeamKind.LEGAL)
    second = services.team_create(actor=admin_user, name="Legal!", kind=TeamKind.LEGAL)

    assert (first.slug, second.slug) == ("legal", "legal-2")
    assert AuditEvent.objects.filter(verb="team.create").count() == 2


def test_team_create_refuses_a_name_in_use_whatever_its_case(admin_user):
    TeamFactory(name="Legal")

    with pytest.raises(ValidationError) as error:
        services.team_create(actor=admin_user, name="LEGAL", kind=TeamKind.LEGAL)

    assert "name" in error.value.message_dict
    assert Team.objects.count() == 1


def test_team_update_records_before_and_after(admin_user):
    team = TeamFactory(name="Social", description="")

    services.team_update(actor=admin_user, team=team, description="Watches the networks")

    event = AuditEvent.objects.get(verb="team.update")
    assert event.before["description"] == ""
    assert event.after["description"] == "Watches the networks"
    assert Team.objects.get(pk=team.pk).description == "Watches the networks"


def test_team_set_members_records_members_and_leads(admin_user):
    team = TeamFactory()
    ana, ben, cleo = UserFactory.create_batch(3)
    TeamMembershipFactory(team=team, user=cleo)

    services.team_set_members(actor=admin_user, team=team, members=[ana, ben], leads=[ana])

    memberships = {m.user_id: m.is_lead for m in TeamMembership.objects.filter(team=team)}
    assert memberships == {ana.pk: True, ben.pk: False}
    event = AuditEvent.objects.get(verb="team.members")
    assert event.before["members"] == [cleo.pk]
    assert event.after["members"] == sorted([ana.pk, ben.pk])
    assert event.after["leads"] == [ana.pk]


def test_a_team_lead_must_be_a_member(admin_user):
    team = TeamFactory()
    member = TeamMembershipFactory(team=team).user
    outsider = UserFactory()

    with pytest.raises(ValidationError) as error:
        services.team_set_members(actor=admin_user, team=team, members=[], leads=[outsider])

    assert "leads" in error.value.message_dict
    assert list(team.members.all()) == [member]  # nothing removed on the way
    assert not AuditEvent.objects.exists()


def test_team_delete_is_audited_and_the_event_outlives_the_team(admin_user):
    team = TeamFactory(name="Old team")
    member = TeamMembershipFactory(team=team).user
    team_pk = team.pk

    services.team_delete(actor=admin_user, team=team)

    assert not Team.objects.filter(pk=team_pk).exists()
    event = AuditEvent.objects.get(verb="team.delete")
    assert event.target_id == str(team_pk)
    assert event.target_label == "Old team"
    assert event.before["members"] == [member.pk]


@pytest.mark.parametrize("role", ["social", "legal", "hr", "manager"])
def test_only_admins_change_teams(user_for, role):
    actor = user_for(role)
    team = TeamFactory(name="Kept")

    with pytest.raises(PermissionDenied):
        services.team_create(actor=actor, name="New", kind=TeamKind.PR)
    with pytest.raises(PermissionDenied):
        services.team_update(actor=actor, team=team, name="Renamed")
    with pytest.raises(PermissionDenied):
        services.team_set_members(actor=actor, team=team, members=[actor])
    with pytest.raises(PermissionDenied):
        services.team_delete(actor=actor, team=team)

    assert list(Team.objects.values_list("name", flat=True)) == ["Kept"]
    assert not team.members.exists()


# --- Sign-in helpers -----------------------------------------------------------------------


def test_each_api_token_is_audited_and_kept_only_as_a_digest(social_user):
    _first, first_key = services.api_token_create(actor=social_user, user=social_user)
    _second, second_key = services.api_token_create(actor=social_user, user=social_user)

    assert first_key != second_key
    assert first_key not in str(list(ApiToken.objects.values()))
    assert AuditEvent.objects.filter(verb="auth.token_create").count() == 2


def test_nobody_makes_a_token_for_someone_else(admin_user, social_user):
    with pytest.raises(PermissionDenied):
        services.api_token_create(actor=admin_user, user=social_user)


def test_a_role_that_requires_two_factor_cannot_remove_it(admin_user, settings):
    settings.RISKDESK_REQUIRE_2FA = True
    TOTPDevice.objects.create(user=admin_user, name="phone", confirmed=True)

    with pytest.raises(ValidationError):
        services.totp_devices_remove(actor=admin_user, user=admin_user)

    assert TOTPDevice.objects.filter(user=admin_user).exists()
