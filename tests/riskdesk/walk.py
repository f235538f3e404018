"""Every URL pattern and API operation of riskdesk, requested with ids filled in.

Shared by the visibility walk (test_visibility_walk.py) and the role-by-endpoint matrix
(test_role_matrix.py): a new route is walked by both without anyone writing a case for it.
"""

import itertools
import re
import uuid
from dataclasses import dataclass, field

from django.contrib.messages.storage.cookie import CookieStorage
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, UUIDConverter
from django.urls.resolvers import RoutePattern
from drf_spectacular.generators import SchemaGenerator

# Patterns not walked, each with its reason. Everything else is.
SKIPPED = {
    "logout": "signs the walking client out",
    "api_schema": "the schema describes operations, not data; the walk reads it instead",
    "api_docs": "a static Swagger page around the schema",
    "set_language": "POST only, and changes the client's language for the rest of the walk",
}
SKIPPED_PREFIXES = {
    "admin/": "Django admin: staff only, and no walked person is staff (asserted)",
}
FIXED_UUID = uuid.UUID("00000000-0000-4000-8000-000000000000")
# Kwargs whose values come from a small known set: each one is walked.
KWARG_CHOICES = {"section": ("tasks", "timeline", "mentions", "statements")}


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    kwargs: tuple[tuple[str, str], ...]  # (name, kind): kind in id, uuid, text, choice
    callback: object = field(default=None, compare=False, repr=False)

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith("api/")


def _kwargs_of(pattern) -> dict[str, object]:
    """Kwarg name → converter (None for a regex group, as DRF's routers write them)."""
    if isinstance(pattern, RoutePattern):
        return dict(pattern.converters)
    return dict.fromkeys(pattern.regex.groupindex)


def _kind(name: str, converter) -> str:
    if name in KWARG_CHOICES:
        return "choice"
    if isinstance(converter, UUIDConverter):
        return "uuid"
    if isinstance(converter, IntConverter) or name == "pk" or name.endswith(("_pk", "_id")):
        return "id"
    if name == "number":
        return "id"
    return "text"


def routes() -> tuple[list[Route], dict[str, str]]:
    """(routes to walk, {pattern: reason} of those skipped)."""
    walked, skipped = [], {}

    def visit(patterns, prefix=""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                visit(entry.url_patterns, prefix + str(entry.pattern))
                continue
            assert isinstance(entry, URLPattern)
            text = prefix + str(entry.pattern)
            kwargs = _kwargs_of(entry.pattern)
            reason = next(
                (why for start, why in SKIPPED_PREFIXES.items() if text.startswith(start)), None
            )
            reason = reason or SKIPPED.get(entry.name)
            if "format" in kwargs:
                reason = "a format suffix: the same view as the route without it"
            if reason is None and not entry.name:
                reason = "no name to reverse"  # none today
            if reason:
                skipped[text] = reason
                continue
            walked.append(
                Route(
                    entry.name,
                    text,
                    tuple((name, _kind(name, conv)) for name, conv in kwargs.items()),
                    entry.callback,
                )
            )

    visit(get_resolver().url_patterns)
    return walked, skipped


def urls(route: Route, *, ident: int, text: str) -> list[str]:
    """The route's URLs with every id kwarg set to `ident` and text ones to `text`."""
    choices = []
    for name, kind in route.kwargs:
        if kind == "id":
            choices.append([(name, ident)])
        elif kind == "uuid":
            choices.append([(name, FIXED_UUID)])
        elif kind == "choice":
            choices.append([(name, value) for value in KWARG_CHOICES[name]])
        else:
            choices.append([(name, text)])
    return [reverse(route.name, kwargs=dict(combo)) for combo in itertools.product(*choices)]


# --- The OpenAPI operations -----------------------------------------------------------------


def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _resolve(spec: dict, node: dict) -> dict:
    while "$ref" in node:
        node = spec["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def body_schema(spec: dict, operation: dict) -> dict | None:
    content = (operation.get("requestBody") or {}).get("content", {})
    media = content.get("application/json")
    return _resolve(spec, media["schema"]) if media else None


def operations(spec: dict):
    """(method, path template, operation) for every operation of the schema."""
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield method, path, operation


def fill_path(path: str, ident: int) -> str:
    return re.sub(r"\{[^}]+\}", str(ident), path)


def sample_value(spec: dict, prop: dict):
    """A plain valid-looking value of a property: the body's other fields, not the probe."""
    prop = _resolve(spec, prop)
    if "enum" in prop:
        return next((v for v in prop["enum"] if v is not None), None)
    if "oneOf" in prop or "allOf" in prop:
        return sample_value(spec, (prop.get("oneOf") or prop.get("allOf"))[0])
    return {
        "string": "walk",
        "integer": 1,
        "number": 1,
        "boolean": False,
        "array": [],
        "object": {},
    }.get(prop.get("type"), "walk")


# --- Reading an answer ----------------------------------------------------------------------

CSRF = re.compile(
    r'(name="csrfmiddlewaretoken" value=")[^"]+|("X-CSRFToken": ")[^"]+|(csrftoken=)[^;\s]+'
)
SHOWN_HEADERS = ("Location", "HX-Redirect", "HX-Retarget", "Content-Type")


def body_text(response) -> str:
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content)
        response.streaming_content = [body]  # a streamed export is read twice by the walk
        return body.decode(errors="replace")
    return response.content.decode(errors="replace")


def flashed(response) -> list[str]:
    """Messages a redirect leaves for the next page (they are part of its answer)."""
    cookie = response.cookies.get("messages")
    if cookie is None or not cookie.value:
        return []
    storage = CookieStorage(RequestFactory().get("/"))
    return [str(m) for m in storage._decode(cookie.value) or []]


def answer(response, replace: dict[str, str]) -> dict:
    """What a response says, with the ids and words asked about set aside."""

    def clean(text: str) -> str:
        text = CSRF.sub(lambda m: (m.group(1) or m.group(2) or m.group(3)) + "TOKEN", text)
        for old, new in replace.items():
            text = text.replace(old, new)
        return text

    return {
        "status": response.status_code,
        "headers": {h: clean(response[h]) for h in SHOWN_HEADERS if response.has_header(h)},
        "messages": [clean(m) for m in flashed(response)],
        "body": clean(body_text(response)),
    }
