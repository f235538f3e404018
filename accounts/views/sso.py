"""Single sign-on pages: leaving for the provider, coming back, and the admins' settings.

The flow in progress (state, nonce, PKCE verifier, provider, where to go next) waits in
the browser's own session, keyed by its state: taken once, refused when missing, reused,
or older than FLOW_TTL. Only a completed callback signs in and records the person's
`SsoIdentity` as the session's verified second factor.

Failed callbacks count against the client's address like failed passwords
(riskdesk.login_guard), and a locked address cannot sign in this way either.
"""

import time

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_otp import login as otp_login

from accounts import oidc, selectors, services
from accounts.forms import IdentityProviderForm
from accounts.models import IdentityProvider
from riskdesk import login_guard
from riskdesk.forms import add_service_errors
from riskdesk.permissions import require
from riskdesk.redirects import next_url
from riskdesk.views import locked_out

SESSION_KEY = "sso_flows"
FLOW_TTL = 600  # seconds between leaving for the provider and coming back
MAX_FLOWS = 5


def _refused(request, message: str, status: int = 403):
    return render(request, "registration/sso_refused.html", {"message": message}, status=status)


def _callback_uri(request) -> str:
    return request.build_absolute_uri(reverse("sso_callback"))


@require_GET
def sso_start(request, slug):
    """A link, not a form: the page's CSP (form-action 'self') would stop a form's redirect
    to the provider. Starting is harmless: the flow is this browser's own, and only its
    callback, with the state kept here, can finish it."""
    provider = get_object_or_404(selectors.enabled_sso_providers(), slug=slug)
    if login_guard.address_locked_out(request):
        return locked_out(request)
    if login_guard.throttled(request, "sign_in", None):
        return render(request, "registration/throttled.html", status=429)
    try:
        url, flow = services.sso_authorization(
            provider=provider, redirect_uri=_callback_uri(request)
        )
    except oidc.OidcError:
        return _refused(
            request,
            _("%(provider)s cannot be reached right now: try again later.")
            % {"provider": provider.name},
            status=502,
        )
    flows = dict(request.session.get(SESSION_KEY) or {})
    flows[flow.pop("state")] = flow | {
        "started": time.time(),
        "next": next_url(request, "") or "",
    }
    request.session[SESSION_KEY] = dict(list(flows.items())[-MAX_FLOWS:])
    return redirect(url)


def _take_flow(request, state: str | None) -> dict | None:
    flows = dict(request.session.get(SESSION_KEY) or {})
    flow = flows.pop(state, None) if state else None
    request.session[SESSION_KEY] = flows
    if flow is None or time.time() - flow.get("started", 0) > FLOW_TTL:
        return None
    return flow


def sso_callback(request):
    """`/sso/callback/?code=…&state=…`: the provider sends the browser back here."""
    if login_guard.address_locked_out(request):
        return locked_out(request)
    flow = _take_flow(request, request.GET.get("state"))
    if flow is None:
        login_guard.record_failure(request)
        services.sso_refusal_record(provider=None, reason="state")
        return _refused(
            request,
            _("This sign-in is unknown, was already used or took too long: start again."),
            status=400,
        )
    provider = IdentityProvider.objects.filter(pk=flow["provider"]).first()
    code = request.GET.get("code")
    if provider is None or not code:
        login_guard.record_failure(request)
        error = str(request.GET.get("error") or "no_code")[:50]
        services.sso_refusal_record(provider=provider, reason=f"provider:{error}")
        return _refused(request, _("The provider did not sign you in: nothing was changed."))
    try:
        identity = services.sso_sign_in_complete(
            provider=provider, code=code, flow=flow, redirect_uri=_callback_uri(request)
        )
    except services.SsoRefused as exc:
        login_guard.record_failure(request)
        return _refused(request, exc.message)
    auth_login(request, identity.user, backend="accounts.backends.RoleBackend")
    otp_login(request, identity)  # the provider asked for the second factor
    return redirect(flow.get("next") or "dashboard")


# --- Settings ---------------------------------------------------------------------------------


@login_required
def sso_settings(request, pk=None):
    """`/settings/sso/`: the providers, and a form to add one or change the chosen one."""
    require(request.user, "sso.manage")
    provider = get_object_or_404(IdentityProvider, pk=pk) if pk else None
    form = IdentityProviderForm(request.POST or None, instance=provider)
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields()
        try:
            if provider is None:
                saved = services.sso_provider_create(actor=request.user, **fields)
            else:
                saved = services.sso_provider_update(
                    actor=request.user, provider=provider, **fields
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Single sign-on with %(name)s saved.") % {"name": saved})
            return redirect("sso_settings")
    return render(
        request,
        "accounts/sso_settings.html",
        {
            "providers": IdentityProvider.objects.select_related("scim_provider"),
            "form": form,
            "provider": provider,
            "callback_uri": _callback_uri(request),
            "password_sign_in": selectors.password_sign_in_allowed(),
        },
    )
