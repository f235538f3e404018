"""Fixtures of the accounts tests: the fake OpenID provider and a provider row for it."""

import pytest

from tests.accounts.sso_helpers import CLIENT_ID, CLIENT_SECRET, make_provider
from tests.fakes.oidc import FakeOidcProvider


@pytest.fixture
def fake_idp(settings):
    settings.RISKDESK_OUTBOUND_ALLOW = ["127.0.0.1/32"]
    with FakeOidcProvider({CLIENT_ID: CLIENT_SECRET}) as fake:
        fake.user = {
            "sub": "00u-ana",
            "email": "ana@example.com",
            "email_verified": True,
            "name": "Ana Lima",
            "groups": ["Everyone", "rd-social"],
        }
        yield fake


@pytest.fixture
def sso_provider(fake_idp, db):
    return make_provider(fake_idp)
