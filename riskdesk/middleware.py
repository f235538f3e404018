from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.selectors import has_confirmed_totp
from riskdesk.audit import RequestMeta, current_request_meta


def client_ip(request) -> str | None:
    """The client's address; X-Forwarded-For is trusted only behind a configured proxy."""
    proxies = settings.AXES_IPWARE_PROXY_COUNT or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    """Makes the request's IP address and user agent available to the audit log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = RequestMeta(client_ip(request), request.META.get("HTTP_USER_AGENT", ""))
        token = current_request_meta.set(meta)
        try:
            return self.get_response(request)
        finally:
            current_request_meta.reset(token)


# Paths a signed-in person can reach before confirming their second factor.
TWO_FACTOR_EXEMPT_PREFIXES = ("/account/two-factor/", "/logout/", "/static/", "/i18n/", "/healthz")


class TwoFactorRequiredMiddleware:
    """Holds back users whose role requires two-factor until they have verified a code.

    This covers everyone with a confirmed authenticator, and the members of the
    roles in RISKDESK_2FA_ROLES when RISKDESK_REQUIRE_2FA is on. Browser
    sessions are sent to set up or verify their authenticator (with ?next=);
    API calls on a session get 403. Token-authenticated API calls are not affected:
    the token endpoint itself asks for the code before it hands out a token.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            not user.is_authenticated
            or user.is_verified()
            or request.path.startswith(TWO_FACTOR_EXEMPT_PREFIXES)
            or "HTTP_AUTHORIZATION" in request.META
        ):
            return self.get_response(request)
        has_device = has_confirmed_totp(user)
        if not (has_device or user.must_use_two_factor):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"detail": _("Two-factor verification is required for your account.")},
                status=403,
            )
        target = "two_factor_verify" if has_device else "two_factor_setup"
        return redirect_to_login(request.get_full_path(), reverse(target))
