"""Small template helpers shared by every riskdesk page."""

import json
from datetime import timedelta

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.http import QueryDict

from accounts.roles import Role

register = template.Library()


@register.simple_tag(takes_context=True)
def query_replace(context, key: str, value) -> str:
    """The current query string with `key` set to `value` (or removed when empty).

    `<a href="?{% query_replace 'before' page.next_before %}">` keeps the filters
    a list was opened with while it moves to the next page.
    """
    request = context.get("request")
    query = request.GET.copy() if request is not None else QueryDict(mutable=True)
    if value is None or value == "":
        query.pop(key, None)
    else:
        query[key] = str(value)
    return query.urlencode()


@register.filter
def role_label(value: str) -> str:
    """The translated name of a role ("admin" gives "Administrator")."""
    try:
        return Role(value).label
    except ValueError:
        return value


@register.filter
def as_json(value, indent=None) -> str:
    """A JSON rendering of `value` (autoescaped like any other string).

    Without an argument, strings are shown as they are and other values as
    compact JSON; `as_json:2` pretty-prints with that indent.
    """
    if indent in (None, ""):
        if isinstance(value, str):
            return value
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True)
    return json.dumps(
        value, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True, indent=int(indent)
    )


@register.filter
def minutes(value) -> int | str:
    """Whole minutes in a timedelta (rounded up), or "" for anything else."""
    if isinstance(value, timedelta):
        return max(1, -(-int(value.total_seconds()) // 60))
    return ""


@register.filter
def duration(value) -> str:
    """A timedelta as people write it: "30 min", "8 h", "1 d 4 h" (riskdesk.durations)."""
    from riskdesk.durations import duration_text

    return duration_text(value) if isinstance(value, timedelta) else ""
