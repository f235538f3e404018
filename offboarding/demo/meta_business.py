"""Meta Business Manager's people, as the Graph API shows them: for the demo and the tests.

`MetaBusinessAPI` answers the part of the Graph API that offboarding uses, with
Graph's JSON and errors:

- `GET /v{n}/{business-id}/business_users?fields=id,name,email,role&limit=&after=`
  lists the business's people, paged with `paging.cursors` and `paging.next`;
- `GET /v{n}/{business-user-id}` reads one;
- `DELETE /v{n}/{business-user-id}` removes them from the business: `{"success": true}`.

The token goes in `Authorization: Bearer` (or `access_token`); a wrong one gets
OAuthException 190. An unknown id gets error 100 (subcode 33). Every answer
carries `x-app-usage` and `x-business-use-case-usage`. The test fake
(tests/fakes/meta_business.py) subclasses it; `make run` can serve it:

    python -m offboarding.demo.meta_business --port 8767
"""

import argparse
import contextlib
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

DEMO_BUSINESS_ID = "1029384756473829"
DEMO_TOKEN = "demo-meta-business-system-user-token"  # noqa: S105 (the fake server's token)
# The demo business's people: (e-mail, name, role). offboarding.demo.seed grants them access.
DEMO_META_PEOPLE = [
    ("social@demo.riskdesk.local", "Sam Leroy", "ADMIN"),
    ("admin@demo.riskdesk.local", "Alex Martin", "ADMIN"),
    ("chloe.garnier@demo.riskdesk.local", "Chloé Garnier", "ADMIN"),
    ("jules.moreau@demo.riskdesk.local", "Jules Moreau", "EMPLOYEE"),
]
PATH = re.compile(r"^/v(\d+\.\d+)/([0-9A-Za-z_]+)(?:/([a-z_]+))?/?$")

MESSAGES = {
    4: "(#4) Application request limit reached",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    100: "Unsupported request. Object does not exist, cannot be loaded due to missing "
    "permissions, or does not support this operation.",
    190: "Error validating access token: The session has been invalidated.",
    200: "(#200) Requires business_management permission to manage the object",
    613: "(#613) Calls to this api have exceeded the rate limit.",
}


def graph_error(code: int, message: str = "", *, subcode: int | None = None, status: int = 400):
    """(status, body) of a Graph API error envelope."""
    error = {
        "message": message or MESSAGES.get(code, f"(#{code}) Graph error"),
        "type": "OAuthException" if code in (4, 17, 32, 190, 200, 613) else "GraphMethodException",
        "code": code,
        "fbtrace_id": "AZt8Qw3xYz1_demo",
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    return status, {"error": error}


class MetaBusinessAPI:
    def __init__(self, *, token: str = DEMO_TOKEN, business_id: str = DEMO_BUSINESS_ID):
        self.token = token
        self.business_id = business_id
        self.users: dict[str, dict] = {}  # business user id → node
        self.removed: list[dict] = []
        self.call_count = 0
        self._next_id = 7_700_000_000_000_001
        self._state_lock = threading.Lock()

    def add_user(self, email: str, name: str = "", role: str = "EMPLOYEE", **extra) -> str:
        with self._state_lock:
            user_id = str(self._next_id)
            self._next_id += 1
            self.users[user_id] = {
                "id": user_id,
                "name": name or email.split("@")[0],
                "email": email,
                "role": role,
                "business": {"id": self.business_id},
                **extra,
            }
        return user_id

    def usage_headers(self) -> dict[str, str]:
        percent = min(100, self.call_count)
        usage = {"call_count": percent, "total_cputime": percent // 2, "total_time": percent // 2}
        business = {
            self.business_id: [
                {"type": "business_management", **usage, "estimated_time_to_regain_access": 0}
            ]
        }
        return {"x-app-usage": json.dumps(usage), "x-business-use-case-usage": json.dumps(business)}

    def answer(self, method: str, url: str, headers: dict[str, str]) -> tuple[int, dict, dict]:
        """(status, JSON body, extra headers) for one request. Header names lower-cased."""
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        with self._state_lock:
            self.call_count += 1
        extra = self.usage_headers()
        match = PATH.match(parts.path)
        if match is None:
            return (*graph_error(100, "Unknown path components: " + parts.path), extra)
        if self._token(headers, query) != self.token:
            auth = {"www-authenticate": 'OAuth "Facebook Platform" "invalid_token"'}
            return (*graph_error(190, subcode=460), extra | auth)
        _version, node, edge = match.groups()
        if edge == "business_users" and method == "GET":
            if node != self.business_id:
                return (*graph_error(100, subcode=33), extra)
            return 200, self._list(parts.path, query), extra
        if edge is None and node in self.users:
            if method == "GET":
                return 200, self.users[node], extra
            if method == "DELETE":
                with self._state_lock:
                    self.removed.append(self.users.pop(node))
                return 200, {"success": True}, extra
        if edge is None and method in ("GET", "DELETE"):
            message = (
                f"Unsupported {method.lower()} request. Object with ID '{node}' does not exist, "
                "cannot be loaded due to missing permissions, or does not support this operation."
            )
            return (*graph_error(100, message, subcode=33), extra)
        return (*graph_error(100, "Unsupported request"), extra)

    def _token(self, headers: dict[str, str], query: dict) -> str | None:
        auth = headers.get("authorization", "")
        scheme, _, value = auth.partition(" ")
        if scheme.lower() in ("bearer", "oauth") and value:
            return value.strip()
        values = query.get("access_token")
        return values[0] if values else None

    def _list(self, path: str, query: dict) -> dict:
        limit = int((query.get("limit") or ["25"])[0] or 25)
        after = (query.get("after") or [""])[0]
        ids = sorted(self.users)
        start = ids.index(after) + 1 if after in ids else 0
        page = ids[start : start + limit]
        fields = set(((query.get("fields") or ["id,name"])[0]).split(","))
        data = [{k: v for k, v in self.users[i].items() if k in fields | {"id"}} for i in page]
        body: dict = {"data": data, "paging": {}}
        if page:
            body["paging"]["cursors"] = {"before": page[0], "after": page[-1]}
        if start + limit < len(ids):
            args = {k: v[0] for k, v in query.items() if k != "access_token"}
            body["paging"]["next"] = f"https://graph.facebook.com{path}?" + urlencode(
                args | {"after": page[-1]}
            )
        return body


def serve(host: str, port: int, api: MetaBusinessAPI) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, body, extra = api.answer(self.command, self.path, headers)
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_DELETE = _serve

        def log_message(self, *args):
            pass

    return ThreadingHTTPServer((host, port), Handler)


def demo_api() -> MetaBusinessAPI:
    """The demo business, with the people `offboarding.demo.seed` grants Meta access to."""
    api = MetaBusinessAPI()
    for email, name, role in DEMO_META_PEOPLE:
        api.add_user(email, name, role)
    return api


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="The demo Meta Business Manager API")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8767)
    args = parser.parse_args(argv)
    server = serve(args.host, args.port, demo_api())
    print(f"demo Meta Business API on http://{args.host}:{args.port}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
