import base64

import segno
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import selectors, services
from accounts.filters import UserFilter
from accounts.forms import PersonForm, ScimProviderForm, SignInForm, TeamForm, TokenForm
from accounts.models import ApiToken, ScimProvider, Team, User
from riskdesk import login_guard
from riskdesk.forms import add_service_errors
from riskdesk.htmx import render_page
from riskdesk.permissions import can, require
from riskdesk.views import locked_out


class SignInView(auth_views.LoginView):
    """Sign-in, throttled per address and per e-mail; django-axes locks out repeated failures."""

    form_class = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        password_allowed = selectors.password_sign_in_allowed()
        context |= {
            "sso_providers": selectors.enabled_sso_providers(),
            "password_allowed": password_allowed,
            # Break-glass: administrators open the password form with ?password=1.
            "show_password_form": password_allowed
            or "password" in self.request.GET
            or self.request.method == "POST",
        }
        return context

    def post(self, request, *args, **kwargs):
        if login_guard.throttled(request, "sign_in", request.POST.get("username")):
            return _throttled(request)
        if login_guard.address_locked_out(request):
            return locked_out(request)
        return super().post(request, *args, **kwargs)


class PasswordResetView(auth_views.PasswordResetView):
    """Throttled per address and per e-mail, so nobody floods a person's mailbox."""

    def post(self, request, *args, **kwargs):
        if login_guard.throttled(request, "password_reset", request.POST.get("email")):
            return _throttled(request)
        return super().post(request, *args, **kwargs)


def _throttled(request):
    return render(request, "registration/throttled.html", status=429)


# --- People -----------------------------------------------------------------


@login_required
def people_list(request):
    require(request.user, "user.view")
    filterset = UserFilter(request.GET, queryset=selectors.users_with_roles_and_teams())
    return render_page(
        request,
        "accounts/people_list.html",
        "accounts/_people_rows.html",
        {"filter": filterset, "people": filterset.qs.distinct()},
    )


@login_required
def person_detail(request, pk):
    require(request.user, "user.view")
    person = get_object_or_404(selectors.users_with_roles_and_teams(), pk=pk)
    return render(
        request,
        "accounts/person_detail.html",
        {
            "person": person,
            "memberships": person.team_memberships.select_related("team"),
            "reports": person.reports.all(),
            "can_edit": bool(_editable_person_fields(request.user, person)),
            "api_tokens": (
                person.api_tokens.filter(revoked_at__isnull=True)
                if can(request.user, "user.revoke_api_token", person)
                else None
            ),
        },
    )


def _editable_person_fields(actor, person: User | None) -> set[str]:
    if person is None:
        return (
            {"display_name", "email", "manager", "employment_status", "departed_at"}
            | ({"roles"} if can(actor, "user.manage_roles") else set())
            if can(actor, "user.create")
            else set()
        )
    fields = set()
    if can(actor, "user.change", person):
        fields |= {"email", "manager"}
    if can(actor, "user.change_profile", person):
        fields |= {"display_name"}
    if can(actor, "user.change_employment", person):
        fields |= {"employment_status", "departed_at"}
    if can(actor, "user.manage_roles", person):
        fields |= {"roles"}
    return fields


@login_required
def person_create(request):
    require(request.user, "user.create")
    form = PersonForm(request.POST or None, editable=_editable_person_fields(request.user, None))
    if request.method == "POST" and form.is_valid():
        try:
            person = services.user_create(
                actor=request.user,
                email=form.cleaned_data["email"],
                display_name=form.cleaned_data["display_name"],
                roles=form.cleaned_data["roles"],
                manager=form.cleaned_data["manager"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("%(name)s was added and invited by e-mail.") % {"name": person}
            )
            return redirect("person_detail", pk=person.pk)
    return render(request, "accounts/person_form.html", {"form": form, "person": None})


@login_required
def person_edit(request, pk):
    person = get_object_or_404(User, pk=pk)
    editable = _editable_person_fields(request.user, person)
    if not editable:
        require(request.user, "user.change", person)  # raises: nothing here is theirs to edit
    form = PersonForm(request.POST or None, editable=editable, instance=person)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        roles = changes.pop("roles", None)
        try:
            services.user_update(actor=request.user, user=person, roles=roles, **changes)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("person_detail", pk=person.pk)
    return render(request, "accounts/person_form.html", {"form": form, "person": person})


# --- Teams ------------------------------------------------------------------


@login_required
def team_list(request):
    require(request.user, "team.view")
    teams = Team.objects.annotate(member_count=Count("memberships")).order_by("name")
    return render(request, "accounts/team_list.html", {"teams": teams})


@login_required
def team_detail(request, slug):
    require(request.user, "team.view")
    team = get_object_or_404(selectors.teams_with_memberships(), slug=slug)
    return render(request, "accounts/team_detail.html", {"team": team})


@login_required
def team_form(request, slug=None):
    team = get_object_or_404(Team, slug=slug) if slug else None
    require(request.user, "team.change" if team else "team.create", team)
    form = TeamForm(request.POST or None, instance=team)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {k: data[k] for k in ("name", "kind", "description", "email")}
        try:
            with transaction.atomic():  # the team and its members are saved together or not at all
                if team is None:
                    saved = services.team_create(actor=request.user, **fields)
                else:
                    saved = services.team_update(actor=request.user, team=team, **fields)
                services.team_set_members(
                    actor=request.user, team=saved, members=data["members"], leads=data["leads"]
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Team %(name)s saved.") % {"name": saved.name})
            return redirect("team_detail", slug=saved.slug)
    return render(request, "accounts/team_form.html", {"form": form, "team": team})


# --- Two-factor -------------------------------------------------------------


def _next_url(request) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure()):
        return url
    return "dashboard"


@login_required
def account_security(request):
    devices = TOTPDevice.objects.filter(user=request.user, confirmed=True)
    tokens = ApiToken.objects.filter(user=request.user, revoked_at__isnull=True)
    return render(
        request,
        "accounts/security.html",
        {"devices": devices, "tokens": tokens},
    )


@login_required
@require_POST
def api_token_revoke(request, pk):
    """Revoke a token: one's own, or anyone's for an admin; others answer 404."""
    token = get_object_or_404(ApiToken.objects.select_related("user"), pk=pk)
    if not can(request.user, "user.revoke_api_token", token.user):
        raise Http404
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("The token %(prefix)s… is revoked.") % {"prefix": token.prefix})
    if token.user_id != request.user.pk:
        return redirect("person_detail", pk=token.user_id)
    return redirect("account_security")


@login_required
def two_factor_setup(request):
    if not request.user.is_verified() and selectors.has_confirmed_totp(request.user):
        # A second authenticator is added only by someone who proved the first.
        return redirect_to_login(request.get_full_path(), reverse("two_factor_verify"))
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = services.totp_device_create(actor=request.user, user=request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.totp_device_confirm(
            actor=request.user, device=device, token=form.cleaned_data["token"]
        ):
            otp_login(request, device)
            messages.success(request, _("Two-factor authentication is on."))
            return redirect(_next_url(request))
        form.add_error("token", _("This code is wrong or has expired. Try the current one."))
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#1b2430")
    return render(
        request,
        "accounts/two_factor_setup.html",
        {"form": form, "qr_svg": qr_svg, "secret": _base32_secret(device)},
    )


def _base32_secret(device: TOTPDevice) -> str:
    secret = base64.b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
def two_factor_verify(request):
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error("token", _("This code is wrong or has expired."))
    return render(request, "accounts/two_factor_verify.html", {"form": form})


@login_required
@require_POST
def two_factor_disable(request):
    try:
        services.totp_devices_remove(actor=request.user, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Two-factor authentication is off."))
    return redirect("account_security")


# --- SCIM providers -------------------------------------------------------------------------


@login_required
def scim_provider_list(request):
    require(request.user, "scim.manage")
    form = ScimProviderForm(request.POST or None)
    token = None
    if request.method == "POST" and form.is_valid():
        try:
            provider, token = services.scim_provider_create(
                actor=request.user, name=form.cleaned_data["name"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Identity provider %(name)s added.") % {"name": provider})
            form = ScimProviderForm()
    return _scim_page(request, form, token)


def _scim_page(request, form, token, provider=None):
    return render(
        request,
        "accounts/scim_providers.html",
        {
            "providers": ScimProvider.objects.all(),
            "form": form,
            "token": token,
            "token_provider": provider,
            "scim_base": request.build_absolute_uri("/scim/v2"),
        },
    )


@login_required
@require_POST
def scim_provider_rotate(request, pk):
    provider = get_object_or_404(ScimProvider, pk=pk)
    token = services.scim_provider_rotate(actor=request.user, provider=provider)
    messages.success(
        request, _("New token for %(name)s: the old one no longer works.") % {"name": provider}
    )
    return _scim_page(request, ScimProviderForm(), token, provider)


@login_required
@require_POST
def scim_provider_set_active(request, pk):
    provider = get_object_or_404(ScimProvider, pk=pk)
    services.scim_provider_set_active(
        actor=request.user, provider=provider, is_active=request.POST.get("is_active") == "1"
    )
    return redirect("scim_provider_list")
