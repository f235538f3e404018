"""X: replies, direct messages, the brand's own posts, deleting the brand's posts, hiding
replies to its posts.

It acts with the brand account's OAuth 2.0 user token (`access_token`; scopes
`tweet.read tweet.write users.read dm.read dm.write tweet.moderate.write`), never with
the app's bearer token, which X refuses for writes:

- a reply is `POST /2/tweets` with `reply.in_reply_to_tweet_id` (201, `{"data": {"id",
  "text"}}`); a private message `POST /2/dm_conversations/with/:participant_id/messages`
  to the author's user id, which the X connector stores as the mention's `author_id`;
- a post of the brand's own is `POST /2/tweets` with the text alone;
- `DELETE /2/tweets/:id` deletes the brand's own reply;
- `PUT /2/tweets/:id/hidden` hides (or unhides) a reply in a conversation the brand
  started (`{"data": {"hidden": true}}`);
- there is no API for reports: `report_page` sends a person to X's impersonation form
  for an impersonator, and otherwise to the post, whose menu has "Report post".

X has no idempotency key, so a write is never repeated blindly: before a retry the
outbox calls `find_sent`, which reads what the brand posted since the mention
(`GET /2/users/:id/tweets?since_id=`: ids grow with time, so a reply is newer than
what it answers; the brand's id from `GET /2/users/me`) for a reply to it with the
same text (`find_published`: among its own posts, not replies, of the last days, for
one with the same text), and for a message the conversation's events
(`GET /2/dm_conversations/with/:id/dm_events`) for one the brand sent with that text
since the mention. X reads text
back changed: a reply starts with the @names it answers, links are t.co links, and
&, < and > are HTML entities; texts are compared once that is undone. A repeat that
slips through anyway is refused by X as duplicate content (`DuplicatePost`).

Length is X's weighted count (`textlength.x_weighted_length`) against 280: accounts
with X Premium may post longer, but a reply is kept to what every account can post.
"""

import html
import re
from datetime import UTC, datetime

import httpx

from monitoring.connectors.base import Connector, ConnectorError, PermanentError, parse_time
from monitoring.connectors.x import XConnector
from monitoring.connectors.x import _reason as x_reason
from respond.publishers.base import PUBLISHED_WITHIN, Done, Publisher, Sent
from respond.publishers.textlength import x_weighted_length

TWEETS = "/2/tweets"
ME = "/2/users/me"
DUPLICATE = "duplicate content"
PAGES_SEARCHED = 3  # of 100 posts each, since the mention, before giving up
IMPERSONATION_FORM = "https://help.x.com/en/forms/authenticity/impersonation"
_LEADING_MENTIONS = re.compile(r"^(?:@\w+\s+)+")
_LINK = re.compile(r"https?://\S+")


class DuplicatePost(PermanentError):
    """X refused the post as a duplicate of one the brand account already made."""


class XPublisher(Publisher, XConnector):
    secret_fields = ("access_token",)
    max_length = 280
    can_message = True
    can_hide = True
    idempotent = False
    can_publish = True
    report_page_url = IMPERSONATION_FORM

    def length(self, text: str) -> int:
        return x_weighted_length(text)

    def reply(self, *, mention, body: str, key: str) -> Sent:
        payload = {"text": body, "reply": {"in_reply_to_tweet_id": mention.external_id}}
        response = self.write("POST", TWEETS, json=payload, headers=self._auth())
        tweet = self._data(response, "id")
        answer = {k: tweet.get(k) for k in ("id", "text", "edit_history_tweet_ids")}
        return Sent(str(tweet["id"]), _post_link(tweet["id"]), answer)

    def publish(self, *, body: str, key: str, language: str = "") -> Sent:
        response = self.write("POST", TWEETS, json={"text": body}, headers=self._auth())
        tweet = self._data(response, "id")
        answer = {k: tweet.get(k) for k in ("id", "text", "edit_history_tweet_ids")}
        return Sent(str(tweet["id"]), _post_link(tweet["id"]), answer)

    def message(self, *, mention, body: str, key: str) -> Sent:
        path = f"/2/dm_conversations/with/{self._participant(mention)}/messages"
        response = self.write("POST", path, json={"text": body}, headers=self._auth())
        event = self._data(response, "dm_event_id")
        answer = {k: event.get(k) for k in ("dm_event_id", "dm_conversation_id")}
        return Sent(str(event["dm_event_id"]), _conversation_link(event), answer)

    def find_sent(self, *, mention, body: str, private: bool, key: str) -> Sent | None:
        if private:
            return self._find_message(mention, body)
        return self._find_reply(mention, body)

    def find_published(self, *, body: str, key: str) -> Sent | None:
        wanted = comparable(body)
        since = datetime.now(UTC) - PUBLISHED_WITHIN
        params = {
            "start_time": since.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "exclude": "replies,retweets",
            "max_results": 100,
            "tweet.fields": "referenced_tweets,created_at",
        }
        path = f"/2/users/{self._me()['id']}/tweets"
        for _page in range(PAGES_SEARCHED):
            tweets, token = self._listing(self.get(path, params=params, headers=self._auth()))
            for tweet in tweets:
                if not tweet.get("referenced_tweets") and comparable(tweet.get("text")) == wanted:
                    answer = {k: tweet.get(k) for k in ("id", "text", "created_at")}
                    return Sent(str(tweet["id"]), _post_link(tweet["id"]), answer)
            if not token:
                return None
            params["pagination_token"] = token
        return None

    def delete(self, *, network_id: str) -> Done:
        response = self.write("DELETE", f"{TWEETS}/{network_id}", headers=self._auth())
        data = self._data(response, "deleted")
        return Done(f"X deleted post {network_id}.", {"id": network_id, **data})

    def hide(self, *, mention, hidden: bool) -> Done:
        path = f"{TWEETS}/{mention.external_id}/hidden"
        response = self.write("PUT", path, json={"hidden": hidden}, headers=self._auth())
        body = self.parse_json(response)
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or data.get("hidden") is not hidden:
            raise self.malformed(response, f"an answer without data.hidden = {hidden}")
        verb = "Hid" if hidden else "Unhid"
        return Done(f"{verb} the reply by {mention.author_handle} on X.", data)

    def report_page(self, *, mention) -> str:
        """X's impersonation form for an impersonator; otherwise the post, to report it
        from its menu (X's forms for other reports start from the post too)."""
        if mention.impersonates_id:
            return IMPERSONATION_FORM
        return mention.url or _post_link(mention.external_id)

    # --- Looking for an earlier attempt ---------------------------------------------------

    def _find_reply(self, mention, body: str) -> Sent | None:
        wanted = comparable(body)
        params = {
            "since_id": mention.external_id,
            "max_results": 100,
            "tweet.fields": "referenced_tweets,created_at,conversation_id",
        }
        path = f"/2/users/{self._me()['id']}/tweets"
        for _page in range(PAGES_SEARCHED):
            response = self.get(path, params=params, headers=self._auth())
            tweets, token = self._listing(response)
            for tweet in tweets:
                if _answers(tweet, mention.external_id) and comparable(tweet.get("text")) == wanted:
                    answer = {k: tweet.get(k) for k in ("id", "text", "created_at")}
                    return Sent(str(tweet["id"]), _post_link(tweet["id"]), answer)
            if not token:
                return None
            params["pagination_token"] = token
        return None

    def _find_message(self, mention, body: str) -> Sent | None:
        wanted, me = comparable(body), self._me()["id"]
        since = mention.published_at
        path = f"/2/dm_conversations/with/{self._participant(mention)}/dm_events"
        params = {
            "max_results": 100,
            "event_types": "MessageCreate",
            "dm_event.fields": "id,text,sender_id,dm_conversation_id,created_at",
        }
        events, _token = self._listing(self.get(path, params=params, headers=self._auth()))
        for event in events:
            sent_at = parse_time(event.get("created_at"))
            if (
                str(event.get("sender_id")) == me
                and comparable(event.get("text")) == wanted
                # An older message with the same words answered something else.
                and (sent_at is None or sent_at >= since)
            ):
                answer = {
                    "dm_event_id": event.get("id"),
                    "dm_conversation_id": event.get("dm_conversation_id"),
                }
                return Sent(str(event["id"]), _conversation_link(answer), answer)
        return None

    def _me(self) -> dict:
        """The brand account the token acts as: `{"id", "username"}`, asked once."""
        if getattr(self, "_brand", None) is None:
            self._brand = self._data(self.get(ME, headers=self._auth()), "id")
        return self._brand

    # --- Helpers ------------------------------------------------------------------------

    def _auth(self) -> dict:
        token = self.secret.get("access_token")
        if not token:
            raise PermanentError(f"The connected account {self.account} has no access token.")
        return {"Authorization": f"Bearer {token}"}

    @staticmethod
    def _participant(mention) -> str:
        author = str(mention.author_id or "")
        if not author.isdigit():
            raise PermanentError("The mention does not carry its author's X user id.")
        return author

    def _data(self, response: httpx.Response, key: str) -> dict:
        body = self.parse_json(response)
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or data.get(key) in (None, ""):
            raise self.malformed(response, f"an answer without data.{key}")
        return data

    def _listing(self, response: httpx.Response) -> tuple[list[dict], str | None]:
        """The items of a page (none: X leaves `data` out) and the next page's token."""
        body = self.parse_json(response)
        if not isinstance(body, dict) or not isinstance(body.get("data", []), list):
            raise self.malformed(response, "expected an object with a list of data")
        meta = body.get("meta") if isinstance(body.get("meta"), dict) else {}
        token = meta.get("next_token")
        items = [item for item in body.get("data", []) if isinstance(item, dict)]
        return items, token if isinstance(token, str) and token else None

    def error_for(self, response: httpx.Response) -> ConnectorError:
        status = response.status_code
        detail = f"{status}: {x_reason(response)}"
        kwargs = {"status_code": status, "body": response.text}
        if status == 401:
            return PermanentError(
                f"X refused the access token ({detail}). Connect the account again.", **kwargs
            )
        if status == 403 and DUPLICATE in response.text:
            return DuplicatePost(f"X refused the post as a duplicate ({detail}).", **kwargs)
        if status == 403 and "unsupported-authentication" in response.text:
            return PermanentError(
                f"X needs the brand account's user token for this, not the app's ({detail}).",
                **kwargs,
            )
        if status == 403:
            return PermanentError(f"X does not allow this ({detail}).", **kwargs)
        if status == 404:
            return PermanentError(f"X no longer has this post ({detail}).", **kwargs)
        if status == 400:
            return PermanentError(f"X refused the request ({detail}).", **kwargs)
        # Not XConnector's: its messages speak of recent search.
        return Connector.error_for(self, response)


def comparable(text) -> str:
    """A text as sent and as X reads it back, made equal: entities decoded, the leading
    @names of a reply and the links left out, spaces collapsed."""
    if not isinstance(text, str):
        return ""
    text = _LEADING_MENTIONS.sub("", html.unescape(text).strip())
    return " ".join(_LINK.sub("<link>", text).split())


def _answers(tweet: dict, tweet_id: str) -> bool:
    references = tweet.get("referenced_tweets")
    return isinstance(references, list) and any(
        isinstance(ref, dict) and ref.get("type") == "replied_to" and str(ref.get("id")) == tweet_id
        for ref in references
    )


def _post_link(tweet_id) -> str:
    # X redirects i/web to the post whatever the account's name: no lookup needed.
    return f"https://x.com/i/web/status/{tweet_id}"


def _conversation_link(event: dict) -> str:
    conversation = event.get("dm_conversation_id")
    return f"https://x.com/messages/{conversation}" if conversation else ""
