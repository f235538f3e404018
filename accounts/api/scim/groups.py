"""SCIM 2.0 `/scim/v2/Groups` (RFC 7643 §4.2, RFC 7644): the provider's groups and members.

Authenticated like `/Users` (the provider's bearer token); each provider sees only its own
groups, and members are people it manages (any other id is refused with `invalidValue`,
exactly like a missing one). Okta's and Entra's PATCH forms are accepted:
`{"op": "add", "path": "members", "value": [{"value": "<id>"}]}`,
`{"op": "remove", "path": "members[value eq \"<id>\"]"}`, `{"op": "remove", "path":
"members", "value": [...]}` and `{"op": "replace", "value": {"displayName": …}}`.

The single sign-on provider linked to this SCIM connection maps group names to roles
(accounts.services.sso): after every change, the roles of the people who joined or left
follow (being in a mapped group gives its role, leaving takes it away). Every change is
audited (`scim.group_create`, `scim.group_update`, `scim.group_delete`).
"""

import re

from django.db import transaction
from django.urls import reverse

from accounts.api.scim import (
    LIST_SCHEMA,
    MAX_PAGE,
    PATCH_SCHEMA,
    ScimError,
    _body,
    _endpoint,
    _managed,
    _response,
    _text,
)
from accounts.models import ScimGroup, User
from accounts.services import scim_group_roles_sync
from riskdesk.audit import audit_record
from riskdesk.mail import absolute_url

GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
FILTER = re.compile(r'^\s*(displayName|externalId|id)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$', re.I)
MEMBER_PATH = re.compile(r'^\s*members\s*\[\s*value\s+eq\s+"([^"]*)"\s*\]\s*$', re.I)


def _group_json(group: ScimGroup, members: bool = True) -> dict:
    body = {
        "schemas": [GROUP_SCHEMA],
        "id": str(group.pk),
        "displayName": group.display_name,
        "meta": {
            "resourceType": "Group",
            "created": group.created_at.isoformat(),
            "lastModified": group.updated_at.isoformat(),
            "location": absolute_url(reverse("scim_group", kwargs={"pk": group.pk})),
        },
    }
    if group.external_id:
        body["externalId"] = group.external_id
    if members:
        body["members"] = [
            {
                "value": str(user.pk),
                "display": user.display_name,
                "$ref": absolute_url(reverse("scim_user", kwargs={"pk": user.pk})),
            }
            for user in group.members.all()
        ]
    return body


def _snapshot(group: ScimGroup) -> dict:
    return {
        "display_name": group.display_name,
        "external_id": group.external_id,
        "members": sorted(group.members.values_list("pk", flat=True)),
        "provider": group.provider.name,
    }


def _get(provider, pk: str) -> ScimGroup:
    group = (
        ScimGroup.objects.filter(provider=provider, pk=int(pk)).first()
        if str(pk).isdigit()
        else None
    )
    if group is None:
        raise ScimError(404, f"No group with id {pk}.")
    return group


def _member_ids(provider, value) -> set[int]:
    """The ids of a `members` value (a list of {"value": id}), all people `provider` manages."""
    if value is None:
        return set()
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise ScimError(400, "members must be a list.", "invalidValue")
    ids = set()
    for member in value:
        raw = member.get("value") if isinstance(member, dict) else None
        if not isinstance(raw, str | int) or not str(raw).isdigit():
            raise ScimError(400, "Each member needs the value of a user id.", "invalidValue")
        ids.add(int(raw))
    known = set(_managed(provider).filter(pk__in=ids).values_list("pk", flat=True))
    if ids - known:
        missing = ", ".join(str(i) for i in sorted(ids - known))
        raise ScimError(400, f"No user with id {missing}.", "invalidValue")
    return ids


def _name(value) -> str:
    name = _text(value, "displayName", 255)
    if not name:
        raise ScimError(400, "displayName is required.", "invalidValue")
    return name


def _save(provider, group: ScimGroup | None, *, name=None, external_id=None, members=None):
    """Create or change a group (members replaced when given), audit, sync roles."""
    with transaction.atomic():
        if group is not None:
            group = ScimGroup.objects.select_for_update().get(pk=group.pk)
        before = _snapshot(group) if group is not None else None
        if name is not None:
            taken = ScimGroup.objects.filter(provider=provider, display_name__iexact=name)
            if group is not None:
                taken = taken.exclude(pk=group.pk)
            if taken.exists():
                raise ScimError(409, "A group with this displayName already exists.", "uniqueness")
        if group is None:
            group = ScimGroup.objects.create(
                provider=provider, display_name=name, external_id=external_id or ""
            )
        else:
            group.display_name = name if name is not None else group.display_name
            if external_id is not None:
                group.external_id = external_id
            group.save()
        if members is not None:
            group.members.set(members)
        after = _snapshot(group)
        if before is None:
            audit_record(actor=None, verb="scim.group_create", target=group, after=after)
        elif after != before:
            audit_record(
                actor=None, verb="scim.group_update", target=group, before=before, after=after
            )
        touched = set(after["members"]) | set((before or {}).get("members", []))
        scim_group_roles_sync(provider=provider, users=User.objects.filter(pk__in=touched))
    return group


def _patch(provider, group: ScimGroup, body: dict) -> ScimGroup:
    if PATCH_SCHEMA not in (body.get("schemas") or []):
        raise ScimError(400, f"A PATCH body must name the schema {PATCH_SCHEMA}.", "invalidSyntax")
    operations = body.get("Operations")
    if not isinstance(operations, list) or not operations:
        raise ScimError(400, "Operations must be a non-empty list.", "invalidSyntax")
    members = set(group.members.values_list("pk", flat=True))
    name = external_id = None
    for number, operation in enumerate(operations):
        if not isinstance(operation, dict):
            raise ScimError(400, f"Operation {number} is not an object.", "invalidSyntax")
        op = str(operation.get("op", "")).lower()
        path, value = operation.get("path"), operation.get("value")
        if op not in ("add", "replace", "remove"):
            raise ScimError(
                400, f"Operation {number}: op must be add, replace or remove.", "invalidSyntax"
            )
        if path is not None and not isinstance(path, str):
            raise ScimError(400, f"Operation {number}: path must be a string.", "invalidPath")
        key = (path or "").strip().lower()
        selected = MEMBER_PATH.match(path or "")
        if path is None:
            if op == "remove" or not isinstance(value, dict):
                raise ScimError(
                    400,
                    f"Operation {number}: without a path, value must be an object.",
                    "invalidValue",
                )
            for attribute, item in value.items():
                attribute = attribute.lower()
                if attribute == "displayname":
                    name = _name(item)
                elif attribute == "externalid":
                    external_id = _text(item or "", "externalId", 255)
                elif attribute == "members":
                    ids = _member_ids(provider, item)
                    members = ids if op == "replace" else members | ids
        elif selected is not None:
            if op != "remove":
                raise ScimError(400, f"Operation {number}: use add with members.", "invalidPath")
            members.discard(int(selected.group(1)) if selected.group(1).isdigit() else -1)
        elif key == "members":
            if op == "remove":
                members = members - _member_ids(provider, value) if value is not None else set()
            elif op == "add":
                members |= _member_ids(provider, value)
            else:
                members = _member_ids(provider, value)
        elif key == "displayname":
            if op == "remove":
                raise ScimError(400, "displayName is required.", "mutability")
            name = _name(value)
        elif key == "externalid":
            external_id = "" if op == "remove" else _text(value or "", "externalId", 255)
        else:
            raise ScimError(400, f"Operation {number}: unknown path {path!r}.", "invalidPath")
    return _save(provider, group, name=name, external_id=external_id, members=members)


def _list(provider, request) -> dict:
    groups = ScimGroup.objects.filter(provider=provider).order_by("pk")
    raw_filter = request.GET.get("filter")
    if raw_filter:
        match = FILTER.match(raw_filter)
        if match is None:
            raise ScimError(
                400, 'Supported filters: displayName, externalId or id eq "value".', "invalidFilter"
            )
        attribute, value = match.group(1).lower(), match.group(2).replace('\\"', '"')
        if attribute == "displayname":
            groups = groups.filter(display_name__iexact=value)
        elif attribute == "id":
            groups = groups.filter(pk=int(value)) if value.isdigit() else groups.none()
        else:
            groups = groups.filter(external_id=value)
    try:
        start = max(1, int(request.GET.get("startIndex", 1)))
        count = min(MAX_PAGE, max(0, int(request.GET.get("count", 100))))
    except ValueError:
        raise ScimError(400, "startIndex and count must be integers.", "invalidValue") from None
    excluded = (request.GET.get("excludedAttributes") or "").lower()
    total = groups.count()
    page = groups.prefetch_related("members")[start - 1 : start - 1 + count]
    return {
        "schemas": [LIST_SCHEMA],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": len(page),
        "Resources": [_group_json(g, members="members" not in excluded) for g in page],
    }


@_endpoint
def groups(request, provider):
    """`/scim/v2/Groups`: GET lists (with a filter), POST creates."""
    if request.method == "GET":
        return _response(_list(provider, request))
    if request.method == "POST":
        body = _body(request)
        group = _save(
            provider,
            None,
            name=_name(body.get("displayName")),
            external_id=_text(body.get("externalId") or "", "externalId", 255),
            members=_member_ids(provider, body.get("members")),
        )
        data = _group_json(group)
        return _response(data, 201, {"Location": data["meta"]["location"]})
    raise ScimError(405, f"{request.method} is not supported here.")


@_endpoint
def group(request, provider, pk):
    """`/scim/v2/Groups/{id}`: GET, PUT (whole resource), PATCH (members), DELETE."""
    found = _get(provider, pk)
    if request.method == "GET":
        return _response(_group_json(found))
    if request.method == "PUT":
        body = _body(request)
        found = _save(
            provider,
            found,
            name=_name(body.get("displayName")),
            external_id=_text(body.get("externalId") or "", "externalId", 255),
            members=_member_ids(provider, body.get("members")),
        )
    elif request.method == "PATCH":
        found = _patch(provider, found, _body(request))
    elif request.method == "DELETE":
        with transaction.atomic():
            before = _snapshot(found)
            audit_record(actor=None, verb="scim.group_delete", target=found, before=before)
            found.delete()
            scim_group_roles_sync(
                provider=provider, users=User.objects.filter(pk__in=before["members"])
            )
        return _response(None, 204)
    else:
        raise ScimError(405, f"{request.method} is not supported here.")
    return _response(_group_json(found))
