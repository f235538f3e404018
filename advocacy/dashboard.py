"""The dashboard's advocacy card: reach of the last days, by post and by team (curators)."""

from advocacy import selectors
from riskdesk.permissions import can

ROWS_SHOWN = 5


def dashboard_card(user) -> dict | None:
    """None for people who do not curate the library; otherwise shares and clicks."""
    if not can(user, "share.view_all"):
        return None
    reach = selectors.reach()
    return {
        **reach,
        "by_post": reach["by_post"][:ROWS_SHOWN],
        "by_team": reach["by_team"][:ROWS_SHOWN],
        "waiting": selectors.waiting_count(),
    }
