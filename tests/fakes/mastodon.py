"""A fake Mastodon instance: the demo network's API, fed by tests, with switches to misbehave.

The status JSON, pagination (`max_id`/`since_id`/`min_id`/`limit`, `Link`), rate-limit
headers and errors come from `monitoring.demo.network.MastodonAPI`, so the fake and
the demo answer alike. Tests add statuses with `post()` and `boost()`; the token
"good-token" is valid, any other answers 401; tags never posted answer 404.

    with FakeMastodon() as mastodon:
        mastodon.post("Love my #acme kettle")
        mastodon.rate_limit = 1          # the next request spends the quota
        mastodon.empty_pages = True      # timelines answer []
        mastodon.looping_links = True    # Link next/prev point back at the same page
"""

from datetime import UTC, datetime
from urllib.parse import urlencode

from monitoring.demo.mastodon import DOMAIN, account_json, status_json
from monitoring.demo.network import MastodonAPI
from tests.fakes.base import FakeServer, Reply

STATUS_ARGS = {"content", "language", "spoiler_text", "in_reply_to", "reblog", "counts"}


class FakeMastodon(FakeServer, MastodonAPI):
    def __init__(self, *, tags=("acme",), tokens=("good-token",), me="acme"):
        FakeServer.__init__(self)
        MastodonAPI.__init__(self, access_tokens=set(tokens), me=me)
        self.tags.update(tags)
        self.empty_pages = False
        self.looping_links = False
        self._serial = 0

    def handle(self, request) -> Reply:
        answer = self.answer(
            request.method, request.path, request.query, request.headers, body=request.body
        )
        return Reply(answer.status, answer.body, answer.headers, answer.content_type)

    # --- What tests add -----------------------------------------------------------

    def account(self, acct="alice@social.example", name="Alice", followers=10, **kwargs) -> dict:
        return account_json(acct, name, followers, **kwargs)

    def post(
        self,
        text: str = "Talking about #acme",
        *,
        id: str | None = None,
        account: dict | None = None,
        tags: list[str] | None = None,
        created_at: datetime | None = None,
        **fields,
    ) -> dict:
        """Add a status and return it.

        `content=` gives raw HTML instead of rendering `text`; `tags` overrides the tags
        found in `text`; `status_json`'s other arguments pass through, and any other
        field (`url=None`, `uri=None`) is set on the status as given.
        """
        self._serial += 1
        built = {k: fields.pop(k) for k in list(fields) if k in STATUS_ARGS}
        status = status_json(
            id=id or str(110_000_000_000_000_000 + self._serial),
            account=account or self.account(),
            text=text,
            created_at=created_at or datetime.now(UTC),
            **built,
        )
        if tags is not None:
            status["tags"] = [{"name": t, "url": f"https://{DOMAIN}/tags/{t}"} for t in tags]
        status.update(fields)
        return self.add(status)

    def boost(self, original: dict, *, id: str | None = None, account: dict | None = None):
        return self.post(
            "", id=id, account=account or self.account("bob@boost.example", "Bob"), reblog=original
        )

    # --- Misbehaviour ---------------------------------------------------------------

    def paginate(self, items, query):
        return [] if self.empty_pages else super().paginate(items, query)

    def link_header(self, base, query, page):
        if self.looping_links and page:
            same = f"{base}?{urlencode([(k, v) for k, values in query.items() for v in values])}"
            return f'<{same}>; rel="next", <{same}>; rel="prev"'
        return super().link_header(base, query, page)
