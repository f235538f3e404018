"""Bluesky: replies, the brand's own posts, deleting them, reports to Bluesky's moderators.

It signs in as the connector does (handle and app password, `createSession`, the
session kept in the cache and renewed once when it expires) and writes to the
brand's own repository, the DID the session names:

- a reply is `com.atproto.repo.createRecord` of an `app.bsky.feed.post` record whose
  `reply` names the thread's root and the mention as parent (both uri and cid, from
  the postView the connector kept); links in the text get link facets (byte offsets),
  so they are clickable as in Bluesky's own app; a post of the brand's own is the same
  record without `reply`;
- `com.atproto.repo.deleteRecord` deletes the brand's own reply;
- `com.atproto.moderation.createReport` reports the author's account to Bluesky's
  moderation service (the PDS passes it on, named in the `atproto-proxy` header).

A send is never repeated: the record key (`rkey`) is derived from the outbox key
(`rkey_for`), so a retry asks to create the same record again, which the PDS refuses.
The PDS in service answers that with a bare 500 (its repository refuses a second
value at a key; bluesky-social/atproto#3718); a pending change answers
400 `RecordAlreadyExists` (bluesky-social/atproto#4728). On either, and on any other
server error, the publisher reads the record at that key (`com.atproto.repo.getRecord`):
if it is there the post was already sent and is returned as sent. So `idempotent`,
and `find_sent` and `find_published` are the same read.

No private messages: Bluesky's chats (`chat.bsky.convo.*`) go through a separate chat
service that an app password reaches only when created with direct-message access,
people accept messages only from accounts they follow unless they chose otherwise (so
most sends to a stranger are refused), and a sent message has no key that would make
a retry harmless.

Length: 300 graphemes (`textlength.graphemes`), and at most 3,000 UTF-8 bytes, which a
text of long emoji sequences can reach first: such a text counts as over the limit.
"""

import hashlib
import re
from datetime import UTC, datetime

import httpx

from monitoring.connectors.base import (
    ConnectorError,
    PermanentError,
    TransientError,
    body_field,
    error_text,
)
from monitoring.connectors.bluesky import CREATE_SESSION, BlueskyConnector, SessionRejected
from respond.publishers.base import Done, Publisher, Sent
from respond.publishers.textlength import graphemes

POST = "app.bsky.feed.post"
CREATE_RECORD = "/xrpc/com.atproto.repo.createRecord"
GET_RECORD = "/xrpc/com.atproto.repo.getRecord"
DELETE_RECORD = "/xrpc/com.atproto.repo.deleteRecord"
CREATE_REPORT = "/xrpc/com.atproto.moderation.createReport"
# Bluesky's moderation service, to which the PDS passes reports.
MODERATION = "did:plc:ar7c4by46qjdydhdevvrndac#atproto_labeler"
REASON_MISLEADING = "com.atproto.moderation.defs#reasonMisleading"
REASON_OTHER = "com.atproto.moderation.defs#reasonOther"
MAX_BYTES = 3000
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"  # base32-sortable
TID_TIMES = 1_672_531_200_000_000  # µs to 2023-01-01: a derived key never looks "future"
_LINK = re.compile(r"https?://[^\s]*[^\s.,;:!?'\")\]]")
_AT_URI = re.compile(r"at://(?P<repo>[^/]+)/(?P<collection>[^/]+)/(?P<rkey>[^/]+)")


class RecordExists(PermanentError):
    """The PDS refused to create a record at a key already used (RecordAlreadyExists)."""


class RecordMissing(PermanentError):
    """There is no record at that key (RecordNotFound)."""


def rkey_for(key: str) -> str:
    """A record key derived from the outbox key: the same key, the same record.

    TID-shaped, as `app.bsky.feed.post` requires (13 base32-sortable characters of a
    64-bit number whose top bit is 0): 53 bits of "time" and a 10-bit clock id, both
    taken from a hash of the key. The time is not the time of sending (the key alone
    decides it) and is kept before 2023, so it never passes for a future TID.
    """
    digest = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
    value = (((digest >> 10) % TID_TIMES) << 10) | (digest & 0x3FF)
    return "".join(TID_ALPHABET[(value >> shift) & 31] for shift in range(60, -1, -5))


class BlueskyPublisher(Publisher, BlueskyConnector):
    max_length = 300
    can_report = True
    idempotent = True
    can_publish = True

    def length(self, text: str) -> int:
        counted = graphemes(text)
        if len(text.encode()) > MAX_BYTES:
            return max(counted, self.max_length + 1)
        return counted

    def reply(self, *, mention, body: str, key: str) -> Sent:
        return self._create(_post(body, mention.language, reply=_thread(mention)), rkey_for(key))

    def publish(self, *, body: str, key: str, language: str = "") -> Sent:
        return self._create(_post(body, language), rkey_for(key))

    def find_published(self, *, body: str, key: str) -> Sent | None:
        return self._already_sent(rkey_for(key))

    def _create(self, record: dict, rkey: str) -> Sent:
        """Create the post at `rkey`, or return the one an earlier attempt made there."""
        try:
            response = self._authed(
                "POST",
                CREATE_RECORD,
                lambda session: {
                    "repo": _did(session),
                    "collection": POST,
                    "rkey": rkey,
                    "record": record,
                },
            )
        except (RecordExists, TransientError) as exc:
            if isinstance(exc, TransientError) and exc.status_code is None:
                raise  # no answer at all: the outbox retries, and the key protects it
            sent = self._already_sent(rkey)
            if sent is None:
                raise
            return sent
        created = self.parse_json(response)
        if not isinstance(created, dict) or not created.get("uri") or not created.get("cid"):
            raise self.malformed(response, "a created record without uri and cid")
        answer = {k: created.get(k) for k in ("uri", "cid", "commit", "validationStatus")}
        return Sent(created["uri"], self._link(rkey), answer)

    def find_sent(self, *, mention, body: str, private: bool, key: str) -> Sent | None:
        return None if private else self._already_sent(rkey_for(key))

    def delete(self, *, network_id: str) -> Done:
        parts = _AT_URI.fullmatch(network_id)
        if parts is None:
            raise PermanentError(f"{network_id!r} is not the at:// address of a Bluesky post.")
        target = {k: parts[k] for k in ("repo", "collection", "rkey")}
        response = self._authed("POST", DELETE_RECORD, lambda _session: target)
        answer = self.parse_json(response)
        return Done(
            f"Bluesky deleted post {network_id}.", answer if isinstance(answer, dict) else {}
        )

    def report(self, *, mention, comment: str) -> Done:
        did = str(mention.author_id or "")
        if not did.startswith("did:"):
            raise PermanentError("The mention does not carry its author's Bluesky DID.")
        # An impersonator misleads about who they are; anything else is for the moderators.
        reason_type = REASON_MISLEADING if mention.impersonates_id else REASON_OTHER
        payload = {
            "reasonType": reason_type,
            "reason": comment[:2000],
            "subject": {"$type": "com.atproto.admin.defs#repoRef", "did": did},
        }
        response = self._authed(
            "POST", CREATE_REPORT, lambda _session: payload, {"atproto-proxy": MODERATION}
        )
        report = self.parse_json(response)
        if not isinstance(report, dict) or report.get("id") is None:
            raise self.malformed(response, "a report without an id")
        answer = {k: report.get(k) for k in ("id", "reasonType", "reportedBy", "createdAt")}
        summary = (
            f"Reported {mention.author_handle} to Bluesky's moderators (report {report['id']})."
        )
        return Done(summary, answer)

    # --- Helpers ------------------------------------------------------------------------

    def _authed(self, method: str, path: str, payload, headers=None) -> httpx.Response:
        """One write with the session, signed in again once if Bluesky says it expired
        (an expired session is refused before anything is written: sending again is safe).

        `payload(session)` builds the JSON body, which may name the session's DID."""
        session = self._session()
        try:
            return self._send(method, path, session, payload, headers)
        except SessionRejected:
            session = self._renew(session)
        try:
            return self._send(method, path, session, payload, headers)
        except SessionRejected as exc:
            raise PermanentError(
                f"{exc.message} Signing in again did not help.",
                status_code=exc.status_code,
                body=exc.body,
            ) from exc

    def _send(self, method, path, session, payload, headers) -> httpx.Response:
        auth = {"Authorization": f"Bearer {session['accessJwt']}"}
        return self.write(method, path, json=payload(session), headers=auth | (headers or {}))

    def _already_sent(self, rkey: str) -> Sent | None:
        """The post at `rkey` in the brand's repository, or None."""
        params = {"repo": _did(self._session()), "collection": POST, "rkey": rkey}
        try:
            response = self.get(GET_RECORD, params=params)
        except RecordMissing:
            return None
        found = self.parse_json(response)
        if not isinstance(found, dict) or not found.get("uri"):
            raise self.malformed(response, "a record without uri")
        answer = {"uri": found["uri"], "cid": found.get("cid"), "already_sent": True}
        return Sent(found["uri"], self._link(rkey), answer)

    def _link(self, rkey: str) -> str:
        session = self._session()
        profile = session.get("handle") or session.get("did")
        return f"https://bsky.app/profile/{profile}/post/{rkey}"

    def error_for(self, response: httpx.Response) -> ConnectorError:
        name = body_field(response, "error")
        path = response.request.url.path
        if path.endswith(CREATE_SESSION) or name in ("ExpiredToken", "InvalidToken"):
            return super().error_for(response)
        detail = f"{response.status_code} {name}: {error_text(response)}".replace(" :", ":")
        kwargs = {"status_code": response.status_code, "body": response.text}
        if name == "RecordAlreadyExists":
            return RecordExists(f"Bluesky already has this record ({detail}).", **kwargs)
        if name == "RecordNotFound" or (path.endswith(GET_RECORD) and response.status_code == 400):
            return RecordMissing(f"Bluesky has no such record ({detail}).", **kwargs)
        if response.status_code in (401, 403):
            return PermanentError(
                f"Bluesky does not let the brand account do this ({detail}).", **kwargs
            )
        if response.status_code == 400:
            return PermanentError(f"Bluesky refused the request ({detail}).", **kwargs)
        return super().error_for(response)


def _post(text: str, language: str, **fields) -> dict:
    """An `app.bsky.feed.post` record; `reply=` makes it a reply."""
    record = {"$type": POST, "text": text, "createdAt": _now(), **fields}
    if language:
        record["langs"] = [language]
    if facets := _link_facets(text):
        record["facets"] = facets
    return record


def _thread(mention) -> dict:
    """The reply's place: the thread's root and the mention as parent (uri and cid)."""
    post = mention.raw if isinstance(mention.raw, dict) else {}
    if not post.get("uri") or not post.get("cid"):
        raise PermanentError("The mention does not carry the Bluesky post's uri and cid.")
    parent = {"uri": post["uri"], "cid": post["cid"]}
    root = ((post.get("record") or {}).get("reply") or {}).get("root")
    if not isinstance(root, dict) or not root.get("uri") or not root.get("cid"):
        root = parent  # the mention starts its thread
    return {"root": {"uri": root["uri"], "cid": root["cid"]}, "parent": parent}


def _link_facets(text: str) -> list[dict]:
    facets = []
    for link in _LINK.finditer(text):
        start = len(text[: link.start()].encode())
        facets.append(
            {
                "index": {"byteStart": start, "byteEnd": start + len(link.group().encode())},
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": link.group()}],
            }
        )
    return facets


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _did(session: dict) -> str:
    """The DID the session signed in as: the brand's repository."""
    if not session.get("did"):
        raise PermanentError("Bluesky's session does not name the account's DID.")
    return session["did"]
