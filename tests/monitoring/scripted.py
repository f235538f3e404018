"""A connector that replays a script, for testing the poller without a network.

Each test sets `ScriptedConnector.script` to a list of `Page`s and exceptions;
every `fetch` takes the next one. Installed under the name "scripted" by the
`scripted` fixture (tests/monitoring/conftest.py).
"""

from datetime import UTC, datetime, timedelta

from monitoring.connectors.base import Connector, NormalizedMention, Page


def mention(n: int, **fields) -> NormalizedMention:
    return NormalizedMention(
        **{
            "platform": "x",
            "external_id": str(n),
            "text": f"post {n} about Acme",
            "published_at": datetime(2026, 3, 1, tzinfo=UTC) + timedelta(minutes=n),
            "author_id": f"a{n}",
            "author_handle": f"author{n}",
        }
        | fields
    )


def page(*numbers: int, cursor: dict | None = None, has_more: bool = False) -> Page:
    return Page(
        mentions=[mention(n) for n in numbers],
        cursor=cursor if cursor is not None else {"since": max(numbers, default=0)},
        has_more=has_more,
    )


class ScriptedConnector(Connector):
    name = "scripted"
    label = "Scripted"
    platform = "x"
    script: list = []
    cursors_seen: list = []
    wait_until_after_fetch = None

    def fetch(self, cursor: dict) -> Page:
        type(self).cursors_seen.append(dict(cursor))
        step = type(self).script.pop(0)
        if callable(step) and not isinstance(step, Page):
            step = step()
        if isinstance(step, BaseException):
            raise step
        if type(self).wait_until_after_fetch:
            self.wait_until = type(self).wait_until_after_fetch
        return step
