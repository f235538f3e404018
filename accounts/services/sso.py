"""Single sign-on (OpenID Connect): the providers admins configure, the sign-in, and the
roles that follow the provider's groups (from the id_token and from SCIM `/Groups`).

Who a sign-in is, in this order (the first that finds someone decides):

1. the person already linked to this provider's `sub` (`SsoIdentity`, made at the first
   sign-in: later changes of e-mail at the provider do not matter);
2. the person the linked SCIM connection provisioned with `externalId` equal to `sub`
   (Okta and Keycloak use their user id for both);
3. the active person whose e-mail is the token's, case-insensitively, only when the
   provider says `email_verified: true` (and, when the provider lists e-mail domains, the
   address and Google's `hd` are among them).

Nobody is ever created: an unknown person is refused, and so is an inactive or departed
one, or a match already linked to another `sub` of the same provider. Each refusal is
audited (`auth.sso_refused`, with the reason) and changes nothing else.

Roles: a provider's `group_roles` maps group names to roles. The provider manages exactly
the roles its mapping names: at every sign-in (and every SCIM group change) a person gets
the mapped roles of their groups and loses the other mapped ones; roles the mapping does
not name stay as set in riskdesk. Administrator rights are never given nor taken by a
provider (as for SCIM /Users): the mapping cannot name the admin role, and people with
admin rights keep their roles whatever their groups say.
"""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts import oidc, selectors
from accounts.models import (
    EmploymentStatus,
    IdentityProvider,
    ScimGroup,
    ScimIdentity,
    ScimProvider,
    SsoIdentity,
    User,
)
from accounts.roles import Role
from connections.services import check_hosts
from riskdesk import outbound
from riskdesk.audit import audit_record, snapshot
from riskdesk.permissions import require

logger = logging.getLogger(__name__)

PROVIDER_FIELDS = [
    "name",
    "issuer",
    "client_id",
    "scopes",
    "groups_claim",
    "group_roles",
    "allowed_hosts",
    "email_domains",
    "scim_provider",
    "is_enabled",
    "password_sign_in",
]


class SsoRefused(Exception):
    """A sign-in that does not go through; `message` is for the person, `reason` the code
    the audit log keeps."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.message = message
        self.reason = reason


# --- Configuration --------------------------------------------------------------------------


def _provider_snapshot(provider: IdentityProvider) -> dict:
    return snapshot(provider, PROVIDER_FIELDS) | {"secret_set": bool(provider.secret_encrypted)}


def _clean_hosts(values, field: str) -> list[str]:
    return sorted(check_hosts(list(values or []), field))


def _clean_mapping(mapping) -> dict[str, str]:
    if not isinstance(mapping, dict):
        raise ValidationError({"group_roles": _("Give one group = role per line.")})
    cleaned = {}
    for group, role in mapping.items():
        group = str(group).strip()
        if not group:
            continue
        if role == Role.ADMIN:
            raise ValidationError(
                {
                    "group_roles": _(
                        "Administrators are named in riskdesk: a provider's group cannot give "
                        "the admin role."
                    )
                }
            )
        if role not in Role.values:
            raise ValidationError(
                {"group_roles": _("Unknown role: %(role)s") % {"role": str(role)[:50]}}
            )
        cleaned[group] = role
    return cleaned


def _clean(fields: dict, provider: IdentityProvider | None) -> dict:
    fields = dict(fields)
    if "issuer" in fields:
        issuer = str(fields["issuer"] or "").strip()
        try:
            outbound.ensure_public_address(issuer)
        except outbound.Refused as exc:
            raise ValidationError({"issuer": exc.message}) from exc
        fields["issuer"] = issuer
    if "allowed_hosts" in fields:
        fields["allowed_hosts"] = _clean_hosts(fields["allowed_hosts"], "allowed_hosts")
    if "email_domains" in fields:
        fields["email_domains"] = _clean_hosts(fields["email_domains"], "email_domains")
    if "group_roles" in fields:
        fields["group_roles"] = _clean_mapping(fields["group_roles"])
    if "name" in fields:
        fields["name"] = str(fields["name"]).strip()
        taken = IdentityProvider.objects.filter(name__iexact=fields["name"])
        if provider is not None:
            taken = taken.exclude(pk=provider.pk)
        if taken.exists():
            raise ValidationError({"name": _("A provider with this name already exists.")})
    return fields


def _unique_slug(name: str, exclude_pk=None) -> str:
    base = slugify(name)[:90] or "sso"
    slug, n = base, 2
    while IdentityProvider.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def sso_provider_create(*, actor, client_secret: str, **fields) -> IdentityProvider:
    require(actor, "sso.manage")
    unknown = set(fields) - set(PROVIDER_FIELDS)
    if unknown:
        raise ValueError(f"not provider fields: {sorted(unknown)}")
    if not client_secret:
        raise ValidationError({"client_secret": _("Give the client secret.")})
    fields = _clean(fields, None)
    provider = IdentityProvider(slug=_unique_slug(fields.get("name", "")), **fields)
    provider.secret = {"client_secret": client_secret}
    provider.save()
    audit_record(
        actor=actor, verb="sso.provider_create", target=provider, after=_provider_snapshot(provider)
    )
    return provider


@transaction.atomic
def sso_provider_update(
    *, actor, provider: IdentityProvider, client_secret: str = "", **changes
) -> IdentityProvider:
    """Change a provider; an empty `client_secret` keeps the stored one (it is write-only)."""
    require(actor, "sso.manage", provider)
    unknown = set(changes) - set(PROVIDER_FIELDS)
    if unknown:
        raise ValueError(f"not provider fields: {sorted(unknown)}")
    provider = IdentityProvider.objects.select_for_update().get(pk=provider.pk)
    before = _provider_snapshot(provider)
    changes = _clean(changes, provider)
    for field, value in changes.items():
        setattr(provider, field, value)
    if client_secret:
        provider.secret = {"client_secret": client_secret}
    provider.save()
    if before["is_enabled"] != provider.is_enabled:
        # An SSO session is verified through its identity: off, those sessions are not.
        provider.identities.update(confirmed=provider.is_enabled)
    after = _provider_snapshot(provider)
    if client_secret:
        after["secret_changed"] = True
    if after != before:
        audit_record(
            actor=actor, verb="sso.provider_update", target=provider, before=before, after=after
        )
    return provider


# --- Roles from groups ----------------------------------------------------------------------


def roles_for_groups(mappings: list[dict], groups) -> tuple[set[str], set[str]]:
    """(the roles the mappings manage, those `groups` give), group names compared caselessly."""
    managed, given = set(), set()
    names = {str(g).casefold() for g in groups}
    for mapping in mappings:
        for group, role in mapping.items():
            if role == Role.ADMIN or role not in Role.values:
                continue
            managed.add(role)
            if group.casefold() in names:
                given.add(role)
    return managed, given


def _apply_group_roles(*, user: User, mappings: list[dict], groups, source: str) -> User:
    """Give `user` the mapped roles of `groups`, take the other mapped roles; audited."""
    from accounts.services import _roles_snapshot, _set_roles

    if user.has_admin_rights:
        return user  # admins keep the roles riskdesk gave them
    managed, given = roles_for_groups(mappings, groups)
    if not managed:
        return user
    before = _roles_snapshot(user)
    wanted = (set(before) - managed) | given
    if wanted != set(before):
        _set_roles(user, sorted(wanted))
        audit_record(
            actor=None,
            verb="auth.roles_from_groups",
            target=user,
            before={"roles": before},
            after={"roles": _roles_snapshot(user), "source": source},
        )
    return user


@transaction.atomic
def scim_group_roles_sync(*, provider: ScimProvider, users) -> None:
    """After a SCIM group change: the roles of `users` from their groups of `provider`."""
    linked = IdentityProvider.objects.filter(scim_provider=provider)
    mappings = [p.group_roles for p in linked if p.group_roles]
    if not mappings:
        return
    for user in users:
        user = User.objects.select_for_update().get(pk=user.pk)
        groups = ScimGroup.objects.filter(provider=provider, members=user).values_list(
            "display_name", flat=True
        )
        _apply_group_roles(
            user=user, mappings=mappings, groups=list(groups), source=f"scim:{provider.name}"
        )


# --- Sign-in --------------------------------------------------------------------------------


def _hosts(provider: IdentityProvider) -> frozenset[str]:
    return oidc.allowed_hosts(provider.issuer, provider.allowed_hosts)


def sso_authorization(*, provider: IdentityProvider, redirect_uri: str) -> tuple[str, dict]:
    """Where to send the browser, and the flow to keep in its session until it comes back."""
    state, nonce, verifier = oidc.new_state(), oidc.new_state(), oidc.new_verifier()
    document = oidc.discovery(provider.issuer, _hosts(provider))
    url = oidc.authorize_url(
        document,
        client_id=provider.client_id,
        redirect_uri=redirect_uri,
        scopes=provider.scope_list,
        state=state,
        nonce=nonce,
        verifier=verifier,
    )
    return url, {"provider": provider.pk, "state": state, "nonce": nonce, "verifier": verifier}


def _truthy(value) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _match(provider: IdentityProvider, claims: dict) -> User:
    sub = str(claims["sub"])
    linked = SsoIdentity.objects.filter(provider=provider, subject=sub).select_related("user")
    identity = linked.first()
    if identity is not None:
        return identity.user
    if provider.scim_provider_id:
        scim = (
            ScimIdentity.objects.filter(provider_id=provider.scim_provider_id, external_id=sub)
            .select_related("user")
            .first()
        )
        if scim is not None:
            return scim.user
    email = str(claims.get("email") or "").strip().lower()
    if not email or not _truthy(claims.get("email_verified")):
        raise SsoRefused(
            _("Your provider did not give a verified e-mail address: ask an administrator."),
            "email_not_verified",
        )
    domains = provider.email_domains
    if domains:
        hosted = claims.get("hd")
        if email.rpartition("@")[2] not in domains or (hosted and hosted not in domains):
            raise SsoRefused(_("This account is not one of your organisation's."), "domain_refused")
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        raise SsoRefused(
            _("There is no riskdesk account for %(email)s: ask an administrator to add you.")
            % {"email": email},
            "unknown_person",
        )
    return user


@transaction.atomic
def sso_refusal_record(
    *, provider: IdentityProvider | None, reason: str, claims: dict | None = None, detail=""
) -> None:
    """Audit a refused single sign-on (`auth.sso_refused`): nothing else changes."""
    after = {"provider": provider.name if provider else "", "reason": reason}
    if claims:
        after |= {k: str(claims.get(k))[:200] for k in ("sub", "email") if claims.get(k)}
    if detail:
        after["detail"] = detail[:300]
    audit_record(actor=None, verb="auth.sso_refused", target=provider, after=after)


def sso_sign_in_complete(
    *, provider: IdentityProvider, code: str, flow: dict, redirect_uri: str
) -> SsoIdentity:
    """Exchange the code, verify the id_token, find the person, sync their roles.

    Returns the person's identity (its `user` signs in; the view records it as the
    session's verified device). Raises SsoRefused, audited, when anything fails.
    """
    claims = None
    try:
        if not provider.is_enabled:
            raise SsoRefused(_("Single sign-on with this provider is turned off."), "disabled")
        hosts = _hosts(provider)
        try:
            document = oidc.discovery(provider.issuer, hosts)
            answer = oidc.exchange_code(
                document,
                hosts,
                code=code,
                redirect_uri=redirect_uri,
                verifier=flow["verifier"],
                client_id=provider.client_id,
                client_secret=provider.client_secret,
            )
            claims = oidc.verify_id_token(
                document,
                hosts,
                id_token=answer["id_token"],
                issuer=provider.issuer,
                client_id=provider.client_id,
                nonce=flow["nonce"],
            )
        except oidc.OidcError as exc:
            logger.warning("sso sign-in with %s refused: %s", provider.name, exc.message)
            raise SsoRefused(
                _("%(provider)s's answer could not be verified: nobody was signed in.")
                % {"provider": provider.name},
                exc.reason,
            ) from exc
        return _sign_in(provider, claims)
    except SsoRefused as exc:
        sso_refusal_record(
            provider=provider, reason=exc.reason, claims=claims, detail=str(exc.__cause__ or "")
        )
        raise


@transaction.atomic
def _sign_in(provider: IdentityProvider, claims: dict) -> SsoIdentity:
    user = _match(provider, claims)
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active or user.employment_status != EmploymentStatus.ACTIVE:
        raise SsoRefused(_("Your riskdesk account is closed."), "inactive")
    sub = str(claims["sub"])
    identity = SsoIdentity.objects.filter(provider=provider, user=user).first()
    if identity is not None and identity.subject != sub:
        raise SsoRefused(
            _("Your riskdesk account is linked to another account at %(provider)s.")
            % {"provider": provider.name},
            "linked_elsewhere",
        )
    if identity is None:
        identity = SsoIdentity.objects.create(
            provider=provider, user=user, subject=sub, name=provider.name[:64], confirmed=True
        )
        audit_record(
            actor=None,
            verb="sso.identity_link",
            target=user,
            after={"provider": provider.name, "subject": sub},
        )
    identity.last_sign_in_at = timezone.now()
    identity.confirmed = True
    identity.save(update_fields=["last_sign_in_at", "confirmed"])
    groups = claims.get(provider.groups_claim) or []
    if isinstance(groups, str):
        groups = [groups]
    if provider.group_roles:
        _apply_group_roles(
            user=user,
            mappings=[provider.group_roles],
            groups=[g for g in groups if isinstance(g, str)],
            source=f"sso:{provider.name}",
        )
    audit_record(
        actor=user,
        verb="auth.sso_sign_in",
        target=user,
        after={"provider": provider.name, "subject": sub},
    )
    return identity


def password_sign_in_permitted(user: User) -> bool:
    """Whether `user` may sign in with a password now. Break-glass: people with admin rights
    (superusers and riskdesk admins) always may, so a provider outage or a wrong setting
    never locks the organisation out."""
    return user.has_admin_rights or selectors.password_sign_in_allowed()
