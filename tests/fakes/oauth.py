"""The networks' sign-in (OAuth 2.0 authorization code) on the fakes.

`SignIn` is mixed in front of a fake network: it answers the token endpoint as that network
does (and Mastodon's app registration, Meta's long-lived exchange and `/me/accounts`),
and passes every other request to the fake. The browser step is `fake.approve(...)`: the
code the network would put in the redirect after the person signed in and approved.

Codes are single use, bound to the client, redirect URI and PKCE challenge (S256, checked
against the verifier); a wrong code or refresh token answers `invalid_grant` as each network
does; the networks that want HTTP Basic client auth get checked for it.

    with FakeXSignIn() as x:
        code = x.approve(client_id="x-app", redirect_uri=uri, challenge=c, scope="tweet.read")
"""

import base64
import hashlib
import secrets
from urllib.parse import parse_qs

from tests.fakes.base import Reply
from tests.fakes.mastodon import FakeMastodon
from tests.fakes.meta_graph import FakeMetaGraph
from tests.fakes.reddit import FakeReddit
from tests.fakes.x import FakeX
from tests.fakes.youtube import FakeYouTube


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class SignIn:
    """The sign-in endpoints. Subclasses set the paths and how the network answers."""

    token_path = "/oauth/token"
    token_method = "POST"
    basic_auth = False  # the app must authenticate with HTTP Basic
    expires_in: int | None = 7200
    gives_refresh = True
    invalid_grant_status = 400

    def setup_sign_in(self, clients: dict[str, str]):
        self.oauth_clients = dict(clients)  # client_id: client_secret
        self.codes: dict[str, dict] = {}
        self.refreshes: dict[str, str] = {}  # refresh token: scope
        self.issued: list[str] = []

    def approve(self, *, client_id: str, redirect_uri: str, challenge: str = "", scope: str = ""):
        """The person signed in and approved: the code the network redirects back with."""
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "challenge": challenge,
            "scope": scope,
        }
        return code

    def handle(self, request) -> Reply:
        if request.path == self.token_path and request.method == self.token_method:
            form = self._params(request)
            grant = form.get("grant_type")
            if grant in ("authorization_code", "refresh_token") or (not grant and "code" in form):
                return self.answer_token(request, form)
        return self.other(request) or super().handle(request)

    def other(self, request) -> Reply | None:
        return None

    # --- The token endpoint ---------------------------------------------------------------

    def _params(self, request) -> dict:
        if request.method == "GET":
            return {k: v[0] for k, v in request.query.items()}
        return {k: v[0] for k, v in parse_qs(request.body.decode()).items()}

    def _client(self, request, form) -> str | None:
        """The authenticated client id, or None."""
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "basic":
            client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
        elif self.basic_auth:
            return None
        else:
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        return client_id if secret and self.oauth_clients.get(client_id) == secret else None

    def invalid(self, error: str, description: str) -> Reply:
        return Reply(self.invalid_grant_status, {"error": error, "error_description": description})

    def answer_token(self, request, form) -> Reply:
        client_id = self._client(request, form)
        if client_id is None:
            return Reply(401, {"error": "invalid_client", "error_description": "bad client"})
        if form.get("grant_type") == "refresh_token":
            scope = self.refreshes.get(form.get("refresh_token", ""))
            if scope is None:
                return self.invalid("invalid_grant", "refresh token invalid or revoked")
            return Reply(200, self.issue_tokens(scope))
        grant = self.codes.pop(form.get("code", ""), None)
        if grant is None or grant["client_id"] != client_id:
            return self.invalid("invalid_grant", "authorization code invalid or used")
        if grant["redirect_uri"] != form.get("redirect_uri"):
            return self.invalid("invalid_grant", "redirect_uri does not match")
        if grant["challenge"] and s256(form.get("code_verifier", "")) != grant["challenge"]:
            return self.invalid("invalid_grant", "code_verifier does not match the challenge")
        return Reply(200, self.issue_tokens(grant["scope"]))

    def issue_tokens(self, scope: str) -> dict:
        access = "at-" + secrets.token_urlsafe(12)
        self.issued.append(access)
        body = {"access_token": access, "token_type": "bearer", "scope": scope}
        if self.expires_in:
            body["expires_in"] = self.expires_in
        if self.gives_refresh:
            refresh = "rt-" + secrets.token_urlsafe(12)
            self.refreshes[refresh] = scope
            body["refresh_token"] = refresh
        return body


class FakeMastodonSignIn(SignIn, FakeMastodon):
    """Mastodon: `POST /api/v1/apps` registers an app; tokens do not expire."""

    expires_in = None
    gives_refresh = False

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.setup_sign_in({})
        self.apps: list[dict] = []

    def other(self, request):
        if request.path == "/api/v1/apps" and request.method == "POST":
            form = self._params(request)
            if not form.get("client_name") or not form.get("redirect_uris"):
                return Reply(422, {"error": "Validation failed: can't be blank"})
            client_id, secret = secrets.token_urlsafe(8), secrets.token_urlsafe(16)
            self.oauth_clients[client_id] = secret
            self.apps.append(form | {"client_id": client_id})
            return Reply(
                200,
                {
                    "id": str(len(self.apps)),
                    "name": form["client_name"],
                    "website": form.get("website"),
                    "redirect_uri": form["redirect_uris"],
                    "client_id": client_id,
                    "client_secret": secret,
                    "vapid_key": "BCk-fake",
                },
            )
        return None


class FakeXSignIn(SignIn, FakeX):
    """X: `POST /2/oauth2/token`, confidential client by HTTP Basic, 2-hour tokens."""

    token_path = "/2/oauth2/token"
    basic_auth = True

    def __init__(self, clients=None, **kwargs):
        super().__init__(**kwargs)
        self.setup_sign_in(clients or {"x-app": "x-secret"})


class FakeGoogleSignIn(SignIn, FakeYouTube):
    """Google: `POST /token`, client id and secret in the form; refresh keeps its token."""

    token_path = "/token"

    def __init__(self, clients=None, **kwargs):
        super().__init__(**kwargs)
        self.setup_sign_in(clients or {"google-app": "google-secret"})
        self.expires_in = 3599

    def answer_token(self, request, form):
        reply = super().answer_token(request, form)
        if form.get("grant_type") == "refresh_token" and reply.status == 200:
            reply.body.pop("refresh_token", None)  # Google keeps the refresh token
        return reply


class FakeRedditSignIn(SignIn, FakeReddit):
    """Reddit: `POST /api/v1/access_token` with HTTP Basic; `duration=permanent` gives a
    refresh token. Client-credential and password grants stay the fake's own."""

    token_path = "/api/v1/access_token"
    basic_auth = True
    expires_in = 86400

    def __init__(self, clients=None, **kwargs):
        clients = clients or {"reddit-app": "reddit-secret"}
        super().__init__(clients=dict(clients), **kwargs)
        self.setup_sign_in(clients)


class FakeMetaSignIn(SignIn, FakeMetaGraph):
    """Meta: `GET /v21.0/oauth/access_token` (code, then `fb_exchange_token`) and
    `GET /v21.0/me/accounts`. No refresh tokens: a long-lived token is re-exchanged."""

    token_path = "/v21.0/oauth/access_token"
    token_method = "GET"
    expires_in = 3600
    gives_refresh = False

    def __init__(self, clients=None, **kwargs):
        super().__init__(**kwargs)
        self.setup_sign_in(clients or {"meta-app": "meta-secret"})
        self.long_lived: set[str] = set()
        self.pages = [
            {
                "id": "1000001",
                "name": "Lumora",
                "access_token": "page-token-lumora",
                "instagram_business_account": {"id": "1789", "username": "lumora"},
            }
        ]

    def invalid(self, error, description):
        return Reply(
            400, {"error": {"message": description, "type": "OAuthException", "code": 100}}
        )

    def handle(self, request):
        if request.path == self.token_path and request.arg("grant_type") == "fb_exchange_token":
            form = self._params(request)
            if self._client(request, form) is None:
                return self.invalid("invalid_client", "Error validating client secret.")
            if form.get("fb_exchange_token") not in set(self.issued):
                return self.invalid("invalid_grant", "Error validating access token.")
            token = "ll-" + secrets.token_urlsafe(12)
            self.issued.append(token)
            self.long_lived.add(token)
            return Reply(
                200, {"access_token": token, "token_type": "bearer", "expires_in": 5183944}
            )
        if request.path == "/v21.0/me/accounts":
            if request.arg("access_token") not in self.long_lived:
                return self.invalid("invalid_token", "Invalid OAuth access token.")
            return Reply(200, {"data": self.pages, "paging": {}})
        return super().handle(request)

    def issue_tokens(self, scope):
        body = super().issue_tokens(scope)
        body.pop("scope", None)  # Meta's code exchange does not say the scopes
        return body
