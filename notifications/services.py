"""Raising, reading and e-mailing people's notifications, and their preferences.

The services that cause an event call the `*_notify` functions here inside their own
transaction (a rolled-back change notifies nobody); e-mails "at once" are queued by
name (riskdesk.jobs) after the commit and sent by notifications.tasks. This module
imports no other home's services or tasks: inbox and incidents import it, never the
other way.

Who is told, the rules in one place:
- `@name` in a note: `name` is the part of a person's e-mail address before the "@"
  (`@alice.martin` for alice.martin@example.com), compared without case; the "@" must
  start a word, so an e-mail address written in a note mentions nobody. Only people who
  may read the mention (Mention.objects.visible_to) or the incident are told; the
  note's author never is.
- An SLA about to breach tells the mention's assignee; a mention without one tells its
  team's leads, or all the team's members when it has no lead (and nobody without a team).
  Each mention and deadline is told once (the row's dedupe key).
- Marking read is a person's own inbox state, like a saved view: not audited. Every
  change of a preference is.
"""

import re
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import TeamMembership, User
from monitoring.models import OPEN_STATUSES, Mention
from notifications import selectors
from notifications.models import (
    EmailMode,
    Notification,
    NotificationKind,
    NotificationPreference,
)
from riskdesk.audit import audit_record
from riskdesk.jobs import enqueue_on_commit
from riskdesk.mail import mail_person_rendered
from riskdesk.permissions import can, require

HANDLE = re.compile(r"(?<![\w@])@([a-z0-9][a-z0-9._%+-]*)", re.IGNORECASE)
MAX_HANDLES = 20  # people named in one note; more are ignored
TITLE_MAX = Notification._meta.get_field("title").max_length
DIGEST_MAX = 100  # notifications listed in one digest; the rest wait for the next


def handles_in(text: str) -> list[str]:
    """The `@name`s of a note, lower-cased, without a trailing full stop, in order."""
    found: dict[str, None] = {}
    for match in HANDLE.finditer(text or ""):
        name = match.group(1).rstrip(".-").lower()
        if name:
            found[name] = None
    return list(found)[:MAX_HANDLES]


def people_named(text: str) -> list[User]:
    """Active people whose e-mail address starts with one of the note's `@name`s."""
    handles = handles_in(text)
    if not handles:
        return []
    wanted = Q()
    for name in handles:
        wanted |= Q(email__istartswith=f"{name}@")
    return [
        person
        for person in User.objects.filter(wanted, is_active=True).order_by("pk")
        if person.email.lower().partition("@")[0] in handles
    ]


def _clip(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= TITLE_MAX else text[: TITLE_MAX - 1] + "…"


def _name(person) -> str:
    return str(person) if person is not None else _("riskdesk")


def _author(mention: Mention) -> str:
    handle = mention.author_handle or mention.author_name or _("an unknown author")
    return f"@{handle.lstrip('@')}" if mention.author_handle else handle


def notify(
    *,
    recipients: Iterable,
    kind: str,
    title: str,
    path: str = "",
    actor=None,
    dedupe_key: str = "",
    mail: bool = True,
) -> list[Notification]:
    """One notification per recipient, as each one's preferences say; returns those made.

    `mail=False` when the cause already e-mailed the people (an incident's declaration):
    then in the app only.

    Nobody is told of their own action; people who can no longer sign in are skipped;
    a person who turned both the app and e-mail off for `kind` gets nothing. With a
    `dedupe_key`, a person who already has it is not told again.
    """
    people = {p.pk: p for p in recipients if p is not None and p.is_active}
    if actor is not None and getattr(actor, "pk", None) in people:
        del people[actor.pk]
    if not people:
        return []
    if kind not in NotificationKind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    choices = selectors.preferences_for(people.values(), kind)
    if dedupe_key:
        already = set(
            Notification.objects.filter(recipient_id__in=people, dedupe_key=dedupe_key).values_list(
                "recipient_id", flat=True
            )
        )
        people = {pk: p for pk, p in people.items() if pk not in already}
    made = []
    title = _clip(title)
    actor = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    for pk, person in people.items():
        in_app, email = choices[pk]
        email = email if mail else EmailMode.OFF
        if not in_app and email == EmailMode.OFF:
            continue
        row = Notification(
            recipient=person,
            kind=kind,
            title=title,
            path=path,
            actor=actor,
            in_app=in_app,
            email=email,
            dedupe_key=dedupe_key,
        )
        try:
            with transaction.atomic():  # a concurrent twin loses quietly
                row.save()
        except IntegrityError:
            continue
        made.append(row)
    enqueue_on_commit(
        "notifications.tasks.send_email", *[(n.pk,) for n in made if n.email == EmailMode.NOW]
    )
    return made


# --- The events -------------------------------------------------------------------------


def mention_note_notify(*, actor, mention: Mention, text: str) -> list[Notification]:
    """`@name`s in a note on a mention: each named person who may read the mention."""
    readers = [
        person
        for person in people_named(text)
        if Mention.objects.visible_to(person).filter(pk=mention.pk).exists()
    ]
    return notify(
        recipients=readers,
        kind=NotificationKind.NOTE_MENTION,
        title=_("%(actor)s mentioned you in a note on a mention by %(author)s")
        % {"actor": _name(actor), "author": _author(mention)},
        path=reverse("mention_panel", kwargs={"pk": mention.pk}),
        actor=actor,
    )


def incident_note_notify(*, actor, incident, text: str) -> list[Notification]:
    """`@name`s in an incident's note: each named person who may see incidents."""
    readers = [p for p in people_named(text) if can(p, "incident.view", incident)]
    return notify(
        recipients=readers,
        kind=NotificationKind.NOTE_MENTION,
        title=_("%(actor)s mentioned you in a note on %(ref)s: %(title)s")
        % {"actor": _name(actor), "ref": incident.reference, "title": incident.title},
        path=reverse("incident_detail", kwargs={"pk": incident.pk}),
        actor=actor,
    )


def mentions_assigned_notify(*, actor, assignee, mentions) -> list[Notification]:
    """One notification for one assignment, however many mentions it gave."""
    mentions = list(mentions)
    if not mentions or assignee is None:
        return []
    if len(mentions) == 1:
        title = _("%(actor)s assigned you a mention by %(author)s") % {
            "actor": _name(actor),
            "author": _author(mentions[0]),
        }
        path = reverse("mention_panel", kwargs={"pk": mentions[0].pk})
    else:
        title = ngettext(
            "%(count)d mention assigned to you",
            "%(count)d mentions assigned to you",
            len(mentions),
        ) % {"count": len(mentions)}
        path = reverse("inbox") + "?assignee=me"
    return notify(
        recipients=[assignee],
        kind=NotificationKind.ASSIGNED,
        title=title,
        path=path,
        actor=actor,
    )


def incident_role_notify(
    *, actor, incident, role_label: str, person, mail: bool = True
) -> list[Notification]:
    return notify(
        recipients=[person],
        kind=NotificationKind.INCIDENT_ROLE,
        title=_("You are %(role)s on %(ref)s: %(title)s")
        % {"role": role_label, "ref": incident.reference, "title": incident.title},
        path=reverse("incident_detail", kwargs={"pk": incident.pk}),
        actor=actor,
        mail=mail,
    )


def _sla_recipients(mention: Mention, leads: dict[int, list[User]]) -> list[User]:
    if mention.assignee_id is not None:
        people = [mention.assignee]
    else:
        people = leads.get(mention.team_id, [])
    return [p for p in people if Mention.objects.visible_to(p).filter(pk=mention.pk).exists()]


def _team_leads(team_ids: set[int]) -> dict[int, list[User]]:
    """Each team's leads, or all its members when it has none."""
    found: dict[int, list[tuple[bool, User]]] = {}
    for membership in TeamMembership.objects.filter(
        team_id__in=team_ids, user__is_active=True
    ).select_related("user"):
        found.setdefault(membership.team_id, []).append((membership.is_lead, membership.user))
    return {
        team_id: [u for lead, u in rows if lead] or [u for _lead, u in rows]
        for team_id, rows in found.items()
    }


def sla_warnings_send(*, now=None, minutes: int | None = None) -> int:
    """Beat's check: open mentions whose first response or resolution falls due within
    `minutes` (NOTIFICATIONS_SLA_WARNING_MINUTES) are told to who must act; returns how
    many notifications were made. Each mention and deadline is told once."""
    now = now or timezone.now()
    minutes = settings.NOTIFICATIONS_SLA_WARNING_MINUTES if minutes is None else minutes
    until = now + timedelta(minutes=minutes)
    first = Q(
        first_response_at__isnull=True,
        first_response_due_at__gt=now,
        first_response_due_at__lte=until,
    )
    resolve = Q(resolved_at__isnull=True, resolve_due_at__gt=now, resolve_due_at__lte=until)
    due = list(
        Mention.objects.filter(first | resolve, status__in=OPEN_STATUSES)
        .select_related("assignee")
        .order_by("pk")
    )
    leads = _team_leads({m.team_id for m in due if m.assignee_id is None and m.team_id})
    made = 0
    for mention in due:
        people = _sla_recipients(mention, leads)
        for which, at in (
            ("first", mention.first_response_due_at if mention.first_response_at is None else None),
            ("resolve", mention.resolve_due_at if mention.resolved_at is None else None),
        ):
            if at is None or not (now < at <= until):
                continue
            left = max(1, round((at - now).total_seconds() / 60))
            if which == "first":
                title = _("First response due in %(minutes)d min: mention by %(author)s")
            else:
                title = _("Resolution due in %(minutes)d min: mention by %(author)s")
            with transaction.atomic():
                made += len(
                    notify(
                        recipients=people,
                        kind=NotificationKind.SLA_WARNING,
                        title=title % {"minutes": left, "author": _author(mention)},
                        path=reverse("mention_panel", kwargs={"pk": mention.pk}),
                        dedupe_key=f"sla:{mention.pk}:{which}:{int(at.timestamp())}",
                    )
                )
    return made


# --- Reading --------------------------------------------------------------------------------


def notification_read(*, user, notification: Notification) -> Notification:
    """Mark one of the person's notifications read (again: nothing changes)."""
    require(user, "notification.read", notification)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def notifications_read_all(*, user) -> int:
    """Mark every unread notification of the person read; returns how many."""
    require(user, "notification.read")
    return (
        selectors.notifications_of(user).filter(read_at__isnull=True).update(read_at=timezone.now())
    )


# --- Preferences ----------------------------------------------------------------------------


@transaction.atomic
def preference_set(*, actor, kind: str, in_app: bool, email: str) -> NotificationPreference:
    """Set the actor's own choice for one kind of event; audited when it changes."""
    require(actor, "notification.preferences")
    errors = {}
    if kind not in NotificationKind.values:
        errors["kind"] = _("Unknown kind of notification.")
    if email not in EmailMode.values:
        errors["email"] = _("Choose no e-mail, at once or in the daily digest.")
    if not isinstance(in_app, bool):
        errors["in_app"] = _("Say yes or no.")
    if errors:
        raise ValidationError(errors)
    before_in_app, before_email = selectors.preferences_for([actor], kind)[actor.pk]
    preference, _created = NotificationPreference.objects.update_or_create(
        user=actor, kind=kind, defaults={"in_app": in_app, "email": email}
    )
    if (before_in_app, before_email) != (in_app, email):
        audit_record(
            actor=actor,
            verb="notification.preference",
            target=preference,
            before={"kind": kind, "in_app": before_in_app, "email": before_email},
            after={"kind": kind, "in_app": in_app, "email": email},
        )
    return preference


# --- E-mail ---------------------------------------------------------------------------------


def _claim(ids: list[int], now) -> list[Notification]:
    """The rows of `ids` not e-mailed yet, now marked e-mailed (one worker wins each)."""
    rows = list(
        Notification.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(pk__in=ids, emailed_at__isnull=True)
        .select_related("recipient", "actor")
        .order_by("-created_at", "-id")
    )
    Notification.objects.filter(pk__in=[n.pk for n in rows]).update(emailed_at=now)
    return rows


@transaction.atomic
def notification_email_send(*, notification_id: int) -> bool:
    """E-mail one "at once" notification, unless it went already or is gone."""
    rows = _claim(
        list(
            Notification.objects.filter(pk=notification_id, email=EmailMode.NOW).values_list(
                "pk", flat=True
            )
        ),
        timezone.now(),
    )
    if not rows:
        return False
    notification = rows[0]
    return bool(
        mail_person_rendered(
            person=notification.recipient,
            subject=_("[riskdesk] %(title)s") % {"title": notification.title},
            template="notifications/email/notification",
            context={"notification": notification},
        )
    )


def digests_send(*, now=None) -> int:
    """The daily digest: to each person, one e-mail listing their unread digest
    notifications not e-mailed yet (each is e-mailed once, read or not); returns how many
    e-mails went. Notifications read before their digest are marked done unlisted."""
    now = now or timezone.now()
    sent = 0
    for person_id in selectors.digest_recipients():
        with transaction.atomic():
            ids = list(selectors.digest_due(person_id).values_list("pk", flat=True)[:DIGEST_MAX])
            rows = _claim(ids, now)
            unread = [n for n in rows if n.read_at is None]
            if not unread:
                continue
            more = selectors.digest_due(person_id).filter(read_at__isnull=True).count()
            sent += mail_person_rendered(
                person=unread[0].recipient,
                subject=ngettext(
                    "[riskdesk] %(count)d notification for you",
                    "[riskdesk] %(count)d notifications for you",
                    len(unread),
                )
                % {"count": len(unread)},
                template="notifications/email/digest",
                context={"notifications": unread, "more": more},
            )
    return sent
