"""The demo organisation's routing and alerting (seed_demo): its rules and channels, and
the ordinary day its stream had before the demo starts, so its spikes have a usual."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.demo import demo_email
from accounts.models import Team, User
from alerting.models import NotificationChannel, Rule
from alerting.services import baselines, channel_create, rule_create
from monitoring.connectors.mastodon import MastodonConnector
from monitoring.demo import DEMO_STREAM_NAME
from monitoring.demo.day import ACCOUNTS, SCRIPT
from monitoring.demo.network import account_json, status_json
from monitoring.models import OPEN_STATUSES, Mention, MentionStatus, Priority, Stream
from monitoring.pipeline import ingest

# The local sink `make run` starts (manage.py notification_sink) checks this signature key.
DEMO_SINK_SECRET = "riskdesk-demo-sink"  # noqa: S105 (a demo value, printed in the Procfile)
DEMO_CHANNEL_TEAMS = ["security", "legal", "pr", "customer-service", "social"]

# The demo's media accounts: a PR team keeps such a list, so the press reaches it first.
DEMO_PRESS = [
    "techcrunchy@news.example",
    "journal_conso@presse.example",
    "gadgetreview@tech.example",
]
# What owners write when the machine is dead (the storm), in the demo's two languages.
BROKEN_MACHINE = [
    "dead",
    "brick*",
    "E42",
    "morte",
    "mort",
    "ne s'allume plus",
    "plus rien",
    "bloquée",
    "bloquées",
    "night light",
    "red light",
    "voyant rouge",
]

# (name, conditions, tags, team slug, priority, notify): the demo's routing. The first rule
# that gives a team wins; the highest priority wins.
DEMO_RULES = [
    (
        "Impersonation of our accounts",
        [{"field": "impersonation", "value": True}],
        ["impersonation"],
        "security",
        Priority.URGENT,
        True,
    ),
    ("Press and media", [{"field": "author", "value": DEMO_PRESS}], ["press"], "pr",
     Priority.HIGH, True),
    ("Security reports and scam victims", [{"field": "reason", "value": ["security"]}],
     ["security"], "security", Priority.URGENT, True),
    ("Legal threats", [{"field": "reason", "value": ["legal"]}], ["legal-threat"], "legal",
     Priority.HIGH, True),
    ("Crisis words", [{"field": "reason", "value": ["crisis"]}], ["crisis"], "pr",
     Priority.HIGH, True),
    ("Broken machines", [{"field": "keywords", "value": BROKEN_MACHINE}], ["broken-machine"],
     "customer-service", Priority.HIGH, False),
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


# --- The demo stream's ordinary day ------------------------------------------------------

# A stream learns its usual volume for MONITORING_SPIKE_MIN_BASELINE_WINDOWS windows before it
# may raise a spike, and the demo network plays its whole day in REAL_DAY (30 minutes): without
# a history, `make run` would show the complaint storm to a stream still learning. So seed_demo
# gives the stream the windows before now: the script's calm morning, before the firmware news,
# about 150 posts an hour, busier or quieter from one hour to the next as days are, and a few
# grumbles about a clicking machine. Against that usual, the demo's chatter (some seven posts a
# minute) stays within the spread, and its complaint storm's negative mentions do not.
HISTORY_ENDS = 7 * 3600 + 45 * 60  # the script's calm morning, before the firmware news
GRUMBLE = "click"  # the script's key of a mild complaint ("an annoying click since this morning")
HISTORY_PER_HOUR = 150
CHATTER_PACE = (1.0, 0.75, 1.25, 0.9, 1.15, 0.8, 1.1, 1.0)  # per window, oldest first
GRUMBLES = (5, 4, 6, 5, 4, 6, 5, 5)  # per window, oldest first


def _history_posts():
    calm = [p for p in SCRIPT if p.at < HISTORY_ENDS and not p.boost and not p.reply_to]
    grumbles = [p for p in calm if p.key == GRUMBLE]
    return [p for p in calm if p.key != GRUMBLE], grumbles


def history_plan(now: datetime) -> list[tuple[float, object]]:
    """(publication time as a timestamp, script post) of the stream's history before `now`."""
    window = timedelta(minutes=baselines.window_minutes()).total_seconds()
    windows = baselines.min_baseline_windows() + 2  # ready at once, with a window to spare
    per_window = HISTORY_PER_HOUR * window / 3600
    chatter, grumbles = _history_posts()
    plan = []
    for k in range(windows):  # oldest first
        start = now.timestamp() - (windows - k) * window
        posts = [
            chatter[(k + i) % len(chatter)]
            for i in range(round(per_window * CHATTER_PACE[k % len(CHATTER_PACE)]))
        ]
        # The grumbles spread evenly among the chatter.
        moans = GRUMBLES[k % len(GRUMBLES)]
        for g in reversed(range(moans)):
            posts.insert(len(posts) * (g + 1) // (moans + 1), grumbles[g % len(grumbles)])
        spacing = window / (len(posts) + 1)
        plan.extend((start + (i + 1) * spacing, post) for i, post in enumerate(posts))
    return plan


def seed_spike_history(now: datetime | None = None) -> dict[str, int]:
    """Give the demo stream an ordinary history unless it has mentions of the last day.

    Idempotent: a stream that has run within its spike look-back keeps what it has. The
    mentions go through the pipeline like the live ones (language, sentiment, risk,
    rules, routing), then count as the day's triaged work: received when published
    (so the stream's history begins with them), resolved.
    """
    now = now or timezone.now()
    stream = Stream.objects.filter(name=DEMO_STREAM_NAME).first()
    window = timedelta(minutes=baselines.window_minutes())
    look_back = now - (baselines.BASELINE_WINDOWS + 1) * window
    if stream is None or stream.mentions.filter(published_at__gte=look_back).exists():
        return {"mentions": 0}
    connector = MastodonConnector(stream, None)
    plan = history_plan(now)
    statuses = []
    for n, (at, post) in enumerate(plan):
        name, followers, site = ACCOUNTS[post.author]
        status_id = str((int(at * 1000) << 16) | (n & 0xFFFF))  # as the demo network's ids
        statuses.append(
            status_json(
                id=status_id,
                account=account_json(post.author, name, followers, verified_site=site),
                text=post.text,
                created_at=at,
                language=post.language,
                spoiler_text=post.spoiler,
            )
        )
    with transaction.atomic():
        result = ingest((connector.normalize(status) for status in statuses), stream=stream)
        stored = Mention.objects.filter(pk__in=result.ids)
        stored.update(received_at=F("published_at"))
        stored.filter(status__in=OPEN_STATUSES).update(
            status=MentionStatus.RESOLVED, resolved_at=now
        )
    return {"mentions": len(result.ids)}
