"""The brand's own social accounts: what impersonation detection compares authors against.

Services check the permission, validate and write the audit event in their transaction;
the views and the API below only read input and show results.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from rest_framework import permissions, serializers, viewsets

from accounts.models import AccessMethod, BrandAccount, RevocationConnection, Team, User
from riskdesk.audit import audit_record, snapshot
from riskdesk.forms import add_service_errors
from riskdesk.networks import Platform
from riskdesk.permissions import can, require
from riskdesk.rest import ActionPermission

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
    if account.access_method and account.access_method not in AccessMethod.values:
        errors["access_method"] = _("Unknown way of access.")
    if account.credential_rotated_at and account.credential_rotated_at > timezone.now():
        errors["credential_rotated_at"] = _("A rotation cannot be in the future.")
    connection = account.revocation_connection
    if connection is not None and account.platform not in ("facebook", "instagram"):
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
            # Imported here: compliance builds on accounts, not the other way round.
            from compliance.services import sponsored_posts_account_renamed

            sponsored_posts_account_renamed(actor=actor, account=account)
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
    access_method = forms.ChoiceField(
        label=gettext_lazy("How it is accessed"),
        choices=[("", "—"), *AccessMethod.choices],
        required=False,
    )
    credential_location = forms.CharField(
        label=gettext_lazy("Where the credential lives"),
        max_length=255,
        required=False,
        help_text=BrandAccount._meta.get_field("credential_location").help_text,
    )
    mfa_enabled = forms.BooleanField(label=gettext_lazy("Multi-factor is on"), required=False)
    credential_rotated_at = forms.DateTimeField(
        label=gettext_lazy("Credential last rotated"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    recovery_email = forms.EmailField(label=gettext_lazy("Recovery e-mail"), required=False)
    recovery_phone_owner = forms.ModelChoiceField(
        label=gettext_lazy("Recovery phone owner"),
        queryset=User.objects.filter(is_active=True).order_by("display_name"),
        required=False,
        help_text=BrandAccount._meta.get_field("recovery_phone_owner").help_text,
    )
    revocation_connection = forms.ModelChoiceField(
        label=gettext_lazy("Revocation connection"),
        queryset=RevocationConnection.objects.order_by("name"),
        required=False,
        help_text=BrandAccount._meta.get_field("revocation_connection").help_text,
    )

    def __init__(self, *args, instance: BrandAccount | None = None, **kwargs):
        if instance is not None:
            initial = {name: getattr(instance, name) for name in BRAND_ACCOUNT_FIELDS}
            kwargs.setdefault(
                "initial",
                initial
                | {
                    "team": instance.team_id,
                    "recovery_phone_owner": instance.recovery_phone_owner_id,
                    "revocation_connection": instance.revocation_connection_id,
                },
            )
        super().__init__(*args, **kwargs)


def _impostor_count(user) -> Count:
    """Impostor mentions `user` may see (a restricted queue's are not counted for others)."""
    from monitoring.models import hidden_team_ids  # monitoring builds on accounts

    hidden = hidden_team_ids(user)
    if not hidden:
        return Count("impostor_mentions", distinct=True)
    return Count(
        "impostor_mentions",
        filter=~Q(impostor_mentions__team_id__in=hidden),
        distinct=True,
    )


@login_required
def brand_account_list(request):
    require(request.user, "brand_account.view")
    accounts = BrandAccount.objects.select_related(
        "team", "recovery_phone_owner", "revocation_connection"
    ).annotate(
        impostor_count=_impostor_count(request.user),
        active_grants=Count(
            "access_grants", filter=Q(access_grants__revoked_at=None), distinct=True
        ),
    )
    return render(
        request,
        "accounts/brand_account_list.html",
        {
            "accounts": accounts.order_by("platform", "handle", "pk"),
            "can_manage": can(request.user, "brand_account.manage"),
            "can_see_access": can(request.user, "access_grant.view"),
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
    access_method = serializers.ChoiceField(
        choices=AccessMethod.choices, allow_blank=True, required=False
    )
    recovery_phone_owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), allow_null=True, required=False
    )
    revocation_connection = serializers.PrimaryKeyRelatedField(
        queryset=RevocationConnection.objects.all(), allow_null=True, required=False
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
    queryset = BrandAccount.objects.select_related("team")

    def get_queryset(self):
        return super().get_queryset().annotate(impostor_count=_impostor_count(self.request.user))

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        if not can(self.request.user, "access_grant.view"):
            # The access details (recovery contacts, credential location) are for security.
            fields = getattr(serializer, "child", serializer).fields
            for name in ACCESS_FIELDS:
                fields.pop(name, None)
        return serializer

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
