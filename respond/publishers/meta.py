"""Facebook Pages and Instagram, through the Graph API: replies, private replies, hiding
and deleting comments, and the Page's own posts.

Both speak the Graph API of the connector (`monitoring.connectors.meta`: its host, version,
rate-limit headers and error codes). The token (`access_token`, else
`page_access_token`) goes as `Authorization: Bearer`, with `appsecret_proof` when the
connected account holds the app's secret.

Facebook (a Page token, acting as the Page):
- a reply is `POST /{id}/comments` with `message` → `{"id"}`, on the top-level comment
  (a reply to a reply joins its thread, as the connector stores `parent_id`) or on a
  visitor's post;
- a private reply is `POST /{page-id}/messages` with `{"recipient": {"comment_id"}}`
  (`post_id` for a visitor post) and `{"message": {"text"}}`: one per comment, within
  7 days; a second gets error 10900 "Activity already replied to";
- hiding is `POST /{comment-id}` with `is_hidden`, deleting `DELETE /{comment-id}`, both
  answering `{"success": true}`; reports have no API (`report_page`);
- a post of the Page's own is `POST /{page-id}/feed` with `message` → `{"id":
  "{page-id}_{post-id}"}` (permission `pages_manage_posts`); Facebook refuses the same
  text twice in a row with error 506 "Duplicate status message".

Instagram (a token for the professional account):
- a reply is `POST /{ig-comment-id}/replies` with `message`, always on the top-level
  comment (Instagram files a reply to a reply there anyway);
- a private reply is `POST /{ig-user-id}/messages`, as for Facebook (one per comment);
- hiding is `POST /{ig-comment-id}` with `hide`, deleting `DELETE /{ig-comment-id}`;
- no text posts: Instagram publishes only images and videos (`/{ig-user-id}/media`).

Writes are not idempotent. After a write whose answer was lost, `find_sent` reads the
comments under the same parent and takes the brand's own with the same text
(`find_published`: the Page's own posts of the last days, `GET /{page-id}/posts`); for a
Facebook private reply it reads the comment's `private_reply_conversation`. Instagram
shows no such thing: there the network's own once-per-comment rule keeps a private reply
from going twice (the retry is refused with error 10900).
"""

from datetime import UTC, datetime

import httpx

from monitoring.connectors.base import ConnectorError, PermanentError, error_text
from monitoring.connectors.meta import (
    API_VERSION,
    GRAPH_ID,
    PERMISSION_CODES,
    RATE_CODES,
    TOKEN_CODES,
    MetaConnector,
    _graph_error,
    appsecret_proof,
)
from respond.publishers.base import (
    PUBLISHED_WITHIN,
    AlreadySent,
    Done,
    NotSupported,
    Publisher,
    Sent,
)

FIND_PAGES = 5  # pages of 100 comments looked through for an earlier attempt
MISSING = (100, 33)  # code and subcode: the object does not exist (or is not visible)
ALREADY_REPLIED = 10900  # a private reply was already sent for this comment
CANNOT_REPLY = 10903  # this comment cannot get a private reply (too old, or the Page's own)
DUPLICATE = 506  # the Page just posted the same text


class AlreadyReplied(AlreadySent):
    """Error 10900: the comment already had its one private reply. After a lost answer this
    is the earlier attempt's, so the outbox may count the message as sent, unconfirmed."""


class GraphPublisher(Publisher, MetaConnector):
    """What Facebook and Instagram share: the Graph API, its token, its errors, its private
    replies, hiding and deleting."""

    can_hide = True
    can_message = True
    hide_param = ""  # the field that hides a comment
    own_id_field = ""  # the secret's field naming the brand's own id on the network

    def __init__(self, account, client):
        super().__init__(account, client)
        self._own_id: str | None = None

    # --- Shared writes --------------------------------------------------------------------

    def message(self, *, mention, body: str, key: str) -> Sent:
        self.check_message_length(body)
        recipient = {"comment_id": mention.external_id}
        if self.is_post(mention):
            recipient = {"post_id": mention.external_id}
        payload = {"recipient": recipient, "message": {"text": body}}
        response = self.write("POST", self.node(self.sender(mention), "messages"), json=payload)
        answer = self.parse_json(response)
        if not isinstance(answer, dict) or not answer.get("message_id"):
            raise self.malformed(response, "a private reply without a message_id")
        kept = {k: answer.get(k) for k in ("recipient_id", "message_id")}
        return Sent(str(answer["message_id"]), "", kept | {"private_reply_to": recipient})

    def hide(self, *, mention, hidden: bool) -> Done:
        value = "true" if hidden else "false"
        response = self.write("POST", self.node(mention.external_id), data={self.hide_param: value})
        answer = self.succeeded(response, "hiding the comment")
        summary = (
            f"{self.label} hid comment {mention.external_id}."
            if hidden
            else f"{self.label} shows comment {mention.external_id} again."
        )
        return Done(summary, answer)

    def delete(self, *, network_id: str) -> Done:
        response = self.write("DELETE", self.node(network_id))
        answer = self.succeeded(response, "the deletion")
        return Done(f"{self.label} deleted comment {network_id}.", answer)

    # --- What each network sets -----------------------------------------------------------

    def is_post(self, mention) -> bool:
        return False

    def sender(self, mention) -> str:
        """The node whose `messages` edge sends a private reply."""
        raise NotImplementedError

    def check_message_length(self, body: str) -> None:
        raise NotImplementedError

    # --- Helpers --------------------------------------------------------------------------

    def node(self, *parts: str) -> str:
        """A Graph path; ids go into it only once they look like Graph ids."""
        for part in parts:
            if not GRAPH_ID.fullmatch(part or ""):
                raise PermanentError(f"{self.label}: {part!r} is not a Graph id.")
        return f"/{API_VERSION}/" + "/".join(parts)

    def brand_id(self) -> str:
        """The brand's id on the network, as its brand account or the secret sets it."""
        brand = self.account.brand_account
        return (brand.platform_id if brand else "") or self.secret.get(self.own_id_field, "")

    def listed(self, path: str, params: dict):
        """The items of a Graph list edge, page by page, at most FIND_PAGES pages."""
        params = params | {"limit": 100}
        for _page in range(FIND_PAGES):
            response = self.get(path, params=params)
            body = self.parse_json(response)
            data = body.get("data") if isinstance(body, dict) else None
            if not isinstance(data, list):
                raise self.malformed(response, "a list without data")
            yield from (item for item in data if isinstance(item, dict))
            paging = body.get("paging") if isinstance(body.get("paging"), dict) else {}
            after = (paging.get("cursors") or {}).get("after")
            if not paging.get("next") or not after:
                return
            params = params | {"after": after}

    def created(self, response: httpx.Response) -> str:
        body = self.parse_json(response)
        if not isinstance(body, dict) or not body.get("id"):
            raise self.malformed(response, "a comment without an id")
        return str(body["id"])

    def succeeded(self, response: httpx.Response, what: str) -> dict:
        body = self.parse_json(response)
        if not isinstance(body, dict) or body.get("success") is not True:
            raise self.malformed(response, f'no "success": true in the answer to {what}')
        return {"success": True}

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        token = self.secret.get("access_token") or self.secret.get("page_access_token")
        if not token:
            raise PermanentError(f"The connected account {self.account} has no access token.")
        kwargs["headers"] = {**(kwargs.get("headers") or {}), "Authorization": f"Bearer {token}"}
        if self.secret.get("app_secret"):
            proof = appsecret_proof(self.secret["app_secret"], token)
            kwargs["params"] = {**(kwargs.get("params") or {}), "appsecret_proof": proof}
        return super().request(method, path, **kwargs)

    def error_for(self, response: httpx.Response) -> ConnectorError:
        error = _graph_error(response)
        code, subcode = error.get("code"), error.get("error_subcode")
        if code in RATE_CODES or (isinstance(code, int) and 80000 <= code <= 80014):
            return super().error_for(response)  # RateLimited, as long as Meta says
        reason = f"{error_text(response)} (code {code})" if code else error_text(response)
        kwargs = {"status_code": response.status_code, "body": response.text}
        if code in TOKEN_CODES or response.status_code == 401:
            return PermanentError(
                f"{self.label} refused the access token: {reason}. Connect the account again.",
                **kwargs,
            )
        if code in PERMISSION_CODES:
            return PermanentError(
                f"{self.label} does not allow this: {reason}. The token lacks a permission "
                "(pages_manage_engagement, pages_manage_posts, pages_messaging, "
                "instagram_manage_comments...).",
                **kwargs,
            )
        if (code, subcode) == MISSING:
            return PermanentError(
                f"{self.label}: the comment no longer exists ({reason}).", **kwargs
            )
        if code == ALREADY_REPLIED:
            return AlreadyReplied(
                f"{self.label}: this comment already had its one private reply ({reason}).",
                **kwargs,
            )
        if code == DUPLICATE:
            return PermanentError(
                f"{self.label} refused the post as a duplicate of the last one ({reason}).",
                **kwargs,
            )
        if code == CANNOT_REPLY:
            return PermanentError(
                f"{self.label}: this comment cannot get a private reply, perhaps older than "
                f"7 days ({reason}).",
                **kwargs,
            )
        return PermanentError(f"{self.label} refused: {reason}", **kwargs)


class FacebookPublisher(GraphPublisher):
    name = "facebook"
    label = "Facebook"
    platform = "facebook"
    secret_fields = (*MetaConnector.secret_fields, "access_token", "page_id")
    max_length = 8000  # a comment
    message_limit = 2000  # a Messenger text
    hide_param = "is_hidden"
    own_id_field = "page_id"
    report_page_url = "https://www.facebook.com/help/1380418588640631"  # "How to report things"
    can_publish = True
    post_max_length = 63_206  # a Page post

    def reply(self, *, mention, body: str, key: str) -> Sent:
        target = _thread_top(mention)
        response = self.write("POST", self.node(target, "comments"), data={"message": body})
        comment_id = self.created(response)
        answer = {"id": comment_id, "on": target}
        return Sent(comment_id, f"https://www.facebook.com/{comment_id}", answer)

    def find_sent(self, *, mention, body: str, private: bool, key: str) -> Sent | None:
        if private:
            return self._private_reply_sent(mention, body.strip())
        page, target = self.page_id(), _thread_top(mention)
        params = {"fields": "id,message,from", "order": "reverse_chronological"}
        for comment in self.listed(self.node(target, "comments"), params):
            author = comment.get("from") if isinstance(comment.get("from"), dict) else {}
            if str(author.get("id")) == page and _same(comment.get("message"), body):
                comment_id = str(comment["id"])
                answer = {"id": comment_id, "on": target, "found": True}
                return Sent(comment_id, f"https://www.facebook.com/{comment_id}", answer)
        return None

    def publish(self, *, body: str, key: str, language: str = "") -> Sent:
        if len(body) > self.post_max_length:
            raise PermanentError(
                f"Facebook posts are limited to {self.post_max_length} characters."
            )
        page = self.page_id()
        response = self.write("POST", self.node(page, "feed"), data={"message": body})
        post_id = self.created(response)
        return Sent(post_id, f"https://www.facebook.com/{post_id}", {"id": post_id, "on": page})

    def find_published(self, *, body: str, key: str) -> Sent | None:
        page = self.page_id()
        since = int((datetime.now(UTC) - PUBLISHED_WITHIN).timestamp())
        params = {"fields": "id,message,created_time,permalink_url", "since": since}
        for post in self.listed(self.node(page, "posts"), params):
            if _same(post.get("message"), body):
                post_id = str(post["id"])
                link = post.get("permalink_url") or f"https://www.facebook.com/{post_id}"
                answer = {"id": post_id, "on": page, "found": True}
                return Sent(post_id, str(link), answer | {"created_time": post.get("created_time")})
        return None

    def _private_reply_sent(self, mention, body: str) -> Sent | None:
        """The comment's one private reply, when it says what we meant to send."""
        if self.is_post(mention):
            return None  # a visitor post shows no private reply conversation
        fields = "private_reply_conversation{id,messages{id,message}}"
        response = self.get(self.node(mention.external_id), params={"fields": fields})
        comment = self.parse_json(response)
        if not isinstance(comment, dict):
            raise self.malformed(response, "a comment that is not an object")
        conversation = comment.get("private_reply_conversation")
        if not isinstance(conversation, dict):
            return None
        messages = (conversation.get("messages") or {}).get("data") or []
        for message in messages:
            if isinstance(message, dict) and _same(message.get("message"), body):
                answer = {"message_id": message.get("id"), "conversation": conversation.get("id")}
                return Sent(str(message.get("id") or conversation.get("id")), "", answer)
        return None

    def page_id(self) -> str:
        """The Page: set on its brand account or the secret, else the token's own (`/me`)."""
        if self._own_id is None:
            self._own_id = self.brand_id() or self._me()
        return self._own_id

    def _me(self) -> str:
        response = self.get(f"/{API_VERSION}/me", params={"fields": "id,name"})
        body = self.parse_json(response)
        if not isinstance(body, dict) or not body.get("id"):
            raise self.malformed(response, "/me without an id")
        return str(body["id"])

    def is_post(self, mention) -> bool:
        """A visitor's post on the Page rather than a comment (the connector's thread_id)."""
        return bool(mention.thread_id) and mention.external_id == mention.thread_id

    def sender(self, mention) -> str:
        return self.page_id()

    def check_message_length(self, body: str) -> None:
        if len(body) > self.message_limit:
            raise PermanentError(
                f"Facebook private replies are limited to {self.message_limit} characters."
            )

    def report_page(self, *, mention) -> str:
        """Facebook has reports only on the content itself: the comment's own page."""
        return mention.url or self.report_page_url


class InstagramPublisher(GraphPublisher):
    name = "instagram"
    label = "Instagram"
    platform = "instagram"
    secret_fields = (*MetaConnector.secret_fields, "access_token", "ig_user_id", "username")
    max_length = 2200
    message_limit = 1000  # bytes of UTF-8 in a direct message
    hide_param = "hide"
    own_id_field = "ig_user_id"
    report_page_url = "https://www.instagram.com/{handle}/"

    def publish(self, *, body: str, key: str, language: str = "") -> Sent:
        raise NotSupported(
            "Instagram publishes only images and videos, which riskdesk does not publish; "
            "post it from the Instagram app."
        )

    def reply(self, *, mention, body: str, key: str) -> Sent:
        target = _thread_top(mention)
        response = self.write("POST", self.node(target, "replies"), data={"message": body})
        comment_id = self.created(response)
        return Sent(comment_id, "", {"id": comment_id, "on": target})

    def find_sent(self, *, mention, body: str, private: bool, key: str) -> Sent | None:
        if private:
            return None  # see the module: Instagram refuses a second private reply itself
        ids, names = self._brand(mention)
        if not ids and not names:
            raise PermanentError(
                "Instagram: set the brand account (its id or handle) on the connected account, "
                "so riskdesk can tell its own replies."
            )
        target = _thread_top(mention)
        params = {"fields": "id,text,username,from,timestamp"}
        for reply in self.listed(self.node(target, "replies"), params):
            author = reply.get("from") if isinstance(reply.get("from"), dict) else {}
            name = str(reply.get("username") or author.get("username") or "").lower()
            mine = str(author.get("id") or "") in ids or name in names
            if mine and _same(reply.get("text"), body):
                return Sent(str(reply["id"]), "", {"id": reply["id"], "on": target, "found": True})
        return None

    def _brand(self, mention) -> tuple[set[str], set[str]]:
        """The brand's ids and usernames: its brand account, the secret, the webhook's entry."""
        brand = self.account.brand_account
        ids = {self.brand_id(), _entry_id(mention)} - {""}
        names = {brand.handle.lstrip("@").lower() if brand else "", self.secret.get("username", "")}
        return ids, names - {""}

    def sender(self, mention) -> str:
        return self.brand_id() or _entry_id(mention) or "me"

    def check_message_length(self, body: str) -> None:
        if len(body.encode()) > self.message_limit:
            raise PermanentError(
                f"Instagram private replies are limited to {self.message_limit} bytes of text."
            )

    def report_page(self, *, mention) -> str:
        handle = (mention.author_handle or "").lstrip("@")
        return (
            self.report_page_url.format(handle=handle) if handle else "https://www.instagram.com/"
        )


def _thread_top(mention) -> str:
    """What a public reply goes on: the top-level comment of the mention's thread, or the
    mention itself (a top-level comment, a visitor's post)."""
    return mention.parent_id or mention.external_id


def _entry_id(mention) -> str:
    """The account a webhook delivered the mention for (the brand's own, on Instagram)."""
    raw = mention.raw or {}
    return str(raw.get("entry_id") or "") if raw.get("object") == "instagram" else ""


def _same(text, body: str) -> bool:
    return isinstance(text, str) and text.strip() == body.strip()
