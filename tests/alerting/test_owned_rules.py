"""Rules and the brand's own posts: skipped unless a rule opts in (`Rule.include_owned`).

An owned post meets no rule and no catch-all; a rule that opts in tags it (still the brand's,
not work) or routes it (then it is work: status new, SLA, the team's notifications). The
opt-in is on the rule page, in the API, in the audit trail and in the rule test.
"""

from datetime import UTC, datetime, timedelta

import pytest

from alerting.models import Notification, NotificationChannel, Rule
from alerting.services import rules
from monitoring import pipeline
from monitoring.models import Mention, MentionStatus
from riskdesk.models import AuditEvent
from tests.accounts.factories import TeamFactory
from tests.monitoring.factories import MentionFactory
from tests.monitoring.scripted import mention

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LAWSUIT = [{"field": "keywords", "value": ["lawsuit"]}]


@pytest.fixture
def teams():
    social = TeamFactory(name="Social media", slug="social")
    care = TeamFactory(name="Customer care", slug="care")
    for team in (social, care):
        NotificationChannel.objects.create(
            team=team, name="mail", kind="email", target=f"{team.slug}@example.com", min_risk=0
        )
    return {"social": social, "care": care}


def _brand_post(n=1, text="We are sorry about the lawsuit rumours"):
    return mention(n, author_id="42", author_handle="lumora", text=text)


def test_rules_and_the_catch_all_skip_the_brand_s_posts(user_for, brand, teams):
    rules.rule_create(
        actor=user_for("admin"),
        name="Complaints",
        conditions=LAWSUIT,
        actions={"tags": ["complaint"], "team": teams["care"].pk, "notify": True},
    )

    pipeline.ingest([_brand_post(1), mention(2, text="I will file a lawsuit")])

    own, earned = Mention.objects.order_by("external_id")
    assert (own.status, own.team, own.rule_trace) == (MentionStatus.OWN, None, [])
    assert not own.tags.exists()
    assert earned.team == teams["care"]
    assert [t.name for t in earned.tags.all()] == ["complaint"]
    assert Notification.objects.get().mention_ids == [earned.pk]


def test_a_rule_that_opts_in_tags_the_brand_s_post_which_stays_its_own(user_for, brand, teams):
    rules.rule_create(
        actor=user_for("admin"),
        name="Our statements",
        conditions=LAWSUIT,
        actions={"tags": ["statement"]},
        include_owned=True,
    )

    pipeline.ingest([_brand_post()])

    own = Mention.objects.get()
    assert [t.name for t in own.tags.all()] == ["statement"]
    assert own.rule_trace[0]["name"] == "Our statements"
    assert (own.status, own.team, own.first_response_due_at) == (MentionStatus.OWN, None, None)
    assert not Notification.objects.exists()


def test_a_rule_that_opts_in_and_routes_makes_the_post_work(user_for, brand, teams):
    rules.rule_create(
        actor=user_for("admin"),
        name="Brand posts about lawsuits go to legal review",
        conditions=LAWSUIT,
        actions={"team": teams["care"].pk, "notify": True},
        include_owned=True,
    )

    pipeline.ingest([_brand_post()])

    own = Mention.objects.get()
    assert own.owned_by == brand  # still the brand's post
    assert (own.status, own.team) == (MentionStatus.NEW, teams["care"])
    assert own.first_response_due_at is not None
    assert Notification.objects.get().mention_ids == [own.pk]


def test_the_opt_in_is_saved_audited_and_changed_through_the_service(user_for):
    admin = user_for("admin")
    rule = rules.rule_create(actor=admin, name="r", conditions=LAWSUIT, actions={"notify": True})
    assert rule.include_owned is False

    rules.rule_update(actor=admin, rule=rule, include_owned=True)

    rule.refresh_from_db()
    assert rule.include_owned is True
    event = AuditEvent.objects.get(verb="rule.update")
    assert (event.before["include_owned"], event.after["include_owned"]) == (False, True)


def test_the_rule_form_offers_and_saves_the_opt_in(client_for):
    client = client_for("admin")
    assert "also applies to the brand" in client.get("/rules/new/").content.decode().lower()
    form = {
        "name": "Brand statements",
        "enabled": "on",
        "match": "all",
        "rows": "5",
        "field_0": "keywords",
        "value_0": "recall",
        "tags": "statement",
        "include_owned": "on",
    }

    response = client.post("/rules/new/", form)

    assert response.status_code == 302
    rule = Rule.objects.get()
    assert rule.include_owned is True
    listing = client.get("/rules/").content.decode()
    assert "Brand's own posts too" in listing
    edit = client.get(f"/rules/{rule.pk}/edit/").content.decode()
    assert 'id="id_include_owned" checked' in edit


def test_the_api_reads_and_writes_the_opt_in(api_client_for):
    client = api_client_for("admin")
    body = {"name": "r", "conditions": LAWSUIT, "actions": {"notify": True}}

    created = client.post("/api/v1/rules/", body, format="json").json()
    assert created["include_owned"] is False
    changed = client.patch(
        f"/api/v1/rules/{created['id']}/", {"include_owned": True}, format="json"
    )

    assert changed.status_code == 200
    assert changed.json()["include_owned"] is True
    assert Rule.objects.get().include_owned is True


def test_the_rule_test_leaves_the_brand_s_posts_out_unless_asked(user_for, api_client_for, brand):
    MentionFactory(text="a lawsuit", published_at=NOW)
    own = MentionFactory(
        text="our lawsuit statement",
        owned_by=brand,
        status=MentionStatus.OWN,
        published_at=NOW + timedelta(minutes=1),
    )
    admin = user_for("admin")

    plain = rules.rule_test(actor=admin, conditions=LAWSUIT)
    assert (plain.matched, plain.sample) == (1, 1)
    assert own not in plain.examples

    opted = rules.rule_test(actor=admin, conditions=LAWSUIT, include_owned=True)
    assert (opted.matched, opted.sample) == (2, 2)
    assert opted.examples[0] == own

    client = api_client_for("admin")
    answer = client.post("/api/v1/rules/test/", {"conditions": LAWSUIT}, format="json").json()
    assert answer["matched"] == 1
    answer = client.post(
        "/api/v1/rules/test/", {"conditions": LAWSUIT, "include_owned": True}, format="json"
    ).json()
    assert (answer["matched"], answer["examples"][0]) == (2, own.pk)


def test_the_test_button_on_the_page_follows_the_checkbox(client_for, brand):
    MentionFactory(text="our recall statement", owned_by=brand, status=MentionStatus.OWN)
    form = {"name": "", "match": "all", "rows": "5", "field_0": "keywords", "value_0": "recall"}
    client = client_for("admin")

    without = client.post("/rules/new/", form | {"test": "1"}).content.decode()
    with_owned = client.post(
        "/rules/new/", form | {"test": "1", "include_owned": "on"}
    ).content.decode()

    assert "There are no stored mentions to test on yet." in without
    assert "Would have matched 1 of the last mention." in with_owned
