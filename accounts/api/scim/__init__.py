"""SCIM 2.0 `/scim/v2/Users` (RFC 7643/7644) for identity providers: Okta, Microsoft Entra.

Each provider has its own bearer token (only its SHA-256 is stored). Providers
create people, update them, and deprovision them: `active: false` (a PUT, or a
PATCH as Okta sends `{"op": "replace", "value": {"active": false}}` and Entra
`{"op": "Replace", "path": "active", "value": "False"}`) or a DELETE opens the
person's offboarding case at once, which ends their riskdesk access and lists
every brand account access to revoke. People are never deleted: their grants
and cases are the record.

A provider sees and manages only the people it provisioned or an admin linked to
it (`ScimIdentity`, `scim_identity_link`): anyone else answers 404 exactly like a
missing id and is absent from its lists. People with admin rights are never
changed or deprovisioned over SCIM (403): a provider that renamed the local admin
to an outside address could take the account over with a password reset.

Errors use SCIM's error schema and `application/scim+json`: 401 for a missing or
wrong token, 400 `invalidSyntax`/`invalidValue`/`invalidFilter`, 403, 404, 409
`uniqueness`.
"""

import json
import re
from datetime import timedelta

from django.core.exceptions import RequestDataTooBig, ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from accounts.models import EmploymentStatus, ScimIdentity, ScimProvider, User
from accounts.services import USER_AUDIT_FIELDS, token_digest
from offboarding.models import CaseStatus
from offboarding.services import offboarding_case_open_from_idp
from riskdesk.audit import audit_record, snapshot
from riskdesk.mail import absolute_url

CONTENT_TYPE = "application/scim+json"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
MAX_PAGE = 200
FILTER = re.compile(
    r'^\s*(userName|externalId|emails(?:\.value)?|id)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$', re.I
)


# --- Protocol helpers -----------------------------------------------------------------------


class ScimError(Exception):
    def __init__(self, status: int, detail: str, scim_type: str = ""):
        super().__init__(detail)
        self.status, self.detail, self.scim_type = status, detail, scim_type


def _response(body: dict | None, status: int = 200, headers: dict | None = None) -> HttpResponse:
    response = HttpResponse(
        b"" if body is None else json.dumps(body).encode(),
        status=status,
        content_type=CONTENT_TYPE if body is not None else None,
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _error(exc: ScimError) -> HttpResponse:
    body = {"schemas": [ERROR_SCHEMA], "status": str(exc.status), "detail": exc.detail}
    if exc.scim_type:
        body["scimType"] = exc.scim_type
    headers = {"WWW-Authenticate": 'Bearer realm="scim"'} if exc.status == 401 else None
    return _response(body, exc.status, headers)


def _authenticate(request) -> ScimProvider:
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ScimError(401, "A bearer token is required.")
    provider = ScimProvider.objects.filter(
        token_digest=token_digest(token.strip()), is_active=True
    ).first()
    if provider is None:
        raise ScimError(401, "The bearer token is not valid.")
    now = timezone.now()
    if provider.last_used_at is None or now - provider.last_used_at > timedelta(minutes=1):
        ScimProvider.objects.filter(pk=provider.pk).update(last_used_at=now)
    return provider


def _body(request) -> dict:
    try:
        raw = request.body
    except RequestDataTooBig:
        raise ScimError(413, "The request body is too large.") from None
    try:
        body = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError):
        raise ScimError(400, "The body is not JSON.", "invalidSyntax") from None
    if not isinstance(body, dict):
        raise ScimError(400, "The body must be a JSON object.", "invalidSyntax")
    return body


def _bool(value, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"  # Entra sends "False" as a string
    raise ScimError(400, f"{name} must be true or false.", "invalidValue")


def _text(value, name: str, limit: int) -> str:
    if not isinstance(value, str):
        raise ScimError(400, f"{name} must be a string.", "invalidValue")
    value = value.strip()
    if len(value) > limit:
        raise ScimError(400, f"{name} is longer than {limit} characters.", "invalidValue")
    return value


def _user_json(user: User, identity: ScimIdentity | None) -> dict:
    given, _sep, family = user.display_name.partition(" ")
    body = {
        "schemas": [USER_SCHEMA],
        "id": str(user.pk),
        "userName": user.email,
        "displayName": user.display_name,
        "name": {"formatted": user.display_name, "givenName": given, "familyName": family},
        "emails": [{"value": user.email, "type": "work", "primary": True}],
        "active": user.is_active,
        "meta": {
            "resourceType": "User",
            "created": user.date_joined.isoformat(),
            "location": absolute_url(reverse("scim_user", kwargs={"pk": user.pk})),
        },
    }
    if identity is not None and identity.external_id:
        body["externalId"] = identity.external_id
    return body


def _identity(provider, user) -> ScimIdentity | None:
    return ScimIdentity.objects.filter(provider=provider, user=user).first()


def _managed(provider) -> models.QuerySet:
    """The people `provider` provisioned or was linked to: all it may see or change."""
    return User.objects.filter(scim_identities__provider=provider)


def _get_user(provider, pk: str) -> User:
    user = _managed(provider).filter(pk=int(pk)).first() if str(pk).isdigit() else None
    if user is None:  # someone the provider does not manage looks exactly like nobody
        raise ScimError(404, f"No user with id {pk}.")
    return user


def _refuse_admins(user: User) -> None:
    if user.has_admin_rights:
        raise ScimError(403, "People with admin rights are managed in riskdesk, not over SCIM.")


def _attributes(body: dict) -> dict:
    """What riskdesk keeps from a User resource: userName, displayName, externalId, active."""
    found = {}
    if "userName" in body:
        email = _text(body["userName"], "userName", 254).lower()
        try:
            validate_email(email)
        except ValidationError:
            raise ScimError(
                400, "userName must be the person's e-mail address.", "invalidValue"
            ) from None
        found["email"] = email
    name = body.get("name")
    if name is not None and not isinstance(name, dict):
        raise ScimError(400, "name must be an object.", "invalidValue")
    parts = {
        key: _text(value, f"name.{key}", 150)
        for key, value in (name or {}).items()
        if key in NAME_PARTS and value is not None
    }
    display = body.get("displayName")
    if display is not None:
        found["display_name"] = _text(display, "displayName", 150)
    elif parts:
        formatted = parts.get("formatted") or " ".join(
            parts.get(k, "") for k in ("givenName", "familyName")
        )
        if formatted.strip():
            found["display_name"] = _text(formatted, "name.formatted", 150)
    if "externalId" in body:
        found["external_id"] = _text(body["externalId"] or "", "externalId", 255)
    if "active" in body:
        found["active"] = _bool(body["active"], "active")
    if "emails" in body and not isinstance(body["emails"], list):
        raise ScimError(400, "emails must be a list.", "invalidValue")
    return found


# --- Changes ---------------------------------------------------------------------------------


def _create(provider, body: dict) -> User:
    attrs = _attributes(body)
    if "email" not in attrs:
        raise ScimError(400, "userName is required.", "invalidValue")
    with transaction.atomic():
        if User.objects.filter(email__iexact=attrs["email"]).exists():
            raise ScimError(409, "A user with this userName already exists.", "uniqueness")
        user = User.objects.create_user(
            attrs["email"], password=None, display_name=attrs.get("display_name") or attrs["email"]
        )
        ScimIdentity.objects.create(
            provider=provider, user=user, external_id=attrs.get("external_id", "")
        )
        audit_record(
            actor=None,
            verb="scim.user_create",
            target=user,
            after=snapshot(user, USER_AUDIT_FIELDS) | {"provider": provider.name},
        )
    if attrs.get("active") is False:
        offboarding_case_open_from_idp(provider=provider, person=user)
        user.refresh_from_db()
    return user


def _apply(provider, user: User, attrs: dict) -> User:
    """Apply provider changes; `active: false` opens the offboarding case (after the rest)."""
    with transaction.atomic():
        user = _managed(provider).select_for_update(of=("self",)).get(pk=user.pk)
        _refuse_admins(user)
        before = snapshot(user, USER_AUDIT_FIELDS)
        if "email" in attrs and attrs["email"] != user.email:
            if User.objects.filter(email__iexact=attrs["email"]).exclude(pk=user.pk).exists():
                raise ScimError(409, "Another user has this userName.", "uniqueness")
            user.email = attrs["email"]
        if attrs.get("display_name"):
            user.display_name = attrs["display_name"]
        if attrs.get("active") is True and not user.is_active:
            if user.offboarding_cases.filter(status=CaseStatus.OPEN).exists():
                raise ScimError(
                    409,
                    "This person's offboarding case is open: HR must finish it first.",
                    "mutability",
                )
            user.is_active = True
            user.employment_status = EmploymentStatus.ACTIVE
            user.departed_at = None
        user.save()
        if "external_id" in attrs:
            ScimIdentity.objects.filter(provider=provider, user=user).update(
                external_id=attrs["external_id"]
            )
        after = snapshot(user, USER_AUDIT_FIELDS)
        if after != before:
            audit_record(
                actor=None,
                verb="scim.user_update",
                target=user,
                before=before,
                after=after | {"provider": provider.name},
            )
    if attrs.get("active") is False:
        offboarding_case_open_from_idp(provider=provider, person=user)
        user.refresh_from_db()
    return user


NAME_PARTS = ("formatted", "givenName", "familyName")
PATH_ATTRIBUTES = {
    "active": "active",
    "username": "userName",
    "displayname": "displayName",
    "externalid": "externalId",
    "name.formatted": "name.formatted",
    "name.givenname": "name.givenName",
    "name.familyname": "name.familyName",
}


def _patch(provider, user: User, body: dict) -> User:
    if PATCH_SCHEMA not in (body.get("schemas") or []):
        raise ScimError(400, f"A PATCH body must name the schema {PATCH_SCHEMA}.", "invalidSyntax")
    operations = body.get("Operations")
    if not isinstance(operations, list) or not operations:
        raise ScimError(400, "Operations must be a non-empty list.", "invalidSyntax")
    resource: dict = {}
    name: dict = {}
    for number, operation in enumerate(operations):
        if not isinstance(operation, dict):
            raise ScimError(400, f"Operation {number} is not an object.", "invalidSyntax")
        op = str(operation.get("op", "")).lower()
        if op not in ("add", "replace", "remove"):
            raise ScimError(
                400, f"Operation {number}: op must be add, replace or remove.", "invalidSyntax"
            )
        path, value = operation.get("path"), operation.get("value")
        if op == "remove":
            continue  # riskdesk keeps no optional attribute a provider could remove
        if path is None:
            if not isinstance(value, dict):
                raise ScimError(
                    400,
                    f"Operation {number}: without a path, value must be an object.",
                    "invalidValue",
                )
            for key, item in value.items():
                key = PATH_ATTRIBUTES.get(str(key).lower(), key)
                if key.startswith("name."):
                    name[key[5:]] = item
                else:
                    resource[key] = item
            continue
        if not isinstance(path, str):
            raise ScimError(400, f"Operation {number}: path must be a string.", "invalidPath")
        key = PATH_ATTRIBUTES.get(path.strip().lower())
        if key is None:
            continue  # attributes riskdesk does not keep (title, manager…) are accepted and ignored
        if key.startswith("name."):
            name[key[5:]] = value
        else:
            resource[key] = value
    if name:
        resource["name"] = name
    return _apply(provider, user, _attributes(resource))


def _list(provider, request) -> dict:
    users = _managed(provider).order_by("pk")
    raw_filter = request.GET.get("filter")
    if raw_filter:
        match = FILTER.match(raw_filter)
        if match is None:
            raise ScimError(
                400,
                'Supported filters: userName, externalId, emails or id eq "value".',
                "invalidFilter",
            )
        attribute, value = match.group(1).lower(), match.group(2).replace('\\"', '"')
        if attribute in ("username", "emails", "emails.value"):
            users = users.filter(email__iexact=value)
        elif attribute == "id":
            users = users.filter(pk=int(value)) if value.isdigit() else users.none()
        else:
            users = users.filter(
                scim_identities__provider=provider, scim_identities__external_id=value
            )
    try:
        start = max(1, int(request.GET.get("startIndex", 1)))
        count = min(MAX_PAGE, max(0, int(request.GET.get("count", 100))))
    except ValueError:
        raise ScimError(400, "startIndex and count must be integers.", "invalidValue") from None
    total = users.count()
    page = list(users[start - 1 : start - 1 + count])
    identities = {
        i.user_id: i for i in ScimIdentity.objects.filter(provider=provider, user__in=page)
    }
    return {
        "schemas": [LIST_SCHEMA],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": len(page),
        "Resources": [_user_json(u, identities.get(u.pk)) for u in page],
    }


# --- Endpoints --------------------------------------------------------------------------------


def _endpoint(handler):
    def view(request, *args, **kwargs):
        try:
            provider = _authenticate(request)
            return handler(request, provider, *args, **kwargs)
        except ScimError as exc:
            return _error(exc)

    view.__name__ = handler.__name__
    view.__doc__ = handler.__doc__
    return csrf_exempt(view)


@_endpoint
def users(request, provider):
    """`/scim/v2/Users`: GET lists (with a filter), POST creates."""
    if request.method == "GET":
        return _response(_list(provider, request))
    if request.method == "POST":
        user = _create(provider, _body(request))
        body = _user_json(user, _identity(provider, user))
        return _response(body, 201, {"Location": body["meta"]["location"]})
    raise ScimError(405, f"{request.method} is not supported here.")


@_endpoint
def user(request, provider, pk):
    """`/scim/v2/Users/{id}`: GET, PUT, PATCH; DELETE deprovisions (opens the offboarding case)."""
    person = _get_user(provider, pk)
    if request.method in ("PUT", "PATCH", "DELETE"):
        _refuse_admins(person)
    if request.method == "GET":
        return _response(_user_json(person, _identity(provider, person)))
    if request.method == "PUT":
        body = _body(request)
        if "userName" not in body:
            raise ScimError(
                400, "A PUT carries the whole resource: userName is required.", "invalidValue"
            )
        person = _apply(provider, person, _attributes(body))
    elif request.method == "PATCH":
        person = _patch(provider, person, _body(request))
    elif request.method == "DELETE":
        offboarding_case_open_from_idp(provider=provider, person=person)
        return _response(None, 204)
    else:
        raise ScimError(405, f"{request.method} is not supported here.")
    return _response(_user_json(person, _identity(provider, person)))


@_endpoint
def service_provider_config(request, provider):
    return _response(
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "patch": {"supported": True},
            "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": True, "maxResults": MAX_PAGE},
            "changePassword": {"supported": False},
            "sort": {"supported": False},
            "etag": {"supported": False},
            "authenticationSchemes": [
                {
                    "type": "oauthbearertoken",
                    "name": "Bearer token",
                    "description": "One token per identity provider, made in riskdesk.",
                    "primary": True,
                }
            ],
        }
    )
