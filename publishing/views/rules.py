"""Teams' rules of what legal must approve: the list, and a rule's form (legal and admins)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from publishing import services
from publishing.forms import LegalRuleForm
from publishing.models import LegalRule
from riskdesk.forms import add_service_errors
from riskdesk.permissions import can, require


@login_required
def rule_list(request):
    require(request.user, "legal_rule.view")
    rules = LegalRule.objects.select_related("team", "updated_by").prefetch_related("accounts")
    return render(
        request,
        "publishing/rules.html",
        {"rules": rules, "can_manage": can(request.user, "legal_rule.manage")},
    )


@login_required
def rule_edit(request, pk=None):
    require(request.user, "legal_rule.manage")
    rule = get_object_or_404(LegalRule, pk=pk) if pk else None
    initial = {"is_active": True}
    if rule is not None:
        initial = {
            "name": rule.name,
            "team": rule.team,
            "accounts": list(rule.accounts.all()),
            "terms": rule.terms,
            "is_active": rule.is_active,
        }
    form = LegalRuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        accounts = data.pop("accounts")
        try:
            services.legal_rule_save(actor=request.user, rule=rule, accounts=accounts, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Rule saved. Posts it matches now need legal's approval."))
            return redirect("publishing_rules")
    return render(
        request,
        "publishing/rule_form.html",
        {"form": form, "rule": rule},
        status=400 if form.errors else 200,
    )
