"""Reddit: replies, private messages, the brand's own posts, deleting the brand's replies,
reports to moderators.

It acts as the brand's Reddit account with a user token from the token endpoint the
connector uses: the app's id and secret, and the account's refresh token (an app the
account authorised, scopes `identity submit privatemessages edit report history`) or,
for a "script" app, the account's username and password. The token is kept in the
cache for every worker and asked again once when the API refuses it.

- a reply is `POST /api/comment` with the mention's fullname (`t3_` post, `t1_`
  comment) as `thing_id`; a private message `POST /api/compose` to the author;
- a post of the brand's own is a self post on its profile: `POST /api/submit` with
  `kind=self`, `sr=u_<name>`, the text's first line as title (300 characters at most)
  and the rest as text (the whole text when the title had to be cut);
- `POST /api/del` deletes the brand's own comment; Reddit answers `{}` whether it did
  or not, so the comment is read back (`GET /api/info`) to tell;
- `POST /api/report` reports a post or comment to the subreddit's moderators.
Reddit refuses most things with a 200 whose `json.errors` lists `[code, message,
field]`: RATELIMIT ("try again in 5 minutes") is a rate limit, anything else final.
A brand cannot hide someone's comment (only a subreddit's moderators can remove one).

Reddit has no idempotency key, so a write is never repeated blindly: before a retry
the outbox calls `find_sent`, which reads the brand's newest comments
(`GET /user/{name}/comments`, its name from `GET /api/v1/me`) for one whose parent is
the mention and whose body is the text, or its sent messages (`GET /message/sent`) for
one to the author, about the mention's post, with that body, sent after the mention;
`find_published` reads its newest posts (`GET /user/{name}/submitted`) of the last days
for one with the same title and text.
`/api/compose` answers no id either: a message's id is read back the same way.

Length: 10,000 characters for a comment (Reddit counts characters, as Python does).
"""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
from django.utils import timezone

from monitoring.connectors.base import ConnectorError, PermanentError, RateLimited, error_text
from monitoring.connectors.reddit import ACCESS_PATH, ACCESS_URL, RedditConnector, TokenRejected
from respond.publishers.base import PUBLISHED_WITHIN, Done, Publisher, Sent

SITE = "https://www.reddit.com"
PAGES_SEARCHED = 3  # of 100 items each, newest first, before giving up
MAX_TITLE = 300
_WAIT = re.compile(r"(\d+)\s*(second|minute|hour)", re.IGNORECASE)
_SECONDS = {"second": 1, "minute": 60, "hour": 3600}
_KEPT = ("id", "name", "parent_id", "link_id", "permalink", "created_utc", "subreddit")


class RedditPublisher(Publisher, RedditConnector):
    secret_fields = ("client_id", "client_secret", "refresh_token", "username", "password")
    max_length = 10_000
    can_message = True
    can_report = True
    idempotent = False
    can_publish = True
    grant_refused = "Reddit refused to sign in as the brand account"

    def reply(self, *, mention, body: str, key: str) -> Sent:
        form = {"thing_id": mention.external_id, "text": body, "api_type": "json"}
        response = self._call("POST", "/api/comment", data=form)
        things = (self._result(response).get("data") or {}).get("things")
        comment = things[0].get("data") if isinstance(things, list) and things else None
        if not isinstance(comment, dict) or not comment.get("name"):
            raise self.malformed(response, "a comment answer without the comment")
        return _sent_comment(comment)

    def message(self, *, mention, body: str, key: str) -> Sent:
        to = _author(mention)
        form = {"to": to, "subject": _subject(mention), "text": body, "api_type": "json"}
        self._result(self._call("POST", "/api/compose", data=form))
        # Reddit answers no id: the message is read back from the brand's sent messages.
        sent = self._find_message(mention, body)
        return sent or Sent("", f"{SITE}/message/sent", {"to": to})

    def find_sent(self, *, mention, body: str, private: bool, key: str) -> Sent | None:
        if private:
            return self._find_message(mention, body)
        path = f"/user/{self._me()}/comments"
        for comment in self._newest(path, {"sort": "new"}):
            if comment.get("parent_id") == mention.external_id and _same(comment.get("body"), body):
                return _sent_comment(comment)
        return None

    def publish(self, *, body: str, key: str, language: str = "") -> Sent:
        title, text = _title_and_text(body)
        form = {
            "kind": "self",
            "sr": f"u_{self._me()}",
            "title": title,
            "text": text,
            "sendreplies": "true",
            "api_type": "json",
        }
        response = self._call("POST", "/api/submit", data=form)
        post = self._result(response).get("data")
        if not isinstance(post, dict) or not post.get("name"):
            raise self.malformed(response, "a submission answer without the post's name")
        answer = {k: post.get(k) for k in ("id", "name", "url")}
        return Sent(str(post["name"]), str(post.get("url") or ""), answer)

    def find_published(self, *, body: str, key: str) -> Sent | None:
        title, text = _title_and_text(body)
        since = (timezone.now() - PUBLISHED_WITHIN).timestamp()
        for post in self._newest(f"/user/{self._me()}/submitted", {"sort": "new"}):
            if _number(post.get("created_utc")) < since:
                return None  # newest first: the rest is older still
            if _same(post.get("title"), title) and _same(post.get("selftext"), text):
                answer = {k: post.get(k) for k in ("id", "name", "url", "created_utc")}
                link = f"{SITE}{post['permalink']}" if post.get("permalink") else ""
                return Sent(str(post["name"]), link or str(post.get("url") or ""), answer)
        return None

    def delete(self, *, network_id: str) -> Done:
        self._call("POST", "/api/del", data={"id": network_id})
        response = self._call("GET", "/api/info", params={"id": network_id, "raw_json": 1})
        found, _after = self._listing(response)
        if found and found[0].get("author") != "[deleted]":
            raise PermanentError(
                f"Reddit did not delete {network_id}: only the brand account's own can be."
            )
        return Done(f"Reddit deleted {network_id}.", {"name": network_id, "deleted": True})

    def report(self, *, mention, comment: str) -> Done:
        form = {
            "thing_id": mention.external_id,
            "reason": "other",
            "other_reason": comment[:100],  # Reddit's limit
            "api_type": "json",
        }
        self._result(self._call("POST", "/api/report", data=form))
        place = _subreddit(mention)
        where = f"the moderators of r/{place}" if place else "Reddit's moderators"
        summary = f"Reported {mention.author_handle or mention.external_id} to {where}."
        return Done(summary, {"thing_id": mention.external_id, "reason": form["other_reason"]})

    # --- Reading back -----------------------------------------------------------------

    def _find_message(self, mention, body: str) -> Sent | None:
        """The message about `mention`: to its author, with its subject and this body, sent
        after it was posted (an older one with the same words answered something else)."""
        to, subject = _author(mention).lower(), _subject(mention)
        since = mention.published_at.timestamp()
        for message in self._newest("/message/sent", {}):
            if (
                str(message.get("dest", "")).lower() == to
                and message.get("subject") == subject
                and _same(message.get("body"), body)
                and _number(message.get("created_utc")) >= since
            ):
                answer = {k: message.get(k) for k in ("id", "name", "dest", "created_utc")}
                return Sent(
                    str(message["name"]), f"{SITE}/message/messages/{message['id']}", answer
                )
        return None

    def _newest(self, path: str, params: dict):
        """The items of a listing, newest first, a few pages at most."""
        params = {**params, "limit": 100, "raw_json": 1}
        for _page in range(PAGES_SEARCHED):
            children, after = self._listing(self._call("GET", path, params=params))
            yield from children
            if not after or not children:
                return
            params["after"] = after

    def _me(self) -> str:
        """The brand account's name, asked once."""
        if getattr(self, "_brand_name", None) is None:
            body = self.parse_json(self._call("GET", "/api/v1/me"))
            if not isinstance(body, dict) or not body.get("name"):
                raise PermanentError("Reddit did not say which account the token acts as.")
            self._brand_name = str(body["name"])
        return self._brand_name

    # --- HTTP -------------------------------------------------------------------------

    def _call(self, method: str, path: str, **kwargs) -> httpx.Response:
        """With the brand's token, asked again once if the API refuses it (a refused token
        writes nothing, so sending again is safe). Writes go once (`write`)."""
        try:
            return self._send(method, path, headers=_bearer(self._token()), **kwargs)
        except TokenRejected:
            self.forget_token(self._token_name)
        try:
            return self._send(method, path, headers=_bearer(self._token()), **kwargs)
        except TokenRejected as exc:
            raise PermanentError(
                f"{exc.message[:-1]} even with a new token.",
                status_code=exc.status_code,
                body=exc.body,
            ) from exc

    def _send(self, method: str, path: str, **kwargs) -> httpx.Response:
        if method == "GET":
            return self.get(path, **kwargs)
        return self.write(method, path, **kwargs)

    def _result(self, response: httpx.Response) -> dict:
        """`json` of an `api_type=json` answer, or the error it lists."""
        body = self.parse_json(response)
        result = body.get("json") if isinstance(body, dict) else None
        if not isinstance(result, dict):
            raise self.malformed(response, 'expected {"json": {"errors": [...]}}')
        errors = [e for e in result.get("errors") or [] if isinstance(e, list) and e]
        if not errors:
            return result
        kwargs = {"status_code": response.status_code, "body": response.text}
        for code, message, *_field in errors:
            if code == "RATELIMIT":
                until = timezone.now() + _wait(result.get("ratelimit"), str(message))
                raise RateLimited(f"Reddit: {message}", until=until, **kwargs)
        code, message, *_field = errors[0]
        raise PermanentError(f"Reddit refused: {message} ({code}).", **kwargs)

    def _listing(self, response: httpx.Response) -> tuple[list[dict], str | None]:
        """The data of a Listing's children, and `after` (the next page) if any."""
        body = self.parse_json(response)
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or not isinstance(data.get("children"), list):
            raise self.malformed(response, "expected a Listing with a list of children")
        children = [c["data"] for c in data["children"] if isinstance(c, dict) and c.get("data")]
        after = data.get("after")
        return children, after if isinstance(after, str) and after else None

    # --- The brand account's token ----------------------------------------------------------

    @property
    def token_url(self) -> str:
        return f"{self.base_url}{ACCESS_PATH}" if self.account.base_url else ACCESS_URL

    @property
    def _token_name(self) -> str:
        return "brand-access"

    def _token_grant(self) -> tuple[tuple[str, str], dict]:
        client = (self.secret.get("client_id") or "", self.secret.get("client_secret") or "")
        if not client[0]:
            raise PermanentError(f"The connected account {self.account} has no client id.")
        if self.secret.get("refresh_token"):
            return client, {
                "grant_type": "refresh_token",
                "refresh_token": self.secret["refresh_token"],
            }
        if self.secret.get("username") and self.secret.get("password"):
            grant = {k: self.secret[k] for k in ("username", "password")}
            return client, {"grant_type": "password", **grant}
        raise PermanentError(
            f"The connected account {self.account} needs a refresh token "
            "(or, for a script app, the account's username and password)."
        )

    def error_for(self, response: httpx.Response) -> ConnectorError:
        status = response.status_code
        detail = f"{status}: {error_text(response)}"
        kwargs = {"status_code": status, "body": response.text}
        if urlsplit(str(response.request.url)).path.endswith(ACCESS_PATH):
            return PermanentError(
                f"{self.grant_refused} ({detail}). Connect the account again.", **kwargs
            )
        if status == 403:
            return PermanentError(
                f"Reddit does not allow this ({detail}): the post may be gone or out of reach.",
                **kwargs,
            )
        return super().error_for(response)


def _sent_comment(comment: dict) -> Sent:
    link = f"{SITE}{comment['permalink']}" if comment.get("permalink") else ""
    return Sent(str(comment["name"]), link, {k: comment.get(k) for k in _KEPT})


def _title_and_text(body: str) -> tuple[str, str]:
    """A self post's title (the first line, cut to Reddit's 300 characters) and text (the
    other lines; the whole body when the title had to be cut, so nothing is lost)."""
    first, _newline, rest = body.strip().partition("\n")
    title = " ".join(first.split())
    if len(title) > MAX_TITLE:
        return title[: MAX_TITLE - 1].rstrip() + "…", body.strip()
    return title, rest.strip()


def _author(mention) -> str:
    name = (mention.author_name or mention.author_handle or "").strip()
    name = re.sub(r"^/?u/", "", name)
    if not name:
        raise PermanentError("The mention does not name its Reddit author (deleted account?).")
    return name


def _subject(mention) -> str:
    """The message's subject (100 characters at most): the post it is about."""
    data = (mention.raw or {}).get("data") or {}
    title = data.get("title") or data.get("link_title") or ""
    return f"Re: {title}"[:100] if title else "About your post"


def _subreddit(mention) -> str:
    return str(((mention.raw or {}).get("data") or {}).get("subreddit") or "")


def _number(value) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def _same(posted, body: str) -> bool:
    """Reddit keeps a text as sent, but for line endings and surrounding spaces."""
    if not isinstance(posted, str):
        return False
    return posted.replace("\r\n", "\n").strip() == body.replace("\r\n", "\n").strip()


def _wait(seconds, message: str) -> timedelta:
    """How long Reddit asks to wait: `json.ratelimit` when it sends it, else the message."""
    if isinstance(seconds, int | float) and seconds > 0:
        return timedelta(seconds=seconds)
    found = _WAIT.search(message)
    if found:
        return timedelta(seconds=int(found[1]) * _SECONDS[found[2].lower()])
    return timedelta(minutes=10)


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
