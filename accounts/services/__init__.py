"""Business operations on people, teams and roles.

Each function checks the actor's permission, makes the change and records it
in the audit log, all in one transaction.
"""

import hashlib
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import (
    ApiToken,
    EmploymentStatus,
    ScimIdentity,
    ScimProvider,
    Team,
    TeamMembership,
    User,
)
from accounts.roles import ROLE_PERMISSIONS, Role
from accounts.selectors import has_confirmed_totp
from riskdesk.audit import audit_record, snapshot
from riskdesk.permissions import require

logger = logging.getLogger(__name__)

USER_AUDIT_FIELDS = [
    "email",
    "display_name",
    "employment_status",
    "departed_at",
    "manager",
    "is_active",
]
PROFILE_FIELDS = {"display_name"}
EMPLOYMENT_FIELDS = {"employment_status", "departed_at"}
USER_FIELDS = {"email", "manager", "is_active"} | PROFILE_FIELDS | EMPLOYMENT_FIELDS
TEAM_AUDIT_FIELDS = ["name", "slug", "kind", "description", "email"]


# --- Roles ------------------------------------------------------------------


def roles_sync() -> None:
    """Make each role group carry exactly the permissions in ROLE_PERMISSIONS."""
    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)


def roles_sync_after_migrate(sender, app_config=None, **kwargs) -> None:
    # post_migrate fires once per app that has models; the last such app is enough and every
    # permission exists then. (Apps without a models module never receive it.)
    from django.apps import apps

    with_models = [c for c in apps.get_app_configs() if c.models_module is not None]
    if app_config is not None and app_config.label == with_models[-1].label:
        roles_sync()


def _roles_snapshot(user: User) -> list[str]:
    return sorted(user.groups.filter(name__in=Role.values).values_list("name", flat=True))


def _set_roles(user: User, roles) -> None:
    unknown = set(roles) - set(Role.values)
    if unknown:
        raise ValidationError({"roles": _("Unknown role: %s") % ", ".join(sorted(unknown))})
    keep = user.groups.exclude(name__in=Role.values)
    user.groups.set(list(keep) + list(Group.objects.filter(name__in=roles)))
    user.__dict__.pop("_roles_cache", None)


# --- People -----------------------------------------------------------------


def _full_snapshot(user: User) -> dict:
    return snapshot(user, USER_AUDIT_FIELDS) | {"roles": _roles_snapshot(user)}


@transaction.atomic
def user_create(
    *,
    actor,
    email: str,
    display_name: str,
    roles=(),
    manager: User | None = None,
    password: str | None = None,
    send_invitation: bool = True,
) -> User:
    """Create a person. Without a password, they get an e-mail to choose one."""
    require(actor, "user.create")
    if roles:
        require(actor, "user.manage_roles")
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("Someone already uses this e-mail address.")})
    user = User.objects.create_user(
        email, password=password, display_name=display_name, manager=manager
    )
    _set_roles(user, roles)
    audit_record(actor=actor, verb="user.create", target=user, after=_full_snapshot(user))
    if send_invitation and password is None:
        transaction.on_commit(lambda: _send_invitation(user))
    return user


def _send_invitation(user: User) -> None:
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    body = render_to_string(
        "registration/invitation_email.txt",
        {"user": user, "url": settings.RISKDESK_BASE_URL + path},
    )
    send_mail(_("Your riskdesk account"), body, None, [user.email])


@transaction.atomic
def user_update(*, actor, user: User, roles=None, **changes) -> User:
    """Change a person's fields and, when `roles` is given, their roles.

    Each kind of field needs its own permission: a person edits their own
    profile, HR records departures, admins change everything.
    """
    unknown = set(changes) - USER_FIELDS
    if unknown:
        raise ValueError(f"not user fields: {sorted(unknown)}")
    if set(changes) - PROFILE_FIELDS - EMPLOYMENT_FIELDS:
        require(actor, "user.change", user)
    if set(changes) & PROFILE_FIELDS:
        require(actor, "user.change_profile", user)
    if set(changes) & EMPLOYMENT_FIELDS:
        require(actor, "user.change_employment", user)
    if roles is not None:
        require(actor, "user.manage_roles", user)

    user = User.objects.select_for_update().get(pk=user.pk)
    before = _full_snapshot(user)
    if "email" in changes:
        changes["email"] = User.objects.normalize_email(changes["email"]).lower()
        if User.objects.filter(email__iexact=changes["email"]).exclude(pk=user.pk).exists():
            raise ValidationError({"email": _("Someone already uses this e-mail address.")})
    if changes.get("manager") is not None and changes["manager"].pk == user.pk:
        raise ValidationError({"manager": _("A person cannot be their own manager.")})
    for field, value in changes.items():
        setattr(user, field, value)

    departing = (
        user.employment_status == EmploymentStatus.DEPARTED
        and before["employment_status"] != EmploymentStatus.DEPARTED
    )
    if user.employment_status == EmploymentStatus.ACTIVE:
        user.departed_at = None
    elif user.departed_at is None:
        user.departed_at = timezone.now()
    if departing:
        user.is_active = False
    user.save()
    if roles is not None:
        _set_roles(user, roles)
    if not user.is_active:
        _end_access(user)
    after = _full_snapshot(user)
    if after != before:
        audit_record(actor=actor, verb="user.update", target=user, before=before, after=after)
    return user


def _end_access(user: User) -> None:
    """Revoke the API tokens of a person who may no longer sign in.

    Their browser sessions die with `is_active=False`: Django's auth backend
    refuses an inactive user on every request.
    """
    api_tokens_revoke_all(user=user, reason="access_ended")


# --- Teams ------------------------------------------------------------------


def _unique_slug(name: str, exclude_pk=None) -> str:
    base = slugify(name)[:90] or "team"
    slug, n = base, 2
    while Team.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _team_snapshot(team: Team) -> dict:
    members = list(team.memberships.order_by("user_id").values_list("user_id", "is_lead"))
    return snapshot(team, TEAM_AUDIT_FIELDS) | {
        "members": [m for m, _lead in members],
        "leads": [m for m, lead in members if lead],
    }


@transaction.atomic
def team_create(*, actor, name: str, kind: str, description: str = "", email: str = "") -> Team:
    require(actor, "team.create")
    if Team.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": _("A team with this name already exists.")})
    team = Team.objects.create(
        name=name, slug=_unique_slug(name), kind=kind, description=description, email=email
    )
    audit_record(actor=actor, verb="team.create", target=team, after=_team_snapshot(team))
    return team


@transaction.atomic
def team_update(*, actor, team: Team, **changes) -> Team:
    require(actor, "team.change", team)
    unknown = set(changes) - {"name", "kind", "description", "email"}
    if unknown:
        raise ValueError(f"not team fields: {sorted(unknown)}")
    team = Team.objects.select_for_update().get(pk=team.pk)
    before = _team_snapshot(team)
    name_taken = Team.objects.filter(name__iexact=changes.get("name")).exclude(pk=team.pk)
    if "name" in changes and name_taken.exists():
        raise ValidationError({"name": _("A team with this name already exists.")})
    for field, value in changes.items():
        setattr(team, field, value)
    team.save()
    after = _team_snapshot(team)
    if after != before:
        audit_record(actor=actor, verb="team.update", target=team, before=before, after=after)
    return team


@transaction.atomic
def team_set_members(*, actor, team: Team, members, leads=()) -> Team:
    """Make the team's members exactly `members`, with `leads` among them as leads."""
    require(actor, "team.change", team)
    team = Team.objects.select_for_update().get(pk=team.pk)
    before = _team_snapshot(team)
    member_ids = {u.pk for u in members}
    lead_ids = {u.pk for u in leads}
    if not lead_ids <= member_ids:
        raise ValidationError({"leads": _("A team lead must be a member of the team.")})
    team.memberships.exclude(user_id__in=member_ids).delete()
    existing = {m.user_id: m for m in team.memberships.all()}
    for user_id in member_ids:
        membership = existing.get(user_id) or TeamMembership(team=team, user_id=user_id)
        membership.is_lead = user_id in lead_ids
        membership.save()
    after = _team_snapshot(team)
    if after != before:
        audit_record(actor=actor, verb="team.members", target=team, before=before, after=after)
    return team


@transaction.atomic
def team_delete(*, actor, team: Team) -> None:
    require(actor, "team.delete", team)
    audit_record(actor=actor, verb="team.delete", target=team, before=_team_snapshot(team))
    team.delete()


# --- Sign-in ----------------------------------------------------------------


API_TOKEN_PREFIX = "rdk_"  # noqa: S105 (a prefix, not a secret)
API_TOKEN_AUDIT_FIELDS = ["name", "prefix", "created_at", "expires_at", "revoked_at"]


def token_digest(key: str) -> str:
    """What is stored of a bearer token (API tokens, SCIM providers): its SHA-256."""
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, actor, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new API token for `user` and its key, which is shown once and never stored.

    The token endpoint calls this once it has checked the credentials (and the code).
    """
    require(actor, "user.create_api_token", user)
    key = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        name=(name or "").strip()[:100],
        prefix=key[:12],
        digest=token_digest(key),
        created_at=now,
        expires_at=now + timedelta(days=settings.RISKDESK_API_TOKEN_DAYS),
    )
    audit_record(
        actor=actor,
        verb="auth.token_create",
        target=user,
        after=snapshot(token, API_TOKEN_AUDIT_FIELDS) | {"token": token.pk},
    )
    return token, key


def api_token_authenticate(*, key: str) -> User | None:
    """The active owner of the usable token `key`, or None. Notes when it was last used."""
    if not isinstance(key, str) or not 0 < len(key) <= 100:
        return None
    token = (
        ApiToken.objects.usable().select_related("user").filter(digest=token_digest(key)).first()
    )
    if token is None or not token.user.is_active:
        return None
    user = token.user
    if user.must_use_two_factor and not has_confirmed_totp(user):
        # Made on a password alone before the person's role required a second factor.
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return user


@transaction.atomic
def api_token_revoke(*, actor, token: ApiToken) -> ApiToken:
    """Revoke one token: its owner or an admin may."""
    require(actor, "user.revoke_api_token", token.user)
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        before = snapshot(token, API_TOKEN_AUDIT_FIELDS)
        token.revoked_at, token.revoked_by = timezone.now(), actor
        token.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(
            actor=actor,
            verb="auth.token_revoke",
            target=token.user,
            before=before,
            after=snapshot(token, API_TOKEN_AUDIT_FIELDS) | {"token": token.pk},
        )
    return token


@transaction.atomic
def api_tokens_revoke_all(*, user: User, reason: str, actor=None) -> int:
    """Revoke every live token of `user` (new second factor, new password, access ended)."""
    live = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    prefixes = list(live.values_list("prefix", flat=True))
    if not prefixes:
        return 0
    live.update(revoked_at=timezone.now(), revoked_by=actor)
    audit_record(
        actor=actor,
        verb="auth.token_revoke_all",
        target=user,
        after={"reason": reason, "tokens": sorted(prefixes)},
    )
    return len(prefixes)


@transaction.atomic
def totp_device_create(*, actor, user: User) -> TOTPDevice:
    """A fresh, unconfirmed authenticator for `user`, replacing any unconfirmed one."""
    require(actor, "user.manage_two_factor", user)
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)


@transaction.atomic
def totp_device_confirm(*, actor, device: TOTPDevice, token: str) -> bool:
    """Confirm the device if `token` is its current code. Returns whether it matched."""
    require(actor, "user.manage_two_factor", device.user)
    if not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_record(actor=actor, verb="auth.two_factor_enable", target=device.user)
    # Tokens handed out on a password alone must not outlive the new second factor.
    api_tokens_revoke_all(user=device.user, reason="two_factor_enable", actor=actor)
    return True


@transaction.atomic
def totp_devices_remove(*, actor, user: User) -> None:
    require(actor, "user.manage_two_factor", user)
    if user.must_use_two_factor:
        raise ValidationError(_("Your role requires two-factor authentication."))
    deleted, _detail = TOTPDevice.objects.filter(user=user).delete()
    if deleted:
        audit_record(actor=actor, verb="auth.two_factor_disable", target=user)


SCIM_TOKEN_PREFIX = "rdscim_"  # noqa: S105 (a prefix, not a secret)


# --- SCIM providers and the people they manage ----------------------------------------


def _new_scim_token() -> str:
    return SCIM_TOKEN_PREFIX + secrets.token_urlsafe(32)


@transaction.atomic
def scim_provider_create(*, actor, name: str) -> tuple[ScimProvider, str]:
    """A new identity provider and its bearer token (shown once, never stored)."""
    require(actor, "scim.manage")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the provider a name.")})
    if ScimProvider.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": _("A provider with this name already exists.")})
    token = _new_scim_token()
    provider = ScimProvider.objects.create(
        name=name, token_digest=token_digest(token), token_hint=token[:12], created_by=actor
    )
    audit_record(actor=actor, verb="scim.provider_create", target=provider, after={"name": name})
    return provider, token


@transaction.atomic
def scim_provider_rotate(*, actor, provider: ScimProvider) -> str:
    require(actor, "scim.manage", provider)
    provider = ScimProvider.objects.select_for_update(of=("self",)).get(pk=provider.pk)
    token = _new_scim_token()
    provider.token_digest, provider.token_hint = token_digest(token), token[:12]
    provider.save(update_fields=["token_digest", "token_hint"])
    audit_record(actor=actor, verb="scim.provider_rotate", target=provider)
    return token


@transaction.atomic
def scim_provider_set_active(*, actor, provider: ScimProvider, is_active: bool) -> ScimProvider:
    require(actor, "scim.manage", provider)
    provider = ScimProvider.objects.select_for_update(of=("self",)).get(pk=provider.pk)
    if provider.is_active != is_active:
        provider.is_active = is_active
        provider.save(update_fields=["is_active"])
        audit_record(
            actor=actor,
            verb="scim.provider_update",
            target=provider,
            before={"is_active": not is_active},
            after={"is_active": is_active},
        )
    return provider


@transaction.atomic
def scim_identity_link(*, actor, provider: ScimProvider, user: User, external_id: str = ""):
    """Let `provider` manage a person who was in riskdesk before it (never an admin)."""
    require(actor, "scim.manage", provider)
    if user.has_admin_rights:
        raise ValidationError(_("People with admin rights cannot be managed over SCIM."))
    identity, created = ScimIdentity.objects.get_or_create(
        provider=provider, user=user, defaults={"external_id": external_id}
    )
    if created:
        audit_record(
            actor=actor,
            verb="scim.identity_link",
            target=user,
            after={"provider": provider.name, "external_id": external_id},
        )
    return identity


from accounts.services.sso import (  # noqa: E402, F401 (re-exported)
    SsoRefused,
    password_sign_in_permitted,
    scim_group_roles_sync,
    sso_authorization,
    sso_provider_create,
    sso_provider_update,
    sso_refusal_record,
    sso_sign_in_complete,
)
