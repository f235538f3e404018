"""The role-by-endpoint matrix (#15): who gets a 2xx from every page and API GET.

Walks the same routes as the visibility walk (tests/riskdesk/walk.py: every URL pattern,
skipped ones listed with their reason) over the demo organisation, with each id set to an
object that exists and that the row's route shows (a mention outside the restricted queues,
an incident with tasks, timeline and statements...), as each role, a person with no role
and nobody. The answer is written as one line per route in tests/riskdesk/role_matrix.txt
(✓: 2xx, ·: anything else) and must match it exactly, so a permission change shows up as a
diff to review.

To regenerate the file after a deliberate change, then review `git diff`:

    RISKDESK_UPDATE_ROLE_MATRIX=1 make test PYTEST_ARGS="tests/riskdesk/test_role_matrix.py"
"""

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import ScimProvider, Team, TeamKind, User
from advocacy.models import LibraryPost, Share
from alerting.models import NotificationChannel, Rule, SpikeAlert
from compliance.models import PostMedia, SponsoredPost
from connections.models import ConnectedAccount
from inbox.models import SavedView
from incidents.models import Incident, Playbook
from monitoring.models import (
    Mention,
    Stream,
    WatchedAuthor,
)
from notifications.models import Notification, NotificationKind
from offboarding.models import (
    AccessGrant,
    BrandAccount,
    OffboardingCase,
    OffboardingTask,
)
from policies.models import Policy, TrainingModule
from publishing.models import BrandPost, LegalRule
from riskdesk.models import AuditEvent
from tests.conftest import ANONYMOUS, NO_ROLE
from tests.monitoring.factories import MentionFactory
from tests.riskdesk import walk

pytestmark = pytest.mark.django_db

MATRIX = Path(__file__).with_name("role_matrix.txt")
COLUMNS = ["social", "legal", "hr", "manager", "admin", NO_ROLE, ANONYMOUS]
HEADER = [
    "# Role-by-endpoint matrix: GET of every route with existing ids.",
    "# ✓ = 2xx, · = anything else. Written by tests/riskdesk/test_role_matrix.py,",
    "# whose docstring says how to regenerate it.",
]
# Pages whose first path segment names their object (API viewsets name it themselves).
PAGE_MODELS = [
    ("audit/", AuditEvent),
    ("people/", User),
    ("streams/", Stream),
    ("connections/", ConnectedAccount),
    ("rules/", Rule),
    ("notifications/channels/", NotificationChannel),
    ("spikes/", SpikeAlert),
    ("watchlist/", WatchedAuthor),
    ("brand-accounts/", BrandAccount),
    ("inbox/views/", SavedView),
    ("notifications/", Notification),
    ("inbox/", Mention),
    ("offboarding/tasks/", OffboardingTask),
    ("offboarding/", OffboardingCase),
    ("access-grants/", AccessGrant),
    ("scim-providers/", ScimProvider),
    ("compliance/posts/", SponsoredPost),
    ("compliance/media/", PostMedia),
    ("publishing/legal-rules/", LegalRule),
    ("publishing/", BrandPost),
    ("incidents/", Incident),
    ("playbooks/", Playbook),
    ("advocacy/posts/", LibraryPost),
    ("advocacy/shares/", Share),
]
# Answers that say how the machine is, not who may ask.
NOT_IN_MATRIX = {"healthz": "its status is the workers' and broker's state"}
CHILDREN = {"task_pk": "tasks", "entry_pk": "timeline", "statement_pk": "statements"}


def _model_of(route):
    cls = getattr(route.callback, "cls", None)
    if cls is not None:
        queryset = getattr(cls, "queryset", None)
        if queryset is not None:
            return queryset.model
        meta = getattr(getattr(cls, "serializer_class", None), "Meta", None)
        if getattr(meta, "model", None) is not None:
            return meta.model
        # Else the router's basename: "offboarding-case-detail" is an OffboardingCase.
        models = {m._meta.model_name: m for m in apps.get_models()}
        parts = route.name.split("-")
        names = ("".join(parts[:k]) for k in range(len(parts), 0, -1))
        return next((models[name] for name in names if name in models), None)
    return next((m for prefix, m in PAGE_MODELS if route.pattern.startswith(prefix)), None)


def _example(model):
    """The object a route of `model` is asked about: one that shows everything it can."""
    objects = model._default_manager.order_by("pk")
    if model is Mention:
        objects = objects.exclude(team__kind__in=[TeamKind.LEGAL, TeamKind.HR])
    if model is Incident:
        objects = objects.filter(statements__isnull=False, tasks__isnull=False).distinct()
    return objects.first()


def _kwargs(route) -> list[tuple[str, dict]]:
    """(row label suffix, kwargs) for each URL of the route."""
    example = None
    model = _model_of(route)
    if model is not None:
        example = _example(model)
    if route.pattern.startswith("policies/"):
        example = _example(Policy)
    values: dict = {}
    for name, kind in route.kwargs:
        if kind == "choice":
            continue
        if kind == "uuid":
            values[name] = walk.FIXED_UUID
        elif name == "pk" and example is not None:
            values[name] = example.pk
        elif name == "review_pk":
            values[name] = _example(SponsoredPost).pk
        elif name in CHILDREN and example is not None:
            child = getattr(example, CHILDREN[name]).order_by("pk").first()
            values[name] = child.pk if child else 0
        elif name.endswith("_pk") and example is not None:
            values[name] = getattr(example, f"{name.removesuffix('_pk')}_id", 0)
        elif name == "slug" and route.pattern.startswith("teams/"):
            values[name] = Team.objects.order_by("pk").first().slug
        elif name == "slug" and example is not None:
            values[name] = example.slug
        elif name == "number" and example is not None:
            values[name] = example.revisions.order_by("-number").first().number
        elif name == "code":
            values[name] = TrainingModule.objects.order_by("pk").first().code
        elif name == "kind":
            values[name] = NotificationKind.ASSIGNED
        else:
            values[name] = 0 if kind == "id" else "x"
    choices = [(n, walk.KWARG_CHOICES[n]) for n, kind in route.kwargs if kind == "choice"]
    if not choices:
        return [("", values)]
    ((name, options),) = choices
    return [(f" [{name}={option}]", values | {name: option}) for option in options]


def _label(pattern: str) -> str:
    """DRF's regex routes written like the others: <pk> instead of (?P<pk>[^/.]+)."""
    pattern = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", pattern)
    return "/" + pattern.replace("^", "").replace("$", "")


def _objects(user_for) -> None:
    """What the demo organisation lacks for a route to have something to show."""
    call_command("seed_demo", verbosity=0)
    stream = Stream.objects.order_by("pk").first()
    mention = MentionFactory(stream=stream, team=None, text="An ordinary complaint")
    now = timezone.now()
    SpikeAlert.objects.create(
        stream=stream, negative_only=True, window_start=now - timedelta(hours=1),
        window_end=now, count=30, baseline_mean=2, baseline_std=1, zscore=5,
        top_mention_ids=[mention.pk],
    )  # fmt: skip
    WatchedAuthor.objects.create(
        platform=mention.platform, author_id=mention.author_id, author_handle="someone"
    )
    SavedView.objects.create(owner=user_for("admin"), name="Mine", query="status=open")
    Notification.objects.all().delete()  # the first one is social's: theirs alone to see
    Notification.objects.create(recipient=user_for("social"), kind="assigned", title="Yours")
    BrandPost.objects.create(title="Launch", text="Brew 3.2 is out", author=user_for("social"))
    LegalRule.objects.create(name="Results", team=Team.objects.order_by("pk").first())


def _matrix(client_for) -> list[str]:
    routes, _skipped = walk.routes()
    routes = [r for r in routes if r.name not in NOT_IN_MATRIX]
    clients = {role: client_for(role) for role in COLUMNS}
    width = max(len(_label(r.pattern)) for r in routes) + 16
    lines = [*HEADER, "".ljust(width) + "".join(f"{c:<10}" for c in COLUMNS).rstrip()]
    rows = []
    for route in routes:
        for suffix, kwargs in _kwargs(route):
            url = reverse(route.name, kwargs=kwargs)
            marks = []
            for role in COLUMNS:
                headers = {"HTTP_ACCEPT": "application/json"} if route.is_api else {}
                status = clients[role].get(url, **headers).status_code
                clients[role].cookies.pop("messages", None)
                marks.append("✓" if 200 <= status < 300 else "·")
            line = f"{_label(route.pattern) + suffix:<{width}}" + "".join(f"{m:<10}" for m in marks)
            rows.append(line.rstrip())
    return lines + sorted(rows)


def test_the_role_matrix_is_the_reviewed_one(client_for, user_for):
    _objects(user_for)
    found = "\n".join(_matrix(client_for)) + "\n"
    if os.environ.get("RISKDESK_UPDATE_ROLE_MATRIX"):
        MATRIX.write_text(found, encoding="utf-8")
    expected = MATRIX.read_text(encoding="utf-8") if MATRIX.exists() else ""
    assert found == expected, (
        "Who may GET what changed: review the difference below, then regenerate "
        "tests/riskdesk/role_matrix.txt (see this test's docstring).\n" + _diff(expected, found)
    )


def _diff(expected: str, found: str) -> str:
    import difflib

    return "".join(
        difflib.unified_diff(
            expected.splitlines(keepends=True),
            found.splitlines(keepends=True),
            "role_matrix.txt",
            "now",
            n=0,
        )
    )
