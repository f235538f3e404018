"""Streams: the saved searches people set up, checked and audited."""

import logging
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from connections.models import ConnectedAccount
from monitoring.connectors import CONNECTOR_PATHS, get_connector, pushed_connectors
from monitoring.connectors.base import (
    allowed_hosts_for,
)
from monitoring.models import (
    Stream,
    StreamStatus,
)
from monitoring.services.polls import poll_enqueue, stream_claim
from riskdesk.audit import audit_record, snapshot
from riskdesk.permissions import require

logger = logging.getLogger(__name__)

STREAM_FIELDS = [
    "name",
    "connector",
    "query",
    "language",
    "options",
    "base_url",
    "credential",
    "poll_interval",
    "enabled",
    "team",
    "is_competitor",
]
# What decides where a stream's secret is sent: choosing or changing it takes
# connected_account.manage, as managing the connected account itself does.
CONNECTION_FIELDS = ("credential", "base_url")


def stream_host(stream: Stream) -> str:
    """The host a stream's connector calls: its API address, else the network's own."""
    base_url = stream.base_url or get_connector(stream.connector).default_base_url
    return (urlsplit(base_url).hostname or "").lower()


# --- Streams --------------------------------------------------------------------------


def _validate_stream(stream: Stream) -> None:
    errors = {}
    if stream.connector not in CONNECTOR_PATHS:
        errors["connector"] = _("Unknown connector.")
    if stream.credential_id and stream.credential.kind != stream.connector:
        errors["credential"] = _("This connected account belongs to another connector.")
    if not isinstance(stream.options, dict):
        errors["options"] = _("Options must be a JSON object.")
    if not errors:
        connector = get_connector(stream.connector)
        needs_one = connector.secret_fields and not connector.credential_optional
        if needs_one and not stream.credential_id:
            errors["credential"] = _("This connector needs a connected account.")
        host = stream_host(stream)
        if stream.credential_id and host not in allowed_hosts_for(connector, stream.credential):
            errors["base_url"] = _(
                "The secret of %(account)s may not be sent to %(host)s: its network's "
                "API hosts and the hosts allowed on it only."
            ) % {"account": stream.credential, "host": host or stream.base_url}
    if errors:
        raise ValidationError(errors)
    stream.full_clean(exclude=["credential", "team", "created_by"])


def _stream_snapshot(stream: Stream) -> dict:
    return snapshot(stream, STREAM_FIELDS)


@transaction.atomic
def stream_create(*, actor, **fields) -> Stream:
    require(actor, "stream.create")
    unknown = set(fields) - set(STREAM_FIELDS)
    if unknown:
        raise ValueError(f"not stream fields: {sorted(unknown)}")
    if any(fields.get(name) for name in CONNECTION_FIELDS):
        require(actor, "connected_account.manage")
    stream = Stream(created_by=actor, **fields)
    _validate_stream(stream)
    stream.save()
    audit_record(actor=actor, verb="stream.create", target=stream, after=_stream_snapshot(stream))
    return stream


@transaction.atomic
def stream_update(*, actor, stream: Stream, **changes) -> Stream:
    """Change a stream. Changing how it connects gives a stopped stream another chance."""
    require(actor, "stream.change", stream)
    unknown = set(changes) - set(STREAM_FIELDS)
    if unknown:
        raise ValueError(f"not stream fields: {sorted(unknown)}")
    stream = Stream.objects.select_for_update().get(pk=stream.pk)
    before = _stream_snapshot(stream)
    connection_changed = [
        name
        for name in CONNECTION_FIELDS
        if name in changes
        and connection_value(changes[name]) != connection_value(getattr(stream, name))
    ]
    if connection_changed:
        require(actor, "connected_account.manage", stream)
    old_host = stream_host(stream) if stream.connector in CONNECTOR_PATHS else ""
    for name, value in changes.items():
        setattr(stream, name, value)
    if (
        stream.credential_id
        and "credential" not in connection_changed
        and stream.connector in CONNECTOR_PATHS
    ):
        new_host = stream_host(stream)
        connector = get_connector(stream.connector)
        if new_host != old_host and new_host not in allowed_hosts_for(connector, stream.credential):
            stream.credential = None  # a new host never inherits the account of the old one
    _validate_stream(stream)
    after = _stream_snapshot(stream)
    if after == before:
        return stream
    if stream.status == StreamStatus.STOPPED or (stream.enabled and not before["enabled"]):
        stream.status = StreamStatus.NEW
        stream.consecutive_failures = 0
        stream.next_poll_at = timezone.now()
    if {"connector", "query", "options", "base_url", "language"} & {
        k for k in after if after[k] != before[k]
    }:
        stream.cursor = {}  # a different search starts from its own beginning
    stream.save()
    audit_record(actor=actor, verb="stream.update", target=stream, before=before, after=after)
    return stream


def connection_value(value):
    """An account by its id, an address as it is (blank as None), for comparing a change."""
    if isinstance(value, ConnectedAccount):
        return value.pk
    return value or None


@transaction.atomic
def stream_delete(*, actor, stream: Stream) -> None:
    require(actor, "stream.delete", stream)
    audit_record(actor=actor, verb="stream.delete", target=stream, before=_stream_snapshot(stream))
    stream.delete()


@transaction.atomic
def stream_poll_now(*, actor, stream: Stream) -> bool:
    """Queue a poll at once; False when one is already running."""
    require(actor, "stream.poll", stream)
    if stream.connector in pushed_connectors():
        raise ValidationError(_("This stream receives webhooks; there is nothing to poll."))
    Stream.objects.filter(pk=stream.pk).update(
        next_poll_at=timezone.now(),
        status=StreamStatus.NEW if stream.status == StreamStatus.STOPPED else stream.status,
    )
    token = stream_claim(stream.pk, ignore_schedule=True)
    audit_record(actor=actor, verb="stream.poll_now", target=stream, after={"queued": bool(token)})
    if token:
        poll_enqueue(stream.pk, token)
    return token is not None
