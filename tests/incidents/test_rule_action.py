"""The rules' "open or link an incident" action: validation, the form, and the pipeline."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from alerting.services import conditions as rule_conditions
from alerting.services import rules
from incidents.models import Incident, IncidentMention, Severity, Source
from incidents.services import incident_declare, rule_action
from monitoring import pipeline
from monitoring.connectors.base import NormalizedMention
from monitoring.models import Mention
from tests.incidents.factories import make_spike

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
FREE_INSULIN = [{"field": "keywords", "value": ["free insulin"]}]


def nm(n: int, text: str) -> NormalizedMention:
    return NormalizedMention(platform="x", external_id=str(n), text=text, published_at=NOW)


def free_insulin_rule(admin, **incident):
    return rules.rule_create(
        actor=admin,
        name="Free insulin claims",
        conditions=FREE_INSULIN,
        actions={"tags": ["crisis"], "incident": incident or True},
    )


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (True, {"severity": 3, "playbook": None}),
        ({"severity": 1}, {"severity": 1, "playbook": None}),
        (None, None),
        (False, None),
    ],
)
def test_the_incident_action_is_normalised(given, expected):
    _conditions, actions = rule_conditions.validate_rule(
        FREE_INSULIN, {"incident": given, "notify": True}
    )
    assert actions["incident"] == expected


def test_the_incident_action_takes_an_active_playbook(impersonation_playbook):
    _conditions, actions = rule_conditions.validate_rule(
        FREE_INSULIN, {"incident": {"severity": 2, "playbook": impersonation_playbook.pk}}
    )
    assert actions["incident"] == {"severity": 2, "playbook": impersonation_playbook.pk}

    impersonation_playbook.is_active = False
    impersonation_playbook.save()
    with pytest.raises(ValidationError, match="no active playbook"):
        rule_conditions.validate_rule(
            FREE_INSULIN, {"incident": {"playbook": impersonation_playbook.pk}}
        )


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"severity": 7}, "1 \\(SEV1"),
        ({"severity": "high"}, "1 \\(SEV1"),
        ({"playbook": 424242}, "no active playbook"),
        ({"playbook": True}, "no active playbook"),
        ({"lead": 3}, "give true, or an object"),
        ("yes", "give true, or an object"),
    ],
)
def test_a_bad_incident_action_is_refused_with_a_message(given, message):
    with pytest.raises(ValidationError, match=message):
        rule_conditions.validate_rule(FREE_INSULIN, {"incident": given})


def test_a_batch_declares_one_incident_then_the_next_links_to_it(user_for, storm_playbook):
    rule = free_insulin_rule(user_for("admin"), severity=2, playbook=storm_playbook.pk)

    first = pipeline.ingest([nm(1, "Free insulin for everyone!"), nm(2, "free INSULIN here")])
    pipeline.ingest([nm(3, "love the product"), nm(4, "Free insulin, they said")])

    incident = Incident.objects.get()
    assert incident.source == Source.RULE
    assert incident.rule == rule
    assert incident.severity == Severity.SEV2
    assert incident.playbook == storm_playbook
    assert incident.tasks.count() == storm_playbook.steps.count()
    linked = set(IncidentMention.objects.values_list("mention__external_id", flat=True))
    assert linked == {"1", "2", "4"}
    stored = Mention.objects.get(pk=first.ids[0])
    assert "open or link an incident" in stored.rule_trace[0]["did"]


def test_an_incident_that_cannot_be_declared_costs_no_mention(user_for, monkeypatch):
    free_insulin_rule(user_for("admin"))

    def broken(**kwargs):
        raise RuntimeError("the incidents table is locked")

    monkeypatch.setattr(rule_action, "incident_open_or_link_for_rule", broken)
    result = pipeline.ingest([nm(1, "free insulin"), nm(2, "hello")])

    assert len(result.ids) == 2
    assert Mention.objects.count() == 2
    assert not Incident.objects.exists()


def test_the_rule_page_sets_the_incident_action(client_for, user_for, storm_playbook):
    client = client_for("admin")
    response = client.post(
        "/rules/new/",
        {
            "name": "Storm",
            "enabled": "on",
            "match": "all",
            "rows": "3",
            "field_0": "keywords",
            "value_0": "boycott",
            "incident_severity": "1",
            "incident_playbook": str(storm_playbook.pk),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    rule = rules.Rule.objects.get(name="Storm")
    assert rule.actions["incident"] == {"severity": 1, "playbook": storm_playbook.pk}

    page = client.get("/rules/").content.decode()
    assert "open or link a SEV1 incident" in page
    edit = client.get(f"/rules/{rule.pk}/edit/").content.decode()
    assert f'<option value="{storm_playbook.pk}" selected>' in edit


def test_a_playbook_without_a_severity_is_refused_on_the_page(client_for, storm_playbook):
    response = client_for("admin").post(
        "/rules/new/",
        {
            "name": "Storm",
            "match": "all",
            "rows": "3",
            "field_0": "keywords",
            "value_0": "boycott",
            "incident_playbook": str(storm_playbook.pk),
        },
    )
    assert response.status_code == 200
    assert "Choose the severity of the incident." in response.content.decode()
    assert not rules.Rule.objects.exists()


def test_the_spike_page_offers_an_incident_then_links_to_it(client_for, social_user):
    spike = make_spike(mentions=2)
    client = client_for("social")
    declare = f'href="/incidents/declare/?spike={spike.pk}"'
    assert declare in client.get(f"/spikes/{spike.pk}/").content.decode()

    incident = incident_declare(actor=social_user, title="Storm", severity=2, spike=spike)
    content = client.get(f"/spikes/{spike.pk}/").content.decode()

    assert declare not in content
    assert f'href="/incidents/{incident.pk}/"' in content
