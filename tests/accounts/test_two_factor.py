"""TOTP two-factor: required for admin, legal and hr when RISKDESK_REQUIRE_2FA is on."""

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework import authentication

from riskdesk import rest
from riskdesk.models import AuditEvent
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.conftest import ROLES

pytestmark = pytest.mark.django_db

MUST_USE_2FA = ["admin", "legal", "hr"]
FREE_OF_2FA = ["social", "manager"]


@pytest.fixture
def require_2fa(settings):
    settings.RISKDESK_REQUIRE_2FA = True


def current_code(device: TOTPDevice) -> str:
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{code:0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    return f"{(int(current_code(device)) + 1) % 10**device.digits:0{device.digits}d}"


def password_sign_in(role: str) -> Client:
    UserFactory(email=f"{role}@example.com", roles=[role])
    client = Client()
    response = client.post(
        "/login/", {"username": f"{role}@example.com", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    return client


@pytest.mark.parametrize("role", MUST_USE_2FA)
def test_roles_that_must_use_2fa_are_sent_to_set_it_up(require_2fa, role):
    client = password_sign_in(role)

    for path in ["/", "/people/", "/teams/", "/account/security/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == f"/account/two-factor/setup/?next={path}"


@pytest.mark.parametrize("role", MUST_USE_2FA)
def test_roles_with_a_device_are_sent_to_verify_a_code(require_2fa, client_for, user_for, role):
    TOTPDevice.objects.create(user=user_for(role), name="phone", confirmed=True)

    response = client_for(role).get("/people/")

    assert response.status_code == 302
    assert response["Location"] == "/account/two-factor/verify/?next=/people/"


@pytest.mark.parametrize("role", FREE_OF_2FA)
def test_other_roles_go_straight_in(require_2fa, role):
    client = password_sign_in(role)

    assert client.get("/").status_code == 200
    assert client.get("/people/").status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_with_the_setting_off_nobody_is_held_back(client_for, role):
    assert client_for(role).get("/").status_code == 200


def test_setup_end_to_end(require_2fa):
    client = password_sign_in("admin")

    page = client.get("/account/two-factor/setup/?next=/teams/")
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user__email="admin@example.com")
    assert device.confirmed is False
    assert page.context["secret"].replace(" ", "")  # shown for manual entry
    assert "<svg" in page.content.decode()  # the QR code, inline

    response = client.post(
        "/account/two-factor/setup/?next=/teams/", {"token": current_code(device)}
    )

    assert response.status_code == 302
    assert response["Location"] == "/teams/"
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(verb="auth.two_factor_enable").count() == 1


def test_setup_with_a_wrong_code_shows_an_error_and_confirms_nothing(require_2fa):
    client = password_sign_in("legal")
    client.get("/account/two-factor/setup/")
    device = TOTPDevice.objects.get()

    response = client.post("/account/two-factor/setup/", {"token": wrong_code(device)})

    assert response.status_code == 200
    assert response.context["form"].errors["token"]
    device.refresh_from_db()
    assert device.confirmed is False
    assert client.get("/").status_code == 302  # still held back


def test_setup_reuses_the_pending_device(require_2fa):
    client = password_sign_in("hr")

    client.get("/account/two-factor/setup/")
    client.get("/account/two-factor/setup/")

    assert TOTPDevice.objects.count() == 1


def test_verify_with_the_current_code_lets_the_person_in(require_2fa, client_for, admin_user):
    device = TOTPDevice.objects.create(user=admin_user, name="phone", confirmed=True)
    client = client_for("admin")

    response = client.post(
        "/account/two-factor/verify/?next=/audit/", {"token": current_code(device)}
    )

    assert response.status_code == 302
    assert response["Location"] == "/audit/"
    assert client.get("/audit/").status_code == 200


def test_verify_with_a_wrong_code_shows_an_error(require_2fa, client_for, admin_user):
    device = TOTPDevice.objects.create(user=admin_user, name="phone", confirmed=True)
    client = client_for("admin")

    response = client.post("/account/two-factor/verify/", {"token": wrong_code(device)})

    assert response.status_code == 200
    assert response.context["form"].errors["token"]
    assert client.get("/").status_code == 302


def test_an_unverified_person_cannot_add_a_second_device(client_for, admin_user):
    TOTPDevice.objects.create(user=admin_user, name="phone", confirmed=True)

    response = client_for("admin").get("/account/two-factor/setup/")

    assert response.status_code == 302
    assert response["Location"].startswith("/account/two-factor/verify/")
    assert TOTPDevice.objects.count() == 1


def test_an_unverified_person_cannot_remove_the_device(client_for, social_user):
    TOTPDevice.objects.create(user=social_user, name="phone", confirmed=True)

    response = client_for("social").post("/account/security/two-factor/disable/")

    assert response.status_code == 302
    assert response["Location"].startswith("/account/two-factor/verify/")
    assert TOTPDevice.objects.filter(user=social_user).exists()


def test_a_verified_person_whose_role_allows_it_removes_the_device(client_for, social_user):
    device = TOTPDevice.objects.create(user=social_user, name="phone", confirmed=True)
    client = client_for("social")
    client.post("/account/two-factor/verify/", {"token": current_code(device)})

    response = client.post("/account/security/two-factor/disable/")

    assert response.status_code == 302
    assert response["Location"] == "/account/security/"
    assert not TOTPDevice.objects.exists()
    assert AuditEvent.objects.filter(verb="auth.two_factor_disable").count() == 1


def test_a_verified_admin_cannot_remove_a_required_device(require_2fa, client_for, admin_user):
    device = TOTPDevice.objects.create(user=admin_user, name="phone", confirmed=True)
    client = client_for("admin")
    client.post("/account/two-factor/verify/", {"token": current_code(device)})

    response = client.post("/account/security/two-factor/disable/", follow=True)

    assert response.status_code == 200
    assert TOTPDevice.objects.filter(user=admin_user).exists()
    assert any("requires" in str(m) for m in response.context["messages"])


def test_an_unverified_session_gets_403_json_from_the_api(require_2fa, api_client_for):
    response = api_client_for("admin").get("/api/v1/teams/")

    assert response.status_code == 403
    assert "Two-factor" in response.json()["detail"]


def test_token_calls_are_not_held_back_by_the_session_check(require_2fa, api_client, admin_user):
    from accounts.services import api_token_create

    TOTPDevice.objects.create(user=admin_user, name="phone", confirmed=True)
    _token, key = api_token_create(actor=admin_user, user=admin_user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    assert api_client.get("/api/v1/teams/").status_code == 200


def test_health_and_sign_out_stay_reachable_before_verification(require_2fa, client_for):
    client = client_for("admin")

    assert client.get("/healthz").status_code in (200, 503)  # answered, not redirected
    assert client.post("/logout/")["Location"] == "/login/"


# --- Headers never stand in for the second factor ---------------------------------------------

JUNK_AUTHORIZATION = [
    "Basic Zm9vOmJhcg==",
    "Bearer x",
    "Token garbage",
    "Token",
    "token rdk_not-a-key",
    "",
]


@pytest.fixture
def password_only_client(admin_user):
    """Signed in through the form with a password only, as a user with a confirmed device."""
    TOTPDevice.objects.create(user=admin_user, name="phone", confirmed=True)
    client = Client()
    response = client.post("/login/", {"username": admin_user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    return client


def test_a_basic_header_does_not_skip_the_code_on_a_page(password_only_client):
    response = password_only_client.get("/compliance/", HTTP_AUTHORIZATION="Basic Zm9vOmJhcg==")

    assert response.status_code == 302
    assert response["Location"].startswith("/account/two-factor/verify/")


def test_a_bearer_header_does_not_skip_the_code_on_the_api(password_only_client):
    response = password_only_client.get("/api/v1/mentions/", HTTP_AUTHORIZATION="Bearer x")

    assert response.status_code == 403
    assert "Two-factor" in response.json()["detail"]


@pytest.mark.parametrize("header", JUNK_AUTHORIZATION)
@pytest.mark.parametrize("path", ["/", "/people/", "/compliance/", "/audit/"])
def test_no_header_lets_an_unverified_session_reach_a_page(password_only_client, path, header):
    response = password_only_client.get(path, HTTP_AUTHORIZATION=header)

    assert response.status_code == 302
    assert response["Location"] == f"/account/two-factor/verify/?next={path}"


@pytest.mark.parametrize("header", JUNK_AUTHORIZATION)
@pytest.mark.parametrize("path", ["/api/v1/mentions/", "/api/v1/users/", "/api/v1/audit-events/"])
def test_no_header_lets_an_unverified_session_reach_the_api(password_only_client, path, header):
    response = password_only_client.get(path, HTTP_AUTHORIZATION=header)

    assert response.status_code in (401, 403)
    assert set(response.json()) == {"detail"}


def test_a_role_that_must_use_2fa_without_a_device_is_refused_by_the_api(require_2fa):
    client = password_sign_in("legal")

    response = client.get("/api/v1/users/", HTTP_AUTHORIZATION="Basic Zm9vOmJhcg==")

    assert response.status_code == 403


def test_a_verified_session_uses_the_api(client_for, admin_user):
    device = TOTPDevice.objects.create(user=admin_user, name="phone", confirmed=True)
    client = client_for("admin")
    client.post("/account/two-factor/verify/", {"token": current_code(device)})

    assert client.get("/api/v1/users/", HTTP_AUTHORIZATION="Bearer x").status_code == 200


# Views under /api/ that take no session at all: each proves who calls it another way.
API_VIEWS_WITHOUT_SESSION = {
    "ApiTokenView": "password and code in the body",
    "MetaWebhookView": "X-Hub-Signature-256",
}


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern.callback


def test_every_api_route_checks_the_second_factor_of_a_session():
    """The middleware leaves /api/ to DRF, so a route there that is not a DRF view, or
    that authenticates sessions with another class, would skip the second factor."""
    api_routes = [
        (route, callback)
        for route, callback in _routes(get_resolver().url_patterns)
        if route.lstrip("^").startswith("api/") and callback.__name__ != "page_not_found"
    ]
    assert len(api_routes) > 20
    for route, callback in api_routes:
        view = getattr(callback, "cls", None)
        assert view is not None, f"{route} is not a DRF view"
        if view.__name__ in API_VIEWS_WITHOUT_SESSION:
            assert not any(
                issubclass(auth, authentication.SessionAuthentication)
                for auth in view.authentication_classes
            ), route
            continue
        sessions = [
            auth
            for auth in view.authentication_classes
            if issubclass(auth, authentication.SessionAuthentication)
        ]
        assert sessions, f"{route}: no session authentication"
        assert all(issubclass(auth, rest.SessionAuthentication) for auth in sessions), route
