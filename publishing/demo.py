"""The demo's publishing calendar (seed_demo): Lumora's posts for the coming days on @lumora.

- a sponsored post in two hours, cleared by legal for its exact content: freeze publishing
  from the demo incident and it is held; lift the freeze, publish it from the held posts,
  and it appears on the demo network with the clearance marked published;
- an ordinary post tomorrow morning, and a draft with no time yet.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.demo import demo_email
from accounts.models import User
from compliance import services as compliance
from connections.models import ConnectedAccount
from publishing import services
from publishing.models import BrandPost
from respond.demo import DEMO_ACCOUNT_NAME

SPONSORED_TITLE = "Café Sol partnership: spring blend"
SPONSORED_TEXT = (
    "#ad Spring at Café Sol: their new single-origin blend, brewed on the Lumora Brew. "
    "Come and taste it this weekend in all three shops."
)
MORNING_TITLE = "Firmware 3.2.1 is out"
MORNING_TEXT = (
    "Firmware 3.2.1 is rolling out to every Lumora Brew today. It fixes the start-up issue "
    "some of you met after 3.2. Thank you for your patience and your reports."
)
DRAFT_TITLE = "Behind the scenes at the roastery"
DRAFT_TEXT = "A morning at the roastery with Inès, who tastes every batch before it ships."


@transaction.atomic
def seed_publishing() -> dict[str, int]:
    if BrandPost.objects.filter(title=SPONSORED_TITLE).exists():
        return {"posts": 0}
    account = ConnectedAccount.objects.filter(name=DEMO_ACCOUNT_NAME).first()
    social = User.objects.filter(email=demo_email("social")).first()
    legal = User.objects.filter(email=demo_email("legal")).first()
    if account is None or social is None or legal is None:
        return {"posts": 0}
    now = timezone.localtime().replace(second=0, microsecond=0)
    sponsored = services.post_create(
        actor=social,
        accounts=[account],
        title=SPONSORED_TITLE,
        text=SPONSORED_TEXT,
        link="https://cafesol.example/spring",
        scheduled_at=now + timedelta(hours=2),
        sponsored=True,
        markets=["US", "UK"],
        schedule=True,
    )
    review = sponsored.clearance
    compliance.sponsored_post_decide(
        actor=legal,
        post=review,
        outcome="approved",
        content_digest=review.content_digest,
        comment="Disclosure first, no claims. Cleared for this text, link and time.",
    )
    tomorrow = (now + timedelta(days=1)).replace(hour=9, minute=30)
    services.post_create(
        actor=social,
        accounts=[account],
        title=MORNING_TITLE,
        text=MORNING_TEXT,
        scheduled_at=tomorrow,
        schedule=True,
    )
    services.post_create(
        actor=social, accounts=[account], title=DRAFT_TITLE, text=DRAFT_TEXT, scheduled_at=None
    )
    return {"posts": 3}
