"""The demo organisation's monitoring: a stream on the local demo network (seed_demo)."""

from django.conf import settings
from django.db import transaction

from accounts.demo import demo_email
from accounts.models import Team, User
from monitoring.enrichment.keywords import DEFAULT_KEYWORDS
from monitoring.models import KeywordList, NotificationChannel, Priority, Rule, Stream
from monitoring.notifications import channel_create
from monitoring.rules import rule_create
from offboarding.models import BrandAccount

DEMO_STREAM_NAME = "Lumora on the demo network"
DEMO_INSTANCE = "demo.riskdesk.local"
# The local sink `make run` starts (manage.py notification_sink) checks this signature key.
DEMO_SINK_SECRET = "riskdesk-demo-sink"  # noqa: S105 (a demo value, printed in the Procfile)
DEMO_CHANNEL_TEAMS = ["security", "legal", "pr", "customer-service", "social"]

# (name, conditions, tags, team slug, priority, notify): the demo's routing.
DEMO_RULES = [
    (
        "Impersonation of our accounts",
        [{"field": "impersonation", "value": True}],
        ["impersonation"],
        "security",
        Priority.URGENT,
        True,
    ),
    ("Legal threats", [{"field": "reason", "value": ["legal"]}], ["legal-threat"], "legal",
     Priority.HIGH, True),
    ("Security reports", [{"field": "reason", "value": ["security"]}], ["security"], "security",
     Priority.HIGH, True),
    ("Crisis words", [{"field": "reason", "value": ["crisis"]}], ["crisis"], "pr",
     Priority.HIGH, True),
    ("Complaints", [{"field": "sentiment_below", "value": -0.3}], ["complaint"],
     "customer-service", Priority.NORMAL, False),
]  # fmt: skip

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
    admin = User.objects.filter(email=demo_email("admin")).first()
    if admin is not None and not Rule.objects.exists():
        for name, conditions, tags, team, priority, notify in DEMO_RULES:
            actions = {"tags": tags, "team": teams[team].pk, "priority": priority, "notify": notify}
            rule_create(actor=admin, name=name, conditions=conditions, actions=actions)
    if admin is not None and not NotificationChannel.objects.exists():
        for slug in DEMO_CHANNEL_TEAMS:
            channel_create(
                actor=admin,
                team=teams[slug],
                name="Local sink",
                kind=NotificationChannel.Kind.WEBHOOK,
                target=f"{settings.MONITORING_DEMO_SINK_URL}/{slug}",
                secret=DEMO_SINK_SECRET,
                min_risk=70,
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
    return {"streams": int(created)}
