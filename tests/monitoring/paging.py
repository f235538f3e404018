"""Helpers for connector tests: fetch pages the way the poller does."""


def poll_all(connector, cursor=None, limit=20):
    """Fetch while the connector says there is more, as the poller does; returns (pages, cursor)."""
    pages, cursor = [], dict(cursor or {})
    for _ in range(limit):
        page = connector.fetch(cursor)
        pages.append(page)
        cursor = page.cursor
        if not page.has_more:
            break
    return pages, cursor


def texts(page):
    return [m.text for m in page.mentions]
