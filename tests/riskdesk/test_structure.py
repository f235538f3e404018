"""The shape of the code: one home per feature, every home shaped alike.

These tests read the source, so a new module that breaks a rule fails here without anyone
writing a case for it. README.md ("Architecture") lists the homes.
"""

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(settings.BASE_DIR)
HOMES = [
    "accounts",
    "offboarding",
    "connections",
    "monitoring",
    "inbox",
    "respond",
    "publishing",
    "alerting",
    "incidents",
    "compliance",
    "policies",
    "advocacy",
    "workspace",
    "notifications",
    "reports",
]
PACKAGES = [*HOMES, "riskdesk"]
# The line limit and the module families apply to the benchmarks too.
SOURCES = [*PACKAGES, "benchmarks"]
MAX_LINES = 600
# Every home has these; a module that outgrows its file becomes a package of the same name.
REQUIRED = ["models", "services", "selectors", "views", "urls", "apps"]
# Module names of the common shape, and the entry points of a request.
VIEW_MODULES = {"views", "api"}


def _modules(package: str):
    """(dotted name, path) of every Python module of `package`, migrations excluded."""
    base = ROOT / package
    for path in sorted(base.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if "migrations" in relative.parts:
            continue
        parts = list(relative.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        yield ".".join(parts), path


def _all_modules():
    return {name: path for package in PACKAGES for name, path in _modules(package)}


@pytest.mark.parametrize("package", SOURCES)
def test_no_module_is_over_600_lines(package):
    long = {
        str(path.relative_to(ROOT)): lines
        for _name, path in _modules(package)
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}, f"split these into a package of the same name: {long}"


@pytest.mark.parametrize("package", SOURCES)
def test_no_prefixed_module_family(package):
    """`views_work.py` next to `views.py`, or `offboarding_api.py` next to
    `offboarding_views.py`: a family that should be a package or a home of its own."""
    families = []
    for folder in {path.parent for _name, path in _modules(package)}:
        stems = {p.stem for p in folder.glob("*.py")} | {
            p.name for p in folder.iterdir() if (p / "__init__.py").exists()
        }
        by_prefix = defaultdict(set)
        for stem in stems:
            if "_" in stem.strip("_"):
                by_prefix[stem.strip("_").split("_")[0]].add(stem)
        for prefix, members in by_prefix.items():
            if prefix in stems or len(members) > 1:
                families.append(sorted(members | ({prefix} & stems)))
    assert families == [], f"prefixed module families in {package}: {families}"


@pytest.mark.parametrize("home", HOMES)
def test_every_home_has_the_same_shape(home):
    base = ROOT / home
    missing = [
        name
        for name in REQUIRED
        if not (base / f"{name}.py").exists() and not (base / name / "__init__.py").exists()
    ]
    assert missing == [], f"{home} lacks {missing}"
    assert (ROOT / "templates" / home).is_dir(), f"templates/{home}/"
    assert (ROOT / "tests" / home / "__init__.py").exists(), f"tests/{home}/"
    urls = (base / "urls.py").read_text()
    assert "urlpatterns" in urls
    assert "API_ROUTES" in urls


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Modules of the project that `name` imports, at module level or inside functions."""
    found = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from a import b` imports a.b when b is a module, else a.
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def _is_layer(name: str, layer: str) -> bool:
    return layer in name.split(".")[1:]


def test_services_never_import_tasks():
    """Tasks call services; services queue tasks by name through riskdesk.jobs."""
    modules = _all_modules()
    known = set(modules)
    offenders = {
        name: sorted(t for t in _imports(name, path, known) if _is_layer(t, "tasks"))
        for name, path in modules.items()
        if not _is_layer(name, "tasks")
    }
    offenders = {name: tasks for name, tasks in offenders.items() if tasks}
    assert offenders == {}


def test_no_import_circle_among_services_selectors_and_tasks():
    modules = _all_modules()
    known = set(modules)
    layers = ("services", "selectors", "tasks")
    nodes = {name for name in modules if any(_is_layer(name, layer) for layer in layers)}
    graph = {name: _imports(name, modules[name], known) & nodes for name in nodes}

    # A package and its own members import each other by design (__init__ re-exports).
    def same_package(a, b):
        return a.startswith(b + ".") or b.startswith(a + ".")

    circles = []
    for start in sorted(nodes):
        stack = [(start, [start])]
        seen = set()
        while stack:
            node, trail = stack.pop()
            for nxt in graph[node]:
                if same_package(node, nxt):
                    continue
                if nxt == start:
                    circles.append(trail)
                elif nxt not in seen and nxt > start:
                    seen.add(nxt)
                    stack.append((nxt, [*trail, nxt]))
    assert circles == []


def _callbacks(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _callbacks(pattern, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.callback


def test_every_page_and_api_route_is_served_from_a_homes_views_or_api():
    """From a URL to its view in one step: the view lives in `<home>.views[.…]` or
    `<home>.api[.…]` (or the shell's own `riskdesk.views` / `riskdesk.api`)."""
    strays = {}
    for route, callback in _callbacks():
        module = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        module = (module or callback).__module__
        top, *rest = module.split(".")
        if top not in PACKAGES or route.startswith("admin/"):
            continue  # Django's admin (with its ModelAdmins' own views), i18n, DRF's schema
        if not rest or rest[0] not in VIEW_MODULES:
            strays[re.sub(r"\^|\$|\\Z", "", route)] = module
    assert strays == {}
