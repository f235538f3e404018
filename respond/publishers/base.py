"""What every publisher shares: what it can do, what it returns, and careful writes.

A publisher acts on a network as a brand account, with a connected account's secret:
it replies in public, sends a private message, deletes the brand's own reply, hides or
unhides a comment, reports an account, and publishes the brand's own top-level posts
(`publish`, for the publishing calendar), as far as the network's API allows. It never
touches the database: `respond.services` saves first, calls it, and records the answer.

HTTP is the connectors' (monitoring.connectors.base): the guarded client, a secret sent
only to the network's API hosts and those allowed on the account, rate-limit headers read,
4xx turned into permanent errors. One difference: a write is sent once (`attempts=1`). A
timeout after the network accepted a post must not post it again; the outbox decides
whether to retry, with the network's idempotency key (`idempotent`) or after looking for
the post (`find_sent`, and `find_published` for the brand's own posts).
"""

from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

from monitoring.connectors.base import PermanentError, allowed_hosts_for

# How far back `find_published` looks: an earlier attempt is younger than this (the outbox
# retries within hours), and an older post with the same words was another post.
PUBLISHED_WITHIN = timedelta(days=2)


class AlreadySent(PermanentError):
    """The network refuses a second one of something it allows once (a private reply to a
    comment). After an attempt whose answer was lost, the first one is that attempt's."""


class NotSupported(Exception):
    """The network's API has no way to do this (the page says what to do instead)."""


@dataclass
class Sent:
    """A post the network accepted: its id, its link, and the answer kept as evidence."""

    network_id: str
    url: str = ""
    answer: dict = field(default_factory=dict)


@dataclass
class Done:
    """A moderation step the network carried out: one line, and its answer as evidence."""

    summary: str
    answer: dict = field(default_factory=dict)


class Publisher:
    """Base of every publisher. A network module subclasses it with its connector's class
    (for the HTTP, the rate limits and the error messages) and implements what it can do."""

    max_length = 0  # characters a post may have, as the network counts them (`length`)
    can_message = False  # private messages (or "move to private")
    can_hide = False  # hide and unhide a comment on the brand's own posts
    can_delete = True  # delete the brand's own reply
    can_report = False  # report an account through the API
    idempotent = False  # the network recognises a repeated send by its key
    can_publish = False  # top-level posts of the brand account (`publish`)
    report_page_url = ""  # the network's own report page, when there is no API for it

    def __init__(self, account, client):
        self.account = account
        self.stream = None
        self.client = client
        self.base_url = (account.base_url or self.default_base_url).rstrip("/")
        self.query, self.language, self.options = "", "", {}
        self.secret = account.secret
        # An instance address set on the account (by who manages accounts) may get its token.
        own = urlsplit(self.base_url).hostname if account.base_url else None
        self.allowed_hosts = allowed_hosts_for(type(self), account) | (
            {own.lower()} if own else set()
        )
        self.wait_until = None

    # --- What each network implements ------------------------------------------------

    def length(self, text: str) -> int:
        return len(text)

    def reply(self, *, mention, body: str, key: str) -> Sent:
        raise NotImplementedError

    def message(self, *, mention, body: str, key: str) -> Sent:
        raise NotSupported(f"{self.label} has no private messages riskdesk can send")

    def find_sent(self, *, mention, body: str, private: bool, key: str) -> Sent | None:
        """The post an earlier attempt may have made, looked for before sending again.

        Only for networks that are not `idempotent`; None when it is not there."""
        raise NotImplementedError

    def publish(self, *, body: str, key: str, language: str = "") -> Sent:
        """A new top-level post of the brand account (the connected account), with `body`
        as its whole text (links included), sent with the idempotency `key` where the
        network has one. `language` is the text's language code, when the network takes it."""
        raise NotSupported(f"{self.label}: riskdesk cannot publish posts there")

    def find_published(self, *, body: str, key: str) -> Sent | None:
        """The post an earlier `publish` may have made, looked for before sending again
        (among the brand account's newest posts, by its text).

        Only for networks that are not `idempotent`; None when it is not there."""
        raise NotImplementedError

    def delete(self, *, network_id: str) -> Done:
        raise NotSupported(f"{self.label}: riskdesk cannot delete posts there")

    def hide(self, *, mention, hidden: bool) -> Done:
        raise NotSupported(f"{self.label} does not let a brand hide a comment")

    def report(self, *, mention, comment: str) -> Done:
        raise NotSupported(f"{self.label} has no API for reports")

    def report_page(self, *, mention) -> str:
        """Where a person reports the author by hand, when the API cannot."""
        return self.report_page_url.format(handle=mention.author_handle.lstrip("@"))

    # --- Shared ---------------------------------------------------------------------

    def _token_key(self, name: str) -> str:
        """Short-lived tokens (sessions, OAuth access tokens) kept per connected account."""
        return f"respond:{self.name}:{self.account.pk}:{name}"

    def write(self, method: str, path: str, **kwargs):
        """One attempt, no blind retry (see the module)."""
        return self.request(method, path, attempts=1, **kwargs)
