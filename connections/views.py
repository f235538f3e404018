"""The connected accounts pages: the list everyone who may see them reads, and the form
and delete pages of those who manage them.

Every change goes through connections.services; these views only show forms and results.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Team, User
from connections import flows, oauth, services
from connections.forms import AppPasswordForm, ConnectedAccountForm, SignInForm
from connections.kinds import kind_label
from connections.models import ConnectedAccount
from connections.selectors import accounts_with_uses
from offboarding.models import BrandAccount
from riskdesk.forms import add_service_errors
from riskdesk.htmx import render_page
from riskdesk.permissions import can, require

EXPIRES_SOON_DAYS = 7


def _describe(account: ConnectedAccount, now) -> ConnectedAccount:
    """Attach what the list shows about the account's kind and expiry (no queries)."""
    account.kind_label = kind_label(account.kind)
    account.days_left = (account.expires_at - now).days if account.expires_at else None
    account.expires_soon = account.days_left is not None and account.days_left < EXPIRES_SOON_DAYS
    network = oauth.network_for(account.kind)
    account.refreshable = account.method == "oauth" and network is not None and network.expires
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
            "sign_ins": sign_in_choices(),
        },
    )


def sign_in_choices() -> list[tuple[str, str]]:
    """(kind, label) of every kind an admin can connect with its network's sign-in here."""
    return [
        (kind, kind_label(kind))
        for kind, network in oauth.NETWORK_OF_KIND.items()
        if oauth.configured(network)
    ]


def redirect_uri() -> str:
    """Fixed, as registered with each network: from RISKDESK_BASE_URL, never the request."""
    return settings.RISKDESK_BASE_URL + reverse("connected_account_oauth_callback")


@login_required
def oauth_start(request):
    """The admin names the account, then leaves for the network's sign-in page."""
    require(request.user, "connected_account.manage")
    choices = sign_in_choices()
    data = request.POST if request.method == "POST" else None
    form = SignInForm(data, kinds=choices, initial={"kind": request.GET.get("kind", "")})
    if data is not None and form.is_valid():
        kind, fields = form.cleaned_data["kind"], form.account_fields()
        network = oauth.network_for(kind)
        try:
            app = services.oauth_register(
                actor=request.user,
                kind=kind,
                base_url=fields["base_url"],
                allowed_hosts=fields["allowed_hosts"],
                redirect_uri=redirect_uri(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            state, verifier = oauth.new_state(), oauth.new_verifier()
            flows.start(
                request, state, {"kind": kind, "verifier": verifier, "app": app, "fields": fields}
            )
            client_id = oauth.app_credentials(network, app)[0]
            return redirect(
                oauth.authorize_url(
                    network,
                    client_id=client_id,
                    redirect_uri=redirect_uri(),
                    state=state,
                    verifier=verifier,
                    base_url=fields["base_url"],
                )
            )
    return render(request, "connections/oauth_start.html", {"form": form, "sign_ins": choices})


@login_required
def oauth_callback(request):
    """The network sends the admin back here with a code (or an error) and the state."""
    require(request.user, "connected_account.manage")
    try:
        flow = flows.take(request, request.GET.get("state"))
    except flows.FlowRefused as exc:
        return _sign_in_failed(request, exc.message)
    if request.GET.get("error"):
        error = request.GET["error"]
        if error == "access_denied":
            message = _("The sign-in was cancelled or refused on the network: nothing was saved.")
        else:
            message = _("The network answered with an error: %(error)s") % {
                "error": f"{error} {request.GET.get('error_description', '')}".strip()[:300]
            }
        return _sign_in_failed(request, message)
    code = request.GET.get("code")
    if not code:
        return _sign_in_failed(request, _("The network sent no authorization code back."))
    try:
        account = services.connected_account_connect_oauth(
            actor=request.user,
            kind=flow["kind"],
            code=code,
            verifier=flow["verifier"],
            redirect_uri=redirect_uri(),
            app=flow.get("app") or {},
            fields=_objects(flow["fields"]),
        )
    except oauth.OAuthError as exc:
        return _sign_in_failed(
            request, _("The network refused the sign-in: %(error)s") % {"error": exc.message}
        )
    except ValidationError as exc:
        return _sign_in_failed(request, " ".join(exc.messages))
    messages.success(request, _("Connected account %(name)s saved.") % {"name": account.name})
    return redirect("connected_account_list")


def _objects(fields: dict) -> dict:
    """The start form's choices, kept by primary key in the session, as objects again."""
    brand = fields.get("brand_account")
    return fields | {
        "brand_account": BrandAccount.objects.filter(pk=brand).first() if brand else None,
        "acting_people": list(User.objects.filter(pk__in=fields.get("acting_people") or [])),
        "acting_teams": list(Team.objects.filter(pk__in=fields.get("acting_teams") or [])),
    }


def _sign_in_failed(request, message: str):
    return render(request, "connections/oauth_error.html", {"message": message}, status=400)


@login_required
def app_password(request):
    """Bluesky: connect with a handle and an app password, checked before it is saved."""
    require(request.user, "connected_account.manage")
    data = request.POST if request.method == "POST" else None
    form = AppPasswordForm(data)
    if data is not None and form.is_valid():
        try:
            account = services.connected_account_connect_app_password(
                actor=request.user,
                identifier=form.cleaned_data["identifier"],
                app_password=form.cleaned_data["app_password"],
                fields=form.account_fields(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            saved = _("Connected account %(name)s saved.") % {"name": account.name}
            messages.success(request, saved)
            return redirect("connected_account_list")
    return render(request, "connections/app_password.html", {"form": form})


@login_required
@require_POST
def refresh_now(request, pk):
    account = get_object_or_404(ConnectedAccount, pk=pk)
    require(request.user, "connected_account.manage", account)
    try:
        account = services.connected_account_refresh(account, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if account.last_error:
            messages.error(
                request,
                _("The token of %(name)s could not be refreshed: %(error)s")
                % {"name": account.name, "error": account.last_error},
            )
        else:
            messages.success(request, _("Token of %(name)s refreshed.") % {"name": account.name})
    return redirect("connected_account_list")


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
