"""The brand's own social accounts: what impersonation detection compares authors against.

Services check the permission, validate and write the audit event in their transaction;
the views and the API below only read input and show results.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from rest_framework import permissions, serializers, viewsets

from accounts.models import BrandAccount, Team
from riskdesk.audit import audit_record, snapshot
from riskdesk.forms import add_service_errors
from riskdesk.networks import Platform
from riskdesk.permissions import can, require
from riskdesk.rest import ActionPermission

BRAND_ACCOUNT_FIELDS = [
    "platform",
    "handle",
    "display_name",
    "platform_id",
    "url",
    "team",
    "is_active",
]


# --- Services -----------------------------------------------------------------------------


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
    if errors:
        raise ValidationError(errors)
    account.full_clean(exclude=["team"], validate_constraints=False)


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
) -> BrandAccount:
    require(actor, "brand_account.manage")
    account = BrandAccount(
        platform=platform,
        handle=handle,
        display_name=display_name,
        platform_id=platform_id,
        url=url,
        team=team,
        is_active=is_active,
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
        setattr(account, name, value)
    _clean(account)
    after = snapshot(account, BRAND_ACCOUNT_FIELDS)
    if after != before:
        account.save()
        audit_record(
            actor=actor, verb="brand_account.update", target=account, before=before, after=after
        )
    return account


# --- Pages --------------------------------------------------------------------------------


class BrandAccountForm(forms.Form):
    platform = forms.ChoiceField(label=gettext_lazy("Network"), choices=Platform.choices)
    handle = forms.CharField(
        label=gettext_lazy("Handle"),
        max_length=255,
        help_text=gettext_lazy("As the network shows it; a leading @ is dropped."),
    )
    display_name = forms.CharField(
        label=gettext_lazy("Display name"), max_length=255, required=False
    )
    platform_id = forms.CharField(
        label=gettext_lazy("Id on the network"),
        max_length=255,
        required=False,
        help_text=BrandAccount._meta.get_field("platform_id").help_text,
    )
    url = forms.URLField(
        label=gettext_lazy("Link"), required=False, assume_scheme="https", max_length=200
    )
    team = forms.ModelChoiceField(
        label=gettext_lazy("Owning team"), queryset=Team.objects.order_by("name"), required=False
    )
    is_active = forms.BooleanField(
        label=gettext_lazy("Active"),
        required=False,
        initial=True,
        help_text=gettext_lazy("Impersonation detection compares authors with active accounts."),
    )

    def __init__(self, *args, instance: BrandAccount | None = None, **kwargs):
        if instance is not None:
            initial = {name: getattr(instance, name) for name in BRAND_ACCOUNT_FIELDS}
            kwargs.setdefault("initial", initial | {"team": instance.team_id})
        super().__init__(*args, **kwargs)


@login_required
def brand_account_list(request):
    require(request.user, "brand_account.view")
    accounts = BrandAccount.objects.select_related("team").annotate(
        impostor_count=Count("impostor_mentions")
    )
    return render(
        request,
        "accounts/brand_account_list.html",
        {
            "accounts": accounts.order_by("platform", "handle", "pk"),
            "can_manage": can(request.user, "brand_account.manage"),
        },
    )


@login_required
def brand_account_form(request, pk=None):
    account = get_object_or_404(BrandAccount, pk=pk) if pk else None
    require(request.user, "brand_account.manage", account)
    form = BrandAccountForm(request.POST or None, instance=account)
    if request.method == "POST" and form.is_valid():
        try:
            if account is None:
                saved = brand_account_create(actor=request.user, **form.cleaned_data)
            else:
                saved = brand_account_update(
                    actor=request.user, account=account, **form.cleaned_data
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Brand account %(account)s saved.") % {"account": saved})
            return redirect("brand_account_list")
    return render(request, "accounts/brand_account_form.html", {"form": form, "account": account})


@login_required
@require_POST
def brand_account_set_active(request, pk):
    account = get_object_or_404(BrandAccount, pk=pk)
    require(request.user, "brand_account.manage", account)
    active = request.POST.get("is_active") == "1"
    saved = brand_account_update(actor=request.user, account=account, is_active=active)
    if active:
        message = _("%(account)s is active again.")
    else:
        message = _("%(account)s is deactivated: impersonation detection ignores it.")
    messages.success(request, message % {"account": saved})
    return redirect("brand_account_list")


# --- API ----------------------------------------------------------------------------------


class BrandAccountSerializer(serializers.ModelSerializer):
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), allow_null=True, required=False
    )
    impostor_count = serializers.IntegerField(
        read_only=True, help_text="Mentions whose author imitated this account."
    )

    class Meta:
        model = BrandAccount
        fields = ["id", *BRAND_ACCOUNT_FIELDS, "impostor_count", "created_at"]
        read_only_fields = ["id", "impostor_count", "created_at"]
        validators = []  # the service checks uniqueness, case-insensitively


class BrandAccountViewSet(viewsets.ModelViewSet):
    """The brand's own social accounts. Deactivate one with `is_active: false`."""

    serializer_class = BrandAccountSerializer
    permission_classes = [permissions.IsAuthenticated, ActionPermission]
    permission_actions = {
        "list": "brand_account.view",
        "retrieve": "brand_account.view",
        "create": "brand_account.manage",
        "update": "brand_account.manage",
        "partial_update": "brand_account.manage",
    }
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    queryset = BrandAccount.objects.select_related("team").annotate(
        impostor_count=Count("impostor_mentions")
    )

    def perform_create(self, serializer):
        account = brand_account_create(actor=self.request.user, **serializer.validated_data)
        account.impostor_count = 0
        serializer.instance = account

    def perform_update(self, serializer):
        count = serializer.instance.impostor_count
        account = brand_account_update(
            actor=self.request.user, account=serializer.instance, **serializer.validated_data
        )
        account.impostor_count = count
        serializer.instance = account
