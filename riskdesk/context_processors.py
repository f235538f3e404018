import functools

from django.urls import get_script_prefix, reverse
from django.utils.translation import gettext_lazy as _

from riskdesk.permissions import can

# (label, url name or a path starting with "/", action the user needs or None)
NAVIGATION = [
    (_("Dashboard"), "dashboard", None),
    (_("Inbox"), "inbox", "mention.view"),
    (_("Incidents"), "incident_list", "incident.view"),
    (_("Reports"), "reports", "report.view"),
    (_("Sponsored posts"), "compliance_queue", "sponsored_post.view"),
    (_("Publishing"), "publishing_calendar", "brand_post.view"),
    (_("Policies"), "policy_list", "policy.view"),
    (_("Training"), "training_list", "training.view"),
    (_("Share brand news"), "advocacy_library", "library_post.view"),
    (_("Offboarding"), "offboarding_case_list", "offboarding.view"),
    (_("Access grants"), "access_grant_list", "access_grant.view"),
    (_("Streams"), "stream_list", "stream.view"),
    (_("Rules"), "rule_list", "rule.view"),
    (_("Spikes"), "spike_list", "spike.view"),
    (_("Notification channels"), "channel_list", "channel.view"),
    (_("Keywords"), "keyword_lists", "keywords.view"),
    (_("Watchlist"), "watchlist", "watchlist.manage"),
    (_("Brand accounts"), "brand_account_list", "brand_account.view"),
    (_("People"), "people_list", "user.view"),
    (_("Teams"), "team_list", "team.view"),
    (_("Connected accounts"), "connected_account_list", "connected_account.view"),
    (_("Audit log"), "audit_list", "audit.view"),
]


@functools.cache
def _url(prefix: str, url_name: str) -> str:
    return reverse(url_name)  # under `prefix`: the key says so


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for label, url_name, action in NAVIGATION:
        if action is None or can(user, action):
            url = _url(get_script_prefix(), url_name)
            current = request.path == url if url == "/" else request.path.startswith(url)
            items.append({"label": label, "url": url, "current": current})
    return {"nav_items": items}
