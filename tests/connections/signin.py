"""What the sign-in tests share: the fakes per kind, the settings pointing at them, and the
steps of a sign-in as the browser takes them."""

from urllib.parse import parse_qs, urlsplit

from tests.fakes.oauth import (
    FakeGoogleSignIn,
    FakeMastodonSignIn,
    FakeMetaSignIn,
    FakeRedditSignIn,
    FakeXSignIn,
)

CALLBACK = "http://testserver/connections/oauth/callback/"
START = "/connections/sign-in/"
FAKES = {
    "mastodon": FakeMastodonSignIn,
    "x": FakeXSignIn,
    "facebook": FakeMetaSignIn,
    "instagram": FakeMetaSignIn,
    "youtube": FakeGoogleSignIn,
    "reddit": FakeRedditSignIn,
}
TOKEN_PATHS = {
    "x": ("x", "/2/oauth2/token", "x-app", "x-secret"),
    "meta": ("meta", "/v21.0/oauth/access_token", "meta-app", "meta-secret"),
    "google": ("google", "/token", "google-app", "google-secret"),
    "reddit": ("reddit", "/api/v1/access_token", "reddit-app", "reddit-secret"),
}


def oauth_settings(url: str) -> dict:
    config = {
        network: {"client_id": cid, "client_secret": secret, "token_url": url + path}
        for network, (_, path, cid, secret) in TOKEN_PATHS.items()
    }
    config["meta"]["graph_url"] = url + "/v21.0"
    return config


def start(client, kind, fake_url, **extra):
    form = {"name": f"Brand on {kind}", "kind": kind, "allowed_hosts": "127.0.0.1"}
    if kind == "mastodon":
        form["base_url"] = fake_url
    response = client.post(START, form | extra)
    assert response.status_code == 302, response.content.decode()[:2000]
    location = response["Location"]
    return location, {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def approve(fake, params):
    return fake.approve(
        client_id=params["client_id"],
        redirect_uri=params["redirect_uri"],
        challenge=params.get("code_challenge", ""),
        scope=params["scope"].replace(",", " "),
    )


def callback(client, **params):
    return client.get("/connections/oauth/callback/", params)
