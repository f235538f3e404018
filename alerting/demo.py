"""The demo organisation's routing and alerting: its rules and channels (seed_demo)."""

from django.conf import settings
from django.db import transaction

from accounts.demo import demo_email
from accounts.models import Team, User
from alerting.models import NotificationChannel, Rule
from alerting.services import channel_create, rule_create
from monitoring.models import Priority

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


@transaction.atomic
def seed_alerting() -> dict[str, int]:
    """Create the demo rules and notification channels if there are none (idempotent)."""
    teams = {team.slug: team for team in Team.objects.all()}
    created = {"rules": 0, "channels": 0}
    admin = User.objects.filter(email=demo_email("admin")).first()
    if admin is not None and not Rule.objects.exists():
        for name, conditions, tags, team, priority, notify in DEMO_RULES:
            actions = {"tags": tags, "team": teams[team].pk, "priority": priority, "notify": notify}
            rule_create(actor=admin, name=name, conditions=conditions, actions=actions)
            created["rules"] += 1
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
            created["channels"] += 1
    return created
