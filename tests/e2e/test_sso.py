"""A person signs in through the local fake OpenID provider in a real Chromium and lands
with the role its groups give; a refused sign-in says why. Console errors fail the test."""

import pytest

from accounts.models import User
from tests.accounts.factories import UserFactory
from tests.accounts.sso_helpers import make_provider
from tests.fakes.oidc import FakeOidcProvider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def idp(settings):
    settings.RISKDESK_OUTBOUND_ALLOW = ["127.0.0.1/32"]
    with FakeOidcProvider({"riskdesk": "s3cret-client"}) as fake:
        fake.user = {
            "sub": "00u-ana",
            "email": "ana@example.com",
            "email_verified": True,
            "groups": ["rd-social"],
        }
        yield fake


@pytest.fixture
def console_errors(page):
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def test_a_person_signs_in_with_the_provider_and_lands_with_their_role(
    live_server, page, idp, console_errors, shots
):
    make_provider(idp, password_sign_in=False)
    ana = UserFactory(email="ana@example.com", display_name="Ana Lima", roles=["manager"])

    page.goto(f"{live_server.url}/inbox/")
    assert "/login/" in page.url
    assert page.get_by_label("Password").count() == 0  # password sign-in is off
    shots(page, "login")
    page.get_by_role("link", name="Sign in with Okta").click()
    page.wait_for_url(f"{live_server.url}/inbox/")

    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Inbox").is_visible()  # the social role's page
    shots(page, "inbox")
    ana.refresh_from_db()
    assert ana.roles == ["social"]
    assert console_errors == []
    assert page.csp_violations == []


def test_a_refused_sign_in_says_why_and_signs_nobody_in(live_server, page, idp, console_errors):
    make_provider(idp)
    idp.expired = True
    UserFactory(email="ana@example.com")

    page.goto(f"{live_server.url}/login/")
    page.get_by_role("link", name="Sign in with Okta").click()
    page.wait_for_url("**/sso/callback/**")

    assert page.get_by_role("alert").inner_text().startswith("Okta's answer could not be verified")
    page.get_by_role("link", name="Back to sign-in").click()
    page.wait_for_url("**/login/")
    assert User.objects.get().last_login is None
    # Chromium reports the refusal page's own 403 status; nothing else may be logged.
    assert [e for e in console_errors if "status of 403" not in e] == []
    assert len(console_errors) <= 1
