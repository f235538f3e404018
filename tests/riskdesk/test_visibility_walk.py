"""The visibility walk (#15): a Legal-queue mention is invisible everywhere, to everyone else.

A mention in a Legal queue the reader is not in, an incident linking it (linked by legal), a
spike whose top mention it is, a stream whose newest mention it is and a notification about
it each hold a marker (in the text, the author's handle and name, the link). The walk then
requests EVERY URL pattern of the project (tests/riskdesk/walk.py walks the resolver; the
few patterns it skips are listed there with their reason) and every operation of the
OpenAPI schema, as each role that may not see the mention, three times:

- "container" pass: ids set to the incident's, spike's, stream's, channel's and team's (they
  all share one id, and text kwargs name the Legal team): the marker and the mention's id
  never appear;
- "hidden" pass: ids (kwargs, the usual id query parameters, mention fields of API bodies)
  set to the hidden mention's, and a search for a word only it holds;
- "missing" pass: the same with an id and a word nothing has.

The hidden and missing passes must give the same answer (status, redirect, flashed
messages and body, once the id and word asked about are set aside, CSRF tokens too, time
frozen), so an id or a word cannot be probed. A new URL that leaks fails here with no new
case. Walked as social, legal (not in that Legal team), hr, manager, no role and nobody;
only admins hold mention.view_restricted (accounts/roles.py, checked below).
"""

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
import time_machine
from django.urls import resolve

from accounts.models import TeamKind, User
from accounts.roles import ROLE_PERMISSIONS
from alerting.models import Notification, NotificationChannel, SpikeAlert
from inbox.services import viewing_mark
from incidents import services as incident_services
from monitoring.models import Mention
from tests.accounts.factories import TeamFactory, TeamMembershipFactory, UserFactory
from tests.conftest import ANONYMOUS, NO_ROLE
from tests.incidents.factories import IncidentFactory
from tests.monitoring.factories import MentionFactory, StreamFactory
from tests.riskdesk import walk

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
MARKER = "Qzvmarker"
SEARCH_WORD = "plonkwert"  # only the hidden mention says it
OTHER_WORD = "grimbolt"  # nothing says it
HIDDEN = 987_001  # the hidden mention
MISSING = 987_002  # nothing
CONTAINER = 987_003  # the incident, spike, stream, channel and team around it
LEGAL_SLUG = "walk-legal"
READERS = ["social", "legal", "hr", "manager", NO_ROLE, ANONYMOUS]
MENTION_FIELDS = {"mentions", "ids", "mention", "mention_ids", "impersonation_mention"}


def test_only_admins_see_every_queue():
    """The readers walked below are all those without mention.view_restricted."""
    holders = {
        role
        for role, perms in ROLE_PERMISSIONS.items()
        if "monitoring.view_restricted_mention" in perms
    }
    assert holders == {"admin"}


@pytest.fixture
def world(user_for):
    """The hidden mention and what surrounds it, at a frozen time."""
    with time_machine.travel(NOW, tick=False):
        member = UserFactory(email="member@example.com", display_name="Lena Legal", roles=["legal"])
        legal = TeamFactory(pk=CONTAINER, name="Walk legal", slug=LEGAL_SLUG, kind=TeamKind.LEGAL)
        TeamMembershipFactory(team=legal, user=member)
        stream = StreamFactory(pk=CONTAINER, name="Walk stream")
        visible = MentionFactory(
            stream=stream, text="An ordinary complaint", published_at=NOW - timedelta(minutes=30)
        )
        MentionFactory(
            pk=HIDDEN, stream=stream, team=legal, risk_score=95, sentiment_label="negative",
            text=f"{MARKER} says {SEARCH_WORD}: cease and desist",
            author_handle=f"{MARKER}_handle", author_name=f"{MARKER} Name",
            url=f"https://example.com/{MARKER}", published_at=NOW - timedelta(minutes=10),
        )  # fmt: skip
        incident = IncidentFactory(pk=CONTAINER, title="Walk incident")
        incident_services.incident_link_mentions(
            actor=member, incident=incident, mentions=[HIDDEN, visible.pk]
        )
        SpikeAlert.objects.create(
            pk=CONTAINER, stream=stream, negative_only=False,
            window_start=NOW - timedelta(hours=1), window_end=NOW, count=2,
            baseline_mean=0.1, baseline_std=1.0, zscore=3.0,
            top_mention_ids=[HIDDEN, visible.pk], top_words=["ordinary"],
        )  # fmt: skip
        channel = NotificationChannel.objects.create(
            pk=CONTAINER, team=legal, name="Walk legal mail",
            kind=NotificationChannel.Kind.EMAIL, target="legal@example.com",
        )  # fmt: skip
        Notification.objects.create(
            channel=channel,
            subject=f"Risky mention for Walk legal: risk 95 from @{MARKER}_handle",
            payload={"mentions": [{"id": HIDDEN, "text": MARKER}]},
            mention_ids=[HIDDEN],
        )
        viewing_mark(HIDDEN, member)
        assert Mention.objects.get(pk=HIDDEN).incident_links.exists()
    yield
    assert not User.objects.filter(is_staff=True).exists()  # the admin site is skipped


def _query(ident: int, word: str) -> str:
    return urlencode(
        {
            "mentions": ident,
            "mention": ident,
            "impersonation": ident,
            "ids": ident,
            "id": ident,
            "q": word,
            "changed_since": (NOW - timedelta(days=1)).isoformat(),
        }
    )


def _container_query() -> str:
    return urlencode({"spike": CONTAINER, "incident": CONTAINER, "stream": CONTAINER})


def _api_body(spec, operation, ident: int, word: str) -> dict | None:
    """A body for the operation naming `ident` in its mention fields; None if it has none."""
    shape = walk.body_schema(spec, operation)
    if not shape or "properties" not in shape:
        return None
    props = shape["properties"]
    body = {name: walk.sample_value(spec, props[name]) for name in shape.get("required", [])}
    named = False
    for name in MENTION_FIELDS & set(props):
        kind = walk._resolve(spec, props[name]).get("type")
        body[name] = [ident] if kind == "array" else ident
        named = True
    if "conditions" in props:  # rule tests: a search over mention text
        body["conditions"] = [{"field": "keywords", "value": [word]}]
        named = True
    return body if named else None


# HTML forms that take mention ids or search mention text ({id}, {word}).
FORM_POSTS = [
    ("/incidents/link/", {"incident": CONTAINER, "mentions": "{id}"}),
    ("/inbox/bulk/", {"ids": "{id}", "action": "status", "status": "resolved"}),
    ("/inbox/bulk/", {"ids": "{id}", "action": "declare"}),
    ("/incidents/declare/", {"title": "Walk", "severity": "3", "mentions": "{id}"}),
    (
        "/rules/new/",
        {"match": "any", "rows": "1", "field_0": "keywords", "value_0": "{word}", "test": "1"},
    ),
]


def _requests(routes, spec, *, ident: int, word: str, container: bool):
    """(label, method, url, data, is_api) of one pass.

    The container pass asks only the routes with ids (the others are asked, with the
    container ids in their query, by the two other passes).
    """
    query = _container_query() if container else f"{_container_query()}&{_query(ident, word)}"
    text = LEGAL_SLUG if container else "no-such-slug"
    for route in routes:
        if container and not route.kwargs:
            continue
        for url in walk.urls(route, ident=ident, text=text):
            yield route.pattern, "get", f"{url}?{query}", None, route.is_api
    for method, path, operation in walk.operations(spec):
        if method in ("get", "put", "delete"):
            continue  # every GET was asked above; PUT and DELETE take no mention id
        body = _api_body(spec, operation, ident, word)
        if body is None and "{" in path and not container:
            body = {}  # a write on an id: only the hidden mention has it
        if body is not None:
            yield f"{method.upper()} {path}", method, walk.fill_path(path, ident), body, True
    if not container:
        for url, form in FORM_POSTS:
            data = {k: str(v).format(id=ident, word=word) for k, v in form.items()}
            yield f"POST {url}", "post", url, data, False


def _ask(client, method, url, data, is_api):
    if is_api:
        if method == "get":
            return client.get(url, HTTP_ACCEPT="application/json")
        return client.generic(
            method.upper(), url, json.dumps(data or {}), content_type="application/json"
        )
    if method == "get":
        return client.get(url)
    return client.post(url, data or {})


@pytest.mark.parametrize("role", READERS)
def test_the_hidden_mention_shows_nowhere(world, client_for, role):
    routes, _skipped = walk.routes()
    spec = walk.schema()
    client = client_for(role)
    leaks, probes = [], []
    with time_machine.travel(NOW + timedelta(seconds=1), tick=False):  # "viewing" still fresh
        for label, method, url, data, is_api in _requests(
            routes, spec, ident=CONTAINER, word=OTHER_WORD, container=True
        ):
            body = walk.body_text(_ask(client, method, url, data, is_api))
            client.cookies.pop("messages", None)
            if MARKER.lower() in body.lower() or str(HIDDEN) in body:
                leaks.append(f"{method.upper()} {url} ({label})")
        hidden = list(_requests(routes, spec, ident=HIDDEN, word=SEARCH_WORD, container=False))
        missing = list(_requests(routes, spec, ident=MISSING, word=OTHER_WORD, container=False))
        assert len(hidden) == len(missing)
        for (label, method, url, data, is_api), (_l, _m, other_url, other_data, _a) in zip(
            hidden, missing, strict=True
        ):
            seen = _ask(client, method, url, data, is_api)
            client.cookies.pop("messages", None)
            if seen.status_code == 405 and method == "get" and not is_api:
                # A form's target: post to it (only the hidden mention has this id).
                method, url, other_url = "post", url.split("?")[0], other_url.split("?")[0]
                data = other_data = {}
                seen = _ask(client, method, url, data, is_api)
                client.cookies.pop("messages", None)
            if MARKER.lower() in walk.body_text(seen).lower():
                leaks.append(f"{method.upper()} {url} ({label})")
            unknown = _ask(client, method, other_url, other_data, is_api)
            client.cookies.pop("messages", None)
            a = walk.answer(seen, {str(HIDDEN): "ID", SEARCH_WORD: "WORD"})
            b = walk.answer(unknown, {str(MISSING): "ID", OTHER_WORD: "WORD"})
            if a != b:
                probes.append(f"{method.upper()} {url} ({label}): {_difference(a, b)}")
    if leaks or probes:
        pytest.fail(
            f"{role} sees the hidden mention through:\n"
            + "\n".join(leaks)
            + f"\n{role} tells a hidden id or word from a missing one through:\n"
            + "\n".join(probes)
        )


def test_the_walk_would_see_the_mention_where_it_shows(world, client_for):
    """The fixture is right: whoever may read the Legal queue finds the marker."""
    client = client_for("admin")
    with time_machine.travel(NOW + timedelta(seconds=1), tick=False):
        for url in (
            f"/inbox/{HIDDEN}/",
            f"/streams/{CONTAINER}/",
            f"/spikes/{CONTAINER}/",
            f"/incidents/{CONTAINER}/live/mentions/",
            f"/incidents/declare/?mentions={HIDDEN}",
            "/notifications/channels/",
        ):
            assert MARKER in walk.body_text(client.get(url)), url


def test_the_walk_covers_every_operation_of_the_schema():
    """Every API path of the schema is a route the walk asks (GET) or writes to."""
    routes, _skipped = walk.routes()
    walked = {route.name for route in routes}
    for _method, path, _operation in walk.operations(walk.schema()):
        match = resolve(walk.fill_path(path, MISSING))
        assert match.url_name in walked, path


def _difference(a: dict, b: dict) -> str:
    for key in ("status", "headers", "messages"):
        if a[key] != b[key]:
            return f"{key} {a[key]!r} != {b[key]!r}"
    lines_a, lines_b = a["body"].splitlines(), b["body"].splitlines()
    for line_a, line_b in zip(lines_a, lines_b, strict=False):
        if line_a != line_b:
            return f"body {line_a.strip()[:160]!r} != {line_b.strip()[:160]!r}"
    return f"body of {len(lines_a)} lines != {len(lines_b)} lines"
