"""No error in the browser console on any page, for any role (issue #20, part 6).

One Chromium page signs in as each demo role and visits every page of its menu, every
parameterless page of the URLconf (tests/riskdesk/walk.py lists them) and the detail pages of
the demo's records, then opens a mention in the inbox and tests a rule on its form (htmx swaps).
It fails on a console error, an uncaught exception, or a Content Security Policy violation
(the `securitypolicyviolation` event, reported to the test as it happens).
"""

import re
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.urls import reverse
from playwright.sync_api import Error as PlaywrightError

from tests.e2e.session import sign_in
from tests.riskdesk import walk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROLES = ("admin", "social", "legal", "hr", "manager")  # admin first: it may see the most

# Parameterless patterns that are not pages to look at.
NOT_PAGES = {
    "healthz",  # plain text for the load balancer
    "api_not_found",  # the API's JSON 404
    "inbox_poll",  # an htmx fragment, polled
    "inbox_toolbar",  # an htmx fragment (the toolbar's pickers)
    "inbox_bulk",  # POST only
    "saved_view_create",  # POST only
    "publishing_preview",  # an htmx fragment
    "keyword_try",  # an htmx fragment
    "incident_link_mentions",  # POST only
    "connected_account_oauth_start",  # off to the network's sign-in page
    "connected_account_oauth_callback",  # the network's way back, with its code
    "sso_callback",  # the identity provider's way back, with its code
    "two_factor_setup",  # would start a second factor for the person
    "two_factor_verify",  # a step of signing in, not a page of a signed-in person
    "two_factor_disable",  # POST only
    "scim_service_provider_config",  # SCIM JSON for the provider
    "scim_users",  # SCIM JSON for the provider
}
NOT_PAGE_PREFIXES = ("login/", "password/reset/", "i18n/", "scim/")
# Pages the walk leaves out that a person reaches from the account menu.
MENU_EXTRAS = ("/api/docs/",)  # drf-spectacular's Swagger page

# The detail pages of the demo's records: URL name, model, kwarg → attribute path.
DETAILS = (
    ("mention_panel", "monitoring.Mention", {"pk": "pk"}),
    ("incident_detail", "incidents.Incident", {"pk": "pk"}),
    ("playbook_detail", "incidents.Playbook", {"pk": "pk"}),
    ("policy_detail", "policies.Policy", {"slug": "slug"}),
    (
        "policy_revision_detail",
        "policies.PolicyRevision",
        {"slug": "policy.slug", "number": "number"},
    ),
    ("training_module_detail", "policies.TrainingModule", {"code": "code"}),
    ("sponsored_post_detail", "compliance.SponsoredPost", {"pk": "pk"}),
    ("offboarding_case_detail", "offboarding.OffboardingCase", {"pk": "pk"}),
    ("stream_detail", "monitoring.Stream", {"pk": "pk"}),
    ("rule_edit", "alerting.Rule", {"pk": "pk"}),
    ("channel_edit", "alerting.NotificationChannel", {"pk": "pk"}),
    ("publishing_post", "publishing.BrandPost", {"pk": "pk"}),
    ("advocacy_post_detail", "advocacy.LibraryPost", {"pk": "pk"}),
    ("advocacy_share_detail", "advocacy.Share", {"pk": "pk"}),
    ("person_detail", "accounts.User", {"pk": "pk"}),
    ("team_detail", "accounts.Team", {"slug": "slug"}),
    ("audit_detail", "riskdesk.AuditEvent", {"pk": "pk"}),
)
# Records the demo must have, so that their pages cannot drop out of the walk unseen.
REQUIRED = {
    "mention_panel",
    "incident_detail",
    "policy_detail",
    "sponsored_post_detail",
    "offboarding_case_detail",
    "stream_detail",
    "rule_edit",
    "publishing_post",
}

REPORT = """
document.addEventListener("securitypolicyviolation", function (e) {
  window.__riskdeskViolation([e.violatedDirective, e.blockedURI, e.sample,
    e.sourceFile + ":" + e.lineNumber].join(" "));
});
"""
# What Chromium logs for a page a role may not see (403) or that does not exist for it (404):
# the walk visits every page with every role, so these are expected answers, not errors.
REFUSED = re.compile(r"Failed to load resource: the server responded with a status of 40[345]")


def _attr(obj, path: str):
    for name in path.split("."):
        obj = getattr(obj, name)
    return obj


def parameterless_pages() -> list[str]:
    routes, _ = walk.routes()
    urls = []
    for route in routes:
        if route.kwargs or route.is_api or route.name in NOT_PAGES:
            continue
        if route.pattern.startswith(NOT_PAGE_PREFIXES):
            continue
        urls.append(reverse(route.name))
    return sorted({*urls, *MENU_EXTRAS})


def detail_pages() -> list[str]:
    urls, found = [], set()
    for name, label, kwargs in DETAILS:
        obj = apps.get_model(label).objects.order_by("pk").first()
        if obj is None:
            continue
        found.add(name)
        urls.append(reverse(name, kwargs={k: _attr(obj, path) for k, path in kwargs.items()}))
    missing = REQUIRED - found
    assert not missing, f"the demo has no record for {sorted(missing)}"
    return urls


@dataclass
class Console:
    """What the browser reported, attributed to the role and the page being visited."""

    where: str = ""
    problems: list[str] = field(default_factory=list)

    def add(self, kind: str, text: str) -> None:
        self.problems.append(f"{self.where}: {kind}: {text}")


def watch(context, page) -> Console:
    console = Console()
    context.expose_function("__riskdeskViolation", lambda text: console.add("CSP", text))
    context.add_init_script(REPORT)

    def on_console(message):
        if message.type == "error" and not REFUSED.search(message.text):
            console.add("console", message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: console.add("exception", str(error)))
    return console


def visit(page, console, base: str, path: str, role: str) -> int:
    """Go to the page; its status, 0 when there is none to look at."""
    console.where = f"{role} {path}"
    try:
        response = page.goto(base + path, wait_until="load")
    except PlaywrightError as exc:
        # An error answered without a body (405 of a POST-only view): no page to look at.
        if "ERR_HTTP_RESPONSE_CODE_FAILURE" not in str(exc):
            raise
        page.wait_for_url("chrome-error://chromewebdata/")  # settled before the next one
        return 0
    return response.status


def test_no_console_error_or_csp_violation_on_any_page(live_server, browser, demo):
    """Each role: its menu and the detail pages; each parameterless page by the first role
    that may see it (the others would be shown the same template, or a 403)."""
    pages = parameterless_pages()
    details = detail_pages()
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    console = watch(context, page)
    base = live_server.url
    seen = set()

    for path in ("/login/", "/password/reset/"):  # before anyone signs in
        visit(page, console, base, path, "anonymous")

    for role in ROLES:
        console.where = f"{role} sign-in"
        sign_in(page, live_server, role, demo)
        # htmx injects no <style> for its indicators, and never copies an element's style
        # attribute across a swap with setAttribute (an inline style: a CSP violation when a
        # browser extension or a test tool has set one on a field).
        assert page.evaluate("htmx.config.includeIndicatorStyles") is False
        assert "style" not in page.evaluate("htmx.config.attributesToSettle")
        menu = page.eval_on_selector_all(
            ".sidebar__nav a[href]", "links => links.map(a => a.getAttribute('href'))"
        )
        assert menu, f"{role} has no menu"
        unseen = [path for path in pages if path not in seen]
        for path in dict.fromkeys([*menu, *details, *unseen]):
            status = visit(page, console, base, path, role)
            if status == 200:
                seen.add(path)
                assert page.locator("style").count() == 0, f"{role} {path}: a <style> element"

        # htmx at work: a mention opened in the inbox's panel, a rule tested on its form.
        visit(page, console, base, "/inbox/", role)
        rows = page.locator(".inbox-row__text")
        if rows.count():
            rows.first.click()
            page.locator("#panel [data-mention]").wait_for()
        visit(page, console, base, reverse("rule_create"), role)
        test = page.get_by_role("button", name="Test on recent mentions")
        if test.count():
            test.click()
            page.locator("#rule-test-result").wait_for()
            page.wait_for_load_state("networkidle")

    page.goto("about:blank")
    context.close()
    assert set(details) <= seen, f"no role saw {sorted(set(details) - seen)}"
    assert len(seen) > 60
    assert console.problems == [], "\n".join(console.problems)
