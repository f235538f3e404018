"""Fixtures of the connected accounts tests."""

import pytest

from tests.connections.signin import FAKES, oauth_settings


@pytest.fixture
def fake(request, settings):
    kind = request.param
    with FAKES[kind]() as server:
        settings.RISKDESK_BASE_URL = "http://testserver"
        settings.RISKDESK_OAUTH = oauth_settings(server.url)
        server.kind = kind
        yield server


@pytest.fixture
def admin(client_for):
    return client_for("admin")
