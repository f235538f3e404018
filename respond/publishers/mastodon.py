"""Mastodon: replies, direct messages, the brand's own posts, deleting them, reports.

- a reply is `POST /api/v1/statuses` with `in_reply_to_id`; a private message the same
  with `visibility=direct` and the author's handle first (Mastodon delivers a direct
  status to the accounts it mentions);
- a post of the brand's own is the same without `in_reply_to_id` (`visibility=public`);
- every post carries `Idempotency-Key`: Mastodon answers a repeated key (for an hour,
  per account) with the status it already made, so a retry never posts twice;
- `DELETE /api/v1/statuses/:id` deletes the brand's own reply;

riskdesk names Mastodon posts by URI (monitoring.connectors.mastodon), the same on every
instance; the API wants the instance's own id, which the mention's payload carries (for
the brand's own posts, the last part of their URI).
- `POST /api/v1/reports` reports an account (and the statuses shown as evidence) to its
  instance's moderators; `forward` sends it on to a remote account's own instance.
Mastodon has no way to hide someone else's reply.
"""

import re

import httpx

from monitoring.connectors.base import ConnectorError, PermanentError, error_text
from monitoring.connectors.mastodon import MastodonConnector
from respond.publishers.base import Done, Publisher, Sent

URL_LENGTH = 23  # Mastodon counts every link as 23 characters
_URL = re.compile(r"https?://\S+")
_REMOTE_MENTION = re.compile(r"(@\w+)@[\w.-]+\w")
_KEPT = ("id", "url", "uri", "created_at", "visibility", "in_reply_to_id")


class MastodonPublisher(Publisher, MastodonConnector):
    max_length = 500  # the default of statuses.max_characters
    can_message = True
    can_report = True
    idempotent = True
    can_publish = True

    def length(self, text: str) -> int:
        """As Mastodon counts: links are 23 characters, a remote mention only its @name."""
        text = _URL.sub("x" * URL_LENGTH, text)
        return len(_REMOTE_MENTION.sub(r"\1", text))

    def reply(self, *, mention, body: str, key: str) -> Sent:
        return self._post(mention, body, key, visibility="public")

    def message(self, *, mention, body: str, key: str) -> Sent:
        handle = self._handle(mention)
        if handle and not body.lower().startswith(handle.lower()):
            body = f"{handle} {body}"
        return self._post(mention, body, key, visibility="direct")

    def find_sent(self, *, mention, body: str, private: bool, key: str) -> Sent | None:
        return None  # never needed: the Idempotency-Key makes a repeated send harmless

    def publish(self, *, body: str, key: str, language: str = "") -> Sent:
        form = {"status": body, "visibility": "public"}
        if language:
            form["language"] = language
        return self._send(form, key)

    def find_published(self, *, body: str, key: str) -> Sent | None:
        return None  # as find_sent

    def delete(self, *, network_id: str) -> Done:
        local_id = network_id.rstrip("/").rsplit("/", 1)[-1]
        response = self.write("DELETE", f"/api/v1/statuses/{local_id}", headers=self._auth())
        answer = _kept(self.parse_json(response))
        return Done(f"Mastodon deleted status {network_id}.", answer)

    def report(self, *, mention, comment: str) -> Done:
        status = _status(mention)
        account = status.get("account") or {}
        account_id = str(account.get("id") or "")
        if not account_id:
            raise PermanentError("The mention does not carry the Mastodon account id to report.")
        form = {
            "account_id": account_id,
            "status_ids[]": [str(status.get("id") or "")],
            "comment": comment[:1000],
            "category": "other",
            "forward": "true" if "@" in str(account.get("acct", "")) else "false",
        }
        response = self.write("POST", "/api/v1/reports", data=form, headers=self._auth())
        body = self.parse_json(response)
        if not isinstance(body, dict) or not body.get("id"):
            raise self.malformed(response, "a report without an id")
        answer = {k: body.get(k) for k in ("id", "category", "forwarded", "created_at")}
        summary = f"Reported {mention.author_handle} to the moderators (report {body['id']})."
        return Done(summary, answer)

    # --- Helpers ------------------------------------------------------------------------

    def _post(self, mention, body: str, key: str, *, visibility: str) -> Sent:
        local_id = str(_status(mention).get("id") or "")
        if not local_id:
            raise PermanentError("The mention does not carry the Mastodon id of the post.")
        form = {"status": body, "in_reply_to_id": local_id, "visibility": visibility}
        if mention.language:
            form["language"] = mention.language
        return self._send(form, key)

    def _send(self, form: dict, key: str) -> Sent:
        headers = self._auth() | {"Idempotency-Key": key}
        response = self.write("POST", "/api/v1/statuses", data=form, headers=headers)
        status = self.parse_json(response)
        if not isinstance(status, dict) or not status.get("id"):
            raise self.malformed(response, "a status without an id")
        link = str(status.get("url") or status.get("uri") or "")
        return Sent(str(status.get("uri") or status["id"]), link, _kept(status))

    def _auth(self) -> dict:
        token = self.secret.get("access_token")
        if not token:
            raise PermanentError(f"The connected account {self.account} has no access token.")
        return {"Authorization": f"Bearer {token}"}

    @staticmethod
    def _handle(mention) -> str:
        handle = (mention.author_handle or "").strip()
        return handle if not handle or handle.startswith("@") else f"@{handle}"

    def error_for(self, response: httpx.Response) -> ConnectorError:
        reason = error_text(response)
        kwargs = {"status_code": response.status_code, "body": response.text}
        if response.status_code == 401:
            return PermanentError(f"Mastodon refused the access token (401: {reason}).", **kwargs)
        if response.status_code == 403:
            return PermanentError(f"Mastodon does not allow this (403: {reason}).", **kwargs)
        if response.status_code == 404:
            return PermanentError(f"Mastodon no longer has this post (404: {reason}).", **kwargs)
        if response.status_code == 422:
            return PermanentError(f"Mastodon refused the post (422: {reason}).", **kwargs)
        return super().error_for(response)


def _status(mention) -> dict:
    """The post as the polled instance sent it: a notification's status, a boost's original."""
    raw = mention.raw if isinstance(mention.raw, dict) else {}
    status = raw.get("status") if isinstance(raw.get("status"), dict) else raw
    original = status.get("reblog") if isinstance(status.get("reblog"), dict) else status
    return original


def _kept(status) -> dict:
    return {k: status.get(k) for k in _KEPT} if isinstance(status, dict) else {}
