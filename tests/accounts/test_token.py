"""POST /api/v1/auth/token/: credentials (and a TOTP code where required) for an API token."""

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.throttling import ScopedRateThrottle

from accounts.models import EmploymentStatus
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/token/"


@pytest.fixture
def person():
    return UserFactory(email="ana@example.com", roles=["social"])


def ask_token(api_client, password=DEFAULT_PASSWORD, username="ana@example.com", **extra):
    return api_client.post(URL, {"username": username, "password": password} | extra)


def current_code(device: TOTPDevice) -> str:
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{code:0{device.digits}d}"


def test_good_credentials_get_a_token_that_authenticates_api_calls(api_client, person):
    response = ask_token(api_client)

    assert response.status_code == 200
    key = response.json()["token"]
    assert Token.objects.get(user=person).key == key

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get("/api/v1/teams/").status_code == 200


def test_the_username_is_the_email_in_any_case(api_client, person):
    assert ask_token(api_client, username="ANA@example.COM").status_code == 200


def test_asking_again_returns_the_same_token(api_client, person):
    first = ask_token(api_client).json()["token"]
    second = ask_token(api_client).json()["token"]

    assert first == second


def test_a_wrong_token_is_answered_401(api_client, person):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")

    assert api_client.get("/api/v1/teams/").status_code == 401


def test_a_wrong_password_gets_400_and_no_token(api_client, person):
    response = ask_token(api_client, password="wrong-password-1")

    assert response.status_code == 400
    assert "detail" in response.json()
    assert not Token.objects.exists()


def test_an_unknown_person_gets_the_same_answer_as_a_wrong_password(api_client, person):
    unknown = ask_token(api_client, username="nobody@example.com")
    wrong = ask_token(api_client, password="wrong-password-1")

    assert unknown.status_code == wrong.status_code == 400
    assert unknown.json() == wrong.json()


def test_a_departed_person_gets_no_token(api_client, hr_user):
    from accounts import services

    leaver = UserFactory(email="leaver@example.com")
    services.user_update(actor=hr_user, user=leaver, employment_status=EmploymentStatus.DEPARTED)

    response = ask_token(api_client, username="leaver@example.com")

    assert response.status_code == 400
    assert not Token.objects.exists()


def test_a_departed_persons_token_stops_working(api_client, hr_user, person):
    from accounts import services

    key = ask_token(api_client).json()["token"]
    services.user_update(actor=hr_user, user=person, employment_status=EmploymentStatus.DEPARTED)

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get("/api/v1/teams/").status_code == 401


def test_repeated_failures_lock_the_endpoint_even_for_the_right_password(
    api_client, person, settings
):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        ask_token(api_client, password="wrong-password-1")

    response = ask_token(api_client)

    assert response.status_code == 429
    assert "detail" in response.json()
    assert not Token.objects.exists()


def test_failures_below_the_limit_do_not_lock(api_client, person, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        ask_token(api_client, password="wrong-password-1")

    assert ask_token(api_client).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"username": "ana@example.com"},
        {"password": DEFAULT_PASSWORD},
        {"username": 7, "password": []},
    ],
    ids=["empty", "no-password", "no-username", "wrong-types"],
)
def test_a_malformed_body_is_answered_400_naming_the_fields(api_client, person, body):
    response = api_client.post(URL, body)

    assert response.status_code == 400
    missing = {"username", "password"} - {k for k, v in body.items() if isinstance(v, str)}
    assert set(response.json()) == missing
    assert not Token.objects.exists()


@pytest.mark.parametrize("raw", ['{"username": "ana@example.com", "password"', "[1, 2]"])
def test_a_body_that_is_not_a_json_object_is_answered_400(api_client, person, raw):
    response = api_client.generic("POST", URL, raw, content_type="application/json")

    assert response.status_code == 400
    assert not Token.objects.exists()


def test_the_endpoint_is_rate_limited_per_client(api_client):
    allowed, _period = ScopedRateThrottle().parse_rate(ScopedRateThrottle.THROTTLE_RATES["auth"])

    for _ in range(allowed):
        assert api_client.post(URL, {}).status_code == 400

    response = api_client.post(URL, {})
    assert response.status_code == 429
    assert "Retry-After" in response


# --- Two-factor --------------------------------------------------------------------------


@pytest.fixture
def admin_with_device(settings):
    settings.RISKDESK_REQUIRE_2FA = True
    admin = UserFactory(email="ana@example.com", roles=["admin"])
    device = TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    return admin, device


def test_with_2fa_required_a_missing_code_is_answered_400_naming_otp_token(
    api_client, admin_with_device
):
    response = ask_token(api_client)

    assert response.status_code == 400
    assert list(response.json()) == ["otp_token"]
    assert not Token.objects.exists()


def test_with_2fa_required_a_wrong_code_is_answered_400(api_client, admin_with_device):
    _admin, device = admin_with_device
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"

    response = ask_token(api_client, otp_token=wrong)

    assert response.status_code == 400
    assert "otp_token" in response.json()
    assert not Token.objects.exists()


def test_with_2fa_required_the_current_code_gets_the_token(api_client, admin_with_device):
    admin, device = admin_with_device

    response = ask_token(api_client, otp_token=current_code(device))

    assert response.status_code == 200, response.json()
    assert response.json()["token"] == Token.objects.get(user=admin).key


def test_with_2fa_required_a_role_outside_it_needs_no_code(api_client, person, settings):
    settings.RISKDESK_REQUIRE_2FA = True

    assert ask_token(api_client).status_code == 200
