"""The demo organisation's monitoring: a stream on the local demo network (seed_demo)."""

from django.conf import settings
from django.db import transaction

from accounts.models import Team
from monitoring.models import Stream

DEMO_STREAM_NAME = "Lumora on the demo network"


@transaction.atomic
def seed_monitoring() -> dict[str, int]:
    """Create the demo stream if it is missing. Running it twice changes nothing."""
    _stream, created = Stream.objects.get_or_create(
        name=DEMO_STREAM_NAME,
        defaults={
            "connector": "mastodon",
            "base_url": settings.MONITORING_DEMO_NETWORK_URL,
            "query": "#lumora",
            "options": {"hashtag": "lumora"},
            "poll_interval": 15,
            "team": Team.objects.filter(slug="social").first(),
        },
    )
    return {"streams": int(created)}
