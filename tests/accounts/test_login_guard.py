"""Lockout whatever the letter case, a per-address limit, throttled sign-in and reset forms."""

import pytest
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import ApiToken
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ATTACKER = "198.51.100.66"
TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture
def manager():
    return UserFactory(email="manager@example.com", roles=["manager"])


def form_sign_in(client, username, password=DEFAULT_PASSWORD):
    return client.post("/login/", {"username": username, "password": password})


def ask_token(username, password=DEFAULT_PASSWORD, address=ATTACKER):
    return APIClient(REMOTE_ADDR=address).post(
        TOKEN_URL, {"username": username, "password": password}
    )


def lock_out(client, username, settings):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        form_sign_in(client, username, password=f"wrong-{attempt}")


@pytest.mark.parametrize("locked_as", ["manager@example.com", "Manager@Example.com"])
@pytest.mark.parametrize(
    "variant",
    ["manager@example.com", "Manager@example.com", "MANAGER@EXAMPLE.COM", " manager@example.com "],
)
def test_a_lockout_holds_whatever_the_letter_case(manager, settings, locked_as, variant):
    attacker = Client(REMOTE_ADDR=ATTACKER)
    lock_out(attacker, locked_as, settings)

    response = form_sign_in(attacker, variant)

    assert response.status_code == 429
    assert "_auth_user_id" not in attacker.session
    assert ask_token(variant).status_code == 429
    assert not ApiToken.objects.exists()


def test_a_lockout_through_the_token_endpoint_holds_on_the_form(manager, settings):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        ask_token("MANAGER@example.com", password=f"wrong-{attempt}")

    assert form_sign_in(Client(REMOTE_ADDR=ATTACKER), "Manager@example.com").status_code == 429
    assert ask_token("manager@example.com").status_code == 429


def test_an_address_failing_across_many_usernames_is_locked(manager, settings):
    settings.RISKDESK_LOGIN_FAILURE_LIMIT_PER_ADDRESS = 6
    attacker = Client(REMOTE_ADDR=ATTACKER)
    # Below the per-user limit for every username, above the per-address one in total.
    for n in range(6):
        form_sign_in(attacker, f"guess{n}@example.com", password="wrong-password-1")

    response = form_sign_in(attacker, "manager@example.com")

    assert response.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    assert ask_token("manager@example.com").status_code == 429
    # Another address is not affected.
    assert form_sign_in(Client(REMOTE_ADDR="192.0.2.10"), "manager@example.com").status_code == 302


def test_the_sign_in_form_is_throttled_per_address(manager, settings):
    settings.RISKDESK_FORM_THROTTLES = {
        **settings.RISKDESK_FORM_THROTTLES,
        "sign_in": {"per_address": 3, "per_target": 100, "minutes": 15},
    }
    client = Client(REMOTE_ADDR=ATTACKER)
    for n in range(3):
        form_sign_in(client, f"person{n}@example.com", password="wrong-password-1")

    response = form_sign_in(client, "manager@example.com")

    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_sign_in_form_is_throttled_per_target(manager, settings):
    settings.RISKDESK_FORM_THROTTLES = {
        **settings.RISKDESK_FORM_THROTTLES,
        "sign_in": {"per_address": 100, "per_target": 2, "minutes": 15},
    }
    for n, username in enumerate(["manager@example.com", "MANAGER@example.com"]):
        form_sign_in(Client(REMOTE_ADDR=f"203.0.113.{n}"), username, password="wrong-password-1")

    assert form_sign_in(Client(REMOTE_ADDR="203.0.113.9"), "Manager@example.com").status_code == 429


def test_the_password_reset_form_is_throttled(manager, settings):
    settings.RISKDESK_FORM_THROTTLES = {
        **settings.RISKDESK_FORM_THROTTLES,
        "password_reset": {"per_address": 100, "per_target": 2, "minutes": 60},
    }
    for n in range(2):
        client = Client(REMOTE_ADDR=f"203.0.113.{n}")
        assert client.post("/password/reset/", {"email": "manager@example.com"}).status_code == 302

    response = Client(REMOTE_ADDR="203.0.113.9").post(
        "/password/reset/", {"email": "Manager@Example.com"}
    )

    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert len(mail.outbox) == 2


def test_the_password_reset_form_is_throttled_per_address(manager, settings):
    settings.RISKDESK_FORM_THROTTLES = {
        **settings.RISKDESK_FORM_THROTTLES,
        "password_reset": {"per_address": 2, "per_target": 100, "minutes": 60},
    }
    client = Client(REMOTE_ADDR=ATTACKER)
    for n in range(2):
        client.post("/password/reset/", {"email": f"someone{n}@example.com"})

    assert client.post("/password/reset/", {"email": "manager@example.com"}).status_code == 429
    assert mail.outbox == []


def test_the_default_limits_let_an_ordinary_person_in(manager):
    client = Client()
    form_sign_in(client, "manager@example.com", password="typo-password-1")

    assert form_sign_in(client, "Manager@example.com").status_code == 302
