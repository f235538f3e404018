"""Signing in through the browser, brute-force lockout, and the bad input around it."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import Team
from riskdesk.models import AuditEvent
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    return UserFactory(email="ana@example.com", roles=["social"])


def post_login(client, password=DEFAULT_PASSWORD, username="ana@example.com", **extra):
    return client.post("/login/", {"username": username, "password": password}, **extra)


def is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_sign_in_page_is_served(client):
    response = client.get("/login/")

    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()
    assert 'name="password"' in response.content.decode()


def test_good_credentials_sign_in_and_go_to_the_dashboard(client, person):
    response = post_login(client)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert is_signed_in(client)
    assert client.get("/").status_code == 200


def test_sign_in_goes_back_to_the_page_asked_for(client, person):
    response = client.post(
        "/login/?next=/teams/", {"username": "ana@example.com", "password": DEFAULT_PASSWORD}
    )

    assert response["Location"] == "/teams/"


def test_sign_in_never_goes_to_another_site(client, person):
    response = client.post(
        "/login/?next=https://evil.example.net/",
        {"username": "ana@example.com", "password": DEFAULT_PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_a_wrong_password_shows_an_error_and_opens_no_session(client, person):
    response = post_login(client, password="wrong-password-1")

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "correct" in response.content.decode().lower()  # "enter a correct e-mail address..."
    assert not is_signed_in(client)


def test_a_departed_person_cannot_sign_in(client, person):
    person.is_active = False
    person.save()

    response = post_login(client)

    assert response.status_code == 200
    assert not is_signed_in(client)


def test_signing_out_needs_a_post_and_ends_the_session(client, person):
    post_login(client)

    assert client.get("/logout/").status_code == 405
    assert is_signed_in(client)
    response = client.post("/logout/")
    assert response.status_code == 302
    assert not is_signed_in(client)


# --- Lockout -----------------------------------------------------------------------------


def test_repeated_failures_lock_out_even_the_right_password(client, person, settings):
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert post_login(client, password=f"wrong-{attempt}").status_code == 200
    post_login(client, password="wrong-last")

    response = post_login(client)

    assert response.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    assert not is_signed_in(client)


def test_the_lockout_is_per_username_and_address(person, settings):
    other = UserFactory(email="ben@example.com")
    attacker = Client(REMOTE_ADDR="198.51.100.66")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        post_login(attacker, password=f"wrong-{attempt}")
    assert post_login(attacker).status_code == 429

    # The same person from their own address still signs in...
    colleague_desk = Client(REMOTE_ADDR="192.0.2.10")
    assert post_login(colleague_desk).status_code == 302
    # ...and another person from the attacker's address is not locked either.
    assert post_login(attacker, username=other.email).status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, person, settings):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, password=f"wrong-{attempt}")
    assert post_login(client).status_code == 429

    later = timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        assert post_login(client).status_code == 302


# --- CSRF --------------------------------------------------------------------------------


def test_sign_in_without_a_csrf_token_is_refused(person):
    client = Client(enforce_csrf_checks=True)

    response = post_login(client)

    assert response.status_code == 403
    assert not is_signed_in(client)
    assert not AuditEvent.objects.filter(verb="auth.login").exists()


def test_a_form_post_without_a_csrf_token_is_refused_and_writes_nothing(admin_user):
    client = Client(enforce_csrf_checks=True)
    sign_in(client, admin_user)

    response = client.post("/teams/new/", {"name": "Sneaky", "kind": "pr"})

    assert response.status_code == 403
    assert "403_csrf.html" in [t.name for t in response.templates]
    assert not Team.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_form_post_with_the_csrf_token_goes_through(admin_user):
    client = Client(enforce_csrf_checks=True)
    sign_in(client, admin_user)
    token = client.get("/teams/new/").context["csrf_token"]

    response = client.post(
        "/teams/new/", {"name": "Legit", "kind": "pr", "csrfmiddlewaretoken": str(token)}
    )

    assert response.status_code == 302
    assert Team.objects.filter(name="Legit").exists()


def test_a_session_api_write_without_a_csrf_token_is_refused(admin_user):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    sign_in(client, admin_user)

    response = client.post("/api/v1/teams/", {"name": "Sneaky", "kind": "pr"})

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not Team.objects.exists()


# --- Expired session, unknown route, password reset ------------------------------------------


def test_an_expired_session_sends_back_to_sign_in(client, person, settings):
    post_login(client)
    assert client.get("/people/").status_code == 200

    later = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)
    with time_machine.travel(later, tick=False):
        response = client.get("/people/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/people/"


def test_a_session_removed_on_the_server_sends_back_to_sign_in(client, person):
    post_login(client)
    Session.objects.all().delete()

    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"


def test_an_expired_session_on_the_api_is_answered_401(person):
    from rest_framework.test import APIClient

    client = APIClient()
    post_login(client)
    Session.objects.all().delete()

    assert client.get("/api/v1/teams/").status_code == 401


def test_an_unknown_page_is_answered_with_the_404_page(client_for):
    for client in (client_for("social"), client_for(None)):
        response = client.get("/no/such/page/")

        assert response.status_code == 404
        assert "404.html" in [t.name for t in response.templates]
        assert response["Content-Type"].startswith("text/html")


def test_password_reset_sends_an_email_with_a_link(client, person):
    response = client.post("/password/reset/", {"email": "ana@example.com"})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ana@example.com"]
    assert "/password/reset/" in mail.outbox[0].body


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client, person):
    response = client.post("/password/reset/", {"email": "nobody@example.com"})

    assert response.status_code == 302
    assert mail.outbox == []
