"""The publishers, one module per network, on one base (`respond.publishers.base`).

`PUBLISHER_PATHS` maps a connected account's kind to the class that acts with it.
"""

from functools import cache

from django.utils.module_loading import import_string

PUBLISHER_PATHS = {
    "mastodon": "respond.publishers.mastodon.MastodonPublisher",
    "youtube": "respond.publishers.youtube.YouTubePublisher",
    "facebook": "respond.publishers.meta.FacebookPublisher",
    "instagram": "respond.publishers.meta.InstagramPublisher",
    "x": "respond.publishers.x.XPublisher",
    "bluesky": "respond.publishers.bluesky.BlueskyPublisher",
    "reddit": "respond.publishers.reddit.RedditPublisher",
}


@cache
def get_publisher(kind: str):
    try:
        return import_string(PUBLISHER_PATHS[kind])
    except KeyError:
        raise LookupError(f"riskdesk cannot act on the network through {kind!r}") from None


def publishes(kind: str) -> bool:
    return kind in PUBLISHER_PATHS
