"""The connected accounts pages: the list everyone who may see them reads, and the form
and delete pages of those who manage them.

Every change goes through connections.services; these views only show forms and results.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from connections import services
from connections.forms import ConnectedAccountForm
from connections.kinds import kind_label
from connections.models import ConnectedAccount
from connections.selectors import accounts_with_uses
from riskdesk.forms import add_service_errors
from riskdesk.htmx import render_page
from riskdesk.permissions import can, require

EXPIRES_SOON_DAYS = 7


def _describe(account: ConnectedAccount, now) -> ConnectedAccount:
    """Attach what the list shows about the account's kind and expiry (no queries)."""
    account.kind_label = kind_label(account.kind)
    account.days_left = (account.expires_at - now).days if account.expires_at else None
    account.expires_soon = account.days_left is not None and account.days_left < EXPIRES_SOON_DAYS
    return account


@login_required
def account_list(request):
    require(request.user, "connected_account.view")
    now = timezone.now()
    return render(
        request,
        "connections/account_list.html",
        {
            "accounts": [_describe(account, now) for account in accounts_with_uses()],
            "can_manage": can(request.user, "connected_account.manage"),
        },
    )


@login_required
def account_form(request, pk=None):
    account = get_object_or_404(ConnectedAccount, pk=pk) if pk else None
    require(request.user, "connected_account.manage", account)
    data = request.POST if request.method == "POST" else None
    kind = account.kind if account is not None else (data or request.GET).get("kind")
    if data is not None and "choose_kind" in data:
        # The no-JavaScript way to show the chosen kind's fields: nothing is saved.
        form = ConnectedAccountForm(
            instance=account, kind=kind, initial={"name": data.get("name", ""), "kind": kind}
        )
    else:
        form = ConnectedAccountForm(data, instance=account, kind=kind)
    if data is not None and "choose_kind" not in data and form.is_valid():
        try:
            saved = services.connected_account_save(
                actor=request.user, account=account, secrets=form.secret(), **form.account_fields()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Connected account %(name)s saved.") % {"name": saved.name})
            return redirect("connected_account_list")
    return render_page(
        request,
        "connections/account_form.html",
        "connections/_kind_fields.html",
        {"form": form, "account": account, "kind": form.kind},
    )


@login_required
def account_delete(request, pk):
    account = get_object_or_404(ConnectedAccount, pk=pk)
    require(request.user, "connected_account.manage", account)
    if request.method == "POST":
        try:
            services.connected_account_delete(actor=request.user, account=account)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("connected_account_delete", pk=account.pk)
        messages.success(request, _("Connected account %(name)s deleted.") % {"name": account.name})
        return redirect("connected_account_list")
    return render(
        request,
        "connections/account_delete.html",
        {
            "account": account,
            "streams": list(account.streams.order_by("name")),
            "brand_accounts": list(account.revoked_accounts.order_by("platform", "handle")),
            "edit_url": reverse("connected_account_edit", kwargs={"pk": account.pk}),
        },
    )
