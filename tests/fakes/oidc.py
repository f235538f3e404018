"""A local OpenID Connect provider (as Okta, Microsoft Entra, Google or Keycloak behave).

It serves the discovery document, its JWKS (an RSA key made with `cryptography` at start),
`/authorize`, which signs in `fake.user` at once (no page: it redirects back with a code
bound to the client, redirect URI, nonce and PKCE challenge), and `/token`, which checks
the client's secret (HTTP Basic or form) and the `code_verifier` (S256), takes the code
once and answers with an id_token signed RS256.

`fake.user` holds the claims of the person who signs in (sub, email, email_verified,
groups…). Switches make the next tokens wrong on purpose:

    fake.wrong_signature = True   # signed with a key that is not in the JWKS (same kid)
    fake.expired = True           # exp an hour ago
    fake.wrong_audience = True    # aud is another client
    fake.wrong_nonce = True       # nonce is not the one /authorize received
    fake.wrong_issuer = True      # iss is another issuer
    fake.extra_claims = {...}     # merged last into the id_token
    fake.rotate_key()             # a new signing key with a new kid, served from now on

    with FakeOidcProvider() as idp:
        idp.user = {"sub": "00u1", "email": "ana@example.com", "email_verified": True}
"""

import base64
import hashlib
import secrets
import time
from urllib.parse import parse_qs, urlencode

from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.fakes.base import FakeServer, Reply


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _rsa_key(kid: str) -> RSAKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return RSAKey.import_key(private, {"kid": kid, "use": "sig", "alg": "RS256"})


class FakeOidcProvider(FakeServer):
    def __init__(self, clients: dict[str, str] | None = None):
        super().__init__()
        self.clients = dict(clients or {"riskdesk": "s3cret-client"})
        self.key = _rsa_key("key-1")
        self.user: dict = {}
        self.codes: dict[str, dict] = {}
        self.authorizations: list[dict] = []  # the /authorize parameters received
        self.wrong_signature = False
        self.expired = False
        self.wrong_audience = False
        self.wrong_nonce = False
        self.wrong_issuer = False
        self.extra_claims: dict = {}
        self.id_tokens: list[str] = []

    @property
    def issuer(self) -> str:
        return self.url

    def rotate_key(self) -> None:
        self.key = _rsa_key(f"key-{secrets.token_hex(4)}")

    def handle(self, request) -> Reply:
        if request.path == "/.well-known/openid-configuration":
            return Reply(200, self.discovery())
        if request.path == "/jwks":
            return Reply(200, {"keys": [self.key.as_dict(private=False)]})
        if request.path == "/authorize" and request.method == "GET":
            return self.authorize(request)
        if request.path == "/token" and request.method == "POST":
            return self.token(request)
        return Reply(404, {"error": "not_found"})

    def discovery(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "jwks_uri": f"{self.url}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": ["openid", "email", "profile", "groups"],
        }

    # --- /authorize -------------------------------------------------------------------

    def authorize(self, request) -> Reply:
        params = {k: v[0] for k, v in request.query.items()}
        self.authorizations.append(params)
        redirect_uri = params.get("redirect_uri", "")
        if params.get("client_id") not in self.clients or not redirect_uri:
            return Reply(400, {"error": "invalid_request", "error_description": "unknown client"})
        if params.get("response_type") != "code" or "openid" not in params.get("scope", ""):
            return self._back(redirect_uri, {"error": "invalid_request"}, params)
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            return self._back(redirect_uri, {"error": "invalid_request"}, params)
        code = secrets.token_urlsafe(16)
        self.codes[code] = params
        return self._back(redirect_uri, {"code": code}, params)

    def _back(self, redirect_uri: str, answer: dict, params: dict) -> Reply:
        if params.get("state") is not None:
            answer["state"] = params["state"]
        location = f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{urlencode(answer)}"
        return Reply(302, None, {"Location": location})

    # --- /token -----------------------------------------------------------------------

    def _client(self, request, form) -> str | None:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "basic":
            client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
        else:
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        return client_id if secret and self.clients.get(client_id) == secret else None

    def token(self, request) -> Reply:
        form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
        client_id = self._client(request, form)
        if client_id is None:
            return Reply(401, {"error": "invalid_client", "error_description": "bad client"})
        grant = self.codes.pop(form.get("code", ""), None)
        if form.get("grant_type") != "authorization_code" or grant is None:
            return Reply(400, {"error": "invalid_grant", "error_description": "code invalid"})
        if grant["client_id"] != client_id or grant["redirect_uri"] != form.get("redirect_uri"):
            return Reply(400, {"error": "invalid_grant", "error_description": "wrong client"})
        if s256(form.get("code_verifier", "")) != grant["code_challenge"]:
            return Reply(
                400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
            )
        id_token = self.id_token(client_id, grant.get("nonce"))
        self.id_tokens.append(id_token)
        return Reply(
            200,
            {
                "access_token": "at-" + secrets.token_urlsafe(12),
                "token_type": "Bearer",
                "expires_in": 3600,
                "id_token": id_token,
            },
        )

    def id_token(self, client_id: str, nonce: str | None) -> str:
        now = int(time.time())
        claims = {
            "iss": "https://elsewhere.example" if self.wrong_issuer else self.issuer,
            "aud": "another-client" if self.wrong_audience else client_id,
            "iat": now - (7200 if self.expired else 0),
            "exp": now - 3600 if self.expired else now + 300,
            "auth_time": now,
            **self.user,
        }
        if nonce is not None:
            claims["nonce"] = "not-the-nonce" if self.wrong_nonce else nonce
        claims |= self.extra_claims
        key = self.key
        if self.wrong_signature:
            key = _rsa_key(self.key.kid)  # same kid, another key: the signature fails
        return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "JWT"}, claims, key)
