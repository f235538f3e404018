import pytest

from tests.accounts.factories import UserFactory
from tests.advocacy.factories import SocialMediaPolicy
from tests.compliance.conftest import frozen  # noqa: F401 (a fixture)


@pytest.fixture(autouse=True)
def _no_link_checks(monkeypatch):
    """compliance queues a link check for each new link: captured, not sent to the broker."""
    from compliance import tasks

    monkeypatch.setattr(tasks.check_post_links, "delay", lambda *args: None)
    monkeypatch.setattr(tasks.recheck_open_posts, "delay", lambda: None)


@pytest.fixture(autouse=True)
def no_freeze(monkeypatch):
    from incidents import freeze

    monkeypatch.setattr(freeze, "current_freeze", lambda: None)


@pytest.fixture
def curator(user_for):
    return user_for("social")


@pytest.fixture
def lawyer(user_for):
    return user_for("legal")


@pytest.fixture
def smp(user_for):
    """The social media policy, published, with a self-service training module."""
    return SocialMediaPolicy(user_for("legal"), user_for("manager"))


@pytest.fixture
def employee(db):
    return UserFactory(email="employee@example.com", display_name="Emma Employee")


@pytest.fixture
def ready_employee(smp, employee):
    return smp.make_ready(employee)
