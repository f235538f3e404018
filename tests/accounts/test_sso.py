"""Single sign-on with OpenID Connect, against the local fake provider over real HTTP."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import SsoIdentity, User
from riskdesk.models import AuditEvent
from tests.accounts.factories import ScimProviderFactory, UserFactory
from tests.accounts.sso_helpers import (
    leave_for_provider,
    make_provider,
    provider_redirect,
    sso_sign_in,
)
from tests.fakes.oidc import s256

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana():
    return UserFactory(email="Ana@Example.com", display_name="Ana Lima", roles=["manager"])


def signed_in_as(client: Client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def refusals() -> list[dict]:
    return [e.after for e in AuditEvent.objects.filter(verb="auth.sso_refused").order_by("pk")]


# --- Success ----------------------------------------------------------------------------


def test_a_person_signs_in_and_gets_their_role_from_the_groups(fake_idp, sso_provider, ana):
    client = Client()

    response = sso_sign_in(client, sso_provider, next_url="/people/")

    assert response.status_code == 302
    assert response["Location"] == "/people/"
    assert signed_in_as(client) == ana
    ana.refresh_from_db()
    # rd-social gives social; manager is mapped too and ana is not in rd-managers: taken away.
    assert ana.roles == ["social"]
    assert client.get("/people/").status_code == 200
    identity = SsoIdentity.objects.get(user=ana)
    assert (identity.provider, identity.subject) == (sso_provider, "00u-ana")
    change = AuditEvent.objects.get(verb="auth.roles_from_groups")
    assert change.before == {"roles": ["manager"]}
    assert change.after == {"roles": ["social"], "source": "sso:Okta"}
    assert AuditEvent.objects.filter(verb="auth.sso_sign_in", actor=ana).exists()
    assert User.objects.count() == 1


def test_the_authorization_request_uses_pkce_state_and_nonce(fake_idp, sso_provider):
    url = leave_for_provider(Client(), sso_provider)

    params = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert url.startswith(f"{fake_idp.url}/authorize?")
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43
    assert len(params["state"]) >= 32
    assert len(params["nonce"]) >= 32
    assert params["scope"].split()[0] == "openid"
    assert params["redirect_uri"] == "http://testserver/sso/callback/"


def test_several_mapped_groups_give_several_roles(fake_idp, sso_provider, ana):
    fake_idp.user["groups"] = ["rd-social", "rd-legal"]

    sso_sign_in(Client(), sso_provider)

    ana.refresh_from_db()
    assert sorted(ana.roles) == ["legal", "social"]


def test_roles_the_mapping_does_not_name_stay(fake_idp, sso_provider):
    person = UserFactory(email="ana@example.com", roles=["hr"])

    sso_sign_in(Client(), sso_provider)

    person.refresh_from_db()
    assert sorted(person.roles) == ["hr", "social"]


def test_an_admin_keeps_their_roles_whatever_the_groups(fake_idp, sso_provider):
    admin = UserFactory(email="ana@example.com", roles=["admin"])
    fake_idp.user["groups"] = []

    client = Client()
    sso_sign_in(client, sso_provider)

    assert signed_in_as(client) == admin
    admin.refresh_from_db()
    assert admin.roles == ["admin"]


def test_the_next_sign_in_matches_by_subject_even_after_an_email_change(
    fake_idp, sso_provider, ana
):
    sso_sign_in(Client(), sso_provider)
    fake_idp.user |= {"email": "ana.lima@elsewhere.example", "email_verified": False}

    client = Client()
    sso_sign_in(client, sso_provider)

    assert signed_in_as(client) == ana
    assert SsoIdentity.objects.count() == 1


def test_a_scim_identity_is_matched_by_subject_before_the_email(fake_idp):
    scim = ScimProviderFactory()
    provider = make_provider(fake_idp, scim_provider=scim)
    provisioned = UserFactory(email="a.lima@example.com")
    provisioned.scim_identities.create(provider=scim, external_id="00u-ana")
    UserFactory(email="ana@example.com")  # the same address, someone else in riskdesk

    client = Client()
    sso_sign_in(client, provider)

    assert signed_in_as(client) == provisioned


def test_email_is_matched_whatever_the_letter_case(fake_idp, sso_provider, ana):
    fake_idp.user["email"] = "ANA@EXAMPLE.COM"
    client = Client()

    sso_sign_in(client, sso_provider)

    assert signed_in_as(client) == ana


def test_the_session_needs_no_riskdesk_code(fake_idp, sso_provider, settings):
    settings.RISKDESK_REQUIRE_2FA = True
    person = UserFactory(email="ana@example.com", roles=["legal"])
    TOTPDevice.objects.create(user=person, name="phone", confirmed=True)
    fake_idp.user["groups"] = ["rd-legal"]
    client = Client()

    sso_sign_in(client, sso_provider)

    assert client.get("/people/").status_code == 200
    assert client.get("/api/v1/users/").status_code == 200


def test_a_password_session_still_needs_the_code(fake_idp, sso_provider, settings, ana):
    """The SSO identity verifies only the session the callback made."""
    settings.RISKDESK_REQUIRE_2FA = True
    legal = UserFactory(email="legal@example.com", roles=["legal"])
    sso_sign_in(Client(), sso_provider)  # someone else's SSO sign-in
    client = Client()
    client.post("/login/", {"username": legal.email, "password": "password-123!"})

    assert client.get("/people/").status_code == 302


def test_turning_the_provider_off_unverifies_its_sessions(fake_idp, sso_provider, settings):
    from accounts import services

    settings.RISKDESK_REQUIRE_2FA = True
    UserFactory(email="ana@example.com", roles=["legal"])
    admin = UserFactory(roles=["admin"], is_superuser=True)
    fake_idp.user["groups"] = ["rd-legal"]
    client = Client()
    sso_sign_in(client, sso_provider)
    assert client.get("/people/").status_code == 200

    services.sso_provider_update(actor=admin, provider=sso_provider, is_enabled=False)

    assert client.get("/people/").status_code == 302


def test_a_rotated_signing_key_is_fetched_again(fake_idp, sso_provider, ana):
    sso_sign_in(Client(), sso_provider)  # the JWKS is cached now
    fake_idp.rotate_key()

    client = Client()
    sso_sign_in(client, sso_provider)

    assert signed_in_as(client) == ana
    assert sum(r.path == "/jwks" for r in fake_idp.requests) == 2


# --- Failures: refused, nothing created, audited -------------------------------------------


def assert_refused(client: Client, response, reason: str):
    assert response.status_code in (400, 403), response.status_code
    assert signed_in_as(client) is None
    assert SsoIdentity.objects.count() == 0
    assert refusals()[-1]["reason"] == reason


@pytest.mark.parametrize(
    ("switch", "reason"),
    [
        ("wrong_signature", "bad_signature"),
        ("expired", "exp"),
        ("wrong_audience", "aud"),
        ("wrong_nonce", "nonce"),
        ("wrong_issuer", "iss"),
    ],
)
def test_a_token_that_does_not_verify_is_refused(fake_idp, sso_provider, ana, switch, reason):
    setattr(fake_idp, switch, True)
    client = Client()

    response = sso_sign_in(client, sso_provider)

    assert_refused(client, response, reason)
    ana.refresh_from_db()
    assert ana.roles == ["manager"]  # nothing changed
    assert "could not be verified" in response.content.decode()


def test_an_unverified_email_is_ignored(fake_idp, sso_provider, ana):
    del fake_idp.user["email_verified"]
    client = Client()

    assert_refused(client, sso_sign_in(client, sso_provider), "email_not_verified")


def test_an_email_verified_false_is_ignored(fake_idp, sso_provider, ana):
    fake_idp.user["email_verified"] = False
    client = Client()

    assert_refused(client, sso_sign_in(client, sso_provider), "email_not_verified")


def test_an_unknown_person_is_refused_and_not_created(fake_idp, sso_provider):
    client = Client()

    response = sso_sign_in(client, sso_provider)

    assert_refused(client, response, "unknown_person")
    assert User.objects.count() == 0
    assert "ask an administrator" in response.content.decode()


@pytest.mark.parametrize("field", ["is_active", "departed"])
def test_an_offboarded_person_is_refused(fake_idp, sso_provider, ana, field):
    if field == "is_active":
        ana.is_active = False
    else:
        from django.utils import timezone

        ana.employment_status, ana.departed_at = "departed", timezone.now()
    ana.save()
    client = Client()

    assert_refused(client, sso_sign_in(client, sso_provider), "inactive")


def test_someone_already_linked_to_another_subject_is_refused(fake_idp, sso_provider, ana):
    sso_sign_in(Client(), sso_provider)
    fake_idp.user["sub"] = "00u-impostor"  # another provider account with ana's address
    client = Client()

    response = sso_sign_in(client, sso_provider)

    assert response.status_code == 403
    assert signed_in_as(client) is None
    assert refusals()[-1]["reason"] == "linked_elsewhere"


def test_an_address_outside_the_listed_domains_is_refused(fake_idp):
    provider = make_provider(fake_idp, email_domains=["lumora.example"])
    UserFactory(email="ana@example.com")
    client = Client()

    assert_refused(client, sso_sign_in(client, provider), "domain_refused")


def test_a_state_is_used_once(fake_idp, sso_provider, ana):
    client = Client()
    callback = provider_redirect(leave_for_provider(client, sso_provider))
    assert client.get(callback).status_code == 302
    client.post("/logout/")

    response = client.get(callback)

    assert response.status_code == 400
    assert signed_in_as(client) is None
    assert refusals()[-1]["reason"] == "state"


def test_a_state_from_another_browser_is_refused(fake_idp, sso_provider, ana):
    callback = provider_redirect(leave_for_provider(Client(), sso_provider))
    attacker = Client()

    response = attacker.get(callback)

    assert response.status_code == 400
    assert signed_in_as(attacker) is None


def test_an_expired_flow_is_refused(fake_idp, sso_provider, ana, monkeypatch):
    client = Client()
    callback = provider_redirect(leave_for_provider(client, sso_provider))
    import accounts.views.sso as views

    monkeypatch.setattr(views, "FLOW_TTL", -1)

    assert client.get(callback).status_code == 400
    assert signed_in_as(client) is None


def test_a_pkce_mismatch_is_refused(fake_idp, sso_provider, ana):
    client = Client()
    authorize = leave_for_provider(client, sso_provider)
    # The code was issued for another challenge (someone else's flow): the verifier fails.
    forged = authorize.replace("code_challenge=", "code_challenge=x")
    response = client.get(provider_redirect(forged))

    assert_refused(client, response, "invalid_grant")
    token_call = fake_idp.requests[-1]
    assert token_call.path == "/token"
    verifier = parse_qs(token_call.body.decode())["code_verifier"][0]
    assert s256(verifier) == parse_qs(urlsplit(authorize).query)["code_challenge"][0]


def test_the_provider_saying_no_is_refused(fake_idp, sso_provider):
    client = Client()
    url = leave_for_provider(client, sso_provider)
    state = parse_qs(urlsplit(url).query)["state"][0]

    response = client.get(f"/sso/callback/?error=access_denied&state={state}")

    assert response.status_code == 403
    assert refusals()[-1]["reason"] == "provider:access_denied"


def test_failed_callbacks_count_towards_the_address_lockout(fake_idp, sso_provider, settings):
    settings.RISKDESK_LOGIN_FAILURE_LIMIT_PER_ADDRESS = 2
    client = Client()
    for _ in range(2):
        client.get("/sso/callback/?code=x&state=forged")

    assert client.get("/sso/callback/?code=x&state=forged").status_code == 429
    assert client.get(f"/sso/{sso_provider.slug}/start/").status_code == 429


def test_a_disabled_provider_has_no_button_and_no_start(fake_idp, sso_provider):
    sso_provider.is_enabled = False
    sso_provider.save()

    assert "Sign in with Okta" not in Client().get("/login/").content.decode()
    assert Client().get("/sso/okta/start/").status_code == 404


def test_the_login_page_links_to_the_provider_keeping_next(fake_idp, sso_provider):
    page = Client().get("/login/?next=/inbox/").content.decode()

    assert 'href="/sso/okta/start/?next=/inbox/"' in page


def test_no_typed_code_matches_an_sso_identity(fake_idp, sso_provider, settings):
    """The identity verifies only the session the callback made: on the verify form of a
    password session it is no device at all."""
    settings.RISKDESK_REQUIRE_2FA = True
    person = UserFactory(email="ana@example.com", roles=["legal"])
    fake_idp.user["groups"] = ["rd-legal"]
    sso_sign_in(Client(), sso_provider)
    identity = SsoIdentity.objects.get(user=person)
    assert identity.verify_token("123456") is False
    client = Client()
    client.post("/login/", {"username": person.email, "password": "password-123!"})

    for code in ("", "000000", "123456", identity.persistent_id):
        client.post("/account/two-factor/verify/", {"token": code})

    assert client.get("/people/").status_code == 302
