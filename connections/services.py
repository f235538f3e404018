"""Connecting, changing and removing the accounts riskdesk signs in to networks with.

One service saves every kind (a connector's token, a revoker's admin token): it checks
`connected_account.manage`, validates, encrypts the secret and writes the audit event in
one transaction. The audit trail names the secret fields that changed, never their values.
"""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from connections.kinds import get_kind
from connections.models import ConnectedAccount, ConnectionMethod
from monitoring.models import Stream, StreamStatus
from riskdesk import outbound
from riskdesk.audit import audit_record, snapshot
from riskdesk.networks import Platform
from riskdesk.permissions import require

ACCOUNT_FIELDS = [
    "name",
    "kind",
    "platform",
    "brand_account",
    "method",
    "base_url",
    "business_id",
    "scopes",
    "allowed_hosts",
    "expires_at",
]
PEOPLE_FIELDS = ["acting_people", "acting_teams"]
AUDIT_FIELDS = [*ACCOUNT_FIELDS, "secret_fields", "rotated_at", *PEOPLE_FIELDS]
BLANK_TEXT = {"name", "kind", "platform", "method", "base_url", "business_id"}
MAX_ALLOWED_HOSTS = 20
MAX_SCOPES = 50
HOST_NAME = re.compile(
    r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*|[0-9a-f:]+"
)
BUSINESS_ID = re.compile(r"[0-9]{5,32}")
SCOPE = re.compile(r"[A-Za-z0-9_.:/-]{1,100}")


def check_hosts(hosts) -> list[str]:
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


def _check_scopes(scopes) -> list[str]:
    if scopes is None:
        return []
    if not isinstance(scopes, list | tuple) or len(scopes) > MAX_SCOPES:
        raise ValidationError({"scopes": _("Give at most %d scopes.") % MAX_SCOPES})
    checked = [str(scope).strip() for scope in scopes if str(scope or "").strip()]
    bad = [scope for scope in checked if not SCOPE.fullmatch(scope)]
    if bad:
        raise ValidationError(
            {"scopes": _("%(scope)s is not a scope name.") % {"scope": bad[0][:100]}}
        )
    return list(dict.fromkeys(checked))


def _check_secret(kind: str, secret) -> dict:
    """The secret fields given a value, by name; a field the kind does not read is refused."""
    if not isinstance(secret, dict):
        raise ValidationError({"secret": _("Give the secret as named fields.")})
    known = get_kind(kind)
    unknown = set(secret) - set(known.secret_fields if known else ())
    if unknown:
        raise ValidationError(
            {"secret": _("Not used by this kind: %s") % ", ".join(sorted(unknown))}
        )
    return {k: str(v).strip() for k, v in secret.items() if str(v or "").strip()}


def _check(account: ConnectedAccount) -> None:
    """Validate what the fields say together; set the network from the kind when empty."""
    errors = {}
    kind = get_kind(account.kind)
    if not account.name:
        errors["name"] = _("Give the account a name.")
    elif ConnectedAccount.objects.filter(name__iexact=account.name).exclude(pk=account.pk).exists():
        errors["name"] = _("A connected account with this name already exists.")
    if kind is None:
        errors["kind"] = _("Unknown kind.")
    elif not kind.secret_fields:
        errors["kind"] = _("%(kind)s needs no connected account: its streams work without one.") % {
            "kind": kind.label
        }
    else:
        account.platform = account.platform or kind.platform
    if account.platform and account.platform not in Platform.values:
        errors["platform"] = _("Unknown network.")
    if account.method not in ConnectionMethod.values:
        errors["method"] = _("Unknown way of connecting.")
    if (
        kind is not None
        and kind.needs_business_id
        and not BUSINESS_ID.fullmatch(account.business_id)
    ):
        errors["business_id"] = _("A Business Manager id is a number.")
    brand = account.brand_account
    if brand is not None and kind is not None and brand.platform not in kind.platforms:
        errors["brand_account"] = _(
            "%(account)s is not on %(network)s: this account cannot act as it."
        ) % {"account": brand, "network": kind.label}
    if errors:
        raise ValidationError(errors)
    account.full_clean(
        exclude=["brand_account", "created_by", "secret_encrypted", "secret_fields"],
        validate_constraints=False,
    )


@transaction.atomic
def connected_account_save(
    *, actor, account: ConnectedAccount | None = None, secrets: dict | None = None, **fields
) -> ConnectedAccount:
    """Connect an account (account=None) or change one.

    `fields` are among ACCOUNT_FIELDS and PEOPLE_FIELDS (the people and teams who may act
    as it, each replaced when given); `secrets` the secret fields to set: an empty value
    keeps the stored one. A new account needs its secret; the kind never changes.
    """
    require(actor, "connected_account.manage", account)
    unknown = set(fields) - {*ACCOUNT_FIELDS, *PEOPLE_FIELDS}
    if unknown:
        raise ValueError(f"not connected account fields: {sorted(unknown)}")
    creating = account is None
    if creating:
        account, before = ConnectedAccount(created_by=actor), None
    else:
        account = ConnectedAccount.objects.select_for_update(of=("self",)).get(pk=account.pk)
        before = snapshot(account, AUDIT_FIELDS)
        if "kind" in fields and fields["kind"] != account.kind:
            raise ValidationError(
                {"kind": _("An account cannot change kind: connect another one instead.")}
            )
    people = {name: fields.pop(name) for name in PEOPLE_FIELDS if name in fields}
    for name, value in fields.items():
        if name in BLANK_TEXT:
            value = (value or "").strip()
        elif name == "allowed_hosts":
            value = check_hosts(value)
        elif name == "scopes":
            value = _check_scopes(value)
        setattr(account, name, value)
    _check(account)
    given = _check_secret(account.kind, secrets or {})
    if creating:
        _check_new_secret(account.kind, given)
    if given:
        account.secret = ({} if creating else account.secret) | given
        account.rotated_at = timezone.now()
    account.save()
    for name, value in people.items():
        getattr(account, name).set(value or [])
    after = snapshot(account, AUDIT_FIELDS)
    if after != before:
        after["secret_changed"] = sorted(given)
        verb = "connected_account.create" if creating else "connected_account.update"
        audit_record(actor=actor, verb=verb, target=account, before=before, after=after)
    if given and not creating:
        # A stream stopped by a refused token may work again.
        Stream.objects.filter(credential=account, status=StreamStatus.STOPPED).update(
            status=StreamStatus.NEW, consecutive_failures=0, next_poll_at=timezone.now()
        )
    return account


def _check_new_secret(kind_name: str, given: dict) -> None:
    kind = get_kind(kind_name)
    missing = [name for name in kind.required_secrets if not given.get(name)]
    if missing:
        raise ValidationError(
            {
                "secret": _("A new %(kind)s account needs %(fields)s.")
                % {"kind": kind.label, "fields": ", ".join(missing)}
            }
        )
    if not given:
        raise ValidationError({"secret": _("Fill in the secret fields this kind needs.")})


@transaction.atomic
def connected_account_delete(*, actor, account: ConnectedAccount) -> None:
    """Remove an account no stream and no brand account's revocation uses; its secret goes."""
    require(actor, "connected_account.manage", account)
    if account.streams.exists() or account.revoked_accounts.exists():
        raise ValidationError(
            _("Streams or brand accounts still use this connected account; change them first.")
        )
    audit_record(
        actor=actor,
        verb="connected_account.delete",
        target=account,
        before=snapshot(account, AUDIT_FIELDS),
    )
    account.delete()
