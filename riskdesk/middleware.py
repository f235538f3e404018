from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

from accounts.selectors import has_confirmed_totp, two_factor_pending
from riskdesk.audit import RequestMeta, current_request_meta
from riskdesk.request_memo import request_memo


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
    """Makes the request's IP address and user agent available to the audit log, and opens
    the request's memo (riskdesk.request_memo)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = RequestMeta(client_ip(request), request.META.get("HTTP_USER_AGENT", ""))
        token = current_request_meta.set(meta)
        try:
            with request_memo():
                return self.get_response(request)
        finally:
            current_request_meta.reset(token)


# Paths a signed-in person can reach before confirming their second factor.
TWO_FACTOR_EXEMPT_PREFIXES = ("/account/two-factor/", "/logout/", "/static/", "/i18n/", "/healthz")
API_PREFIX = "/api/"


class TwoFactorRequiredMiddleware:
    """Holds back browser sessions whose user must verify a code and has not.

    This covers everyone with a confirmed authenticator, and the members of the
    roles in RISKDESK_2FA_ROLES when RISKDESK_REQUIRE_2FA is on. They are sent to
    set up or verify their authenticator (with ?next=), whatever headers the
    request carries: a header proves nothing until something checked it.

    `/api/` is DRF's: `riskdesk.rest.SessionAuthentication` refuses the same
    sessions (403), while a request that a valid API token authenticates passes
    (the token endpoint asks for the code before it hands out a token).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(TWO_FACTOR_EXEMPT_PREFIXES) or request.path.startswith(
            API_PREFIX
        ):
            return self.get_response(request)
        user = request.user
        if not two_factor_pending(user):
            return self.get_response(request)
        target = "two_factor_verify" if has_confirmed_totp(user) else "two_factor_setup"
        return redirect_to_login(request.get_full_path(), reverse(target))
