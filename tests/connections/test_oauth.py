"""Connecting by each network's own sign-in: the authorize URL per network, the callback
over real HTTP to the fakes (the browser step is the fake's `approve`), the state's checks,
the network's refusals, and Bluesky's app password."""

import time
from urllib.parse import urlsplit

import pytest

from connections import flows
from connections.models import ConnectedAccount
from riskdesk.models import AuditEvent
from tests.connections.signin import (
    CALLBACK,
    FAKES,
    START,
    approve,
    callback,
    oauth_settings,
    start,
)
from tests.fakes.bluesky import FakeBluesky

pytestmark = pytest.mark.django_db

EXPECTED = {
    "mastodon": ("/oauth/authorize", "read write:statuses write:reports", True, {}),
    "x": (
        "https://x.com/i/oauth2/authorize",
        "tweet.read tweet.write users.read dm.read dm.write offline.access",
        True,
        {},
    ),
    "facebook": (
        "https://www.facebook.com/v21.0/dialog/oauth",
        "pages_show_list,pages_read_engagement,pages_manage_engagement,pages_messaging,"
        "instagram_basic,instagram_manage_comments,instagram_manage_messages",
        False,
        {},
    ),
    "youtube": (
        "https://accounts.google.com/o/oauth2/v2/auth",
        "https://www.googleapis.com/auth/youtube.force-ssl",
        True,
        {"access_type": "offline", "prompt": "consent"},
    ),
    "reddit": (
        "https://www.reddit.com/api/v1/authorize",
        "identity submit privatemessages edit report history read",
        False,
        {"duration": "permanent"},
    ),
}


@pytest.mark.parametrize("fake", list(EXPECTED), indirect=True)
def test_authorize_url_per_network(fake, admin):
    where, scope, pkce, extra = EXPECTED[fake.kind]
    location, params = start(admin, fake.kind, fake.url)
    url = location.split("?")[0]
    assert url == (fake.url + where if where.startswith("/") else where)
    assert params["response_type"] == "code"
    assert params["redirect_uri"] == CALLBACK
    assert params["scope"] == scope
    assert len(params["state"]) >= 32
    assert params["client_id"]
    if pkce:
        assert params["code_challenge_method"] == "S256"
        assert len(params["code_challenge"]) == 43
    else:
        assert "code_challenge" not in params
    for key, value in extra.items():
        assert params[key] == value
    assert not ConnectedAccount.objects.exists()


@pytest.mark.parametrize("fake", list(FAKES), indirect=True)
def test_callback_saves_the_tokens(fake, admin):
    _, params = start(admin, fake.kind, fake.url)
    response = callback(admin, code=approve(fake, params), state=params["state"])
    assert response.status_code == 302, response.content.decode()[:2000]
    account = ConnectedAccount.objects.get()
    assert account.method == "oauth"
    assert account.kind == fake.kind
    assert "127.0.0.1" in account.allowed_hosts
    secret = account.secret
    assert secret["access_token"]
    assert account.scopes
    event = AuditEvent.objects.get(verb="connected_account.create")
    assert secret["access_token"] not in str(event.after)
    if fake.kind == "mastodon":
        assert account.expires_at is None
        assert fake.apps[0]["redirect_uris"] == CALLBACK
        assert secret["client_id"] == fake.apps[0]["client_id"]
        assert secret["client_secret"]
        assert account.base_url == fake.url
        assert account.scopes == ["read", "write:statuses", "write:reports"]
    elif fake.kind in ("facebook", "instagram"):
        assert secret["access_token"] == "page-token-lumora"
        assert secret["page_id"] == "1000001"
        assert secret["user_access_token"] in fake.long_lived
        assert account.expires_at is not None
        if fake.kind == "instagram":
            assert (secret["ig_user_id"], secret["username"]) == ("1789", "lumora")
    else:
        assert secret["refresh_token"] in fake.refreshes
        assert account.expires_at is not None
    if fake.kind == "reddit":
        assert (secret["client_id"], secret["client_secret"]) == ("reddit-app", "reddit-secret")
    token_request = next(r for r in fake.requests if r.path.endswith(("token", "access_token")))
    if fake.kind in ("x", "reddit"):
        assert token_request.headers["authorization"].startswith("Basic ")


@pytest.mark.parametrize("fake", ["x"], indirect=True)
def test_state_is_single_use(fake, admin):
    _, params = start(admin, "x", fake.url)
    code = approve(fake, params)
    assert callback(admin, code=code, state=params["state"]).status_code == 302
    again = callback(admin, code=code, state=params["state"])
    assert again.status_code == 400
    assert "already used" in again.content.decode()
    assert ConnectedAccount.objects.count() == 1


@pytest.mark.parametrize("fake", ["x"], indirect=True)
def test_missing_and_unknown_state_refused(fake, admin):
    _, params = start(admin, "x", fake.url)
    code = approve(fake, params)
    assert callback(admin, code=code).status_code == 400
    assert callback(admin, code=code, state="forged").status_code == 400
    assert not ConnectedAccount.objects.exists()


@pytest.mark.parametrize("fake", ["x"], indirect=True)
def test_another_persons_state_refused(fake, admin):
    """Another person signing in on the same browser does not inherit the sign-in."""
    from tests.accounts.factories import UserFactory
    from tests.conftest import sign_in

    _, params = start(admin, "x", fake.url)
    code = approve(fake, params)
    sign_in(admin, UserFactory(email="admin2@example.com", roles=["admin"]))
    response = callback(admin, code=code, state=params["state"])
    assert response.status_code == 400
    assert not ConnectedAccount.objects.exists()


@pytest.mark.parametrize("fake", ["x"], indirect=True)
def test_flow_of_another_user_in_session_refused(fake, rf, user_for):
    """The state names who started it: a flow kept for someone else is refused."""
    from django.contrib.sessions.backends.cache import SessionStore

    request = rf.get("/")
    request.session = SessionStore()
    request.user = user_for("admin")
    flows.start(request, "s1", {"kind": "x"})
    request.user = user_for("social")
    with pytest.raises(flows.FlowRefused, match="someone else"):
        flows.take(request, "s1")


@pytest.mark.parametrize("fake", ["x"], indirect=True)
def test_expired_state_refused(fake, admin, monkeypatch):
    _, params = start(admin, "x", fake.url)
    code = approve(fake, params)
    later = time.time() + flows.FLOW_TTL + 1
    monkeypatch.setattr(flows.time, "time", lambda: later)
    response = callback(admin, code=code, state=params["state"])
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    assert not ConnectedAccount.objects.exists()


@pytest.mark.parametrize("fake", ["youtube"], indirect=True)
def test_access_denied_shown(fake, admin):
    _, params = start(admin, "youtube", fake.url)
    response = callback(admin, error="access_denied", state=params["state"])
    assert response.status_code == 400
    assert "cancelled or refused" in response.content.decode()
    assert not ConnectedAccount.objects.exists()


@pytest.mark.parametrize("fake", ["x", "youtube", "reddit", "mastodon"], indirect=True)
def test_invalid_grant_saves_nothing(fake, admin):
    _, params = start(admin, fake.kind, fake.url)
    response = callback(admin, code="not-a-code", state=params["state"])
    assert response.status_code == 400
    assert "invalid_grant" in response.content.decode()
    assert not ConnectedAccount.objects.exists()


@pytest.mark.parametrize("fake", ["x"], indirect=True)
def test_pkce_verifier_is_checked(fake, admin):
    _, params = start(admin, "x", fake.url)
    code = fake.approve(
        client_id="x-app", redirect_uri=CALLBACK, challenge="A" * 43, scope="tweet.read"
    )
    response = callback(admin, code=code, state=params["state"])
    assert response.status_code == 400
    assert "code_verifier" in response.content.decode()


@pytest.mark.parametrize("fake", ["x"], indirect=True)
def test_token_host_not_allowed(fake, admin):
    _, params = start(admin, "x", fake.url, allowed_hosts="")
    response = callback(admin, code=approve(fake, params), state=params["state"])
    assert response.status_code == 400
    assert "Refused" in response.content.decode()
    assert not [r for r in fake.requests if r.path == "/2/oauth2/token"]
    assert not ConnectedAccount.objects.exists()


@pytest.mark.parametrize("fake", ["facebook"], indirect=True)
def test_meta_several_pages_needs_the_brand(fake, admin):
    fake.pages.append({"id": "1000002", "name": "Other", "access_token": "page-token-other"})
    _, params = start(admin, "facebook", fake.url)
    response = callback(admin, code=approve(fake, params), state=params["state"])
    assert response.status_code == 400
    assert "Choose the Page" in response.content.decode()


@pytest.mark.parametrize("role", ["social", "legal", "hr", "manager"])
def test_only_admins_connect(role, client_for):
    client = client_for(role)
    assert client.get(START).status_code == 403
    assert client.post(START, {"name": "n", "kind": "x"}).status_code == 403
    assert client.get("/connections/oauth/callback/?state=x&code=y").status_code == 403
    assert client.get("/connections/bluesky/").status_code == 403
    assert client.post("/connections/bluesky/", {}).status_code == 403


def test_list_offers_the_sign_ins(admin, settings):
    settings.RISKDESK_OAUTH = oauth_settings("https://example.invalid")
    page = admin.get("/connections/").content.decode()
    for label in ("Mastodon", "X", "Facebook", "Instagram", "YouTube", "Reddit"):
        assert f"Connect with {label}" in page
    assert "Connect Bluesky with an app password" in page


def test_unconfigured_network_not_offered(admin, settings):
    settings.RISKDESK_OAUTH = {}
    page = admin.get("/connections/").content.decode()
    assert "Connect with Mastodon" in page
    assert "Connect with X" not in page


# --- Bluesky app password --------------------------------------------------------------


def test_bluesky_app_password_checked_and_saved(admin):
    with FakeBluesky() as bsky:
        response = admin.post(
            "/connections/bluesky/",
            {
                "name": "Acme on Bluesky",
                "identifier": "acme.bsky.social",
                "app_password": "good-password",
                "base_url": bsky.url,
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    account = ConnectedAccount.objects.get()
    assert (account.kind, account.method) == ("bluesky", "app_password")
    assert account.secret == {"identifier": "acme.bsky.social", "app_password": "good-password"}
    assert urlsplit(account.base_url).hostname == "127.0.0.1"


def test_bluesky_wrong_app_password_refused(admin):
    with FakeBluesky() as bsky:
        response = admin.post(
            "/connections/bluesky/",
            {
                "name": "Acme on Bluesky",
                "identifier": "acme.bsky.social",
                "app_password": "wrong-password",
                "base_url": bsky.url,
            },
        )
    assert response.status_code == 200
    assert "Bluesky refused the sign-in" in response.content.decode()
    assert "wrong-password" not in response.content.decode()
    assert not ConnectedAccount.objects.exists()
