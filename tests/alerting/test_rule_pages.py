"""The rules pages: who may open and post what, the form's rows turned into the services'
JSON, the test on recent mentions (escaped), order and on/off buttons, deletion, and a
list whose query count does not grow with the rules.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import TeamKind
from alerting.models import Rule
from alerting.services import rules
from monitoring.models import Mention
from riskdesk.models import AuditEvent
from tests.accounts.factories import TeamFactory, UserFactory
from tests.conftest import ANONYMOUS, NO_ROLE
from tests.inbox.factories import restricted_team
from tests.monitoring.factories import MentionFactory, StreamFactory

pytestmark = pytest.mark.django_db

COLUMNS = ["social", "legal", "hr", "manager", "admin", NO_ROLE, ANONYMOUS]
SIGNED_IN = COLUMNS[:-1]
PAGE = 302  # anonymous: sent to /login/
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def only(allowed: dict, refused=403) -> dict:
    return dict.fromkeys(SIGNED_IN, refused) | allowed | {ANONYMOUS: PAGE}


READERS = {"social": 200, "manager": 200, "admin": 200}

RULE_FORM = {
    "name": "Legal threats",
    "enabled": "on",
    "match": "all",
    "rows": "5",
    "field_0": "reason",
    "value_0": "legal",
    "tags": "legal-threat",
    "priority": "3",
}

# (method, path, form, expected status per column, whether an allowed request writes)
MATRIX = [
    ("GET", "/rules/", None, only(READERS), False),
    ("GET", "/rules/new/", None, only({"admin": 200}), False),
    ("GET", "/rules/{rule}/edit/", None, only({"admin": 200}), False),
    ("GET", "/rules/{rule}/delete/", None, only({"admin": 200}), False),
    ("GET", "/rules/{rule}/move/", None, only({}, refused=405), False),
    ("GET", "/rules/{rule}/enabled/", None, only({}, refused=405), False),
    ("POST", "/rules/new/", RULE_FORM, only({"admin": 302}), True),
    ("POST", "/rules/new/", RULE_FORM | {"test": "1"}, only({"admin": 200}), False),
    ("POST", "/rules/new/", RULE_FORM | {"more_rows": "1"}, only({"admin": 200}), False),
    ("POST", "/rules/{rule}/edit/", RULE_FORM | {"name": "Renamed"}, only({"admin": 302}), True),
    ("POST", "/rules/{rule}/move/", {"direction": "down"}, only({"admin": 302}), True),
    ("POST", "/rules/{rule}/enabled/", {"enabled": "0"}, only({"admin": 302}), True),
    ("POST", "/rules/{rule}/delete/", {}, only({"admin": 302}), True),
]

CASES = [
    pytest.param(method, path, form, role, expected[role], writes, id=f"{method} {path} as {role}")
    for method, path, form, expected, writes in MATRIX
    for role in COLUMNS
]


def make_rule(admin, name, conditions=None, actions=None, **options) -> Rule:
    return rules.rule_create(
        actor=admin,
        name=name,
        conditions=conditions or [{"field": "risk_above", "value": 50}],
        actions=actions or {"notify": True},
        **options,
    )


def _state():
    """What a refused request must leave as it was."""
    return (
        AuditEvent.objects.count(),
        list(Rule.objects.values_list("name", "position", "enabled", "conditions", "actions")),
    )


@pytest.fixture
def admin(user_for):
    return user_for("admin")


@pytest.fixture
def legal_team():
    return TeamFactory(name="Legal", slug="legal")


@pytest.mark.parametrize(("method", "path", "form", "role", "expected", "writes"), CASES)
def test_permission_matrix(client_for, admin, method, path, form, role, expected, writes):
    rule = make_rule(admin, "First")
    make_rule(admin, "Second")
    url = path.format(rule=rule.pk)
    client = client_for(role)
    before = _state()

    response = client.get(url) if method == "GET" else client.post(url, form)

    assert response.status_code == expected, response.content[:500]
    if role == ANONYMOUS:
        assert response["Location"].startswith("/login/?next=")
    if expected >= 400 or role == ANONYMOUS or not writes:
        assert _state() == before, "a refused request or a test changed something"
    else:
        assert _state() != before, "an allowed write changed nothing"
        assert response["Location"] == "/rules/"


@pytest.mark.parametrize(
    ("role", "shown"),
    [("social", True), ("manager", True), ("admin", True), ("legal", False), ("hr", False)],
)
def test_navigation_offers_rules_after_streams(client_for, role, shown):
    urls = [item["url"] for item in client_for(role).get("/").context["nav_items"]]

    assert ("/rules/" in urls) is shown
    if shown:
        assert urls.index("/rules/") == urls.index("/streams/") + 1


# --- The list ------------------------------------------------------------------------------


def test_the_list_says_each_rule_in_plain_words(client_for, admin, legal_team):
    make_rule(
        admin,
        "Legal threats",
        [
            {"field": "reason", "value": ["legal"]},
            {"field": "followers_above", "value": 10000},
        ],
        {"tags": ["legal-threat"], "team": legal_team.pk, "priority": 3, "notify": True},
        stop=True,
    )
    make_rule(admin, "Off", [{"field": "impersonation", "value": True}], enabled=False, match="any")

    html = client_for("admin").get("/rules/").content.decode()

    assert "Risk reason is legal; Author followers above 10,000" in html
    assert "tag legal-threat, route to Legal, priority High, notify" in html
    assert "Impersonation: yes" in html
    assert html.index("Legal threats") < html.index(">Off<")
    assert "badge--muted" in html  # disabled
    assert 'href="/rules/new/"' in html
    assert 'name="direction" value="up"' in html


def test_the_list_is_read_only_for_readers(client_for, admin):
    rule = make_rule(admin, "Risky")

    html = client_for("manager").get("/rules/").content.decode()

    assert "Risky" in html
    assert "/rules/new/" not in html
    assert f"/rules/{rule.pk}/edit/" not in html
    assert 'name="direction"' not in html
    assert 'name="enabled"' not in html


def test_the_list_escapes_rule_names_and_values(client_for, admin):
    make_rule(admin, "<b>bold</b>", [{"field": "keywords", "value": ["<i>x</i>"]}])

    html = client_for("social").get("/rules/").content.decode()

    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "<i>x</i>" not in html


def test_list_query_count_does_not_grow_with_rules(client_for, admin):
    client = client_for("admin")
    client.get("/rules/")  # warm the session and permission caches alike for both counts
    stream = StreamFactory(name="Acme on X")

    def add(n):
        for _ in range(n):
            team = TeamFactory()
            make_rule(
                admin,
                f"Rule {Rule.objects.count()}",
                [{"field": "stream", "value": [stream.pk]}],
                {"team": team.pk, "tags": ["t"]},
            )

    add(3)
    few = _queries(client, "/rules/")
    add(17)
    many = _queries(client, "/rules/")

    assert many == few
    assert few <= 10


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


# --- The form ------------------------------------------------------------------------------


def test_create_turns_the_rows_into_the_rule_json(client_for, legal_team):
    stream = StreamFactory(name="Acme on X")
    form = {
        "name": "Everything",
        "match": "any",
        "stop": "on",
        "rows": "9",
        "field_0": "reason",
        "value_0": "legal, security",
        "field_1": "followers_above",
        "value_1": "10,000",
        # row 2 left empty: ignored
        "field_3": "impersonation",
        "value_3": "yes",
        "field_4": "keywords",
        "value_4": " lawsuit , avocat ",
        "field_5": "stream",
        "value_5": f"acme on x, {stream.pk}",
        "field_6": "sentiment_below",
        "value_6": "-0,5",
        "field_7": "regex",
        "value_7": r"free\s+insulin",
        "field_8": "watchlist",
        "value_8": "no",
        "tags": "legal-threat, press",
        "team": str(legal_team.pk),
        "priority": "4",
        "notify": "on",
    }

    response = client_for("admin").post("/rules/new/", form)

    assert response.status_code == 302, response.content.decode()[:2000]
    rule = Rule.objects.get()
    assert (rule.name, rule.match, rule.stop, rule.enabled) == ("Everything", "any", True, False)
    assert rule.conditions == [
        {"field": "reason", "op": "in", "value": ["legal", "security"]},
        {"field": "followers_above", "op": "gt", "value": 10000},
        {"field": "impersonation", "op": "is", "value": True},
        {"field": "keywords", "op": "contains_any", "value": ["lawsuit", "avocat"]},
        {"field": "stream", "op": "in", "value": [stream.pk]},
        {"field": "sentiment_below", "op": "lt", "value": -0.5},
        {"field": "regex", "op": "matches", "value": r"free\s+insulin"},
        {"field": "watchlist", "op": "is", "value": False},
    ]
    assert rule.actions == {
        "tags": ["legal-threat", "press"],
        "team": legal_team.pk,
        "priority": 4,
        "notify": True,
        "incident": None,
    }
    assert AuditEvent.objects.filter(verb="rule.create").count() == 1


def test_edit_shows_the_rule_and_saves_changes(client_for, admin, legal_team):
    stream = StreamFactory(name="Acme on X")
    rule = make_rule(
        admin,
        "Legal threats",
        [
            {"field": "stream", "value": [stream.pk]},
            {"field": "followers_above", "value": 10000},
            {"field": "impersonation", "value": True},
        ],
        {"tags": ["legal-threat"], "team": legal_team.pk, "priority": 3},
    )
    client = client_for("admin")

    page = client.get(f"/rules/{rule.pk}/edit/").content.decode()

    assert 'value="Acme on X"' in page
    assert 'value="10000"' in page
    assert 'value="yes"' in page
    assert 'value="legal-threat"' in page
    assert f'<option value="{legal_team.pk}" selected>' in page
    assert '<option value="3" selected>' in page

    response = client.post(
        f"/rules/{rule.pk}/edit/",
        {
            "name": "Legal threats, big accounts",
            "enabled": "on",
            "match": "all",
            "rows": "5",
            "field_0": "followers_above",
            "value_0": "50000",
            "tags": "",
            "priority": "",
            "notify": "on",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    rule.refresh_from_db()
    assert rule.name == "Legal threats, big accounts"
    assert rule.conditions == [{"field": "followers_above", "op": "gt", "value": 50000}]
    assert rule.actions == {
        "tags": [],
        "team": None,
        "priority": None,
        "notify": True,
        "incident": None,
    }
    assert AuditEvent.objects.filter(verb="rule.update").count() == 1


def test_an_invalid_regex_is_refused_on_the_page_and_nothing_is_saved(client_for):
    form = RULE_FORM | {"field_0": "", "value_0": "", "field_1": "regex", "value_1": "(unclosed"}

    response = client_for("admin").post("/rules/new/", form)

    html = response.content.decode()
    assert response.status_code == 200
    assert not Rule.objects.exists()
    assert 'id="rule-conditions-errors"' in html
    # The filled row moved to the top, so the error's "condition 1" is the first row.
    assert "Condition 1 (regex): invalid regular expression" in html
    assert 'name="value_0" value="(unclosed"' in html
    assert not AuditEvent.objects.exists()


def test_rows_the_form_cannot_read_are_refused_with_their_number(client_for):
    form = RULE_FORM | {
        "field_1": "followers_above",
        "value_1": "many",
        "field_2": "impersonation",
        "value_2": "perhaps",
        "field_3": "",
        "value_3": "orphan value",
    }

    html = client_for("admin").post("/rules/new/", form).content.decode()

    assert "Condition 2 (Author followers above): give a number." in html
    assert "Condition 3 (Impersonation): answer yes or no." in html
    assert "Condition 4: choose a field." in html
    assert not Rule.objects.exists()


def test_a_taken_name_is_refused_on_the_name(client_for, admin):
    make_rule(admin, "Taken")

    html = client_for("admin").post("/rules/new/", RULE_FORM | {"name": "taken"}).content.decode()

    assert 'id="id_name_error"' in html
    assert "A rule with this name already exists." in html
    assert Rule.objects.count() == 1


def test_no_condition_is_refused_above_the_conditions(client_for):
    html = (
        client_for("admin")
        .post("/rules/new/", RULE_FORM | {"field_0": "", "value_0": ""})
        .content.decode()
    )

    errors = html[html.index('id="rule-conditions-errors"') :]
    assert errors.index("Add at least one condition.") < errors.index("</ul>")
    assert not Rule.objects.exists()


def test_actions_errors_show_above_the_actions(client_for):
    form = RULE_FORM | {"tags": "", "priority": ""}

    html = client_for("admin").post("/rules/new/", form).content.decode()

    assert 'id="rule-actions-errors"' in html
    assert "Give the rule at least one action" in html
    assert not Rule.objects.exists()


def test_add_more_rows_keeps_what_was_typed_and_saves_nothing(client_for):
    form = RULE_FORM | {"name": "", "field_2": "risk_above", "value_2": "70"}

    response = client_for("admin").post("/rules/new/", form | {"more_rows": "1"})

    html = response.content.decode()
    assert response.context["form"].row_count == 8
    assert 'name="value_7"' in html
    assert 'name="value_1" value="70"' in html  # filled rows first
    assert "field__errors" not in html  # not validated yet
    assert not Rule.objects.exists()


# --- The test button -----------------------------------------------------------------------


@pytest.fixture
def stored_mentions():
    legal = [{"code": "legal", "detail": "legal: lawsuit"}]
    MentionFactory(text="We will sue", risk_reasons=legal, risk_score=80, published_at=NOW)
    MentionFactory(
        text='<script>alert("x")</script> lawsuit coming',
        author_handle="<img src=x onerror=alert(1)>",
        risk_reasons=legal,
        risk_score=75,
        published_at=NOW - timedelta(minutes=1),
    )
    MentionFactory(text="Nice product", published_at=NOW - timedelta(minutes=2))


def test_the_test_button_counts_matches_escapes_and_saves_nothing(client_for, stored_mentions):
    form = RULE_FORM | {"name": "", "test": "1"}  # a test needs no name

    response = client_for("admin").post("/rules/new/", form)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Would have matched 2 of the last 3 mentions." in html
    assert "We will sue" in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; lawsuit coming" in html
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "Nice product" not in html
    assert "field__errors" not in html  # the missing name waits for saving
    assert 'name="value_0" value="legal"' in html  # the form is shown again as sent
    assert not Rule.objects.exists()
    assert not AuditEvent.objects.exists()


def test_htmx_gets_only_the_test_result(client_for, stored_mentions):
    response = client_for("admin").post(
        "/rules/new/", RULE_FORM | {"test": "1"}, HTTP_HX_REQUEST="true"
    )

    assert response.templates[0].name == "alerting/rule_test_result.html"
    assert b"<html" not in response.content
    assert b"<form" not in response.content
    assert b"Would have matched 2 of the last 3 mentions." in response.content


def test_htmx_test_with_bad_conditions_redraws_the_form(client_for, stored_mentions):
    form = RULE_FORM | {
        "field_0": "",
        "value_0": "",
        "field_2": "regex",
        "value_2": "(",
        "test": "1",
    }

    response = client_for("admin").post("/rules/new/", form, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response["HX-Retarget"] == "#rule-form"
    assert response.templates[0].name == "alerting/rule_form_body.html"
    assert "Condition 1 (regex): invalid regular expression" in html
    assert 'name="value_0" value="("' in html


def test_the_test_on_an_empty_database_says_so(client_for):
    html = client_for("admin").post("/rules/new/", RULE_FORM | {"test": "1"}).content.decode()

    assert "There are no stored mentions to test on yet." in html


# --- Order, on/off, delete -----------------------------------------------------------------


def test_move_up_and_down(client_for, admin):
    a, _b, c = (make_rule(admin, name) for name in "ABC")
    client = client_for("admin")

    client.post(f"/rules/{c.pk}/move/", {"direction": "up"})
    assert list(Rule.objects.values_list("name", flat=True)) == ["A", "C", "B"]

    client.post(f"/rules/{a.pk}/move/", {"direction": "down"})
    assert list(Rule.objects.values_list("name", flat=True)) == ["C", "A", "B"]

    client.post(f"/rules/{c.pk}/move/", {"direction": "up"})  # already first: stays
    assert list(Rule.objects.values_list("name", flat=True)) == ["C", "A", "B"]
    assert list(Rule.objects.values_list("position", flat=True)) == [0, 1, 2]
    assert AuditEvent.objects.filter(verb="rule.move").count() == 2  # the no-op is not audited
    assert client.post(f"/rules/{a.pk}/move/", {"direction": "sideways"}).status_code == 400


def test_enable_and_disable(client_for, admin):
    rule = make_rule(admin, "Risky")
    client = client_for("admin")

    response = client.post(f"/rules/{rule.pk}/enabled/", {"enabled": "0"}, follow=True)
    rule.refresh_from_db()
    assert not rule.enabled
    assert "Rule Risky disabled." in response.content.decode()
    assert 'name="enabled" value="1"' in response.content.decode()

    client.post(f"/rules/{rule.pk}/enabled/", {"enabled": "1"})
    rule.refresh_from_db()
    assert rule.enabled
    assert AuditEvent.objects.filter(verb="rule.update").count() == 2


def test_delete_asks_then_deletes(client_for, admin):
    rule = make_rule(admin, "Doomed")
    client = client_for("admin")

    page = client.get(f"/rules/{rule.pk}/delete/").content.decode()
    assert "Delete the rule Doomed?" in page

    response = client.post(f"/rules/{rule.pk}/delete/")

    assert response["Location"] == "/rules/"
    assert not Rule.objects.exists()
    assert AuditEvent.objects.filter(verb="rule.delete").count() == 1


def test_the_test_button_runs_only_over_the_mentions_the_tester_may_see(
    client, stored_mentions, legal_user
):
    """A test is a search: over a Legal queue the tester is not in, it would be an oracle."""
    legal = restricted_team(TeamKind.LEGAL, members=[legal_user])
    Mention.objects.filter(text="We will sue").update(team=legal)
    tester = UserFactory(email="rules@example.com", roles=["social"])
    tester.user_permissions.add(Permission.objects.get(codename="change_rule"))
    client.force_login(tester)

    html = client.post("/rules/new/", RULE_FORM | {"test": "1"}).content.decode()

    assert "Would have matched 1 of the last 2 mentions." in html
    assert "We will sue" not in html
