"""The rule lists page: legal edits the terms the automatic checks read."""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from compliance.models import RuleList
from compliance.rulebook import KINDS, KINDS_BY_CODE, LANGUAGES, terms_clean
from riskdesk.audit import audit_record
from riskdesk.forms import add_service_errors
from riskdesk.permissions import can, require

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
    from compliance import tasks

    transaction.on_commit(tasks.recheck_open_posts.delay)
    return rule_list


class RuleListForm(forms.Form):
    kind = forms.CharField(widget=forms.HiddenInput)
    category = forms.CharField(widget=forms.HiddenInput, required=False)
    language = forms.CharField(widget=forms.HiddenInput)
    terms = forms.CharField(
        label=gettext_lazy("Terms"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


@dataclass
class Entry:
    language: str
    language_name: str
    list: RuleList | None
    form: RuleListForm

    @property
    def count(self) -> int:
        return len(self.list.term_list) if self.list else 0


def _cards(bound: RuleListForm | None) -> list[dict]:
    stored = {(r.kind, r.category, r.language): r for r in RuleList.objects.all()}
    cards = []
    for kind in KINDS:
        groups = []
        for category, category_label in kind.categories.items():
            entries = []
            for language in kind.languages:
                key = (kind.code, category, language)
                rule_list = stored.get(key)
                prefix = f"{kind.code}-{category or 'all'}-{language.replace('*', 'any')}"
                if (
                    bound is not None
                    and (
                        bound.data.get("kind"),
                        bound.data.get("category", ""),
                        bound.data.get("language"),
                    )
                    == key
                ):
                    form = bound
                else:
                    form = RuleListForm(
                        initial={
                            "kind": kind.code,
                            "category": category,
                            "language": language,
                            "terms": "\n".join(rule_list.term_list) if rule_list else "",
                        },
                        auto_id=f"id_{prefix}_%s",
                    )
                entries.append(Entry(language, str(LANGUAGES[language]), rule_list, form))
            groups.append({"code": category, "label": category_label, "entries": entries})
        cards.append({"kind": kind, "groups": groups})
    return cards


@login_required
def rule_lists(request):
    require(request.user, "compliance_rules.view")
    bound = None
    if request.method == "POST":
        require(request.user, "compliance_rules.manage")
        prefix = "{}-{}-{}".format(
            request.POST.get("kind", ""),
            request.POST.get("category") or "all",
            request.POST.get("language", "").replace("*", "any"),
        )
        bound = RuleListForm(request.POST, auto_id=f"id_{prefix}_%s")
        if bound.is_valid():
            try:
                saved = rule_list_update(actor=request.user, **bound.cleaned_data)
            except ValidationError as exc:
                add_service_errors(bound, exc)
            else:
                messages.success(
                    request,
                    _("Saved: %(count)s terms. Open posts are being checked again.")
                    % {"count": len(saved.term_list)},
                )
                return redirect("compliance_rule_lists")
    return render(
        request,
        "compliance/rule_lists.html",
        {"cards": _cards(bound), "can_manage": can(request.user, "compliance_rules.manage")},
    )
