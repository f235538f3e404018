"""Credentials and streams: the connections people set up, checked and audited."""

import logging
import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from monitoring.connectors import CONNECTOR_PATHS, get_connector, pushed_connectors
from monitoring.connectors.base import (
    allowed_hosts_for,
)
from monitoring.models import (
    Credential,
    Stream,
    StreamStatus,
)
from monitoring.services.polls import poll_enqueue, stream_claim
from riskdesk import outbound
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
]
CREDENTIAL_AUDIT_FIELDS = ["name", "connector", "secret_fields", "rotated_at", "allowed_hosts"]
# What decides where a stream's credential is sent: choosing or changing it takes
# credential.manage, as managing the credential itself does.
CONNECTION_FIELDS = ("credential", "base_url")
MAX_ALLOWED_HOSTS = 20
HOST_NAME = re.compile(
    r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*|[0-9a-f:]+"
)


# --- Credentials --------------------------------------------------------------------


def _check_secret(connector: str, secret: dict) -> dict:
    if connector not in CONNECTOR_PATHS:
        raise ValidationError({"connector": _("Unknown connector.")})
    if not isinstance(secret, dict):
        raise ValidationError({"secret": _("Give the secret as named fields.")})
    allowed = set(get_connector(connector).secret_fields)
    unknown = set(secret) - allowed
    if unknown:
        raise ValidationError(
            {"secret": _("Not used by this connector: %s") % ", ".join(sorted(unknown))}
        )
    return {k: str(v).strip() for k, v in secret.items() if str(v or "").strip()}


def _check_hosts(hosts) -> list[str]:
    """Host names only (no scheme, port or path), lower-cased, each once."""
    if hosts is None:
        return []
    if not isinstance(hosts, list | tuple) or len(hosts) > MAX_ALLOWED_HOSTS:
        raise ValidationError(
            {"allowed_hosts": _("Give at most %d host names.") % MAX_ALLOWED_HOSTS}
        )
    checked = []
    for host in hosts:
        host = str(host).strip().lower().rstrip(".")
        if not host:
            continue
        try:
            valid = bool(HOST_NAME.fullmatch(host)) and host == outbound.check_host_form(host)
        except outbound.Refused:
            valid = False
        if not valid:
            raise ValidationError(
                {"allowed_hosts": _("%(host)s is not a host name.") % {"host": host}}
            )
        checked.append(host)
    return list(dict.fromkeys(checked))


def stream_host(stream: Stream) -> str:
    """The host a stream's connector calls: its API address, else the network's own."""
    base_url = stream.base_url or get_connector(stream.connector).default_base_url
    return (urlsplit(base_url).hostname or "").lower()


@transaction.atomic
def credential_create(
    *, actor, name: str, connector: str, secret: dict, allowed_hosts: list | None = None
) -> Credential:
    require(actor, "credential.manage")
    if Credential.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": _("A credential with this name already exists.")})
    credential = Credential(name=name, connector=connector, created_by=actor)
    credential.secret = _check_secret(connector, secret)
    credential.allowed_hosts = _check_hosts(allowed_hosts)
    credential.save()
    after = snapshot(credential, CREDENTIAL_AUDIT_FIELDS)
    audit_record(actor=actor, verb="credential.create", target=credential, after=after)
    return credential


@transaction.atomic
def credential_update(
    *,
    actor,
    credential: Credential,
    name: str | None = None,
    secret: dict | None = None,
    allowed_hosts: list | None = None,
) -> Credential:
    """Rename, and with `secret`, replace the fields given (empty ones are kept as they were).

    `allowed_hosts`, when given, replaces the hosts besides the network's own that may
    receive the secret.
    """
    require(actor, "credential.manage", credential)
    credential = Credential.objects.select_for_update().get(pk=credential.pk)
    before = snapshot(credential, CREDENTIAL_AUDIT_FIELDS)
    if name is not None and name != credential.name:
        if Credential.objects.filter(name__iexact=name).exclude(pk=credential.pk).exists():
            raise ValidationError({"name": _("A credential with this name already exists.")})
        credential.name = name
    if allowed_hosts is not None:
        credential.allowed_hosts = _check_hosts(allowed_hosts)
    changed_secret = _check_secret(credential.connector, secret or {})
    if changed_secret:
        credential.secret = credential.secret | changed_secret
        credential.rotated_at = timezone.now()
    credential.save()
    after = snapshot(credential, CREDENTIAL_AUDIT_FIELDS)
    if after != before:
        # The audit trail says which fields changed, never their values.
        after["secret_changed"] = sorted(changed_secret)
        audit_record(
            actor=actor, verb="credential.update", target=credential, before=before, after=after
        )
    if changed_secret:
        # A stream stopped by a refused token may work again.
        Stream.objects.filter(credential=credential, status=StreamStatus.STOPPED).update(
            status=StreamStatus.NEW, consecutive_failures=0, next_poll_at=timezone.now()
        )
    return credential


@transaction.atomic
def credential_delete(*, actor, credential: Credential) -> None:
    require(actor, "credential.manage", credential)
    if credential.streams.exists():
        raise ValidationError(_("Streams still use this credential; change them first."))
    before = snapshot(credential, CREDENTIAL_AUDIT_FIELDS)
    audit_record(actor=actor, verb="credential.delete", target=credential, before=before)
    credential.delete()


# --- Streams --------------------------------------------------------------------------


def _validate_stream(stream: Stream) -> None:
    errors = {}
    if stream.connector not in CONNECTOR_PATHS:
        errors["connector"] = _("Unknown connector.")
    if stream.credential_id and stream.credential.connector != stream.connector:
        errors["credential"] = _("This credential belongs to another connector.")
    if not isinstance(stream.options, dict):
        errors["options"] = _("Options must be a JSON object.")
    if not errors:
        connector = get_connector(stream.connector)
        needs_one = connector.secret_fields and not connector.credential_optional
        if needs_one and not stream.credential_id:
            errors["credential"] = _("This connector needs a credential.")
        host = stream_host(stream)
        if stream.credential_id and host not in allowed_hosts_for(connector, stream.credential):
            errors["base_url"] = _(
                "The credential %(credential)s may not be sent to %(host)s: its network's "
                "API hosts and the hosts allowed on it only."
            ) % {"credential": stream.credential, "host": host or stream.base_url}
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
        require(actor, "credential.manage")
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
        require(actor, "credential.manage", stream)
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
            stream.credential = None  # a new host never inherits the credential of the old one
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
    """A credential by its id, an address as it is (blank as None), for comparing a change."""
    if isinstance(value, Credential):
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
