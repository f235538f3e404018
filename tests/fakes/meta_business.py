"""A fake Meta Business Manager: the Graph API's business users, with switches to misbehave.

The paths, JSON, errors and usage headers come from
`offboarding.demo.meta_business.MetaBusinessAPI`, so the fake and the demo
answer alike:

- `GET /v21.0/{business-id}/business_users` (paged with `paging.cursors.after`),
- `GET /v21.0/{business-user-id}`,
- `DELETE /v21.0/{business-user-id}` → `{"success": true}`.

A token other than `TOKEN` gets OAuthException 190; an unknown id error 100/33.
`graph_error(code)` builds any other Graph error for `inject(Fault(...))`:
4/17/32/613 rate limits, 200 missing permission, 190 expired token.

    with FakeMetaBusiness() as meta:
        user_id = meta.add_user("chloe@example.com", "Chloé Garnier", "ADMIN")
        meta.inject(Fault(delay=2))                # the next call times out
        meta.inject(Fault(*graph_error(17)))       # then the user request limit
"""

from offboarding.demo.meta_business import MetaBusinessAPI, graph_error
from tests.fakes.base import FakeServer, Reply, Request

BUSINESS_ID = "1029384756473829"
TOKEN = "system-user-token-ok"

__all__ = ["BUSINESS_ID", "TOKEN", "FakeMetaBusiness", "graph_error"]


class FakeMetaBusiness(FakeServer, MetaBusinessAPI):
    def __init__(self, *, token: str = TOKEN, business_id: str = BUSINESS_ID):
        FakeServer.__init__(self)
        MetaBusinessAPI.__init__(self, token=token, business_id=business_id)

    def handle(self, request: Request) -> Reply:
        query = "&".join(f"{k}={v}" for k, values in request.query.items() for v in values)
        url = request.path + (f"?{query}" if query else "")
        status, body, headers = self.answer(request.method, url, request.headers)
        if status == 400 and body["error"]["code"] == 190:
            headers = headers | {"WWW-Authenticate": 'OAuth "Facebook Platform" "invalid_token"'}
        return Reply(status, body, headers)
