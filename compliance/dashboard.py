"""The dashboard's compliance card: what waits for legal, what is overdue."""

from compliance import selectors
from riskdesk.permissions import can

NEXT_SHOWN = 5


def dashboard_card(user) -> dict | None:
    """None for people who may not see sponsored posts; otherwise the card's figures."""
    if not can(user, "sponsored_post.view"):
        return None
    counts = selectors.queue_counts(user)
    is_reviewer = user.has_perm("compliance.review_sponsoredpost")
    return {
        **counts,
        "is_reviewer": is_reviewer,
        "is_author": can(user, "sponsored_post.create"),
        "next": list(selectors.legal_queue()[:NEXT_SHOWN]) if is_reviewer else [],
    }
