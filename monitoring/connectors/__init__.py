"""The connectors, one module each. `CONNECTORS` maps Stream.connector to its class."""

from functools import cache

from django.utils.module_loading import import_string

CONNECTOR_PATHS = {
    "x": "monitoring.connectors.x.XConnector",
    "mastodon": "monitoring.connectors.mastodon.MastodonConnector",
    "bluesky": "monitoring.connectors.bluesky.BlueskyConnector",
    "reddit": "monitoring.connectors.reddit.RedditConnector",
    "youtube": "monitoring.connectors.youtube.YouTubeConnector",
    "rss": "monitoring.connectors.rss.RSSConnector",
    "meta": "monitoring.connectors.meta.MetaConnector",
}


@cache
def get_connector(name: str):
    try:
        return import_string(CONNECTOR_PATHS[name])
    except KeyError:
        raise LookupError(f"no connector named {name!r}") from None


def connector_choices() -> list[tuple[str, str]]:
    return [(name, get_connector(name).label) for name in CONNECTOR_PATHS]


@cache
def pushed_connectors() -> frozenset[str]:
    """The connectors whose mentions arrive by webhook (their class says `polled = False`)."""
    return frozenset(name for name in CONNECTOR_PATHS if not get_connector(name).polled)
