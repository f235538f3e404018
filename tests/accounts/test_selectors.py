"""accounts.selectors.special_teams: one read answers the visibility rule and Security's."""

import pytest

from accounts.models import TeamKind, TeamMembership
from accounts.selectors import SPECIAL_TEAM_KINDS, special_teams
from monitoring.models import RESTRICTED_TEAM_KINDS, hidden_team_ids
from offboarding.permissions import in_security_team
from tests.accounts.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_restricted_kinds_are_among_those_read():
    assert set(RESTRICTED_TEAM_KINDS) <= set(SPECIAL_TEAM_KINDS)


def test_one_query_answers_hidden_queues_and_security_membership(django_assert_num_queries):
    legal, hr = TeamFactory(kind=TeamKind.LEGAL), TeamFactory(kind=TeamKind.HR)
    security = TeamFactory(kind=TeamKind.SECURITY)
    TeamFactory(kind=TeamKind.SOCIAL)
    person = UserFactory()
    TeamMembership.objects.create(team=hr, user=person)
    TeamMembership.objects.create(team=security, user=person)
    person.has_perm("x.y")  # the permissions, read apart (Django keeps them on the user)
    with django_assert_num_queries(1):
        assert hidden_team_ids(person) == [legal.pk]
        assert in_security_team(person, None)
        assert sorted(special_teams(person)) == sorted(
            [
                (legal.pk, TeamKind.LEGAL, False),
                (hr.pk, TeamKind.HR, True),
                (security.pk, TeamKind.SECURITY, True),
            ]
        )
    stranger = UserFactory()
    assert sorted(hidden_team_ids(stranger)) == sorted([legal.pk, hr.pk])
    assert not in_security_team(stranger, None)
