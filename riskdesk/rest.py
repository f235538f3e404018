"""What every riskdesk API view shares: authentication, pagination, permissions, errors."""

import logging

from django.core import signals
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.authentication import SessionScheme
from rest_framework import authentication, pagination, permissions, serializers
from rest_framework.exceptions import (
    AuthenticationFailed,
    ParseError,
    PermissionDenied,
    ValidationError,
)
from rest_framework.response import Response

from riskdesk.models import MAX_ID
from riskdesk.permissions import can

logger = logging.getLogger("django.request")


class CursorPagination(pagination.CursorPagination):
    ordering = "-pk"
    page_size_query_param = "page_size"
    max_page_size = 500


class SessionAuthentication(authentication.SessionAuthentication):
    """Session auth that answers 401 (not 403) when nobody is signed in, and 403 to a
    session whose user must verify a two-factor code and has not (whatever headers come
    along: only a token that `TokenAuthentication` accepted exempts a request)."""

    def authenticate(self, request):
        from accounts.selectors import two_factor_pending  # settings load this module early

        result = super().authenticate(request)
        if result is not None and two_factor_pending(result[0]):
            raise PermissionDenied(_("Two-factor verification is required for your account."))
        return result

    def authenticate_header(self, request):
        return 'Session realm="api"'


class TokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>` with riskdesk's hashed, expiring, revocable API tokens."""

    def authenticate_credentials(self, key):
        from accounts.services import api_token_authenticate

        user = api_token_authenticate(key=key)
        if user is None:
            raise AuthenticationFailed(_("Invalid, expired or revoked token."))
        return user, None


class SessionAuthenticationScheme(SessionScheme):
    """Describes our SessionAuthentication in the OpenAPI schema like DRF's own."""

    target_class = SessionAuthentication


class ActionPermission(permissions.BasePermission):
    """Asks `riskdesk.permissions.can` for the action a viewset maps the request to.

    A viewset sets `permission_actions = {"list": "team.view", "create": ...}`;
    an unmapped action is refused.
    """

    @staticmethod
    def _action(request, view):
        """The viewset's action; for OPTIONS, DRF's metadata asks again with a copy of the
        request for each method it describes (POST, PUT): the action that method maps to."""
        if view.action == "metadata":
            return (getattr(view, "action_map", None) or {}).get(request.method.lower(), "metadata")
        return view.action

    def has_permission(self, request, view):
        if view.action is None or request.method.lower() not in view.http_method_names:
            # A method the viewset does not route: no handler runs, DRF answers 405.
            return True
        action = self._action(request, view)
        if action == "metadata":  # OPTIONS describes the endpoint; it changes nothing
            return True
        action = view.permission_actions.get(action)
        if action is None:
            return False
        # Object actions (retrieve, update...) are decided again with the object.
        return can(request.user, action)

    def has_object_permission(self, request, view, obj):
        action = view.permission_actions.get(self._action(request, view))
        return action is not None and can(request.user, action, obj)


class IdField(serializers.IntegerField):
    """A database id in a request: 1 to the largest 64-bit integer.

    Larger numbers reach the database in `pk__in` lookups, where SQLite raises
    OverflowError (a 500); they are refused here as any invalid value is.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class IdListField(serializers.ListField):
    """A list of database ids (see `IdField`)."""

    child = IdField()


def exception_handler(exc, context):
    """Turn the services' Django exceptions into DRF ones, then let DRF answer."""
    # Imported here: rest_framework.views loads the classes of this module from settings.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        exc = ValidationError(detail)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = PermissionDenied()
    elif isinstance(exc, SuspiciousOperation):
        # Too many fields, a body too large...: Django answers these 400, so does the API.
        exc = ParseError(_("The request could not be read."))
    response = drf_exception_handler(exc, context)
    if response is None:
        # A bug: log it as Django would, then answer JSON (never the HTML debug page).
        request = context["request"]._request
        signals.got_request_exception.send(sender=None, request=request)
        logger.error(
            "Internal Server Error: %s",
            request.path,
            exc_info=(type(exc), exc, exc.__traceback__),
            extra={"status_code": 500, "request": request},
        )
        response = Response({"detail": _("Server error.")}, status=500)
    return response
