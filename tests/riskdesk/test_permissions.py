"""riskdesk.permissions: the one place that answers "may this user do X to this object"."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.core.exceptions import PermissionDenied
from django.core.management.sql import emit_post_migrate_signal

from accounts.roles import ROLE_PERMISSIONS, Role
from accounts.services import roles_sync
from riskdesk import permissions
from riskdesk.permissions import UnknownAction, can, declared_actions, require
from riskdesk.urls import router
from tests.accounts.factories import UserFactory
from tests.conftest import NO_ROLE

pytestmark = pytest.mark.django_db

ROLE_COLUMNS = ["social", "legal", "hr", "manager", "admin", NO_ROLE]

# action -> the roles that may do it (about nobody in particular)
ACTIONS = {
    "user.view": set(ROLE_COLUMNS),
    "user.create": {"admin"},
    "user.change": {"admin"},
    "user.change_employment": {"hr", "admin"},
    "user.manage_roles": {"admin"},
    "team.view": set(ROLE_COLUMNS),
    "team.create": {"admin"},
    "team.change": {"admin"},
    "team.delete": {"admin"},
    "audit.view": {"admin"},
}


@pytest.mark.parametrize("role", ROLE_COLUMNS)
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_each_role_may_do_exactly_its_actions(user_for, role, action):
    assert can(user_for(role), action) is (role in ACTIONS[action])


def test_an_undeclared_action_is_an_error_not_a_refusal(admin_user):
    with pytest.raises(UnknownAction):
        can(admin_user, "team.destroy_everything")
    with pytest.raises(UnknownAction):
        can(AnonymousUser(), "audit.veiw")  # a typo cannot quietly grant or refuse


def test_an_action_cannot_be_declared_twice():
    with pytest.raises(ValueError, match="declared twice"):
        permissions.rule("audit.view", lambda user, obj: True)


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_inactive_people_may_do_nothing(action):
    departed = UserFactory(roles=[role.value for role in Role], is_active=False)

    assert can(departed, action) is False


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_anonymous_visitors_may_do_nothing(action):
    assert can(AnonymousUser(), action) is False
    assert can(None, action) is False


def test_a_person_edits_their_own_profile_but_not_someone_elses(social_user):
    colleague = UserFactory()

    assert can(social_user, "user.change_profile", social_user) is True
    assert can(social_user, "user.change_profile", colleague) is False
    assert can(social_user, "user.manage_two_factor", social_user) is True
    assert can(social_user, "user.manage_two_factor", colleague) is False


def test_admins_edit_anyones_profile_but_not_their_authenticator(admin_user):
    colleague = UserFactory()

    assert can(admin_user, "user.change_profile", colleague) is True
    assert can(admin_user, "user.manage_two_factor", colleague) is False


def test_require_raises_permission_denied_naming_the_action(social_user):
    with pytest.raises(PermissionDenied, match=r"audit\.view"):
        require(social_user, "audit.view")
    require(social_user, "team.view")  # allowed: returns quietly


def test_every_action_an_api_viewset_asks_for_is_declared():
    asked = {
        action
        for _prefix, viewset, _basename in router.registry
        for action in getattr(viewset, "permission_actions", {}).values()
    }
    assert asked <= set(declared_actions())


def test_role_groups_exist_after_migrate_with_exactly_their_permissions():
    for role, perms in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        held = {
            f"{app}.{codename}"
            for app, codename in group.permissions.values_list(
                "content_type__app_label", "codename"
            )
        }
        assert held == set(perms), role


def test_roles_sync_repairs_a_group_edited_by_hand():
    social = Group.objects.get(name=Role.SOCIAL)
    social.permissions.add(Permission.objects.get(codename="view_auditevent"))
    Group.objects.get(name=Role.ADMIN).delete()

    roles_sync()

    social_perms = Group.objects.get(name=Role.SOCIAL).permissions
    assert not social_perms.filter(codename="view_auditevent").exists()
    assert social_perms.count() == len(ROLE_PERMISSIONS[Role.SOCIAL])
    assert Group.objects.get(name=Role.ADMIN).permissions.count() == len(
        ROLE_PERMISSIONS[Role.ADMIN]
    )


def test_migrate_recreates_the_role_groups():
    Group.objects.filter(name__in=Role.values).delete()

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")

    assert sorted(Group.objects.values_list("name", flat=True)) == sorted(Role.values)
