"""The brand's own social accounts: what impersonation detection compares authors against.

Services check the permission, validate and write the audit event in their transaction.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Team
from offboarding.models import AccessMethod, BrandAccount
from offboarding.revocation import REVOKER_PATHS
from riskdesk.audit import audit_record, snapshot
from riskdesk.networks import Platform
from riskdesk.permissions import require

# How people get into the account: offboarding and the access review read these.
ACCESS_FIELDS = [
    "access_method",
    "credential_location",
    "mfa_enabled",
    "credential_rotated_at",
    "recovery_email",
    "recovery_phone_owner",
    "revocation_connection",
]
BRAND_ACCOUNT_FIELDS = [
    "platform",
    "handle",
    "display_name",
    "platform_id",
    "url",
    "team",
    "is_active",
    *ACCESS_FIELDS,
]
BLANK_TEXT = {"access_method", "credential_location", "recovery_email"}


def _clean(account: BrandAccount) -> None:
    account.handle = (account.handle or "").strip().lstrip("@").strip()
    account.display_name = (account.display_name or "").strip()
    account.platform_id = (account.platform_id or "").strip()
    errors = {}
    if account.platform not in Platform.values:
        errors["platform"] = _("Unknown network.")
    if not account.handle:
        errors["handle"] = _("Give the account's handle.")
    elif any(ch.isspace() for ch in account.handle):
        errors["handle"] = _("A handle has no spaces.")
    elif (
        BrandAccount.objects.filter(platform=account.platform, handle__iexact=account.handle)
        .exclude(pk=account.pk)
        .exists()
    ):
        errors["handle"] = _("This network already has a brand account with this handle.")
    if account.access_method and account.access_method not in AccessMethod.values:
        errors["access_method"] = _("Unknown way of access.")
    if account.credential_rotated_at and account.credential_rotated_at > timezone.now():
        errors["credential_rotated_at"] = _("A rotation cannot be in the future.")
    connection = account.revocation_connection
    if connection is not None and connection.kind not in REVOKER_PATHS:
        errors["revocation_connection"] = _(
            "%(account)s cannot revoke access: choose a Meta Business Manager connection."
        ) % {"account": connection}
    elif connection is not None and account.platform not in ("facebook", "instagram"):
        errors["revocation_connection"] = _(
            "A Meta Business connection only revokes access to Facebook and Instagram accounts."
        )
    if errors:
        raise ValidationError(errors)
    account.full_clean(
        exclude=["team", "recovery_phone_owner", "revocation_connection"],
        validate_constraints=False,
    )


@transaction.atomic
def brand_account_create(
    *,
    actor,
    platform: str,
    handle: str,
    display_name: str = "",
    platform_id: str = "",
    url: str = "",
    team: Team | None = None,
    is_active: bool = True,
    **access,
) -> BrandAccount:
    require(actor, "brand_account.manage")
    unknown = set(access) - set(ACCESS_FIELDS)
    if unknown:
        raise ValueError(f"not brand account fields: {sorted(unknown)}")
    account = BrandAccount(
        platform=platform,
        handle=handle,
        display_name=display_name,
        platform_id=platform_id,
        url=url,
        team=team,
        is_active=is_active,
        **{k: ("" if v is None and k in BLANK_TEXT else v) for k, v in access.items()},
    )
    _clean(account)
    account.save()
    after = snapshot(account, BRAND_ACCOUNT_FIELDS)
    audit_record(actor=actor, verb="brand_account.create", target=account, after=after)
    return account


@transaction.atomic
def brand_account_update(*, actor, account: BrandAccount, **changes) -> BrandAccount:
    """Change an account; `is_active=False` deactivates it (detection then ignores it)."""
    require(actor, "brand_account.manage", account)
    unknown = set(changes) - set(BRAND_ACCOUNT_FIELDS)
    if unknown:
        raise ValueError(f"not brand account fields: {sorted(unknown)}")
    account = BrandAccount.objects.select_for_update().get(pk=account.pk)
    before = snapshot(account, BRAND_ACCOUNT_FIELDS)
    for name, value in changes.items():
        setattr(account, name, "" if value is None and name in BLANK_TEXT else value)
    _clean(account)
    after = snapshot(account, BRAND_ACCOUNT_FIELDS)
    if after != before:
        account.save()
        audit_record(
            actor=actor, verb="brand_account.update", target=account, before=before, after=after
        )
        if (after["platform"], after["handle"]) != (before["platform"], before["handle"]):
            # Imported here: compliance builds on offboarding, not the other way round.
            from compliance.services import sponsored_posts_account_renamed

            sponsored_posts_account_renamed(actor=actor, account=account)
    return account
