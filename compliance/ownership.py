"""Open sponsored posts a person wrote, handed over when they leave (riskdesk.ownership)."""

from django.utils.translation import gettext_lazy as _

from compliance.models import SponsoredPost
from compliance.services import OPEN_STATUSES, sponsored_post_transfer
from riskdesk import ownership


def register() -> None:
    ownership.register(
        "compliance.sponsoredpost",
        label=_("sponsored post"),
        owned_by=lambda person: SponsoredPost.objects.filter(
            author=person, status__in=OPEN_STATUSES
        ),
        transfer=sponsored_post_transfer,
    )
