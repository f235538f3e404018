"""Incidents never show, confirm or link a mention hidden from the reader (#15 finding 4).

Someone in Legal may link a Legal-queue mention to an incident everybody follows: the others
see how many they cannot see, never its text, author or id. Declaring or linking with a
hidden id gets exactly the answer an unknown id gets, so ids cannot be probed.
"""

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from accounts.models import TeamKind
from alerting.models import SpikeAlert
from incidents import services
from incidents.models import IncidentMention
from tests.inbox.factories import restricted_team
from tests.incidents.factories import IncidentFactory
from tests.monitoring.factories import MentionFactory, StreamFactory

pytestmark = pytest.mark.django_db

SECRET = "Cease and desist from Zorblax Law"


@pytest.fixture
def secret(legal_user):
    legal = restricted_team(TeamKind.LEGAL, members=[legal_user], name="Legal")
    return MentionFactory(team=legal, text=SECRET, author_handle="zorblax_law", impersonates=None)


@pytest.fixture
def missing(secret):
    return secret.pk + 1000


def _same(a, b, secret_id, missing_id):
    """Two answers alike once the ids asked about are set aside."""
    assert a.status_code == b.status_code
    body_a = a.content.decode().replace(str(secret_id), "ID")
    body_b = b.content.decode().replace(str(missing_id), "ID")
    assert body_a == body_b


def test_the_declare_page_does_not_preview_a_hidden_mention(client_for, secret, missing):
    client = client_for("social")
    for key in ("mentions", "impersonation"):
        hidden = client.get("/incidents/declare/", {key: secret.pk})
        unknown = client.get("/incidents/declare/", {key: missing})
        assert "Zorblax" not in hidden.content.decode()
        assert "zorblax_law" not in hidden.content.decode()
        assert hidden.status_code == unknown.status_code
        if hidden.status_code == 200:
            assert hidden.context["preview"] == unknown.context["preview"] == []


def test_the_declare_page_does_not_preview_a_spikes_hidden_mention(client_for, secret):
    visible = MentionFactory(text="bricked again")
    stream = StreamFactory()
    spike = SpikeAlert.objects.create(
        stream=stream, negative_only=True, window_start=timezone.now(),
        window_end=timezone.now(), count=2, baseline_mean=0, baseline_std=1, zscore=3,
        top_mention_ids=[secret.pk, visible.pk],
    )  # fmt: skip
    response = client_for("social").get("/incidents/declare/", {"spike": spike.pk})
    assert response.context["preview"] == [visible]
    assert "Zorblax" not in response.content.decode()
    # Declared from it: only what the declarer sees is linked.
    incident = services.incident_declare(
        actor=response.wsgi_request.user, title="Storm", severity=3, spike=spike
    )
    assert list(incident.mention_links.values_list("mention_id", flat=True)) == [visible.pk]


def test_declaring_through_the_api_with_a_hidden_mention_is_refused_as_unknown(
    client_for, secret, missing
):
    client = client_for("social", api=True)
    body = {"title": "Legal threat", "severity": 3}
    hidden = client.post("/api/v1/incidents/", body | {"mentions": [secret.pk]}, format="json")
    unknown = client.post("/api/v1/incidents/", body | {"mentions": [missing]}, format="json")
    assert hidden.status_code == 400
    _same(hidden, unknown, secret.pk, missing)
    impersonation = client.post(
        "/api/v1/incidents/", body | {"impersonation_mention": secret.pk}, format="json"
    )
    assert impersonation.status_code == 400
    assert not IncidentMention.objects.exists()


def test_linking_a_hidden_mention_is_refused_as_unknown(client_for, secret, missing):
    incident = IncidentFactory()
    api = client_for("social", api=True)
    url = f"/api/v1/incidents/{incident.pk}/link-mentions/"
    hidden = api.post(url, {"mentions": [secret.pk]}, format="json")
    unknown = api.post(url, {"mentions": [missing]}, format="json")
    assert hidden.status_code == 400
    _same(hidden, unknown, secret.pk, missing)

    answers = []
    for pk in (secret.pk, missing):
        response = client_for("social").post(
            "/incidents/link/", {"incident": incident.pk, "mentions": str(pk)}
        )
        answers.append(
            (
                response.status_code,
                [str(m).replace(str(pk), "ID") for m in get_messages(response.wsgi_request)],
            )
        )
    assert answers[0] == answers[1]
    assert not IncidentMention.objects.exists()


def test_the_incident_page_shows_only_the_linked_mentions_the_reader_may_see(
    client_for, user_for, secret
):
    incident = IncidentFactory()
    visible = MentionFactory(text="bricked again")
    services.incident_link_mentions(
        actor=user_for("admin"), incident=incident, mentions=[secret.pk, visible.pk]
    )
    client = client_for("social")
    for url in (f"/incidents/{incident.pk}/", f"/incidents/{incident.pk}/live/mentions/"):
        response = client.get(url)
        html = response.content.decode()
        assert "Zorblax" not in html
        assert "zorblax_law" not in html
        assert "bricked again" in html
        assert response.context["stats"]["count"] == 1
        assert response.context["stats"]["restricted"] == 1
        assert "1 more in a restricted queue" in html
    admin = client_for("admin").get(f"/incidents/{incident.pk}/live/mentions/")
    assert "Zorblax" in admin.content.decode()
    assert admin.context["stats"]["restricted"] == 0
