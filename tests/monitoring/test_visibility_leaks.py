"""A Legal-queue mention stays hidden outside the inbox too (#15 finding 4).

Each test is one way its text, author, id or existence leaked before every read of mentions
went through `Mention.objects.visible_to(user)`; tests/riskdesk/test_visibility_walk.py
then walks every URL so a new one cannot leak either.
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import TeamKind
from alerting.models import Notification, NotificationChannel, SpikeAlert
from alerting.services import spikes
from inbox.services import viewing_mark
from monitoring.dashboard import dashboard_risk
from monitoring.models import Mention
from offboarding.models import BrandAccount
from tests.accounts.factories import TeamFactory, UserFactory
from tests.inbox.factories import restricted_team
from tests.monitoring.factories import MentionFactory, StreamFactory

pytestmark = pytest.mark.django_db

SECRET = "Cease and desist from Zorblax Law"


@pytest.fixture
def hidden(legal_user):
    """A stream whose newest mention sits in a Legal queue, and one visible mention."""
    legal = restricted_team(TeamKind.LEGAL, members=[legal_user], name="Legal")
    stream = StreamFactory(name="Brand watch")
    now = timezone.now()
    visible = MentionFactory(
        stream=stream, team=TeamFactory(name="Care"), text="Where is my order?",
        published_at=now - timedelta(minutes=20),
    )  # fmt: skip
    secret = MentionFactory(
        stream=stream, team=legal, text=SECRET, author_handle="zorblax_law",
        published_at=now - timedelta(minutes=10), sentiment_label="negative",
    )  # fmt: skip
    return stream, visible, secret


def test_the_stream_page_lists_only_the_recent_mentions_the_reader_may_see(client_for, hidden):
    stream, visible, _secret = hidden
    html = client_for("social").get(f"/streams/{stream.pk}/").content.decode()
    assert visible.text in html
    assert "Zorblax" not in html
    assert "zorblax_law" not in html
    assert "Zorblax" in client_for("admin").get(f"/streams/{stream.pk}/").content.decode()


def test_the_inbox_poll_tells_nothing_of_a_hidden_mention(client_for, user_for, hidden):
    _stream, visible, secret = hidden
    viewing_mark(secret.pk, user_for("legal"))
    viewing_mark(visible.pk, user_for("legal"))
    since = (timezone.now() - timedelta(days=1)).isoformat()
    response = client_for("social").get(
        "/inbox/poll/", {"ids": f"{secret.pk},{visible.pk}", "changed_since": since}
    )
    html = response.content.decode()
    assert response.context["viewers"] == [(visible.pk, ["Legal Person"])]
    assert [m.pk for m in response.context["changed"]] == [visible.pk]
    assert "Zorblax" not in html


def test_the_inbox_newest_id_is_the_newest_the_reader_may_see(client_for, hidden):
    _stream, visible, secret = hidden
    assert secret.pk > visible.pk
    assert client_for("social").get("/inbox/").context["top"] == visible.pk


def test_the_dashboard_counts_only_the_mentions_the_reader_may_see(client_for, hidden):
    assert client_for("social").get("/").context["monitoring"]["mentions_24h"] == 1
    assert client_for("admin").get("/").context["monitoring"]["mentions_24h"] == 2


def test_the_stream_chart_counts_only_the_mentions_the_reader_may_see(user_for, hidden):
    (chart,) = dashboard_risk(user_for("social"))["charts"]
    assert (chart.total, chart.negative) == (1, 0)
    (chart,) = dashboard_risk(user_for("admin"))["charts"]
    assert (chart.total, chart.negative) == (2, 1)


@pytest.fixture
def spike(hidden):
    stream, visible, secret = hidden
    now = timezone.now()
    return SpikeAlert.objects.create(
        stream=stream, negative_only=False, window_start=now - timedelta(hours=1),
        window_end=now, count=2, baseline_mean=0.1, baseline_std=1.0, zscore=3.0,
        top_mention_ids=[secret.pk, visible.pk], top_words=[],
    )  # fmt: skip


def test_the_spike_page_shows_only_the_top_mentions_the_reader_may_see(client_for, spike, hidden):
    _stream, visible, secret = hidden
    response = client_for("social").get(f"/spikes/{spike.pk}/")
    assert response.context["mentions"] == [visible]
    assert "Zorblax" not in response.content.decode()
    assert client_for("admin").get(f"/spikes/{spike.pk}/").context["mentions"] == [secret, visible]


def test_the_spike_api_names_only_the_top_mentions_the_reader_may_see(client_for, spike, hidden):
    _stream, visible, secret = hidden
    one = client_for("social", api=True).get(f"/api/v1/spikes/{spike.pk}/").json()
    assert one["top_mention_ids"] == [visible.pk]
    (listed,) = client_for("social", api=True).get("/api/v1/spikes/").json()["results"]
    assert listed["top_mention_ids"] == [visible.pk]
    admin = client_for("admin", api=True).get(f"/api/v1/spikes/{spike.pk}/").json()
    assert admin["top_mention_ids"] == [secret.pk, visible.pk]


def test_spike_words_and_notification_come_only_from_mentions_the_readers_may_see(legal_user):
    """Detection counts every mention, but the words it shows every reader do not come from
    a restricted queue, nor do the mentions its message shows another team."""
    legal = restricted_team(TeamKind.LEGAL, members=[legal_user], name="Legal")
    care = TeamFactory(name="Brand care")
    stream = StreamFactory(team=care)
    channel = NotificationChannel.objects.create(
        team=care, name="Care mail", kind=NotificationChannel.Kind.EMAIL,
        target="care@example.com", min_risk=0,
    )  # fmt: skip
    now = timezone.now().replace(microsecond=0)
    for hours_ago in range(1, 25):  # a day of history: the stream knows its usual
        MentionFactory(
            stream=stream, text="nice speaker", sentiment_label="negative",
            published_at=now - timedelta(hours=hours_ago, minutes=30),
            received_at=now - timedelta(hours=hours_ago, minutes=30),
        )  # fmt: skip
    for i in range(30):
        MentionFactory(
            stream=stream, sentiment_label="negative", team=legal if i % 2 else None,
            text="zorblax subpoena lawsuit" if i % 2 else "firmware bricked speaker",
            author_handle="zorblax_law" if i % 2 else "fan", risk_score=50,
            published_at=now - timedelta(minutes=1 + i),
        )  # fmt: skip

    (alert, *_) = spikes.detect_spikes(now=now)

    assert alert.count == 30  # detection counts everything
    assert "bricked" in alert.top_words
    assert not {"zorblax", "subpoena", "lawsuit"} & set(alert.top_words)
    (sent,) = Notification.objects.filter(channel=channel)
    assert sent.payload["mentions"]
    assert "zorblax" not in str(sent.payload).lower()


def test_the_notification_log_hides_a_restricted_queues_messages(client_for, legal_user):
    legal = restricted_team(TeamKind.LEGAL, members=[legal_user], name="Legal")
    channel = NotificationChannel.objects.create(
        team=legal, name="Legal mail", kind=NotificationChannel.Kind.EMAIL,
        target="legal@example.com",
    )  # fmt: skip
    Notification.objects.create(
        channel=channel, subject="Risky mention for Legal: risk 90 from @zorblax_law"
    )
    assert (
        "zorblax_law" not in client_for("social").get("/notifications/channels/").content.decode()
    )
    assert "zorblax_law" in client_for("admin").get("/notifications/channels/").content.decode()


# --- Testing rules: rule.manage, over what the tester may read (#15 findings 4 and 8) --------

RULE = {"conditions": [{"field": "keywords", "value": ["zorblax"]}], "match": "any"}


def test_testing_rules_needs_rule_manage(client_for, hidden):
    for role in ("social", "manager"):
        response = client_for(role, api=True).post("/api/v1/rules/test/", RULE, format="json")
        assert response.status_code == 403


def test_a_rule_test_runs_only_over_the_mentions_the_tester_may_see(client, hidden):
    """Else it is an oracle: "does a hidden mention say zorblax?" answered by `matched`."""
    tester = UserFactory(email="rules@example.com", roles=["social"])
    tester.user_permissions.add(Permission.objects.get(codename="change_rule"))
    client.force_login(tester)
    response = client.post("/api/v1/rules/test/", RULE, content_type="application/json")
    assert response.status_code == 200
    assert response.json() == {"matched": 0, "sample": 1, "examples": []}


def test_brand_accounts_count_only_the_impostors_the_reader_may_see(client_for, hidden):
    _stream, visible, secret = hidden
    account = BrandAccount.objects.create(platform="x", handle="acme", display_name="Acme")
    Mention.objects.filter(pk__in=[visible.pk, secret.pk]).update(impersonates=account)
    page = client_for("social").get("/brand-accounts/")
    assert [a.impostor_count for a in page.context["accounts"]] == [1]
    (listed,) = client_for("social", api=True).get("/api/v1/social-accounts/").json()["results"]
    assert listed["impostor_count"] == 1
    one = client_for("social", api=True).get(f"/api/v1/social-accounts/{account.pk}/").json()
    assert one["impostor_count"] == 1
    admin = client_for("admin", api=True).get(f"/api/v1/social-accounts/{account.pk}/").json()
    assert admin["impostor_count"] == 2


def test_the_spike_list_filters_top_mentions_in_one_query(client_for, spike, hidden):
    client = client_for("social", api=True)
    client.get("/api/v1/spikes/")  # warm the session and permissions
    with CaptureQueriesContext(connection) as one:
        client.get("/api/v1/spikes/")
    for _ in range(3):
        spike.pk = None
        spike.save()
    with CaptureQueriesContext(connection) as four:
        assert len(client.get("/api/v1/spikes/").json()["results"]) == 4
    assert len(four) == len(one)
