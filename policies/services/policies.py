"""Business operations on policies: create, update, hand over to a new owner.

Each function checks the actor's permission, makes the change and records it in
the audit log, in one transaction.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from policies.models import Policy, PolicyKind
from riskdesk.audit import audit_record, snapshot
from riskdesk.permissions import require

POLICY_FIELDS = [
    "title",
    "kind",
    "description",
    "owner",
    "audience_everyone",
    "audience_teams",
    "audience_roles",
    "review_interval_months",
    "next_review_on",
]


def _policy_snapshot(policy: Policy) -> dict:
    return snapshot(policy, [*POLICY_FIELDS, "review_status"])


def _unique_slug(title: str, exclude_pk=None) -> str:
    base = slugify(title)[:180] or "policy"
    slug, n = base, 2
    while Policy.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _validate_audience(target, teams) -> dict:
    errors = {}
    roles = list(target.audience_roles or [])
    unknown = sorted(set(roles) - set(Role.values))
    if unknown:
        errors["audience_roles"] = _("Unknown role: %s") % ", ".join(unknown)
    target.audience_roles = sorted(set(roles))
    if not (target.audience_everyone or teams or target.audience_roles):
        errors["audience_everyone"] = _("Choose who it is for: everyone, some teams or some roles.")
    return errors


def _validate_policy(policy: Policy, teams) -> None:
    policy.title = (policy.title or "").strip()
    errors = _validate_audience(policy, teams)
    if not policy.title:
        errors["title"] = _("Give the policy a title.")
    elif Policy.objects.filter(title__iexact=policy.title).exclude(pk=policy.pk).exists():
        errors["title"] = _("A policy with this title already exists.")
    if policy.kind not in PolicyKind.values:
        errors["kind"] = _("Choose a kind of policy.")
    if policy.owner_id is None or not policy.owner.is_active:
        errors["owner"] = _("Choose an active person as the owner.")
    if not isinstance(policy.review_interval_months, int) or not (
        1 <= policy.review_interval_months <= 36
    ):
        errors["review_interval_months"] = _("Choose an interval from 1 to 36 months.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def policy_create(
    *,
    actor,
    title: str,
    kind: str,
    owner: User,
    description: str = "",
    audience_everyone: bool = False,
    audience_teams=(),
    audience_roles=(),
    review_interval_months: int = 6,
    next_review_on=None,
) -> Policy:
    require(actor, "policy.manage")
    teams = list(audience_teams)
    policy = Policy(
        title=title,
        kind=kind,
        owner=owner,
        description=description,
        audience_everyone=audience_everyone,
        audience_roles=list(audience_roles),
        review_interval_months=review_interval_months,
        next_review_on=next_review_on,
    )
    _validate_policy(policy, teams)
    policy.slug = _unique_slug(policy.title)
    policy.save()
    policy.audience_teams.set(teams)
    audit_record(actor=actor, verb="policy.create", target=policy, after=_policy_snapshot(policy))
    return policy


@transaction.atomic
def policy_update(*, actor, policy: Policy, **changes) -> Policy:
    require(actor, "policy.manage", policy)
    unknown = set(changes) - set(POLICY_FIELDS)
    if unknown:
        raise ValueError(f"not policy fields: {sorted(unknown)}")
    policy = Policy.objects.select_for_update(of=("self",)).get(pk=policy.pk)
    before = _policy_snapshot(policy)
    teams = list(changes.pop("audience_teams", policy.audience_teams.all()))
    for name, value in changes.items():
        setattr(policy, name, list(value) if name == "audience_roles" else value)
    _validate_policy(policy, teams)
    if policy.title != before["title"]:
        policy.slug = _unique_slug(policy.title, exclude_pk=policy.pk)
    policy.save()
    policy.audience_teams.set(teams)
    after = _policy_snapshot(policy)
    if after != before:
        audit_record(actor=actor, verb="policy.update", target=policy, before=before, after=after)
    return policy


def policy_transfer(*, actor, item: Policy, new_owner: User) -> None:
    """Hand a departing owner's policy over (riskdesk.ownership; the caller holds the lock)."""
    before = {"owner": item.owner_id}
    item.owner = new_owner
    item.save(update_fields=["owner", "updated_at"])
    audit_record(
        actor=actor,
        verb="policy.transfer",
        target=item,
        before=before,
        after={"owner": new_owner.pk},
    )
