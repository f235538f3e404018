"""Notification channels and the outbox that feeds them.

People manage channels (e-mail, Slack-compatible incoming webhook, generic
HMAC-signed webhook) through the `channel_*` services. The pipeline calls
`queue_for_stored` inside the ingest transaction, so a batch and its
notification rows commit or roll back together; sending happens after the
commit, in a worker (`alerting.services.sending.notification_send`). A channel
that fails only makes its own rows wait and retry with backoff: ingestion never
waits on the network.

A storm must not become a storm of messages: each batch gives at most one row
per channel (a digest when it holds several mentions), and a channel that got
MONITORING_NOTIFY_MAX_PER_WINDOW rows in the last ten minutes has further
mentions folded into its newest unsent digest instead.

Payload of a row (also the body of a generic webhook, under "payload"):
`event`, `count`, `reasons` ({code: how many}), `mentions` (the riskiest, at
most ten: id, platform, author_handle, text, url, risk_score, reasons,
priority) and an optional `summary` line.

A row's `mention_ids` keeps the first MENTION_IDS_KEPT ids and `count` says how many
there are: a digest folding a storm in, batch after batch, rewrites a row of bounded
size instead of a list that grows with every batch.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.db.models import Count, Min
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alerting.models import Notification, NotificationChannel
from monitoring.connectors.base import NormalizedMention
from riskdesk import outbound
from riskdesk.audit import audit_record, snapshot
from riskdesk.jobs import enqueue_on_commit
from riskdesk.permissions import require

Kind = NotificationChannel.Kind
Status = Notification.Status

CHANNEL_FIELDS = ["team", "name", "kind", "target", "min_risk", "enabled"]
WINDOW = timedelta(minutes=10)
TOP_MENTIONS = 10
MENTION_IDS_KEPT = 100  # ids a row lists; payload["count"] says how many it stands for
TEXT_KEPT = 500  # characters of a mention's text a message carries
EVENT_MENTIONS = "mentions.risky"
EVENT_TEST = "channel.test"


def max_per_window() -> int:
    return getattr(settings, "MONITORING_NOTIFY_MAX_PER_WINDOW", 5)


# --- Channels -----------------------------------------------------------------------


def masked_target(channel: NotificationChannel) -> str:
    """The target as pages, the API and the audit trail show it.

    A Slack incoming-webhook URL is itself a credential, so only its host is
    shown; a webhook URL loses its query string and any user:password.
    """
    if channel.kind == Kind.EMAIL:
        return channel.target
    parts = urlsplit(channel.target)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    if channel.kind == Kind.SLACK:
        return f"{parts.scheme}://{host}/…"
    return f"{parts.scheme}://{host}{parts.path}" + ("?…" if parts.query else "")


def _channel_snapshot(channel: NotificationChannel) -> dict:
    data = snapshot(channel, CHANNEL_FIELDS)
    data["target"] = masked_target(channel)
    data["secret_set"] = bool(channel.secret_encrypted)
    return data


def _target_error(kind: str, target: str) -> str | None:
    if kind == Kind.EMAIL:
        try:
            validate_email(target)
        except ValidationError:
            return _("Enter a valid e-mail address.")
        return None
    try:
        URLValidator(schemes=["http", "https"])(target)
    except ValidationError:
        return _("Enter an http:// or https:// URL.")
    try:
        outbound.ensure_public_address(target)
    except outbound.Refused as exc:
        return _(
            "%(problem)s. Private, loopback and link-local addresses are refused unless "
            "RISKDESK_OUTBOUND_ALLOW lists them."
        ) % {"problem": exc.message}
    return None


def _validate(channel: NotificationChannel) -> None:
    errors: dict[str, str] = {}
    channel.name = (channel.name or "").strip()
    channel.target = (channel.target or "").strip()
    if not channel.name:
        errors["name"] = _("Give the channel a name.")
    elif (
        NotificationChannel.objects.filter(team_id=channel.team_id, name__iexact=channel.name)
        .exclude(pk=channel.pk)
        .exists()
    ):
        errors["name"] = _("This team already has a channel with this name.")
    if channel.kind not in Kind.values:
        errors["kind"] = _("Choose e-mail, Slack or webhook.")
    elif problem := _target_error(channel.kind, channel.target):
        errors["target"] = problem
    if channel.kind == Kind.WEBHOOK and not channel.secret_encrypted:
        errors["secret"] = _("A webhook channel needs a secret: every message is signed with it.")
    if not isinstance(channel.min_risk, int) or not 0 <= channel.min_risk <= 100:
        errors["min_risk"] = _("Choose a score from 0 to 100.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def channel_create(
    *,
    actor,
    team,
    name: str,
    kind: str,
    target: str,
    secret: str = "",
    min_risk: int = 70,
    enabled: bool = True,
) -> NotificationChannel:
    require(actor, "channel.manage")
    channel = NotificationChannel(
        team=team, name=name, kind=kind, target=target, min_risk=min_risk, enabled=enabled
    )
    channel.secret = (secret or "").strip()
    _validate(channel)
    channel.save()
    audit_record(
        actor=actor, verb="channel.create", target=channel, after=_channel_snapshot(channel)
    )
    return channel


@transaction.atomic
def channel_update(*, actor, channel: NotificationChannel, **changes) -> NotificationChannel:
    """Change a channel. An empty secret keeps the saved one; so does an empty target,
    or the masked one the API showed (a Slack URL is never shown back)."""
    require(actor, "channel.manage", channel)
    unknown = set(changes) - {*CHANNEL_FIELDS, "secret"}
    if unknown:
        raise ValueError(f"not channel fields: {sorted(unknown)}")
    channel = NotificationChannel.objects.select_for_update().get(pk=channel.pk)
    before = _channel_snapshot(channel)
    secret = (changes.pop("secret", "") or "").strip()
    target = (changes.get("target") or "").strip()
    if not target or target == masked_target(channel):
        changes.pop("target", None)
    for name, value in changes.items():
        setattr(channel, name, value)
    if secret:
        channel.secret = secret
    _validate(channel)
    after = _channel_snapshot(channel)
    if after == before and not secret:
        return channel
    channel.save()
    after["secret_changed"] = bool(secret)  # that it changed, never what it is
    audit_record(actor=actor, verb="channel.update", target=channel, before=before, after=after)
    return channel


@transaction.atomic
def channel_delete(*, actor, channel: NotificationChannel) -> None:
    require(actor, "channel.manage", channel)
    audit_record(
        actor=actor, verb="channel.delete", target=channel, before=_channel_snapshot(channel)
    )
    channel.delete()


@transaction.atomic
def channel_test(*, actor, channel: NotificationChannel) -> Notification:
    """Queue a test message (even on a disabled channel, to try it before turning it on)."""
    require(actor, "channel.manage", channel)
    notification = Notification.objects.create(
        channel=channel,
        subject=_("Test message from riskdesk for %(team)s") % {"team": channel.team.name},
        payload={
            "event": EVENT_TEST,
            "count": 0,
            "reasons": {},
            "mentions": [],
            "summary": _("If you can read this, the channel %(name)s works.")
            % {"name": channel.name},
        },
    )
    audit_record(
        actor=actor, verb="channel.test", target=channel, after={"notification": notification.pk}
    )
    _send_on_commit([notification.pk])
    return notification


# --- The outbox -----------------------------------------------------------------------


def _send_on_commit(ids: list[int]) -> None:
    """Queue the rows once they are committed. A broker that is down breaks nothing:
    the rows stay pending and the beat sweep (`selectors.notifications_due`) sends them."""
    enqueue_on_commit("alerting.tasks.send_notification", *[(pk,) for pk in ids], robust=True)


def _summary(pk: int, mention: NormalizedMention) -> dict:
    return {
        "id": pk,
        "platform": mention.platform,
        "author_handle": mention.author_handle,
        "text": mention.text[:TEXT_KEPT],
        "url": mention.url,
        "risk_score": mention.risk_score,
        "reasons": _reason_codes(mention.risk_reasons),
        "priority": mention.priority,
    }


def _reason_codes(reasons) -> list[str]:
    codes = (r.get("code") if isinstance(r, dict) else r for r in reasons or ())
    return list(dict.fromkeys(str(code) for code in codes if code))


def _subject(team_name: str, count: int, top: list[dict]) -> str:
    if count == 1 and top:
        return _("Risky mention for %(team)s: risk %(score)s from @%(author)s") % {
            "team": team_name,
            "score": top[0]["risk_score"],
            "author": top[0]["author_handle"] or "?",
        }
    return ngettext(
        "%(count)d risky mention for %(team)s",
        "%(count)d risky mentions for %(team)s",
        count,
    ) % {"count": count, "team": team_name}


def _digest(team_name: str, payload: dict | None, items: list[dict]) -> tuple[str, dict]:
    """Subject and payload of a row holding `payload`'s mentions plus `items`."""
    payload = payload or {"event": EVENT_MENTIONS, "count": 0, "reasons": {}, "mentions": []}
    reasons = Counter(payload.get("reasons", {}))
    for item in items:
        reasons.update(item["reasons"])
    top = sorted([*payload.get("mentions", []), *items], key=lambda m: (-m["risk_score"], m["id"]))[
        :TOP_MENTIONS
    ]
    count = payload.get("count", 0) + len(items)
    payload = payload | {"count": count, "reasons": dict(reasons), "mentions": top}
    return _subject(team_name, count, top)[:255], payload


def _fold_into_digest(channel: NotificationChannel, items: list[dict], due) -> int | None:
    """Add `items` to the channel's newest unsent digest, or start one that waits until `due`.

    Only rows never taken by a worker (attempts=0) are added to: a row being sent
    keeps exactly what its worker read. Returns the id of a row created now.
    """
    row = (
        Notification.objects.select_for_update()
        .filter(channel=channel, status=Status.PENDING, attempts=0, payload__event=EVENT_MENTIONS)
        .order_by("-id")
        .first()
    )
    if row is None:
        subject, payload = _digest(channel.team.name, None, items)
        return Notification.objects.create(
            channel=channel,
            subject=subject,
            payload=payload,
            mention_ids=_kept_ids([], items),
            next_attempt_at=due,
        ).pk
    row.subject, row.payload = _digest(channel.team.name, row.payload, items)
    fields = ["subject", "payload"]
    if len(row.mention_ids) < MENTION_IDS_KEPT:  # once full, the list is not written again
        row.mention_ids = _kept_ids(row.mention_ids, items)
        fields.append("mention_ids")
    row.save(update_fields=fields)
    return None


def _kept_ids(kept: list[int], items: list[dict]) -> list[int]:
    """`kept` followed by the ids of `items`, at most MENTION_IDS_KEPT of them."""
    room = MENTION_IDS_KEPT - len(kept)
    return [*kept, *(item["id"] for item in items[:room])] if room > 0 else kept


def queue_for_stored(stored: list[tuple[int, NormalizedMention]]) -> None:
    """The pipeline's on-store hook: outbox rows for what was just inserted, same transaction.

    For each enabled channel of a team that mentions were routed to, the mentions
    flagged `notify` or at the channel's minimum risk become one row.
    """
    by_team: dict[int, list[tuple[int, NormalizedMention]]] = defaultdict(list)
    for pk, mention in stored:
        if mention.team_id is not None:
            by_team[mention.team_id].append((pk, mention))
    if not by_team:
        return
    channels = list(
        NotificationChannel.objects.filter(team_id__in=by_team, enabled=True).select_related("team")
    )
    if not channels:
        return
    now = timezone.now()
    recent = {
        row["channel"]: row
        for row in Notification.objects.filter(channel__in=channels, created_at__gt=now - WINDOW)
        .values("channel")
        .annotate(count=Count("id"), oldest=Min("created_at"))
    }
    limit = max_per_window()
    to_send: list[int] = []
    for channel in channels:
        items = [
            _summary(pk, mention)
            for pk, mention in by_team[channel.team_id]
            if mention.notify or mention.risk_score >= channel.min_risk
        ]
        if not items:
            continue
        window = recent.get(channel.pk)
        if window and window["count"] >= limit:
            # Not queued now: the beat sweep sends a new digest when the window ends.
            _fold_into_digest(channel, items, due=window["oldest"] + WINDOW)
            continue
        subject, payload = _digest(channel.team.name, None, items)
        row = Notification.objects.create(
            channel=channel,
            subject=subject,
            payload=payload,
            mention_ids=_kept_ids([], items),
        )
        to_send.append(row.pk)
    _send_on_commit(to_send)


@transaction.atomic
def notify_team(
    *, team, subject: str, payload: dict, mention_ids: Iterable[int] = ()
) -> list[Notification]:
    """One row per enabled channel of `team`, sent after commit (spike alerts and the like).

    `payload` follows the outbox shape (see the module docstring); `event`
    defaults to "alert". Not throttled: callers send rarely and it matters.
    """
    payload = {"event": "alert", "count": 0, "reasons": {}, "mentions": []} | payload
    rows = [
        Notification.objects.create(
            channel=channel, subject=subject[:255], payload=payload, mention_ids=list(mention_ids)
        )
        for channel in NotificationChannel.objects.filter(team=team, enabled=True)
    ]
    _send_on_commit([row.pk for row in rows])
    return rows
