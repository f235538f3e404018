"""Fixtures shared by the whole suite: one person per role, signed-in clients."""

import time
import uuid

import pytest
from django.contrib.auth.signals import user_logged_in
from django.test import Client
from rest_framework.test import APIClient

from accounts.roles import Role
from riskdesk.signals import audit_login
from tests.accounts.factories import UserFactory

ROLES = [role.value for role in Role]
NO_ROLE = "no-role"
ANONYMOUS = "anonymous"


def empty_cache(settings) -> None:
    """Switch to a cache of no keys: a fresh key prefix, never a flush of a Redis
    database that the Celery broker or someone else may share."""
    default = dict(settings.CACHES["default"])
    default["KEY_PREFIX"] = f"riskdesk-test-{uuid.uuid4().hex}"
    settings.CACHES = {**settings.CACHES, "default": default}


@pytest.fixture(autouse=True)
def _isolated_cache(settings):
    """Give every test a cache of its own (DRF throttles count in it)."""
    empty_cache(settings)


@pytest.fixture(autouse=True)
def _fresh_rules():
    """The compiled rules are kept between batches; a test starts and ends without them."""
    from alerting.services import rules

    rules.reset_cache()
    yield
    rules.reset_cache()


@pytest.fixture
def brand():
    """The brand's X account, as the pipeline tests post as it (author id 42)."""
    from tests.offboarding.factories import BrandAccountFactory

    return BrandAccountFactory(platform="x", handle="lumora", platform_id="42")


class Clock:
    """Time a test moves by hand, so the demo's 30-minute day passes at once."""

    def __init__(self):
        self.now = time.time()

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture(autouse=True)
def _two_factor_off_by_default(settings):
    """Tests that need the 2FA requirement turn it on themselves."""
    settings.RISKDESK_REQUIRE_2FA = False


MIGRATED_ROWS: list[str] = []  # the test database as the migrations left it, serialised


@pytest.fixture(scope="session", autouse=True)
def _migrated_rows(django_db_setup, django_db_blocker):
    """What the migrations wrote in the test database (roles, permissions, defaults), read
    once, for `pytest_runtest_teardown` to put back."""
    from django.db import connection

    with django_db_blocker.unblock():
        MIGRATED_ROWS[:] = [connection.creation.serialize_db_to_string()]


def _empties_the_database(item) -> bool:
    """A transactional test, as pytest-django tells them: its teardown empties every table."""
    marker = item.get_closest_marker("django_db")
    transaction = marker is not None and (
        marker.kwargs.get("transaction") or (marker.args and marker.args[0])
    )
    return bool(transaction) or bool({"transactional_db", "live_server"} & set(item.fixturenames))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a transactional test, the migrations' rows back before a test that expects them.

    pytest-django runs transactional tests last, but a worker of pytest-xdist may be handed
    others after one, and a reused database keeps what the last test left. Django's flush
    made the content types and permissions again, under new ids: they go first.
    """
    result = yield
    if _empties_the_database(item) and (nextitem is None or not _empties_the_database(nextitem)):
        from django.core.management import call_command
        from django.db import connection
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
            connection.creation.deserialize_db_from_string(MIGRATED_ROWS[0])
    return result


def pytest_configure(config):
    # whitenoise warns that STATIC_ROOT (filled by collectstatic) is absent: true and harmless here.
    config.addinivalue_line("filterwarnings", "ignore:No directory at:UserWarning")


def sign_in(client, user) -> None:
    """`client.force_login(user)` without the auth.login audit event a real sign-in writes.

    Keeps the audit trail of a test to what the test does; tests/riskdesk/test_audit.py
    checks that signing in through the form records the event.
    """
    user_logged_in.disconnect(dispatch_uid="riskdesk.audit_login")
    try:
        client.force_login(user)
    finally:
        user_logged_in.connect(audit_login, dispatch_uid="riskdesk.audit_login")


@pytest.fixture
def user_for(db):
    """`user_for("legal")` is the same legal person for the whole test; NO_ROLE has none."""
    people = {}

    def get(role: str):
        if role not in people:
            label = "No Role" if role == NO_ROLE else role.title()
            people[role] = UserFactory(
                email=f"{role}@example.com",
                display_name=f"{label} Person",
                roles=[] if role == NO_ROLE else [role],
            )
        return people[role]

    return get


@pytest.fixture
def social_user(user_for):
    return user_for(Role.SOCIAL)


@pytest.fixture
def legal_user(user_for):
    return user_for(Role.LEGAL)


@pytest.fixture
def hr_user(user_for):
    return user_for(Role.HR)


@pytest.fixture
def manager_user(user_for):
    return user_for(Role.MANAGER)


@pytest.fixture
def admin_user(user_for):
    """The riskdesk admin role (overrides pytest-django's superuser of the same name)."""
    return user_for(Role.ADMIN)


@pytest.fixture
def no_role_user(user_for):
    return user_for(NO_ROLE)


@pytest.fixture
def client_for(user_for):
    """`client_for("hr")`: a browser client signed in as that role; ANONYMOUS or None: nobody."""

    def make(role: str | None, *, api: bool = False):
        client = APIClient() if api else Client()
        if role not in (None, ANONYMOUS):
            sign_in(client, user_for(role))
        return client

    return make


@pytest.fixture
def api_client():
    """An anonymous DRF client; JSON is its default format."""
    return APIClient()


@pytest.fixture
def api_client_for(client_for):
    """`api_client_for("admin")`: a DRF client on that role's browser session."""
    return lambda role: client_for(role, api=True)
