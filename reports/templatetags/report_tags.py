from django import template

from reports.selectors import duration_label

register = template.Library()


@register.filter
def duration(seconds) -> str:
    """Seconds as "3 h 05 min"; an em dash for none."""
    return duration_label(seconds)


@register.filter
def pct(value) -> str:
    """A share as "12.5 %"; an em dash for none."""
    return "—" if value is None else f"{value:g} %"
