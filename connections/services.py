"""Connecting, changing and removing the accounts riskdesk signs in to networks with.

One service saves every kind (a connector's token, a revoker's admin token): it checks
`connected_account.manage`, validates, encrypts the secret and writes the audit event in
one transaction. The audit trail names the secret fields that changed, never their values.
"""

import re
from datetime import timedelta
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from connections import oauth
from connections.kinds import get_kind
from connections.models import ConnectedAccount, ConnectionMethod
from monitoring.models import Stream, StreamStatus
from riskdesk import outbound
from riskdesk.audit import audit_record, snapshot
from riskdesk.jobs import enqueue_on_commit
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


def check_hosts(hosts, field: str = "allowed_hosts") -> list[str]:
    """Host names only (no scheme, port or path), lower-cased, each once; errors on `field`."""
    if hosts is None:
        return []
    if not isinstance(hosts, list | tuple) or len(hosts) > MAX_ALLOWED_HOSTS:
        raise ValidationError({field: _("Give at most %d host names.") % MAX_ALLOWED_HOSTS})
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
            raise ValidationError({field: _("%(host)s is not a host name.") % {"host": host}})
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


def _check_secret(kind: str, secret, extra=()) -> dict:
    """The secret fields given a value, by name; a field the kind does not read is refused
    (but for `extra`: what a sign-in keeps to refresh its token)."""
    if not isinstance(secret, dict):
        raise ValidationError({"secret": _("Give the secret as named fields.")})
    known = get_kind(kind)
    unknown = set(secret) - set(known.secret_fields if known else ()) - set(extra)
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
    *,
    actor,
    account: ConnectedAccount | None = None,
    secrets: dict | None = None,
    _sign_in_fields=(),
    **fields,
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
    given = _check_secret(account.kind, secrets or {}, _sign_in_fields)
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
    try:
        account.delete()
    except ProtectedError as error:  # the audit event goes with the rest of the transaction
        raise ValidationError(
            _(
                "Posts published or scheduled as this connected account keep it as their "
                "record; it cannot be deleted."
            )
        ) from error


# --- Connecting by the network's own sign-in, and keeping its token fresh ------------------

# Secret fields a sign-in keeps besides those its kind's classes read: to refresh the token.
SIGN_IN_FIELDS = (
    "access_token",
    "refresh_token",
    "client_id",
    "client_secret",
    "user_access_token",
    "page_id",
)
REFRESH_AHEAD = timedelta(minutes=15)


def _sign_in_hosts(network: oauth.Network, base_url: str, allowed_hosts) -> set[str]:
    return network.own_hosts(base_url) | set(check_hosts(allowed_hosts))


def oauth_register(*, actor, kind: str, base_url: str, allowed_hosts, redirect_uri: str) -> dict:
    """What the authorize step needs from the app's side: for Mastodon, registers riskdesk
    on the instance (its client id and secret, kept until the account is saved)."""
    require(actor, "connected_account.manage")
    network = oauth.network_for(kind)
    if network is None:
        raise ValidationError({"kind": _("This kind has no sign-in: paste its token instead.")})
    if network.name != "mastodon":
        if not oauth.configured(network):
            raise ValidationError(
                _("riskdesk has no %(network)s app configured (RISKDESK_OAUTH).")
                % {"network": network.label}
            )
        return {}
    if not base_url:
        raise ValidationError({"base_url": _("Give the instance's address.")})
    hosts = _sign_in_hosts(network, base_url, allowed_hosts)
    try:
        return oauth.register_mastodon_app(base_url, redirect_uri, hosts)
    except oauth.OAuthError as exc:
        raise ValidationError(
            _("The instance refused to register riskdesk: %(error)s") % {"error": exc.message}
        ) from exc


def connected_account_connect_oauth(
    *, actor, kind: str, code: str, verifier: str, redirect_uri: str, app: dict, fields: dict
) -> ConnectedAccount:
    """Exchange the authorization code for tokens and save the account (method oauth).

    `fields` are what the start form gave (name, brand account, base_url, allowed_hosts,
    acting people and teams); `app` the Mastodon registration. Raises OAuthError when the
    network refuses, ValidationError when what it gave cannot be saved; nothing is saved then.
    """
    require(actor, "connected_account.manage")
    network = oauth.network_for(kind)
    base_url = fields.get("base_url", "")
    hosts = _sign_in_hosts(network, base_url, fields.get("allowed_hosts"))
    tokens = oauth.exchange_code(
        network,
        code=code,
        redirect_uri=redirect_uri,
        verifier=verifier,
        hosts=hosts,
        secret=app,
        base_url=base_url,
    )
    secret = {"access_token": tokens["access_token"], "refresh_token": tokens["refresh_token"]}
    if network.name in ("mastodon", "reddit"):
        # Reddit's publisher refreshes with the app's credentials, read from the secret.
        client_id, client_secret = oauth.app_credentials(network, app)
        secret |= {"client_id": client_id, "client_secret": client_secret}
    if network.name == "meta":
        secret = _meta_page_secret(kind, tokens["access_token"], fields.get("brand_account"), hosts)
    own = urlsplit(base_url).hostname if base_url else None
    hosts_kept = [*(fields.get("allowed_hosts") or []), *filter(None, [own])]
    return connected_account_save(
        actor=actor,
        secrets=secret,
        _sign_in_fields=SIGN_IN_FIELDS,
        kind=kind,
        method=ConnectionMethod.OAUTH,
        scopes=tokens["scopes"],
        expires_at=tokens["expires_at"],
        **(fields | {"allowed_hosts": hosts_kept}),
    )


def _meta_page_secret(kind: str, user_token: str, brand, hosts: set[str]) -> dict:
    """The chosen Page's token: the brand account's Page (by id or name), or the only one."""
    pages = oauth.meta_pages(user_token, hosts)
    if kind == "instagram":
        pages = [page for page in pages if isinstance(page.get("instagram_business_account"), dict)]
    wanted = {str(brand.platform_id or ""), brand.handle.lstrip("@").lower()} if brand else set()
    wanted.discard("")
    chosen = [
        page
        for page in pages
        if str(page.get("id")) in wanted
        or str(page.get("name", "")).lower() in wanted
        or str((page.get("instagram_business_account") or {}).get("id", "")) in wanted
        or str((page.get("instagram_business_account") or {}).get("username", "")).lower() in wanted
    ]
    if not chosen and len(pages) == 1:
        chosen = pages
    if len(chosen) != 1:
        names = ", ".join(str(page.get("name") or page.get("id")) for page in pages) or "none"
        raise oauth.OAuthError(
            _(
                "Choose the Page: set the brand account's platform id to one of the Pages "
                "this sign-in manages (%(pages)s), then connect again."
            )
            % {"pages": names}
        )
    page = chosen[0]
    secret = {
        "access_token": str(page["access_token"]),
        "page_id": str(page.get("id", "")),
        "user_access_token": user_token,
    }
    instagram = page.get("instagram_business_account")
    if kind == "instagram" and isinstance(instagram, dict):
        secret |= {
            "ig_user_id": str(instagram.get("id", "")),
            "username": str(instagram.get("username", "")),
        }
    return secret


def connected_account_connect_app_password(
    *, actor, identifier: str, app_password: str, fields: dict
) -> ConnectedAccount:
    """Bluesky: sign in once with the app password (createSession on the PDS) and save it
    only if the PDS accepts it."""
    require(actor, "connected_account.manage")
    from monitoring.connectors.bluesky import BlueskyConnector

    base_url = fields.get("base_url") or BlueskyConnector.default_base_url
    own = urlsplit(base_url).hostname or ""
    hosts = (
        set(BlueskyConnector.api_hosts)
        | {own.lower()}
        | set(check_hosts(fields.get("allowed_hosts")))
    )
    try:
        oauth.bluesky_session(base_url, identifier, app_password, hosts)
    except oauth.OAuthError as exc:
        raise ValidationError(
            {"app_password": _("Bluesky refused the sign-in: %(error)s") % {"error": exc.message}}
        ) from exc
    return connected_account_save(
        actor=actor,
        secrets={"identifier": identifier, "app_password": app_password},
        kind="bluesky",
        method=ConnectionMethod.APP_PASSWORD,
        **fields,
    )


def connected_account_refresh(account: ConnectedAccount, *, actor=None) -> ConnectedAccount:
    """Get a fresh token before this one expires (Meta: re-exchange the long-lived token).

    `actor` None is the beat sweep. A failure is kept in last_error and audited, not raised:
    the list page shows it.
    """
    if actor is not None:
        require(actor, "connected_account.manage", account)
    network = oauth.network_for(account.kind)
    if network is None or account.method != ConnectionMethod.OAUTH or not network.expires:
        raise ValidationError(_("This account's token does not expire: nothing to refresh."))
    secret = account.secret
    hosts = network.own_hosts(account.base_url) | set(account.allowed_hosts)
    try:
        if network.name == "meta":
            tokens = oauth.exchange_long_lived(secret.get("user_access_token", ""), hosts)
            new = {"user_access_token": tokens["access_token"]}
        else:
            if not secret.get("refresh_token"):
                raise oauth.OAuthError(_("No refresh token: connect the account again."))
            tokens = oauth.refresh(
                network,
                refresh_token=secret["refresh_token"],
                hosts=hosts,
                secret=secret,
                base_url=account.base_url,
            )
            new = {"access_token": tokens["access_token"], "refresh_token": tokens["refresh_token"]}
    except oauth.OAuthError as exc:
        return _refresh_failed(account, actor, exc.message)
    return _refreshed(account, actor, new, tokens["expires_at"])


@transaction.atomic
def _refreshed(account, actor, new: dict, expires_at) -> ConnectedAccount:
    account = ConnectedAccount.objects.select_for_update(of=("self",)).get(pk=account.pk)
    before = snapshot(account, ["expires_at", "refreshed_at", "last_error"])
    now = timezone.now()
    account.secret = account.secret | {k: v for k, v in new.items() if v}
    account.expires_at, account.refreshed_at, account.rotated_at = expires_at, now, now
    account.last_error, account.last_error_at = "", None
    account.save()
    after = snapshot(account, ["expires_at", "refreshed_at", "last_error"])
    after["secret_changed"] = sorted(k for k, v in new.items() if v)
    audit_record(
        actor=actor, verb="connected_account.refresh", target=account, before=before, after=after
    )
    return account


@transaction.atomic
def _refresh_failed(account, actor, message: str) -> ConnectedAccount:
    account = ConnectedAccount.objects.select_for_update(of=("self",)).get(pk=account.pk)
    account.last_error, account.last_error_at = message[:1000], timezone.now()
    account.save(update_fields=["last_error", "last_error_at"])
    audit_record(
        actor=actor,
        verb="connected_account.refresh_failed",
        target=account,
        after={"error": account.last_error},
    )
    return account


def connected_accounts_refresh_due() -> list[int]:
    """Queue a refresh of every signed-in account whose token expires within 15 minutes."""
    soon = timezone.now() + REFRESH_AHEAD
    kinds = [
        kind for network in oauth.NETWORKS.values() if network.expires for kind in network.kinds
    ]
    due = list(
        ConnectedAccount.objects.filter(
            method=ConnectionMethod.OAUTH, kind__in=kinds, expires_at__lte=soon
        ).values_list("pk", flat=True)
    )
    enqueue_on_commit("connections.tasks.refresh_connected_account", *[(pk,) for pk in due])
    return due
