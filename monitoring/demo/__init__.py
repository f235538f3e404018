"""The demo organisation's monitoring: a stream on the local demo network (seed_demo)."""

from django.conf import settings
from django.db import transaction

from accounts.models import Team
from monitoring.enrichment.keywords import DEFAULT_KEYWORDS
from monitoring.models import KeywordList, Stream
from offboarding.models import BrandAccount

DEMO_STREAM_NAME = "Lumora on the demo network"
DEMO_INSTANCE = "demo.riskdesk.local"
# A rival's stream for the reports' share of voice; off, so the demo polls one stream only.
DEMO_COMPETITOR_STREAM_NAME = "Solvane (competitor) on the demo network"
# (network, handle, display name, id on the network, owning team)
DEMO_BRAND_ACCOUNTS = [
    ("mastodon", "lumora", "Lumora", f"https://{DEMO_INSTANCE}/@lumora", "social"),
    (
        "mastodon",
        "lumora_support",
        "Lumora Support",
        f"https://{DEMO_INSTANCE}/@lumora_support",
        "customer-service",
    ),
    ("x", "lumora", "Lumora", "1459203847210", "social"),
    ("bluesky", "lumora.bsky.social", "Lumora", "did:plc:lumorademo0000000000000", "social"),
]


@transaction.atomic
def seed_monitoring() -> dict[str, int]:
    """Create the demo stream, brand accounts and keyword lists if missing (idempotent)."""
    teams = {team.slug: team for team in Team.objects.all()}
    for platform, handle, name, platform_id, team in DEMO_BRAND_ACCOUNTS:
        BrandAccount.objects.get_or_create(
            platform=platform,
            handle=handle,
            defaults={"display_name": name, "platform_id": platform_id, "team": teams.get(team)},
        )
    for code, by_language in DEFAULT_KEYWORDS.items():
        for language, terms in by_language.items():
            KeywordList.objects.get_or_create(
                code=code, language=language, defaults={"terms": "\n".join(terms)}
            )
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
    _rival, rival_created = Stream.objects.get_or_create(
        name=DEMO_COMPETITOR_STREAM_NAME,
        defaults={
            "connector": "mastodon",
            "base_url": settings.MONITORING_DEMO_NETWORK_URL,
            "query": "#solvane",
            "options": {"hashtag": "solvane"},
            "poll_interval": 300,
            "enabled": False,
            "is_competitor": True,
            "team": Team.objects.filter(slug="social").first(),
        },
    )
    return {"streams": int(created) + int(rival_created)}
