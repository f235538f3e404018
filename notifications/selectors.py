"""Reading people's notifications: always a person's own (another's is a 404), and prefs."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from notifications.models import (
    EmailMode,
    Notification,
    NotificationKind,
    NotificationPreference,
    default_for,
)
from riskdesk.pagination import KeysetPage, keyset_page

PAGE_SIZE = 30


def notifications_of(user) -> QuerySet:
    """The person's notifications shown in the app (none for nobody)."""
    if user is None or not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user.pk, in_app=True)


def unread_count(user) -> int:
    return notifications_of(user).filter(read_at__isnull=True).count()


@dataclass
class Centre:
    unread: KeysetPage
    read: KeysetPage
    unread_total: int


def centre(user, *, before: str | None, read_before: str | None) -> Centre:
    """The notification centre: unread first (newest first), then read; each keyset-paged."""
    mine = notifications_of(user).select_related("actor")
    return Centre(
        unread=keyset_page(mine.filter(read_at__isnull=True), before, PAGE_SIZE),
        read=keyset_page(mine.filter(read_at__isnull=False), read_before, PAGE_SIZE),
        unread_total=unread_count(user),
    )


def preferences_for(people: Iterable, kind: str) -> dict[int, tuple[bool, str]]:
    """{person id: (in-app, e-mail mode)} for one kind, defaults where none was chosen."""
    ids = [p.pk for p in people]
    chosen = {
        user_id: (in_app, email)
        for user_id, in_app, email in NotificationPreference.objects.filter(
            user_id__in=ids, kind=kind
        ).values_list("user_id", "in_app", "email")
    }
    return {pk: chosen.get(pk, default_for(kind)) for pk in ids}


@dataclass
class Preference:
    kind: str
    label: str
    in_app: bool
    email: str


def preferences_of(user) -> list[Preference]:
    """Every kind of event with the person's choice (or its default), in the kinds' order."""
    chosen = {
        p.kind: (p.in_app, p.email) for p in NotificationPreference.objects.filter(user=user.pk)
    }
    rows = []
    for kind in NotificationKind:
        in_app, email = chosen.get(kind.value, default_for(kind.value))
        rows.append(Preference(kind=kind.value, label=str(kind.label), in_app=in_app, email=email))
    return rows


def digest_due(person_id: int) -> QuerySet:
    """A person's digest notifications not e-mailed yet, newest first."""
    return Notification.objects.filter(
        recipient_id=person_id, email=EmailMode.DIGEST, emailed_at__isnull=True
    ).order_by("-created_at", "-id")


def digest_recipients() -> list[int]:
    return list(
        Notification.objects.filter(email=EmailMode.DIGEST, emailed_at__isnull=True)
        .order_by("recipient_id")
        .values_list("recipient_id", flat=True)
        .distinct()
    )
