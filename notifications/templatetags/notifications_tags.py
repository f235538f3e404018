"""`{% notification_bell %}`: the top bar's bell, which loads its count by htmx.

It renders without a query, so pages keep their pinned query counts; the count comes
from notifications.views.notification_bell right after the page loads, then every
NOTIFICATIONS_POLL_SECONDS.
"""

from django import template
from django.conf import settings

register = template.Library()


@register.inclusion_tag("notifications/_bell.html")
def notification_bell():
    return {"unread": None, "poll_seconds": settings.NOTIFICATIONS_POLL_SECONDS}
