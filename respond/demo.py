"""The demo organisation's connected brand account: @lumora on the demo network (seed_demo).

The social and customer service teams may reply, send private messages and moderate as it;
the demo network takes any token and posts as @lumora.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction

from accounts.models import Team
from connections.models import ConnectedAccount
from offboarding.models import BrandAccount

DEMO_ACCOUNT_NAME = "@lumora on the demo network"
DEMO_TOKEN = "demo-lumora-token"  # noqa: S105 (the demo network accepts any token)


@transaction.atomic
def seed_respond() -> dict[str, int]:
    if ConnectedAccount.objects.filter(name=DEMO_ACCOUNT_NAME).exists():
        return {"connected accounts": 0}
    url = settings.MONITORING_DEMO_NETWORK_URL
    account = ConnectedAccount(
        name=DEMO_ACCOUNT_NAME,
        kind="mastodon",
        platform="mastodon",
        base_url=url,
        brand_account=BrandAccount.objects.filter(platform="mastodon", handle="lumora").first(),
        scopes=["read", "write:statuses", "write:reports"],
        allowed_hosts=[urlsplit(url).hostname],
    )
    account.secret = {"access_token": DEMO_TOKEN}
    account.save()
    account.acting_teams.set(Team.objects.filter(slug__in=["social", "customer-service"]))
    return {"connected accounts": 1}
