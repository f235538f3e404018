"""accounts.backends.RoleBackend: Django's permissions, read in one query."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser, Group, Permission

from accounts.backends import RoleBackend
from accounts.models import User
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def _fresh(user) -> User:
    return User.objects.get(pk=user.pk)  # nothing kept from an earlier read


def _same_as_django(user) -> set[str]:
    ours = RoleBackend().get_all_permissions(_fresh(user))
    assert ours == ModelBackend().get_all_permissions(_fresh(user))
    return ours


def _permission(codename: str) -> Permission:
    return Permission.objects.get(codename=codename)


def test_the_roles_and_the_persons_own_permissions_in_one_query(django_assert_num_queries):
    person = UserFactory(roles=["social", "legal"])
    person.user_permissions.add(_permission("view_auditevent"), _permission("view_mention"))
    reader = _fresh(person)
    with django_assert_num_queries(1):
        held = RoleBackend().get_all_permissions(reader)
        assert RoleBackend().get_all_permissions(reader) is held  # kept on the user
    assert held == ModelBackend().get_all_permissions(_fresh(person))
    assert {"riskdesk.view_auditevent", "monitoring.view_mention"} <= held
    assert reader.has_perm("riskdesk.view_auditevent")


def test_a_role_shared_by_two_people_and_a_permission_held_twice_count_once():
    group = Group.objects.create(name="Reviewers")
    group.permissions.add(_permission("view_mention"))
    first, second = UserFactory(), UserFactory()
    for person in (first, second):
        person.groups.add(group)
    first.user_permissions.add(_permission("view_mention"))
    assert _same_as_django(first) == {"monitoring.view_mention"}
    assert _same_as_django(second) == {"monitoring.view_mention"}


def test_nobody_without_a_role_inactive_or_anonymous_holds_anything():
    assert _same_as_django(UserFactory()) == set()
    gone = UserFactory(roles=["admin"])
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    assert _same_as_django(gone) == set()
    assert RoleBackend().get_all_permissions(AnonymousUser()) == set()
    holder = UserFactory(roles=["admin"])
    assert RoleBackend().get_all_permissions(_fresh(holder), obj=holder) == set()


def test_a_superuser_holds_every_permission():
    chief = UserFactory()
    chief.is_superuser = True
    chief.save(update_fields=["is_superuser"])
    assert len(_same_as_django(chief)) == Permission.objects.count()


def test_a_role_taken_away_is_gone_on_the_next_request():
    person = UserFactory(roles=["admin"])
    assert "riskdesk.view_auditevent" in _same_as_django(person)
    person.groups.clear()
    assert _same_as_django(person) == set()
