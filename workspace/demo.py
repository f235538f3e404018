"""The demo organisation's settings, as its published social media policy states them.

The policy (policies.demo.content) says customer service answers every day from 8:00 to
20:00 and aims to answer within 2 working hours: the Customer service team gets those hours
(the default Normal target of 2 working hours comes from inbox migration 0003).
"""

from datetime import time

from accounts.models import Team
from inbox.models import TeamHours
from workspace import selectors

SUPPORT_HOURS = {"weekdays": [0, 1, 2, 3, 4, 5, 6], "opens": time(8), "closes": time(20)}


def seed_workspace() -> dict[str, int]:
    """The organisation row and the support team's hours, if missing (idempotent)."""
    org = selectors.organisation()
    created = {"team_hours": 0}
    team = Team.objects.filter(slug="customer-service").first()
    if team is not None and not TeamHours.objects.filter(team=team).exists():
        TeamHours.objects.create(team=team, timezone=org.timezone, **SUPPORT_HOURS)
        created["team_hours"] = 1
    return created
