"""Meta Business Manager: remove a person from the business through the Graph API.

Removing the business user ends every role they hold on the business's Pages,
Instagram accounts and ad accounts at once. The flow:

1. find the person among `GET /{business-id}/business_users` by the e-mail they
   use there (the grant's login on the network, else their riskdesk e-mail), or
   take the grant's login as the business user id when it is one;
2. `DELETE /{business-user-id}`, which answers `{"success": true}`.

A person the business no longer lists (removed by hand, or by an earlier call
whose answer was lost to a timeout) counts as removed: the evidence says so.
HTTP politeness (timeouts, retries with backoff on 5xx and faults, rate-limit
headers) comes from the monitoring connectors' base; the Graph errors are read
here: 190 is a refused token, 10 and 200 a missing permission, 4/17/32/613 and
80000 to 80014 rate limits.
"""

import json
from urllib.parse import urlsplit

import httpx
from django.utils import timezone

from monitoring.connectors.base import (
    ConnectorError,
    MalformedPayload,
    PermanentError,
    RateLimited,
    allowed_hosts_for,
    error_text,
)
from monitoring.connectors.meta import (
    API_VERSION,
    GRAPH_ID,
    PERMISSION_CODES,
    RATE_CODES,
    MetaConnector,
    _graph_error,
    appsecret_proof,
)
from offboarding.models import AccessVia
from offboarding.revocation import Revocation

MAX_PAGES = 20
KEPT_HEADERS = ("x-app-usage", "x-business-use-case-usage", "x-fb-trace-id", "x-fb-request-id")


class ObjectMissing(PermanentError):
    """Graph error 100: the object does not exist (or is no longer visible)."""


class MetaBusinessRevoker(MetaConnector):
    name = "meta_business"
    label = "Meta Business Manager"
    platforms = frozenset({"facebook", "instagram"})
    vias = frozenset({AccessVia.NATIVE_ROLE})
    # What its connected account holds (connections.kinds reads these).
    secret_fields = ("access_token", "app_secret")
    required_secrets = ("access_token",)
    needs_business_id = True

    def __init__(self, connection, client: httpx.Client):
        """`connection`: the ConnectedAccount (kind meta_business) to revoke with."""
        # Not a stream: the connection carries the address, the business and the token.
        self.stream = None
        self.client = client
        self.connection = connection
        self.base_url = (connection.base_url or self.default_base_url).rstrip("/")
        self.secret = connection.secret
        # The connection's address is set by who may manage connected accounts (admins):
        # it is allowed to receive the token, besides Meta's own Graph API host and the
        # hosts allowed on the account.
        own = urlsplit(self.base_url).hostname if connection.base_url else None
        self.allowed_hosts = allowed_hosts_for(type(self), connection) | (
            {own.lower()} if own else set()
        )
        self.wait_until = None
        self.problems = []
        self.exchanges: list[dict] = []

    # --- The flow -----------------------------------------------------------------------

    def revoke(self, grant) -> Revocation:
        token = self.secret.get("access_token")
        if not token:
            raise PermanentError(
                f"The connection {self.connection} has no access token: set one in its settings."
            )
        business = self.connection.business_id
        login = (grant.external_login or grant.person.email).strip()
        if GRAPH_ID.fullmatch(login) and login.isdigit():
            user = {"id": login}
        else:
            user = self._find(business, login)
            if user is None:
                return self._result(
                    "not_member",
                    f"{login} is not a member of Meta business {business}: nothing left to remove.",
                    business,
                    login,
                    None,
                )
        try:
            response = self.request("DELETE", f"/{API_VERSION}/{user['id']}")
        except ObjectMissing:
            return self._result(
                "already_removed",
                f"Business user {user['id']} no longer exists in Meta business {business}.",
                business,
                login,
                user,
            )
        body = self.parse_json(response)
        if not isinstance(body, dict) or body.get("success") is not True:
            raise self.malformed(response, 'no "success": true in the answer to the removal')
        name = user.get("name") or login
        return self._result(
            "removed",
            f"Removed {name} (business user {user['id']}, role {user.get('role', '?')}) "
            f"from Meta business {business}.",
            business,
            login,
            user,
        )

    def _find(self, business: str, login: str) -> dict | None:
        params = {"fields": "id,name,email,role", "limit": "100"}
        for _page in range(MAX_PAGES):
            response = self.request(
                "GET", f"/{API_VERSION}/{business}/business_users", params=params
            )
            body = self.parse_json(response)
            data = body.get("data") if isinstance(body, dict) else None
            if not isinstance(data, list):
                raise self.malformed(response, "business_users without a data list")
            for user in data:
                if not isinstance(user, dict) or not GRAPH_ID.fullmatch(str(user.get("id", ""))):
                    continue
                emails = {str(user.get(k) or "").lower() for k in ("email", "pending_email")}
                if login.lower() in emails:
                    return user
            paging = body.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after") if isinstance(paging, dict) else None
            if not paging.get("next") or not after:
                return None
            params = params | {"after": after}
        raise self.malformed(response, f"more than {MAX_PAGES} pages of business users")

    def _result(self, outcome: str, summary: str, business: str, login: str, user) -> Revocation:
        evidence = {
            "connector": self.name,
            "outcome": outcome,
            "business_id": business,
            "login": login,
            "business_user": user,
            "checked_at": timezone.now().isoformat(),
            "exchanges": self.exchanges,
        }
        return Revocation(summary=summary, evidence=evidence)

    # --- HTTP -----------------------------------------------------------------------------

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        token = self.secret.get("access_token", "")
        kwargs["headers"] = {**kwargs.get("headers", {}), "Authorization": f"Bearer {token}"}
        if self.secret.get("app_secret"):
            proof = appsecret_proof(self.secret["app_secret"], token)
            kwargs["params"] = {**kwargs.get("params", {}), "appsecret_proof": proof}
        shown = {k: v for k, v in kwargs.get("params", {}).items() if k != "appsecret_proof"}
        record = {"request": f"{method} {path}", "params": shown}
        try:
            response = super().request(method, path, **kwargs)
        except ConnectorError as exc:
            self.exchanges.append(
                record
                | {"status": exc.status_code, "error": exc.message, "response": _body(exc.body)}
            )
            raise
        self.exchanges.append(record | _answer(response))
        return response

    def error_for(self, response: httpx.Response) -> ConnectorError:
        error = _graph_error(response)
        code, subcode = error.get("code"), error.get("error_subcode")
        reason = f"{error_text(response)} (code {code})" if code else error_text(response)
        kwargs = {"status_code": response.status_code, "body": response.text}
        if code in RATE_CODES or (isinstance(code, int) and 80000 <= code <= 80014):
            return super().error_for(response)  # RateLimited, with Meta's time to regain access
        if code == 190 or response.status_code == 401:
            return PermanentError(
                f"Meta refused the connection's token: {reason}. Renew the system user token.",
                **kwargs,
            )
        if code in PERMISSION_CODES or response.status_code == 403:
            return PermanentError(
                f"Meta refused: {reason}. The system user needs the business_management "
                "permission and admin access to the business.",
                **kwargs,
            )
        if code == 100 and subcode == 33:
            return ObjectMissing(f"Meta: {reason}", **kwargs)
        return PermanentError(f"Meta Graph API refused: {reason}", **kwargs)


def _body(text: str):
    """A JSON answer as evidence; a list of people only as its count (their e-mails stay out)."""
    try:
        body = json.loads(text) if text else None
    except ValueError:
        return text[:2000]
    if isinstance(body, dict) and isinstance(body.get("data"), list):
        return {"data": f"{len(body['data'])} business users", "paging": body.get("paging")}
    return body


def _answer(response: httpx.Response) -> dict:
    body = _body(response.text)
    headers = {k: response.headers[k] for k in KEPT_HEADERS if k in response.headers}
    return {"status": response.status_code, "response": body, "headers": headers}


__all__ = ["MalformedPayload", "MetaBusinessRevoker", "RateLimited"]
