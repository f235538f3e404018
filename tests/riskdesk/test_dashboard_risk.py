"""The dashboard's risk cards: riskiest open mentions, impersonations, spikes, volume chart.

What each card picks, who sees the cards, hostile text shown escaped, the htmx fragment
that refreshes them, and a query count that does not grow with mentions and streams.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import TeamKind
from alerting.models import SpikeAlert
from inbox.page import forget_counts
from inbox.services import mentions_assign, mentions_set_status
from monitoring.dashboard import dashboard_risk, risk_band
from monitoring.models import MentionStatus
from offboarding.models import BrandAccount
from riskdesk.dashboard_cards import forget_cards
from tests.accounts.factories import TeamFactory, UserFactory
from tests.conftest import ANONYMOUS, NO_ROLE
from tests.inbox.factories import restricted_team
from tests.monitoring.factories import MentionFactory, StreamFactory

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> lawsuit'


def _mention(**fields):
    fields.setdefault("published_at", timezone.now() - timedelta(hours=1))
    return MentionFactory(**fields)


def _spike(stream=None, **fields):
    now = timezone.now()
    return SpikeAlert.objects.create(
        stream=stream,
        window_start=now - timedelta(hours=1),
        window_end=now,
        count=fields.pop("count", 40),
        baseline_mean=3.0,
        baseline_std=1.5,
        zscore=24.7,
        **fields,
    )


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("social", True),
        ("legal", True),
        ("manager", True),
        ("admin", True),
        ("hr", False),
        (NO_ROLE, False),
    ],
)
def test_risk_cards_show_to_who_may_see_mentions(client_for, role, sees):
    response = client_for(role).get("/")

    assert response.status_code == 200
    assert (response.context["risk"] is not None) is sees
    assert (b'id="risk-cards"' in response.content) is sees


def test_riskiest_open_mentions_are_the_top_scores_of_the_week(client_for):
    team = TeamFactory(name="Legal")
    old = timezone.now() - timedelta(days=8)
    top = _mention(
        risk_score=91,
        team=team,
        risk_reasons=[
            {"code": "legal", "detail": "legal: 'lawsuit'"},
            {"code": "negative", "detail": "negative"},
            {"code": "reach", "detail": "reach"},
            {"code": "crisis", "detail": "crisis"},
        ],
    )
    tie_newer = _mention(risk_score=50, published_at=timezone.now() - timedelta(minutes=5))
    tie_older = _mention(risk_score=50, status="waiting")
    _mention(risk_score=99, status="resolved")
    _mention(risk_score=99, status="ignored")
    _mention(risk_score=99, published_at=old)
    for _ in range(10):
        _mention(risk_score=5, status="in_progress")

    risk = client_for("legal").get("/").context["risk"]

    riskiest = risk["riskiest"]
    assert len(riskiest) == 10
    assert [m.pk for m in riskiest[:3]] == [top.pk, tie_newer.pk, tie_older.pk]
    assert riskiest[0].band == "danger"
    assert riskiest[0].reason_codes == ["legal", "negative", "reach"]


def test_score_bands():
    assert [risk_band(s) for s in (0, 14, 15, 39, 40, 69, 70, 100)] == [
        "muted",
        "muted",
        "info",
        "info",
        "warning",
        "warning",
        "danger",
        "danger",
    ]


def test_hostile_mention_text_is_escaped_on_the_dashboard(client_for):
    account = BrandAccount.objects.create(platform="x", handle="acme")
    stream = StreamFactory(name="<b>Stream</b>")
    _mention(
        text=HOSTILE,
        author_name="<i>Eve</i>",
        author_handle="<svg onload=alert(1)>",
        risk_score=80,
        risk_reasons=[{"code": "<u>legal</u>", "detail": "x"}],
        impersonates=account,
        stream=stream,
        url="javascript:alert(1)",
    )

    html = client_for("social").get("/").content.decode()

    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "&lt;i&gt;Eve&lt;/i&gt;" in html
    assert "&lt;svg onload=alert(1)&gt;" in html
    assert "&lt;u&gt;legal&lt;/u&gt;" in html
    assert "&lt;b&gt;Stream&lt;/b&gt;" in html
    for raw in ("<script>alert", "<img src=x", "<i>Eve", "<svg onload", "<u>legal", "<b>Stream"):
        assert raw not in html
    assert 'href="javascript:' not in html


def test_impersonations_count_the_week_and_list_the_newest_five(client_for):
    account = BrandAccount.objects.create(platform="x", handle="acme")
    now = timezone.now()
    for hours in range(1, 8):
        _mention(impersonates=account, published_at=now - timedelta(hours=hours))
    newest = _mention(
        impersonates=account, author_handle="acme_0fficial", published_at=now - timedelta(minutes=1)
    )
    _mention(impersonates=account, published_at=now - timedelta(days=8))
    _mention()

    response = client_for("manager").get("/")

    risk = response.context["risk"]
    assert risk["impersonations_count"] == 8
    assert len(risk["impersonations"]) == 5
    assert risk["impersonations"][0].pk == newest.pk
    assert "imitates @acme (X)" in response.content.decode()


def test_active_spikes_link_to_their_page(client_for):
    stream = StreamFactory(name="Acme on X")
    spike = _spike(stream)
    _spike(stream, status=SpikeAlert.Status.ACKNOWLEDGED)

    response = client_for("social").get("/")

    risk = response.context["risk"]
    assert [s.pk for s in risk["spikes"]] == [spike.pk]
    assert risk["spikes_count"] == 1
    assert f'href="/spikes/{spike.pk}/"' in response.content.decode()


# Mid-hour, so "a minute ago" falls in the current hour's bar.
@time_machine.travel(datetime(2026, 3, 4, 10, 20, tzinfo=UTC), tick=False)
def test_volume_chart_counts_each_hour_per_stream(client_for):
    busy, quiet = StreamFactory(name="Busy"), StreamFactory(name="Quiet")
    now = timezone.now()
    for _ in range(3):
        _mention(stream=busy, published_at=now - timedelta(minutes=1))
    _mention(stream=busy, published_at=now - timedelta(minutes=1), sentiment_label="negative")
    _mention(stream=busy, published_at=now - timedelta(hours=5), sentiment_label="negative")
    _mention(stream=quiet, published_at=now - timedelta(hours=2))
    _mention(stream=quiet, published_at=now - timedelta(hours=30))

    response = client_for("manager").get("/")

    charts = response.context["risk"]["charts"]
    assert [c.name for c in charts] == ["Busy", "Quiet"]
    busy_chart = charts[0]
    assert len(busy_chart.bars) == 24
    assert (busy_chart.total, busy_chart.negative) == (5, 2)
    last = busy_chart.bars[-1]
    assert (last.total, last.negative, last.height) == (4, 1, busy_chart.height)
    assert last.negative_height == busy_chart.height // 4
    assert charts[1].total == 1
    html = response.content.decode()
    assert html.count('<svg class="chart__svg"') == 2
    assert '<title id="chart-1-title">Mentions per hour on Busy</title>' in html
    assert 'id="chart-1-desc"' in html
    assert "<td>4</td><td>1</td>" in html  # the visually-hidden table of the numbers


def test_the_risk_fragment_refreshes_by_itself(client_for):
    _mention(text=HOSTILE, risk_score=75)
    client = client_for("legal")

    response = client.get("/dashboard/risk/", HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div class="card-grid risk-cards" id="risk-cards"')
    assert 'hx-get="/dashboard/risk/"' in html
    assert 'hx-trigger="every 30s"' in html
    assert "&lt;script&gt;" in html
    assert "<script" not in html
    assert "<html" not in html


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("social", 200),
        ("legal", 200),
        ("manager", 200),
        ("admin", 200),
        ("hr", 403),
        (NO_ROLE, 403),
        (ANONYMOUS, 302),
    ],
)
def test_risk_fragment_permissions(client_for, role, expected):
    response = client_for(role).get("/dashboard/risk/", HTTP_HX_REQUEST="true")

    assert response.status_code == expected
    if role == ANONYMOUS:
        assert response["Location"].startswith("/login/?next=")


def test_the_fragment_url_opened_directly_goes_to_the_dashboard(client_for):
    response = client_for("social").get("/dashboard/risk/")

    assert response.status_code == 302
    assert response["Location"] == "/"


def _queries(client, url, **headers) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, **headers).status_code == 200
    return len(ctx)


@pytest.mark.parametrize("role", ["social", "legal", "admin"])
def test_risk_cards_query_count_does_not_grow(client_for, role):
    client = client_for(role)
    account = BrandAccount.objects.create(platform="x", handle="acme")

    def add(n):
        for i in range(n):
            stream = StreamFactory(team=TeamFactory())
            _mention(
                stream=stream,
                team=stream.team,
                risk_score=60 + i,
                risk_reasons=[{"code": "legal", "detail": "x"}],
                sentiment_label="negative" if i % 2 else "positive",
                published_at=timezone.now() - timedelta(hours=i % 20),
            )
            _mention(impersonates=account, stream=stream)
            _spike(stream)

    def read(url, **headers):  # the figures and the cards read, not taken from the cache
        forget_counts()
        forget_cards()
        return _queries(client, url, **headers)

    add(3)
    client.get("/")  # the freeze banner in the cache, as on every page after the first
    page_few = read("/")
    fragment_few = read("/dashboard/risk/", HTTP_HX_REQUEST="true")
    add(27)
    page_many = read("/")
    fragment_many = read("/dashboard/risk/", HTTP_HX_REQUEST="true")

    assert page_many == page_few
    assert fragment_many == fragment_few
    # Session, user, 2FA device, permissions (2), the viewer's teams (restricted queues),
    # then the cards (riskiest, impersonations, spikes, queue, volume, the day's count).
    assert fragment_few <= 12
    # Kept, the figures cost no query: what is left is the session and the reader.
    assert _queries(client, "/dashboard/risk/", HTTP_HX_REQUEST="true") == fragment_few - 6


def test_readers_of_the_same_queues_share_the_figures_each_with_their_own_count(user_for):
    first, second = user_for("social"), UserFactory(roles=["social"])
    for assignee in (first, first, second, None):
        _mention(assignee=assignee, risk_score=50)

    before = dashboard_risk(first)
    with CaptureQueriesContext(connection) as read:
        after = dashboard_risk(second)

    assert not [q for q in read.captured_queries if "monitoring_mention" in q["sql"]]
    assert before["queue"] | {"mine": 1} == after["queue"]
    assert (before["queue"]["open"], before["queue"]["mine"]) == (4, 2)
    assert before["mentions_24h"] == after["mentions_24h"] == 4


def test_a_queue_hidden_from_a_reader_never_reaches_them_through_the_kept_figures(user_for):
    legal_team = restricted_team(TeamKind.LEGAL, members=[user_for("legal")], name="Legal")
    threat = _mention(team=legal_team, risk_score=95, risk_reasons=[{"code": "legal"}])

    assert dashboard_risk(user_for("legal"))["riskiest"] == [threat]  # kept for Legal
    social = dashboard_risk(user_for("social"))

    assert social["riskiest"] == []
    assert social["queue"]["open"] == social["mentions_24h"] == 0


def test_the_kept_cards_never_show_a_hidden_queue_to_another_reader(client_for, user_for):
    legal_team = restricted_team(TeamKind.LEGAL, members=[user_for("legal")], name="Legal")
    _mention(team=legal_team, risk_score=95, text="Our lawyers hold the contract draft")
    _mention(risk_score=40, text="The pods taste burnt")

    assert "contract draft" in client_for("legal").get("/").content.decode()  # rendered, kept
    page = client_for("social").get("/").content.decode()

    assert "contract draft" not in page
    assert "The pods taste burnt" in page


def test_the_kept_cards_change_with_the_figures(
    client_for, user_for, django_capture_on_commit_callbacks
):
    client = client_for("social")
    mention = _mention(risk_score=60, text="My machine is dead")
    assert "My machine is dead" in client.get("/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        mentions_set_status(
            actor=user_for("social"), mentions=[mention], status=MentionStatus.RESOLVED
        )
    assert "My machine is dead" not in client.get("/").content.decode()


def test_a_triage_write_shows_at_the_next_load(user_for, django_capture_on_commit_callbacks):
    social = user_for("social")
    mention = _mention(risk_score=50)
    assert dashboard_risk(social)["queue"]["open"] == 1

    with django_capture_on_commit_callbacks(execute=True):
        mentions_set_status(actor=social, mentions=[mention], status=MentionStatus.RESOLVED)
    assert dashboard_risk(social)["queue"]["open"] == 0

    with django_capture_on_commit_callbacks(execute=True):
        mentions_set_status(actor=social, mentions=[mention], status=MentionStatus.NEW)
        mentions_assign(actor=social, mentions=[mention], assignee=social)
    assert dashboard_risk(social)["queue"] == {
        "open": 1,
        "mine": 1,
        "unassigned_critical": 0,
        "breached": 0,
    }


def test_the_dashboard_has_no_inline_script_or_style(client_for):
    _mention(risk_score=80, stream=StreamFactory())

    html = client_for("admin").get("/").content.decode()

    for inline in ("<script>", "style=", "<style"):
        assert inline not in html
