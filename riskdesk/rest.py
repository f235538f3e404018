"""What every riskdesk API view shares: authentication, pagination, permissions, errors."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.authentication import SessionScheme
from rest_framework import authentication, pagination, permissions
from rest_framework.exceptions import PermissionDenied, ValidationError

from riskdesk.permissions import can


class CursorPagination(pagination.CursorPagination):
    ordering = "-pk"
    page_size_query_param = "page_size"
    max_page_size = 500


class SessionAuthentication(authentication.SessionAuthentication):
    """Session auth that answers 401 (not 403) when nobody is signed in."""

    def authenticate_header(self, request):
        return 'Session realm="api"'


class SessionAuthenticationScheme(SessionScheme):
    """Describes our SessionAuthentication in the OpenAPI schema like DRF's own."""

    target_class = SessionAuthentication


class ActionPermission(permissions.BasePermission):
    """Asks `riskdesk.permissions.can` for the action a viewset maps the request to.

    A viewset sets `permission_actions = {"list": "team.view", "create": ...}`;
    an unmapped action is refused.
    """

    def has_permission(self, request, view):
        if view.action is None or request.method.lower() not in view.http_method_names:
            # A method the viewset does not route: no handler runs, DRF answers 405.
            return True
        if view.action == "metadata":  # OPTIONS describes the endpoint; it changes nothing
            return True
        action = view.permission_actions.get(view.action)
        if action is None:
            return False
        # Object actions (retrieve, update...) are decided again with the object.
        return can(request.user, action)

    def has_object_permission(self, request, view, obj):
        return can(request.user, view.permission_actions[view.action], obj)


def exception_handler(exc, context):
    """Turn the services' Django exceptions into DRF ones, then let DRF answer."""
    # Imported here: rest_framework.views loads the classes of this module from settings.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        exc = ValidationError(detail)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = PermissionDenied()
    return drf_exception_handler(exc, context)
