"""OpenID Connect as riskdesk speaks it: the authorization code flow with PKCE (S256).

The protocol pieces come from Authlib (PKCE, the OIDC id_token claim rules: iss, aud,
exp, iat, nonce, azp) and joserfc, Authlib's JOSE library (JWKS, the RS256/ES256
signature). This module only builds URLs and talks HTTP through riskdesk.outbound, limited
to the issuer's host and those the admin allowed; it never touches the database
(accounts.services.sso does).

- The discovery document (`<issuer>/.well-known/openid-configuration`) must name the same
  issuer (OpenID Connect Discovery §4.3), and endpoints on allowed hosts only.
- The JWKS is cached; a token signed with a key id the cache does not know refetches it
  once (the provider rotated its keys), at most once a minute per provider.
- An id_token is accepted only when its signature verifies with one of those keys, with an
  asymmetric algorithm (never `none` nor HS256 with a public key), `iss` is the issuer,
  `aud` holds our client id (`azp` too when there are several audiences), it has not
  expired (60 s leeway for clocks) and its `nonce` is the one this browser's flow sent.
"""

import json
from urllib.parse import urlencode, urlsplit

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from django.core.cache import cache
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from riskdesk import outbound

TIMEOUT = 10.0
CACHE_SECONDS = 3600
REFETCH_SECONDS = 60
LEEWAY = 60
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]


class OidcError(Exception):
    """The provider refused, or answered something that cannot be trusted. `message` is
    safe to show an admin; `reason` is a short code for the audit log."""

    def __init__(self, message: str, reason: str = "provider_error"):
        super().__init__(message)
        self.message = message
        self.reason = reason


def new_state() -> str:
    return generate_token(43)


def new_verifier() -> str:
    """A PKCE code verifier: 43 to 128 unreserved characters (RFC 7636 §4.1)."""
    return generate_token(64)


def challenge(verifier: str) -> str:
    return create_s256_code_challenge(verifier)


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def allowed_hosts(issuer: str, extra) -> frozenset[str]:
    return frozenset({host_of(issuer), *(h.lower() for h in extra or [])} - {""})


# --- HTTP --------------------------------------------------------------------------------


def _call(method: str, url: str, hosts: frozenset[str], **kwargs) -> dict:
    host = host_of(url)
    if host not in hosts:
        raise OidcError(
            f"{host or url} is not the issuer's host nor one allowed for this provider.",
            "host_refused",
        )
    kwargs["extensions"] = {outbound.HOSTS: hosts}
    try:
        with outbound.client(
            timeout=TIMEOUT, follow_redirects=False, headers={"Accept": "application/json"}
        ) as client:
            response = client.request(method, url, **kwargs)
    except outbound.Refused as exc:
        raise OidcError(f"Refused to call {host}: {exc.message}", "host_refused") from exc
    except httpx.HTTPError as exc:
        raise OidcError(f"{host} could not be reached: {exc}", "unreachable") from exc
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise OidcError(f"{host} answered {response.status_code} without a JSON object")
    if response.status_code >= 400 or "error" in body:
        detail = body.get("error_description") or ""
        error = str(body.get("error") or response.status_code)
        raise OidcError(f"{host} refused: {error}{f' ({detail})' if detail else ''}"[:300], error)
    return body


def _cache_key(kind: str, issuer: str) -> str:
    from hashlib import sha256

    return f"oidc:{kind}:{sha256(issuer.encode()).hexdigest()[:32]}"


def discovery(issuer: str, hosts: frozenset[str], *, fresh: bool = False) -> dict:
    """The provider's discovery document (cached), checked."""
    key = _cache_key("discovery", issuer)
    document = None if fresh else cache.get(key)
    if document is None:
        url = issuer.rstrip("/") + "/.well-known/openid-configuration"
        document = _call("GET", url, hosts)
        if document.get("issuer") != issuer:
            raise OidcError(
                "The discovery document names another issuer "
                f"({str(document.get('issuer'))[:100]!r}).",
                "issuer_mismatch",
            )
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            value = document.get(name)
            if not isinstance(value, str) or urlsplit(value).scheme not in ("http", "https"):
                raise OidcError(f"The discovery document has no {name}.", "bad_discovery")
            if host_of(value) not in hosts:
                raise OidcError(
                    f"The provider's {name} is on {host_of(value)}: add it to the allowed hosts.",
                    "host_refused",
                )
        cache.set(key, document, CACHE_SECONDS)
    return document


def _jwks(document: dict, issuer: str, hosts, *, fresh: bool) -> dict:
    key = _cache_key("jwks", issuer)
    keys = None if fresh else cache.get(key)
    if keys is None:
        keys = _call("GET", document["jwks_uri"], hosts)
        if not isinstance(keys.get("keys"), list):
            raise OidcError("The provider's JWKS has no keys.", "bad_jwks")
        cache.set(key, keys, CACHE_SECONDS)
    return keys


def authorize_url(
    document: dict, *, client_id: str, redirect_uri: str, scopes, state: str, nonce: str, verifier
) -> str:
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": " ".join(scopes),
        "state": state,
        "nonce": nonce,
        "code_challenge": challenge(verifier),
        "code_challenge_method": "S256",
    }
    endpoint = document["authorization_endpoint"]
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}"


def exchange_code(
    document: dict,
    hosts,
    *,
    code: str,
    redirect_uri: str,
    verifier: str,
    client_id: str,
    client_secret: str,
) -> dict:
    """The token answer for an authorization code (client_secret_basic, as most providers
    take it first, or client_secret_post when the provider only lists that)."""
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": verifier,
    }
    kwargs = {}
    methods = document.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    if "client_secret_basic" in methods:
        kwargs["auth"] = (client_id, client_secret)
    else:
        data |= {"client_id": client_id, "client_secret": client_secret}
    answer = _call("POST", document["token_endpoint"], hosts, data=data, **kwargs)
    if not isinstance(answer.get("id_token"), str):
        raise OidcError("The token answer has no id_token.", "no_id_token")
    return answer


def verify_id_token(
    document: dict, hosts, *, id_token: str, issuer: str, client_id: str, nonce: str, now=None
) -> dict:
    """The id_token's claims once everything in the module's docstring holds; else OidcError."""
    try:
        header = jws.extract_compact(id_token.encode()).headers()
    except (JoseError, ValueError) as exc:
        raise OidcError("The id_token is not a signed JWT.", "bad_token") from exc
    if header.get("alg") not in ALGORITHMS:
        raise OidcError(f"The id_token's algorithm {header.get('alg')!r} is refused.", "bad_alg")
    kid = header.get("kid")
    keys = _jwks(document, issuer, hosts, fresh=False)
    known = {k.get("kid") for k in keys["keys"] if isinstance(k, dict)}
    # The provider may have rotated its keys: ask again, not more than once a minute.
    if (
        kid
        and kid not in known
        and cache.add(_cache_key("jwks-refetch", issuer), 1, REFETCH_SECONDS)
    ):
        keys = _jwks(document, issuer, hosts, fresh=True)
    try:
        key_set = KeySet.import_key_set(keys)
        token = jwt.decode(id_token, key_set, algorithms=ALGORITHMS)
    except (JoseError, ValueError, TypeError) as exc:
        raise OidcError("The id_token's signature does not verify.", "bad_signature") from exc
    claims = CodeIDToken(
        token.claims,
        token.header,
        options={
            "iss": {"essential": True, "value": issuer},
            "aud": {"essential": True, "value": client_id},
            "sub": {"essential": True},
            "nonce": {"essential": True, "value": nonce},
        },
        params={"nonce": nonce, "client_id": client_id},
    )
    try:
        claims.validate(now=now, leeway=LEEWAY)
    except JoseError as exc:
        name = getattr(exc, "claim", None) or exc.error
        raise OidcError(f"The id_token was refused: {exc.description or name}.", name) from exc
    return dict(claims)


def dumps(claims: dict) -> str:
    return json.dumps(claims, sort_keys=True, default=str)
