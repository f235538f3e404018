"""Owned and earned: the brand's own posts are kept for context, never triage work.

Enrichment knows the brand's accounts (the impersonation detector's list): a post whose
author is an active one is stored with `owned_by` and the status "own", without SLA, team
or notification, through both store paths (bulk INSERT on SQLite, binary COPY on
PostgreSQL: run this file on both). The dashboard's lists and negative counts leave it out.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from alerting.models import Notification, NotificationChannel
from monitoring import pipeline
from monitoring.dashboard import dashboard_risk
from monitoring.enrichment import BrandAccountRef
from monitoring.enrichment import enricher as enricher_module
from monitoring.enrichment.impersonation import ImpersonationDetector
from monitoring.models import Mention, MentionStatus
from tests.accounts.factories import TeamFactory
from tests.monitoring.factories import MentionFactory
from tests.monitoring.scripted import mention
from tests.offboarding.factories import BrandAccountFactory

pytestmark = pytest.mark.django_db

APOLOGY = "We are so sorry: the recall is a disaster, refund lawsuit incoming? No, refunds now."


@pytest.fixture
def social_team():
    team = TeamFactory(name="Social media", slug="social")
    NotificationChannel.objects.create(
        team=team, name="all", kind="email", target="social@example.com", min_risk=0
    )
    return team


def test_a_post_by_a_brand_account_is_its_own_not_work(brand, social_team):
    result = pipeline.ingest(
        [mention(1, author_id="42", author_handle="lumora", text=APOLOGY, author_followers=10**6)]
    )

    stored = Mention.objects.get(pk=result.ids[0])
    assert stored.owned_by == brand
    assert stored.status == MentionStatus.OWN
    assert stored.risk_score > 0  # its risk is known, for context
    assert (stored.first_response_due_at, stored.resolve_due_at) == (None, None)
    assert stored.team is None  # not even the catch-all: nobody's queue
    assert stored.rule_trace == []
    assert Notification.objects.count() == 0


def test_the_handle_alone_makes_it_the_brand_when_the_account_has_no_id(social_team):
    account = BrandAccountFactory(platform="x", handle="lumora", platform_id="")

    pipeline.ingest([mention(1, author_id="777", author_handle="@Lumora"), mention(2)])

    owned, earned = Mention.objects.order_by("external_id")
    assert (owned.owned_by, owned.status) == (account, MentionStatus.OWN)
    assert (earned.owned_by, earned.status) == (None, MentionStatus.NEW)
    assert earned.first_response_due_at is not None  # an ordinary mention keeps its SLA


def test_a_lookalike_is_no_owner_and_another_network_is_another_account(brand):
    pipeline.ingest(
        [
            mention(1, author_id="9", author_handle="lumora_0fficial", text="free gift, DM us"),
            mention(2, platform="reddit", author_id="42", author_handle="lumora"),
        ]
    )

    impostor = Mention.objects.get(external_id="1")
    assert impostor.owned_by is None
    assert impostor.impersonates == brand
    assert impostor.status == MentionStatus.NEW
    assert Mention.objects.get(external_id="2").owned_by is None


def test_a_deactivated_brand_account_posts_are_earned_again(brand, social_team):
    pipeline.ingest([mention(1, author_id="42", author_handle="lumora")])
    brand.is_active = False
    brand.save()

    pipeline.ingest([mention(2, author_id="42", author_handle="lumora", text=APOLOGY)])

    before, after = Mention.objects.order_by("external_id")
    assert (before.owned_by, before.status) == (brand, MentionStatus.OWN)  # kept as it was
    assert (after.owned_by, after.status) == (None, MentionStatus.NEW)
    assert after.first_response_due_at is not None


def test_a_re_delivered_brand_post_is_a_duplicate_and_changes_nothing(brand):
    first = pipeline.ingest([mention(1, author_id="42", author_handle="lumora")])
    Mention.objects.filter(pk=first.ids[0]).update(status=MentionStatus.NEW)  # someone made it work

    again = pipeline.ingest([mention(1, author_id="42", author_handle="lumora")])

    assert again.stored == []
    assert again.duplicates == [("x", "1")]
    assert Mention.objects.get().status == MentionStatus.NEW


def test_both_store_paths_carry_owned_by_and_the_status(brand):
    """SQLite's bulk INSERT or PostgreSQL's binary COPY, whichever this database uses."""
    batch = [mention(n, author_id="42" if n % 2 else f"a{n}") for n in range(1, 7)]

    result = pipeline.ingest(batch)

    assert len(result.ids) == 6
    rows = dict(Mention.objects.values_list("external_id", "owned_by_id"))
    assert rows == {str(n): brand.pk if n % 2 else None for n in range(1, 7)}
    statuses = dict(Mention.objects.values_list("external_id", "status"))
    assert statuses == {str(n): "own" if n % 2 else "new" for n in range(1, 7)}


def test_the_columns_and_their_copy_types_line_up():
    assert len(pipeline.COLUMNS) == len(pipeline.COLUMN_TYPES)
    assert pipeline.COLUMN_TYPES[pipeline.COLUMNS.index("owned_by_id")] == "int8"
    assert pipeline.COLUMN_TYPES[pipeline.COLUMNS.index("status")] == "varchar"
    row = pipeline.sqlite_row(mention(1, owned_by_id=7, status="own"), None, timezone.now())
    assert row[pipeline.COLUMNS.index("owned_by_id")] == 7
    assert row[pipeline.COLUMNS.index("status")] == "own"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="binary COPY is PostgreSQL's")
def test_copy_rows_writes_owned_by_in_binary(brand):
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE copy_check AS "  # noqa: S608 (our own column names)
            f"SELECT {', '.join(pipeline.COLUMNS)} FROM monitoring_mention WITH NO DATA"
        )
        pipeline.copy_rows(
            cursor,
            "copy_check",
            [mention(1, owned_by_id=brand.pk, status="own"), mention(2)],
            None,
            timezone.now(),
        )
        cursor.execute("SELECT external_id, owned_by_id, status FROM copy_check ORDER BY 1")
        assert cursor.fetchall() == [("1", brand.pk, "own"), ("2", None, "new")]
        cursor.execute("DROP TABLE copy_check")


def test_the_detector_names_the_account_an_author_is():
    ours = BrandAccountRef(pk=1, platform="x", handle="lumora", platform_id="42")
    fediverse = BrandAccountRef(pk=2, platform="mastodon", handle="lumora@mastodon.social")
    detector = ImpersonationDetector([ours, fediverse])

    assert detector.brand_account(platform="x", author_id="42", handle="renamed") == ours
    assert detector.brand_account(platform="x", author_id="", handle="@LUMORA") == ours
    assert detector.brand_account(platform="x", author_id="9", handle="lumora_0fficial") is None
    assert (
        detector.brand_account(platform="mastodon", author_id="", handle="lumora@mastodon.social")
        == fediverse
    )
    assert (
        detector.brand_account(platform="mastodon", author_id="", handle="lumora@evil.example")
        is None
    )
    assert enricher_module.OWN == MentionStatus.OWN


def test_the_dashboard_leaves_the_brand_s_posts_out_of_risk_and_negative_counts(user_for, brand):
    now = timezone.now()
    MentionFactory(
        owned_by=brand,
        status=MentionStatus.OWN,
        risk_score=95,
        sentiment_label="negative",
        published_at=now - timedelta(minutes=30),
        text="our own apology",
    )
    earned = MentionFactory(
        risk_score=40, sentiment_label="negative", published_at=now - timedelta(minutes=30)
    )

    risk = dashboard_risk(user_for("social"))

    assert [m.pk for m in risk["riskiest"]] == [earned.pk]
    assert risk["queue"]["open"] == 1
    (chart,) = risk["charts"]
    assert (chart.total, chart.negative) == (2, 1)
