"""Each network's sign-in (OAuth 2.0 authorization code), as riskdesk speaks it.

A `Network` says where its authorize page and token endpoint are, which scopes riskdesk
asks for, whether it takes PKCE (S256) and how the app authenticates at the token endpoint
(HTTP Basic or form fields). The functions here only build URLs and talk HTTP through the
guarded client, restricted to the network's own hosts and those the admin allowed: they
never touch the database (connections.services saves what they return).

The endpoints can be pointed elsewhere from `RISKDESK_OAUTH[<network>]` (`authorize_url`,
`token_url`, `graph_url`): for a proxy, or for the tests' fakes.
"""

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

import httpx
from django.conf import settings
from django.utils import timezone

from riskdesk import outbound

MASTODON_SCOPES = ("read", "write:statuses", "write:reports")
META_SCOPES = (
    "pages_show_list",
    "pages_read_engagement",
    "pages_manage_engagement",
    "pages_messaging",
    "instagram_basic",
    "instagram_manage_comments",
    "instagram_manage_messages",
)
GRAPH_URL = "https://graph.facebook.com/v21.0"
TIMEOUT = 15.0


class OAuthError(Exception):
    """The network refused, or answered something riskdesk cannot use. `code` is the
    network's error code (`invalid_grant`…) when it gave one."""

    def __init__(self, message: str, code: str = ""):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Network:
    name: str  # the setting's key
    label: str
    kinds: tuple[str, ...]  # the connected account kinds it connects
    authorize_url: str
    token_url: str
    scopes: tuple[str, ...]
    scope_separator: str = " "
    pkce: bool = True
    basic_auth: bool = False  # the app authenticates with HTTP Basic at the token endpoint
    extra_authorize: tuple[tuple[str, str], ...] = ()
    expires: bool = True  # tokens expire and can be refreshed

    def config(self) -> dict:
        return (getattr(settings, "RISKDESK_OAUTH", {}) or {}).get(self.name) or {}

    def endpoint(self, which: str, base_url: str = "") -> str:
        url = self.config().get(which) or getattr(self, which)
        return url.replace("{base}", base_url.rstrip("/"))

    def own_hosts(self, base_url: str = "") -> set[str]:
        """The network's own token host (for Mastodon: the instance's). An endpoint pointed
        elsewhere in settings gets the secrets only if the admin allowed its host."""
        urls = [self.token_url.replace("{base}", base_url.rstrip("/"))]
        if self.name == "meta":
            urls.append(GRAPH_URL)
        return {(urlsplit(url).hostname or "").lower() for url in urls} - {""}


NETWORKS = {
    "mastodon": Network(
        name="mastodon",
        label="Mastodon",
        kinds=("mastodon",),
        authorize_url="{base}/oauth/authorize",
        token_url="{base}/oauth/token",  # noqa: S106 (an address)
        scopes=MASTODON_SCOPES,
        expires=False,
    ),
    "x": Network(
        name="x",
        label="X",
        kinds=("x",),
        authorize_url="https://x.com/i/oauth2/authorize",
        token_url="https://api.x.com/2/oauth2/token",  # noqa: S106 (an address)
        scopes=("tweet.read", "tweet.write", "users.read", "dm.read", "dm.write", "offline.access"),
        basic_auth=True,
    ),
    "meta": Network(
        name="meta",
        label="Meta (Facebook, Instagram)",
        kinds=("facebook", "instagram"),
        authorize_url="https://www.facebook.com/v21.0/dialog/oauth",
        token_url=f"{GRAPH_URL}/oauth/access_token",
        scopes=META_SCOPES,
        scope_separator=",",
        pkce=False,
    ),
    "google": Network(
        name="google",
        label="Google (YouTube)",
        kinds=("youtube",),
        authorize_url="https://accounts.google.com/o/oauth2/v2/auth",
        token_url="https://oauth2.googleapis.com/token",  # noqa: S106 (an address)
        scopes=("https://www.googleapis.com/auth/youtube.force-ssl",),
        extra_authorize=(("access_type", "offline"), ("prompt", "consent")),
    ),
    "reddit": Network(
        name="reddit",
        label="Reddit",
        kinds=("reddit",),
        authorize_url="https://www.reddit.com/api/v1/authorize",
        token_url="https://www.reddit.com/api/v1/access_token",  # noqa: S106 (an address)
        scopes=("identity", "submit", "privatemessages", "edit", "report", "history", "read"),
        pkce=False,
        basic_auth=True,
        extra_authorize=(("duration", "permanent"),),
    ),
}
NETWORK_OF_KIND = {kind: network for network in NETWORKS.values() for kind in network.kinds}


def network_for(kind: str) -> Network | None:
    return NETWORK_OF_KIND.get(kind)


def graph_url() -> str:
    return (NETWORKS["meta"].config().get("graph_url") or GRAPH_URL).rstrip("/")


def app_credentials(network: Network, secret: dict | None = None) -> tuple[str, str]:
    """(client id, client secret): Mastodon's from its registration, kept in the account's
    secret; the others' from settings."""
    if network.name == "mastodon":
        secret = secret or {}
        return secret.get("client_id", ""), secret.get("client_secret", "")
    config = network.config()
    return config.get("client_id", ""), config.get("client_secret", "")


def configured(network: Network) -> bool:
    return network.name == "mastodon" or bool(app_credentials(network)[0])


def new_state() -> str:
    return secrets.token_urlsafe(32)


def new_verifier() -> str:
    """A PKCE code verifier: 43 to 128 unreserved characters (RFC 7636 §4.1)."""
    return secrets.token_urlsafe(64)


def challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorize_url(
    network: Network,
    *,
    client_id: str,
    redirect_uri: str,
    state: str,
    verifier: str,
    base_url: str = "",
) -> str:
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": network.scope_separator.join(network.scopes),
        "state": state,
    }
    if network.pkce:
        params |= {"code_challenge": challenge(verifier), "code_challenge_method": "S256"}
    params |= dict(network.extra_authorize)
    return f"{network.endpoint('authorize_url', base_url)}?{urlencode(params)}"


# --- HTTP --------------------------------------------------------------------------------


def _call(method: str, url: str, hosts: set[str], **kwargs) -> dict:
    """One call through the guarded client, only to `hosts`; the JSON answer, or OAuthError."""
    host = (urlsplit(url).hostname or "").lower()
    if host not in hosts:
        raise OAuthError(
            f"Refused to send the sign-in to {host or url}: it is not one of the network's "
            "hosts nor one allowed on the account."
        )
    kwargs["extensions"] = {outbound.HOSTS: frozenset(hosts)}
    headers = {"Accept": "application/json", "User-Agent": settings.MONITORING_HTTP["user_agent"]}
    try:
        with outbound.client(timeout=TIMEOUT, follow_redirects=False, headers=headers) as client:
            response = client.request(method, url, **kwargs)
    except outbound.Refused as exc:
        raise OAuthError(f"Refused to call {host}: {exc.message}") from exc
    except httpx.HTTPError as exc:
        raise OAuthError(f"{host} could not be reached: {exc}") from exc
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise OAuthError(f"{host} answered {response.status_code} without a JSON object")
    if response.status_code >= 400 or "error" in body:
        raise OAuthError(_error_text(response.status_code, body), code=_error_code(body))
    return body


def _error_code(body: dict) -> str:
    error = body.get("error")
    if isinstance(error, dict):  # Meta: {"error": {"message", "type", "code"}}
        return str(error.get("type") or error.get("code") or "")
    return str(error or "")


def _error_text(status: int, body: dict) -> str:
    error = body.get("error")
    if isinstance(error, dict):
        return f"{status}: {error.get('message') or error.get('type') or 'error'}"[:300]
    detail = body.get("error_description") or body.get("message") or ""
    return f"{status}: {error or 'error'}{f' ({detail})' if detail else ''}"[:300]


def _token_call(network: Network, hosts: set[str], data: dict, secret: dict | None, base_url: str):
    client_id, client_secret = app_credentials(network, secret)
    kwargs = {}
    if network.basic_auth and client_secret:
        kwargs["auth"] = (client_id, client_secret)
        if network.name == "x":
            data = data | {"client_id": client_id}
    else:
        data = data | {"client_id": client_id}
        if client_secret:
            data["client_secret"] = client_secret
    url = network.endpoint("token_url", base_url)
    if network.name == "meta":
        return _call("GET", url, hosts, params=data)
    return _call("POST", url, hosts, data=data, **kwargs)


def tokens_from(answer: dict, *, requested: tuple[str, ...], separator: str = " ") -> dict:
    """What a token answer gives: access and refresh tokens, expiry and granted scopes."""
    access = answer.get("access_token")
    if not isinstance(access, str) or not access:
        raise OAuthError("The token answer has no access token.")
    scope = answer.get("scope")
    if isinstance(scope, str) and scope.strip():
        scopes = [s for s in scope.replace(",", " ").split() if s]
    else:
        scopes = list(requested)
    expires_in = answer.get("expires_in")
    expires_at = None
    if isinstance(expires_in, int | float) and expires_in > 0:
        expires_at = timezone.now() + timedelta(seconds=int(expires_in))
    refresh = answer.get("refresh_token")
    return {
        "access_token": access,
        "refresh_token": refresh if isinstance(refresh, str) else "",
        "expires_at": expires_at,
        "scopes": scopes,
    }


# --- The steps ---------------------------------------------------------------------------


def register_mastodon_app(base_url: str, redirect_uri: str, hosts: set[str]) -> dict:
    """Register riskdesk on the instance: its client id and secret for this account."""
    answer = _call(
        "POST",
        f"{base_url.rstrip('/')}/api/v1/apps",
        hosts,
        data={
            "client_name": "riskdesk",
            "redirect_uris": redirect_uri,
            "scopes": " ".join(MASTODON_SCOPES),
            "website": settings.RISKDESK_BASE_URL,
        },
    )
    client_id, client_secret = answer.get("client_id"), answer.get("client_secret")
    if not client_id or not client_secret:
        raise OAuthError("The instance registered the app without a client id and secret.")
    return {"client_id": str(client_id), "client_secret": str(client_secret)}


def exchange_code(
    network: Network,
    *,
    code: str,
    redirect_uri: str,
    verifier: str,
    hosts: set[str],
    secret: dict | None = None,
    base_url: str = "",
) -> dict:
    """The tokens for an authorization code (for Meta: the long-lived user token)."""
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    if network.pkce:
        data["code_verifier"] = verifier
    if network.name == "meta":
        data.pop("grant_type")
    answer = _token_call(network, hosts, data, secret, base_url)
    tokens = tokens_from(answer, requested=network.scopes)
    if network.name == "meta":
        tokens = exchange_long_lived(tokens["access_token"], hosts) | {"scopes": tokens["scopes"]}
    return tokens


def exchange_long_lived(user_token: str, hosts: set[str]) -> dict:
    """Meta: a short-lived (or long-lived) user token for a new long-lived one (~60 days)."""
    network = NETWORKS["meta"]
    data = {"grant_type": "fb_exchange_token", "fb_exchange_token": user_token}
    answer = _token_call(network, hosts, data, None, "")
    return tokens_from(answer, requested=network.scopes)


def refresh(network: Network, *, refresh_token: str, hosts: set[str], secret: dict, base_url=""):
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    answer = _token_call(network, hosts, data, secret, base_url)
    tokens = tokens_from(answer, requested=network.scopes)
    # Google and Reddit keep the refresh token: an answer without one keeps the old one.
    tokens["refresh_token"] = tokens["refresh_token"] or refresh_token
    return tokens


def meta_pages(user_token: str, hosts: set[str]) -> list[dict]:
    """The Pages the person manages, each with its Page token and linked Instagram account."""
    answer = _call(
        "GET",
        f"{graph_url()}/me/accounts",
        hosts,
        params={
            "access_token": user_token,
            "fields": "id,name,access_token,instagram_business_account{id,username}",
        },
    )
    pages = answer.get("data")
    if not isinstance(pages, list):
        raise OAuthError("Meta's list of Pages is not a list.")
    return [page for page in pages if isinstance(page, dict) and page.get("access_token")]


def bluesky_session(base_url: str, identifier: str, password: str, hosts: set[str]) -> dict:
    """Sign in once with the app password, to prove it works before it is saved."""
    return _call(
        "POST",
        f"{base_url.rstrip('/')}/xrpc/com.atproto.server.createSession",
        hosts,
        json={"identifier": identifier, "password": password},
    )
