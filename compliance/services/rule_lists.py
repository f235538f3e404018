"""The rule lists legal edits: the terms the automatic checks read."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from compliance.models import RuleList
from compliance.rulebook import KINDS_BY_CODE, terms_clean
from riskdesk.audit import audit_record
from riskdesk.jobs import enqueue_on_commit
from riskdesk.permissions import require

MAX_TERMS = 500
MAX_TERM_LENGTH = 120


@transaction.atomic
def rule_list_update(*, actor, kind: str, category: str, language: str, terms: str) -> RuleList:
    """Replace the terms of one list; open posts' checks run again after the commit."""
    require(actor, "compliance_rules.manage")
    known = KINDS_BY_CODE.get(kind)
    if known is None or category not in known.categories or language not in known.languages:
        raise ValidationError(_("Unknown rule list."))
    cleaned = terms_clean(terms or "")
    too_long = [t for t in cleaned if len(t) > MAX_TERM_LENGTH]
    if too_long:
        raise ValidationError(
            {
                "terms": _("Terms have at most %(max)s characters: %(term)s")
                % {"max": MAX_TERM_LENGTH, "term": too_long[0][:40]}
            }
        )
    if len(cleaned) > MAX_TERMS:
        raise ValidationError({"terms": _("At most %(max)s terms a list.") % {"max": MAX_TERMS}})
    if any(t.strip("*") == "" for t in cleaned):
        raise ValidationError({"terms": _("A term needs more than a *.")})
    rule_list = (
        RuleList.objects.select_for_update(of=("self",))
        .filter(kind=kind, category=category, language=language)
        .first()
    )
    before = rule_list.term_list if rule_list else []
    if before == cleaned and rule_list is not None:
        return rule_list
    if rule_list is None:
        rule_list = RuleList(kind=kind, category=category, language=language)
    rule_list.terms = "\n".join(cleaned)
    rule_list.updated_by = actor
    rule_list.save()
    audit_record(
        actor=actor,
        verb="compliance_rules.update",
        target=rule_list,
        before={"terms": before},
        after={"terms": cleaned},
    )
    enqueue_on_commit("compliance.tasks.recheck_open_posts", ())
    return rule_list
