"""Teams' rules of what legal must approve (publishing.models.LegalRule), kept by legal."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from publishing.models import LegalRule
from riskdesk.audit import audit_record, snapshot
from riskdesk.permissions import require

RULE_FIELDS = ["name", "team", "terms", "is_active"]
MAX_TERMS = 200


@transaction.atomic
def legal_rule_save(*, actor, rule: LegalRule | None = None, accounts=None, **fields) -> LegalRule:
    """Create a rule (`rule` None) or change one. Posts already scheduled are checked
    against it when they are next saved or sent: a rule never releases a post legal holds."""
    require(actor, "legal_rule.manage")
    rule = rule or LegalRule()
    before = snapshot(rule, [*RULE_FIELDS, "accounts"]) if rule.pk else None
    for name, value in fields.items():
        if name not in RULE_FIELDS:
            raise ValueError(f"not a legal rule field: {name}")
        setattr(rule, name, value)
    rule.name = " ".join((rule.name or "").split())
    rule.terms = "\n".join(dict.fromkeys(t.strip() for t in rule.terms.splitlines() if t.strip()))
    errors = {}
    if not rule.name:
        errors["name"] = [_("Name the rule.")]
    if rule.team_id is None:
        errors["team"] = [_("Choose the team whose rule it is.")]
    if len(rule.term_list) > MAX_TERMS:
        errors["terms"] = [_("At most %(max)d terms.") % {"max": MAX_TERMS}]
    if errors:
        raise ValidationError(errors)
    rule.updated_by = actor
    rule.save()
    if accounts is not None:
        rule.accounts.set(accounts)
    audit_record(
        actor=actor,
        verb="legal_rule.save",
        target=rule,
        before=before,
        after=snapshot(rule, [*RULE_FIELDS, "accounts"]),
    )
    return rule
