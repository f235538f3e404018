"""Working the inbox: every action on one mention or a selection, as one service call.

Each service checks that the actor may triage and may see every mention it is
given, changes them in bulk, writes one history line (MentionEvent) and one
audit event per mention, all in the same transaction, and returns how many
mentions actually changed (a repeated click changes nothing and records nothing).

Also here: the SLA due times the pipeline stamps on arriving mentions and triage
recomputes, the soft lock of a reader on an open mention, and the views people save.
"""

from collections.abc import Sequence
from string import Formatter

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Team, User
from inbox.models import MentionEvent, MentionReply, ReplyTemplate, SavedView
from inbox.page import forget_counts
from inbox.selectors import VIEWING_SECONDS, Targets, viewers_key
from monitoring import services as monitoring_services
from monitoring.models import (
    CLOSED_STATUSES,
    Mention,
    MentionStatus,
    Priority,
    Tag,
    WatchedAuthor,
    hidden_team_ids,
)
from monitoring.selectors import keys_q
from notifications import services as notification_services
from respond import services as respond_services
from riskdesk.audit import audit_record
from riskdesk.permissions import can, require
from workspace import selectors as workspace_selectors

MAX_SELECTION = 500
TEMPLATE_VARIABLES = {"author", "brand", "case"}


def _check(actor, mentions: Sequence[Mention]) -> list[Mention]:
    require(actor, "mention.triage")
    mentions = list(mentions)
    if not mentions:
        raise ValidationError(_("Select at least one mention."))
    if len(mentions) > MAX_SELECTION:
        raise ValidationError(_("Select at most %(n)d mentions at once.") % {"n": MAX_SELECTION})
    hidden = set(hidden_team_ids(actor))
    if any(m.team_id in hidden for m in mentions):
        raise PermissionDenied("mention.view")
    return mentions


def _record(actor, changed, kind: str, verb: str, before: dict, after: dict, text="") -> None:
    """History lines and audit events for `changed`, and a fresh updated_at for live lists."""
    if not changed:
        return
    Mention.objects.filter(pk__in=[m.pk for m in changed]).update(updated_at=Now())
    transaction.on_commit(forget_counts)  # a status, team or due time may have changed
    MentionEvent.objects.bulk_create(
        MentionEvent(
            mention=m, actor=actor, kind=kind, text=text, data={"from": before[m.pk], **after}
        )
        for m in changed
    )
    for m in changed:
        audit_record(actor=actor, verb=verb, target=m, before=before[m.pk], after=after)


@transaction.atomic
def mentions_assign(*, actor, mentions, assignee: User | None = None, team: Team | None = None):
    """Give the mentions to a person, to a team's queue, or both (None leaves that part)."""
    mentions = _check(actor, mentions)
    if assignee is None and team is None:
        raise ValidationError(_("Choose a person or a team."))
    if assignee is not None and not (assignee.is_active and can(assignee, "mention.view")):
        raise ValidationError({"assignee": _("This person cannot work on mentions.")})
    changed = 0
    if assignee is not None:
        todo = [m for m in mentions if m.assignee_id != assignee.pk]
        before = {m.pk: {"assignee": m.assignee_id} for m in todo}
        Mention.objects.filter(pk__in=[m.pk for m in todo]).update(assignee=assignee)
        for m in todo:
            m.assignee = assignee
        _record(
            actor,
            todo,
            MentionEvent.Kind.ASSIGNED,
            "mention.assign",
            before,
            {"assignee": assignee.pk, "assignee_name": str(assignee)},
        )
        notification_services.mentions_assigned_notify(
            actor=actor, assignee=assignee, mentions=todo
        )
        changed = len(todo)
    if team is not None:
        todo = [m for m in mentions if m.team_id != team.pk]
        before = {m.pk: {"team": m.team_id} for m in todo}
        Mention.objects.filter(pk__in=[m.pk for m in todo]).update(team=team)
        for m in todo:
            m.team = team
        recompute_due(todo)
        _record(
            actor,
            todo,
            MentionEvent.Kind.ROUTED,
            "mention.route",
            before,
            {"team": team.pk, "team_name": team.name},
        )
        changed = max(changed, len(todo))
    return changed


@transaction.atomic
def mentions_unassign(*, actor, mentions) -> int:
    mentions = _check(actor, mentions)
    todo = [m for m in mentions if m.assignee_id is not None]
    before = {m.pk: {"assignee": m.assignee_id} for m in todo}
    Mention.objects.filter(pk__in=[m.pk for m in todo]).update(assignee=None)
    for m in todo:
        m.assignee = None
    _record(actor, todo, MentionEvent.Kind.ASSIGNED, "mention.unassign", before, {"assignee": None})
    return len(todo)


def tag_names_clean(names) -> list[str]:
    cleaned = []
    for name in names:
        name = " ".join(str(name).split()).lower()
        if not name:
            continue
        if len(name) > 64:
            raise ValidationError({"tags": _("A tag has at most 64 characters.")})
        cleaned.append(name)
    return sorted(set(cleaned))


@transaction.atomic
def mentions_tag(*, actor, mentions, add=(), remove=()) -> int:
    mentions = _check(actor, mentions)
    add, remove = tag_names_clean(add), tag_names_clean(remove)
    if not add and not remove:
        raise ValidationError({"tags": _("Name the tags to add or remove.")})
    for name in add:
        Tag.objects.get_or_create(name=name)
    tags = {t.name: t for t in Tag.objects.filter(name__in=[*add, *remove])}
    through = Mention.tags.through
    current: dict[int, set[str]] = {m.pk: set() for m in mentions}
    for mention_id, name in through.objects.filter(
        mention_id__in=current, tag__name__in=[*add, *remove]
    ).values_list("mention_id", "tag__name"):
        current[mention_id].add(name)
    links, unlinks, changed, before = [], [], [], {}
    for m in mentions:
        added = [n for n in add if n not in current[m.pk]]
        removed = [n for n in remove if n in current[m.pk] and n not in add]
        if not added and not removed:
            continue
        links += [through(mention_id=m.pk, tag_id=tags[n].pk) for n in added]
        unlinks += [(m.pk, tags[n].pk) for n in removed]
        before[m.pk] = {"added": added, "removed": removed}
        changed.append(m)
    through.objects.bulk_create(links, ignore_conflicts=True)
    for mention_id, tag_id in unlinks:
        through.objects.filter(mention_id=mention_id, tag_id=tag_id).delete()
    if changed:
        Mention.objects.filter(pk__in=[m.pk for m in changed]).update(updated_at=Now())
        MentionEvent.objects.bulk_create(
            MentionEvent(mention=m, actor=actor, kind=MentionEvent.Kind.TAGGED, data=before[m.pk])
            for m in changed
        )
        for m in changed:
            audit_record(actor=actor, verb="mention.tag", target=m, after=before[m.pk])
    return len(changed)


@transaction.atomic
def mentions_set_status(*, actor, mentions, status: str) -> int:
    mentions = _check(actor, mentions)
    if status not in MentionStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    if status == MentionStatus.OWN and any(m.owned_by_id is None for m in mentions):
        raise ValidationError(
            {"status": _("Only a post by one of the brand's accounts is the brand's own post.")}
        )
    now = timezone.now()
    todo = [m for m in mentions if m.status != status]
    before = {m.pk: {"status": m.status} for m in todo}
    for m in todo:
        m.status = status
        if status in CLOSED_STATUSES:
            m.resolved_at = m.resolved_at or now
            # Closing a mention is its answer when nobody replied before.
            m.first_response_at = m.first_response_at or now
        else:
            m.resolved_at = None
    Mention.objects.bulk_update(todo, ["status", "resolved_at", "first_response_at"])
    _record(actor, todo, MentionEvent.Kind.STATUS, "mention.status", before, {"status": status})
    return len(todo)


@transaction.atomic
def mentions_set_priority(*, actor, mentions, priority: int) -> int:
    mentions = _check(actor, mentions)
    if priority not in Priority.values:
        raise ValidationError({"priority": _("Unknown priority.")})
    todo = [m for m in mentions if m.priority != priority]
    before = {m.pk: {"priority": m.priority} for m in todo}
    Mention.objects.filter(pk__in=[m.pk for m in todo]).update(priority=priority)
    for m in todo:
        m.priority = priority
    recompute_due(todo)
    _record(
        actor, todo, MentionEvent.Kind.PRIORITY, "mention.priority", before, {"priority": priority}
    )
    return len(todo)


@transaction.atomic
def mention_note_add(*, actor, mention: Mention, text: str) -> MentionEvent:
    _check(actor, [mention])
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the note.")})
    if len(text) > 5000:
        raise ValidationError({"text": _("A note has at most 5,000 characters.")})
    Mention.objects.filter(pk=mention.pk).update(updated_at=Now())
    event = MentionEvent.objects.create(
        mention=mention, actor=actor, kind=MentionEvent.Kind.NOTE, text=text
    )
    audit_record(actor=actor, verb="mention.note", target=mention, after={"note": event.pk})
    notification_services.mention_note_notify(actor=actor, mention=mention, text=text)
    return event


def case_number(mention: Mention) -> str:
    return f"RD-{mention.pk}"


def template_render(template: ReplyTemplate, mention: Mention) -> str:
    handle = mention.author_handle or mention.author_name
    values = {
        "author": f"@{handle.lstrip('@')}" if mention.author_handle else handle,
        "brand": workspace_selectors.brand_name(),
        "case": case_number(mention),
    }
    return template.body.format_map(values)


def template_body_check(body: str) -> str:
    """A template body whose only variables are {author}, {brand} and {case}."""
    try:
        fields = [(name, spec, conversion) for _, name, spec, conversion in Formatter().parse(body)]
    except ValueError as exc:
        raise ValidationError({"body": _("Unbalanced braces: %s") % exc}) from None
    names = {name for name, _spec, _conversion in fields if name is not None}
    if any(spec or conversion for name, spec, conversion in fields if name is not None):
        # "{author:>99999999}" would build a huge string: a variable is its name alone.
        raise ValidationError(
            {"body": _("Write variables as {author}, {brand} or {case}, with nothing inside.")}
        )
    unknown = names - TEMPLATE_VARIABLES
    if unknown:
        raise ValidationError(
            {
                "body": _("Unknown variables: %s. Use {author}, {brand} or {case}.")
                % ", ".join(sorted(unknown))
            }
        )
    return body


@transaction.atomic
def mention_reply(
    *,
    actor,
    mention: Mention,
    body: str,
    template: ReplyTemplate | None = None,
    account=None,
    private: bool = False,
    statement=None,
) -> MentionReply:
    """Send a reply as the connected `account` (respond.services: saved, then sent by a
    worker), or, without one, record a reply the person posted on the network themself.

    A private message, or a template that moves the conversation to private messages,
    leaves the mention waiting for the author's private message.
    """
    _check(actor, [mention])
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write the reply.")})
    if len(body) > 10_000:
        raise ValidationError({"body": _("A reply has at most 10,000 characters.")})
    private = private or bool(template and template.moves_to_private)
    if account is not None:
        return respond_services.reply_queue(
            actor=actor,
            mention=mention,
            body=body,
            account=account,
            private=private,
            template=template,
            statement=statement,
        )
    now = timezone.now()
    reply = MentionReply.objects.create(
        mention=mention,
        template=template,
        body=body,
        private=private,
        drafted_by=actor,
        drafted_at=now,
        sent_by=actor,
        sent_at=now,
    )
    before = respond_services.answered(mention, now, private=private)
    MentionEvent.objects.create(
        mention=mention,
        actor=actor,
        kind=MentionEvent.Kind.REPLY,
        text=body,
        data={"reply": reply.pk, "private": private, "template": template.name if template else ""},
    )
    audit_record(
        actor=actor,
        verb="mention.reply",
        target=mention,
        before={"status": before["status"]},
        after={"reply": reply.pk, "status": mention.status},
    )
    return reply


@transaction.atomic
def mention_watch_author(*, actor, mention: Mention, impersonator: bool = False, reason=""):
    """Put the mention's author on the watchlist, as an impersonator if so marked."""
    _check(actor, [mention])
    if not mention.author_id:
        raise ValidationError(_("This mention has no author id to watch."))
    existing = WatchedAuthor.objects.filter(
        platform=mention.platform, author_id=mention.author_id
    ).first()
    if existing is not None:
        if impersonator and not existing.impersonator:
            require(actor, "watchlist.manage")
            existing.impersonator = True
            existing.save(update_fields=["impersonator"])
            audit_record(
                actor=actor,
                verb="watchlist.impersonator",
                target=existing,
                before={"impersonator": False},
                after={"impersonator": True},
            )
        else:
            return existing
        watched = existing
    else:
        default = _("Impersonates the brand") if impersonator else _("Watched from the inbox")
        watched = monitoring_services.watched_author_add(
            actor=actor,
            platform=mention.platform,
            author_id=mention.author_id,
            author_handle=mention.author_handle,
            reason=reason or default,
        )
        if impersonator:
            watched.impersonator = True
            watched.save(update_fields=["impersonator"])
    Mention.objects.filter(pk=mention.pk).update(updated_at=Now())
    MentionEvent.objects.create(
        mention=mention,
        actor=actor,
        kind=MentionEvent.Kind.WATCHLIST,
        data={"impersonator": impersonator, "watched": watched.pk},
    )
    return watched


@transaction.atomic
def mentions_escalate(*, actor, mentions, incident) -> int:
    """Link the mentions to an existing incident; the incident's timeline records it too."""
    from incidents.models import IncidentMention
    from incidents.services import incident_link_mentions

    mentions = _check(actor, mentions)
    already = set(
        IncidentMention.objects.filter(
            incident=incident, mention_id__in=[m.pk for m in mentions]
        ).values_list("mention_id", flat=True)
    )
    linked = incident_link_mentions(actor=actor, incident=incident, mentions=mentions)
    fresh = [m for m in mentions if m.pk not in already]  # a repeat records nothing
    Mention.objects.filter(pk__in=[m.pk for m in fresh]).update(updated_at=Now())
    MentionEvent.objects.bulk_create(
        MentionEvent(
            mention=m,
            actor=actor,
            kind=MentionEvent.Kind.ESCALATED,
            data={"incident": incident.pk, "incident_title": str(incident)},
        )
        for m in fresh
    )
    return linked


# --- Service-level targets: the due times stored on each mention ---------------


def apply_sla(batch: list) -> None:
    """Pipeline step (after routing): stamp each new mention with its due times.

    The brand's own posts (status "own") are not work: no clock runs on them.
    """
    targets = Targets.load()
    now = timezone.now()
    due: dict[tuple, tuple] = {}  # the whole batch starts at `now`: once per queue and priority
    for mention in batch:
        if mention.status == MentionStatus.OWN:
            continue
        key = (mention.priority, mention.team_id)
        if key not in due:
            due[key] = targets.due(start=now, priority=mention.priority, team_id=mention.team_id)
        mention.first_response_due_at, mention.resolve_due_at = due[key]


def brand_replies_record(stored: list) -> None:
    """Pipeline on-store hook: the brand's replies on the network answer what they reply to.

    A reply by one of the brand's accounts (`owned_by_id`) whose parent is an earned mention
    on the same network, stored in this batch or before, is that mention's first response
    when it had none: its SLA clock stops as for a reply recorded here, a new mention moves
    to in progress, and its history and the audit trail tell it (no actor: the network did).
    A re-delivered reply is a duplicate that never reaches here, so nothing is told twice.
    """
    by_parent: dict[tuple[str, str], list] = {}
    for pk, reply in sorted(stored, key=lambda item: item[1].published_at):
        if reply.owned_by_id is not None and reply.parent_id:
            by_parent.setdefault((reply.platform, reply.parent_id), []).append((pk, reply))
    if not by_parent:
        return
    answered = (
        Mention.objects.select_for_update()
        .filter(keys_q(by_parent), owned_by__isnull=True)
        .exclude(status=MentionStatus.OWN)
        .order_by("pk")
    )
    events = []
    for mention in answered:
        replies = by_parent[(mention.platform, mention.external_id)]
        before = {"status": mention.status, "first_response_at": mention.first_response_at}
        mention.first_response_at = mention.first_response_at or replies[0][1].published_at
        if mention.status == MentionStatus.NEW:
            mention.status = MentionStatus.IN_PROGRESS
        Mention.objects.filter(pk=mention.pk).update(
            first_response_at=mention.first_response_at, status=mention.status, updated_at=Now()
        )
        for pk, reply in replies:
            events.append(
                MentionEvent(
                    mention=mention,
                    kind=MentionEvent.Kind.REPLY,
                    text=reply.text,
                    created_at=reply.published_at,
                    data={
                        "brand_reply": pk,
                        "account": reply.author_handle,
                        "url": reply.url,
                    },
                )
            )
        audit_record(
            actor=None,
            verb="mention.brand_reply",
            target=mention,
            before={"status": before["status"], "first_response_at": before["first_response_at"]},
            after={
                "status": mention.status,
                "first_response_at": mention.first_response_at,
                "replies": [pk for pk, _reply in replies],
            },
        )
    MentionEvent.objects.bulk_create(events)
    transaction.on_commit(forget_counts)  # answered: some clocks stopped


def recompute_due(mentions) -> None:
    """After a priority or team change: due times from when each mention arrived."""
    targets = Targets.load()
    for mention in mentions:
        first, resolve = targets.due(
            start=mention.received_at, priority=mention.priority, team_id=mention.team_id
        )
        Mention.objects.filter(pk=mention.pk).update(
            first_response_due_at=first, resolve_due_at=resolve
        )
        mention.first_response_due_at, mention.resolve_due_at = first, resolve


# Soft locks: who has a mention open right now, kept in the cache for a few seconds.
def viewing_mark(mention_id: int, user: User) -> None:
    key = viewers_key(mention_id)
    now = timezone.now().timestamp()
    viewers = {uid: entry for uid, entry in (cache.get(key) or {}).items() if entry[1] > now}
    viewers[user.pk] = (user.display_name or user.email, now + VIEWING_SECONDS)
    cache.set(key, viewers, VIEWING_SECONDS)


def saved_view_save(*, owner: User, name: str, query: str) -> SavedView:
    """Save (or overwrite) the owner's view of this name."""
    view, _created = SavedView.objects.update_or_create(
        owner=owner, name=name, defaults={"query": query}
    )
    return view


def saved_view_delete(*, view: SavedView) -> None:
    view.delete()
