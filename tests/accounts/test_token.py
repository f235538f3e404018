"""POST /api/v1/auth/token/: credentials (and a TOTP code where required) for an API token."""

import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.throttling import ScopedRateThrottle

from accounts.models import ApiToken, EmploymentStatus
from riskdesk.models import AuditEvent
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.conftest import sign_in

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
    token = ApiToken.objects.get(user=person)
    assert token.digest == hashlib.sha256(key.encode()).hexdigest()  # the key itself is not kept
    assert key.startswith(token.prefix)
    assert key not in str(list(ApiToken.objects.values()))
    assert response.json()["expires_at"]

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get("/api/v1/teams/").status_code == 200


def test_the_username_is_the_email_in_any_case(api_client, person):
    assert ask_token(api_client, username="ANA@example.COM").status_code == 200


def test_asking_again_makes_another_token_and_both_work(api_client, person):
    first = ask_token(api_client).json()["token"]
    second = ask_token(api_client).json()["token"]

    assert first != second
    for key in (first, second):
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert api_client.get("/api/v1/teams/").status_code == 200


def test_a_wrong_token_is_answered_401(api_client, person):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")

    assert api_client.get("/api/v1/teams/").status_code == 401


def test_a_wrong_password_gets_400_and_no_token(api_client, person):
    response = ask_token(api_client, password="wrong-password-1")

    assert response.status_code == 400
    assert "detail" in response.json()
    assert not ApiToken.objects.exists()


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
    assert not ApiToken.objects.exists()


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
    assert not ApiToken.objects.exists()


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
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("raw", ['{"username": "ana@example.com", "password"', "[1, 2]"])
def test_a_body_that_is_not_a_json_object_is_answered_400(api_client, person, raw):
    response = api_client.generic("POST", URL, raw, content_type="application/json")

    assert response.status_code == 400
    assert not ApiToken.objects.exists()


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
    assert not ApiToken.objects.exists()


def test_with_2fa_required_a_wrong_code_is_answered_400(api_client, admin_with_device):
    _admin, device = admin_with_device
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"

    response = ask_token(api_client, otp_token=wrong)

    assert response.status_code == 400
    assert "otp_token" in response.json()
    assert not ApiToken.objects.exists()


def test_with_2fa_required_the_current_code_gets_the_token(api_client, admin_with_device):
    admin, device = admin_with_device

    response = ask_token(api_client, otp_token=current_code(device))

    assert response.status_code == 200, response.json()
    key = response.json()["token"]
    assert ApiToken.objects.get(user=admin).digest == hashlib.sha256(key.encode()).hexdigest()


def test_with_2fa_required_a_role_outside_it_needs_no_code(api_client, person, settings):
    settings.RISKDESK_REQUIRE_2FA = True

    assert ask_token(api_client).status_code == 200


# --- Hashed, expiring, revocable --------------------------------------------------------


def authenticates(api_client, key) -> bool:
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    status = api_client.get("/api/v1/teams/").status_code
    api_client.credentials()
    assert status in (200, 401)
    return status == 200


def test_a_token_expires_after_the_configured_days(api_client, person, settings):
    settings.RISKDESK_API_TOKEN_DAYS = 3
    key = ask_token(api_client).json()["token"]
    token = ApiToken.objects.get()
    assert (token.expires_at - token.created_at).days == 3

    with time_machine.travel(timezone.now() + timedelta(days=3, minutes=1)):
        assert not authenticates(api_client, key)


def test_a_token_records_when_it_was_last_used(api_client, person):
    key = ask_token(api_client).json()["token"]
    assert ApiToken.objects.get().last_used_at is None

    assert authenticates(api_client, key)

    assert ApiToken.objects.get().last_used_at is not None


def test_the_security_page_says_which_tokens_have_expired(api_client, client, person):
    ask_token(api_client, name="old script")
    ask_token(api_client, name="new script")
    ApiToken.objects.filter(name="old script").update(expires_at=timezone.now())
    sign_in(client, person)

    rows = client.get("/account/security/").content.decode().split("<tr>")[2:]

    old, new = sorted(rows, key=lambda row: "old script" not in row)
    assert "Expired" in old
    assert "Expired" not in new


def test_the_owner_sees_and_revokes_a_token_on_the_security_page(api_client, client, person):
    key = ask_token(api_client, name="CI export").json()["token"]
    token = ApiToken.objects.get()
    sign_in(client, person)

    page = client.get("/account/security/").content.decode()
    assert "CI export" in page
    assert token.prefix in page
    assert key not in page

    response = client.post(f"/account/security/tokens/{token.pk}/revoke/")

    assert response.status_code == 302
    assert not authenticates(api_client, key)
    token.refresh_from_db()
    assert token.revoked_by == person
    event = AuditEvent.objects.get(verb="auth.token_revoke")
    assert event.actor == person
    assert event.after["revoked_at"]
    assert AuditEvent.objects.filter(verb="auth.token_create", actor=person).count() == 1


def test_someone_else_cannot_revoke_my_token_and_learns_nothing(api_client, client_for, person):
    key = ask_token(api_client).json()["token"]
    token = ApiToken.objects.get()

    response = client_for("social").post(f"/account/security/tokens/{token.pk}/revoke/")
    missing = client_for("social").post("/account/security/tokens/999999/revoke/")

    assert response.status_code == missing.status_code == 404
    assert authenticates(api_client, key)


def test_an_admin_revokes_anyones_token_from_their_page(api_client, client_for, person):
    key = ask_token(api_client).json()["token"]
    token = ApiToken.objects.get()
    admin = client_for("admin")

    assert token.prefix in admin.get(f"/people/{person.pk}/").content.decode()
    assert token.prefix not in client_for("social").get(f"/people/{person.pk}/").content.decode()
    response = admin.post(f"/account/security/tokens/{token.pk}/revoke/")

    assert response["Location"] == f"/people/{person.pk}/"
    assert not authenticates(api_client, key)


def test_enrolling_a_second_factor_revokes_every_token(api_client, person):
    from accounts import services

    keys = [ask_token(api_client).json()["token"] for _ in range(2)]
    device = services.totp_device_create(actor=person, user=person)

    assert services.totp_device_confirm(actor=person, device=device, token=current_code(device))

    assert not any(authenticates(api_client, key) for key in keys)
    event = AuditEvent.objects.get(verb="auth.token_revoke_all")
    assert event.after["reason"] == "two_factor_enable"


def test_changing_the_password_revokes_every_token(api_client, client, person):
    key = ask_token(api_client).json()["token"]
    sign_in(client, person)

    response = client.post(
        "/password/change/",
        {
            "old_password": DEFAULT_PASSWORD,
            "new_password1": "another-long-pass-42",
            "new_password2": "another-long-pass-42",
        },
    )

    assert response.status_code == 302
    assert not authenticates(api_client, key)
    assert AuditEvent.objects.get(verb="auth.token_revoke_all").after["reason"] == (
        "password_change"
    )


def test_resetting_the_password_revokes_every_token(api_client, client, person):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    key = ask_token(api_client).json()["token"]
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    link = f"/password/reset/{uid}/{default_token_generator.make_token(person)}/"
    form = client.get(link, follow=True).redirect_chain[-1][0]

    response = client.post(
        form, {"new_password1": "another-long-pass-42", "new_password2": "another-long-pass-42"}
    )

    assert response.status_code == 302
    assert not authenticates(api_client, key)


def test_signing_in_does_not_revoke_tokens(api_client, client, person):
    key = ask_token(api_client).json()["token"]

    client.post("/login/", {"username": "ana@example.com", "password": DEFAULT_PASSWORD})

    assert authenticates(api_client, key)


def test_clear_text_tokens_are_hashed_by_the_migration(person):
    """The data migration turns DRF's clear keys into digests that still authenticate."""
    from importlib import import_module

    from django.apps import apps as global_apps
    from rest_framework.authtoken.models import Token

    from accounts.services import api_token_authenticate

    migration = import_module("accounts.migrations.0004_api_tokens")
    legacy = Token.objects.create(user=person)

    migration.hash_clear_tokens(global_apps, None)

    assert not Token.objects.exists()
    token = ApiToken.objects.get(user=person)
    assert token.digest == hashlib.sha256(legacy.key.encode()).hexdigest()
    assert api_token_authenticate(key=legacy.key) == person


def test_a_token_made_before_the_role_required_two_factor_stops_working(
    api_client, person, admin_user, settings
):
    from accounts import services

    settings.RISKDESK_REQUIRE_2FA = True
    key = ask_token(api_client).json()["token"]  # social: no code needed
    services.user_update(actor=admin_user, user=person, roles=["legal"])

    assert not authenticates(api_client, key)

    device = services.totp_device_create(actor=person, user=person)
    services.totp_device_confirm(actor=person, device=device, token=current_code(device))
    _token, new_key = services.api_token_create(actor=person, user=person)
    assert authenticates(api_client, new_key)  # with the device, as the endpoint hands them
