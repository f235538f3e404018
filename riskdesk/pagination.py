"""Keyset pagination for HTML lists: `?before=<id>`, never OFFSET."""

from dataclasses import dataclass

from django.db.models import QuerySet


@dataclass
class KeysetPage:
    items: list
    next_before: int | None


def keyset_page(queryset: QuerySet, before: str | None, size: int = 50) -> KeysetPage:
    """The `size` rows with the highest ids below `before` (newest first)."""
    queryset = queryset.order_by("-pk")
    if before and before.isdigit():  # a mangled cursor shows the first page, not an error
        queryset = queryset.filter(pk__lt=int(before))
    items = list(queryset[: size + 1])
    next_before = items[size - 1].pk if len(items) > size else None
    return KeysetPage(items=items[:size], next_before=next_before)
