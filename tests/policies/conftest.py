import pytest

from tests.accounts.factories import TeamFactory, TeamMembershipFactory, UserFactory
from tests.policies.factories import PolicyFactory


@pytest.fixture
def owner(user_for):
    """The policy's owner: a legal person, who writes revisions but cannot approve them."""
    return user_for("legal")


@pytest.fixture
def reviewer(user_for):
    return user_for("manager")


@pytest.fixture
def policy(owner):
    return PolicyFactory(title="Social media policy", owner=owner)


@pytest.fixture
def second_manager():
    return UserFactory(
        email="manager2@example.com", display_name="Second Manager", roles=["manager"]
    )


@pytest.fixture
def team_with(db):
    """`team_with(people...)`: a new team whose members are those people."""

    def make(*people, name=None):
        team = TeamFactory(**({"name": name} if name else {}))
        for person in people:
            TeamMembershipFactory(team=team, user=person)
        return team

    return make
