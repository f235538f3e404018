"""/settings/sso/: admins configure providers; password sign-in turned off (and break-glass)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from accounts import services
from accounts.models import IdentityProvider
from riskdesk import crypto
from riskdesk.models import AuditEvent
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.accounts.sso_helpers import CLIENT_SECRET, make_provider
from tests.conftest import ROLES

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Keycloak",
    "issuer": "http://127.0.0.1:9/realms/lumora",
    "client_id": "riskdesk",
    "client_secret": "kc-secret-value",
    "scopes": "openid email profile",
    "groups_claim": "groups",
    "group_roles": "rd-social = social\nrd-legal = legal\n",
    "allowed_hosts": "",
    "email_domains": "lumora.example",
    "is_enabled": "on",
    "password_sign_in": "on",
}


@pytest.fixture(autouse=True)
def _local_addresses(settings):
    settings.RISKDESK_OUTBOUND_ALLOW = ["127.0.0.1/32"]


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_reach_the_page(client_for, role):
    response = client_for(role).get("/settings/sso/")

    assert response.status_code == (200 if role == "admin" else 403)


def test_an_admin_adds_a_provider_with_its_secret_encrypted(client_for):
    response = client_for("admin").post("/settings/sso/", FORM)

    assert response.status_code == 302
    provider = IdentityProvider.objects.get()
    assert provider.group_roles == {"rd-social": "social", "rd-legal": "legal"}
    assert provider.email_domains == ["lumora.example"]
    assert provider.client_secret == "kc-secret-value"
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret_encrypted FROM accounts_identityprovider")
        (stored,) = cursor.fetchone()
    assert "kc-secret-value" not in stored
    assert crypto.decrypt_json(stored) == {"client_secret": "kc-secret-value"}
    event = AuditEvent.objects.get(verb="sso.provider_create")
    assert "kc-secret-value" not in str(event.after)
    assert event.after["secret_set"] is True


def test_the_secret_is_write_only(client_for):
    client = client_for("admin")
    client.post("/settings/sso/", FORM)
    provider = IdentityProvider.objects.get()

    page = client.get(f"/settings/sso/{provider.pk}/").content.decode()
    assert "kc-secret-value" not in page

    client.post(f"/settings/sso/{provider.pk}/", FORM | {"client_secret": "", "name": "KC"})
    provider.refresh_from_db()
    assert (provider.name, provider.client_secret) == ("KC", "kc-secret-value")
    update = AuditEvent.objects.get(verb="sso.provider_update")
    assert update.before["name"] == "Keycloak"
    assert update.after["name"] == "KC"
    assert "secret_changed" not in update.after

    client.post(f"/settings/sso/{provider.pk}/", FORM | {"client_secret": "new-secret"})
    provider.refresh_from_db()
    assert provider.client_secret == "new-secret"
    assert (
        AuditEvent.objects.filter(verb="sso.provider_update")
        .order_by("pk")
        .last()
        .after["secret_changed"]
    )


def test_the_mapping_cannot_give_the_admin_role(client_for):
    response = client_for("admin").post(
        "/settings/sso/", FORM | {"group_roles": "it-admins = admin"}
    )

    assert response.status_code == 200
    assert "admin role" in str(response.context["form"].errors["group_roles"])
    assert not IdentityProvider.objects.exists()


def test_an_unknown_role_or_a_bad_line_is_an_error(client_for):
    client = client_for("admin")

    bad_role = client.post("/settings/sso/", FORM | {"group_roles": "x = wizard"})
    bad_line = client.post("/settings/sso/", FORM | {"group_roles": "just a group"})

    assert bad_role.context["form"].errors["group_roles"]
    assert bad_line.context["form"].errors["group_roles"]
    assert not IdentityProvider.objects.exists()


def test_a_private_issuer_is_refused_in_production_settings(client_for, settings):
    settings.RISKDESK_OUTBOUND_ALLOW = []

    response = client_for("admin").post("/settings/sso/", FORM)

    assert response.status_code == 200
    assert response.context["form"].errors["issuer"]


def test_the_service_refuses_someone_without_the_permission(user_for):
    with pytest.raises(PermissionDenied):
        services.sso_provider_create(
            actor=user_for("manager"),
            client_secret="x",
            name="X",
            issuer="http://127.0.0.1:9",
            client_id="c",
        )


# --- Password sign-in turned off -------------------------------------------------------------


@pytest.fixture
def password_off(fake_idp):
    return make_provider(fake_idp, password_sign_in=False)


def test_the_login_page_shows_only_the_provider_when_passwords_are_off(password_off):
    page = Client().get("/login/").content.decode()

    assert "Sign in with Okta" in page
    assert 'name="password"' not in page
    assert "Administrator? Sign in with a password" in page


def test_the_login_page_shows_both_when_passwords_are_allowed(fake_idp, sso_provider):
    page = Client().get("/login/").content.decode()

    assert "Sign in with Okta" in page
    assert 'name="password"' in page


def test_a_password_sign_in_is_refused_when_off(password_off):
    person = UserFactory(email="ana@example.com", roles=["social"])
    client = Client()

    response = client.post("/login/", {"username": person.email, "password": DEFAULT_PASSWORD})

    assert response.status_code == 200
    assert "signs in with single sign-on" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_api_token_by_password_is_refused_when_off(password_off):
    UserFactory(email="ana@example.com", roles=["social"])

    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "ana@example.com", "password": DEFAULT_PASSWORD}
    )

    assert response.status_code == 403
    assert "single sign-on" in response.json()["detail"]


@pytest.mark.parametrize("kind", ["admin", "superuser"])
def test_break_glass_admins_still_sign_in_with_a_password(password_off, kind):
    admin = (
        UserFactory(email="root@example.com", roles=["admin"])
        if kind == "admin"
        else UserFactory(email="root@example.com", is_superuser=True, is_staff=True)
    )
    client = Client()

    assert 'name="password"' in client.get("/login/?password=1").content.decode()
    response = client.post("/login/", {"username": admin.email, "password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(admin.pk)
    token = APIClient().post(
        "/api/v1/auth/token/", {"username": admin.email, "password": DEFAULT_PASSWORD}
    )
    assert token.status_code == 200


def test_a_disabled_provider_does_not_turn_passwords_off(password_off):
    password_off.is_enabled = False
    password_off.save()
    person = UserFactory(email="ana@example.com", roles=["social"])
    client = Client()

    client.post("/login/", {"username": person.email, "password": DEFAULT_PASSWORD})

    assert client.session["_auth_user_id"] == str(person.pk)


def test_the_fake_secret_is_the_one_stored(sso_provider):
    assert sso_provider.client_secret == CLIENT_SECRET
    assert CLIENT_SECRET not in sso_provider.secret_encrypted


# --- The API ---------------------------------------------------------------------------------


def test_the_api_takes_the_secret_and_never_returns_it(api_client_for):
    client = api_client_for("admin")
    body = {
        "name": "Entra",
        "issuer": "http://127.0.0.1:9/tenant/v2.0",
        "client_id": "app-id",
        "client_secret": "entra-secret",
        "group_roles": {"rd-legal": "legal"},
    }

    created = client.post("/api/v1/sso-providers/", body, format="json")

    assert created.status_code == 201, created.content
    assert "client_secret" not in created.json()
    assert created.json()["secret_set"] is True
    provider = IdentityProvider.objects.get()
    assert provider.client_secret == "entra-secret"
    changed = client.patch(
        f"/api/v1/sso-providers/{provider.pk}/", {"password_sign_in": False}, format="json"
    )
    assert changed.status_code == 200
    provider.refresh_from_db()
    assert (provider.password_sign_in, provider.client_secret) == (False, "entra-secret")
    assert "entra-secret" not in str(client.get("/api/v1/sso-providers/").json())
    refused = client.post(
        "/api/v1/sso-providers/", body | {"name": "X", "group_roles": {"g": "admin"}}, format="json"
    )
    assert refused.status_code == 400
    assert "group_roles" in refused.json()


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
def test_the_api_is_for_admins(api_client_for, role):
    assert api_client_for(role).get("/api/v1/sso-providers/").status_code == 403
