"""`reason_flags`: the reason codes of `risk_reasons` as bits, kept by the database.

Whatever writes `risk_reasons` (a save, an update, a bulk update, the pipeline's COPY, raw
SQL), the bits follow, since the column is generated from it: the inbox's reason filter and
the reports read the bits, the API and the pages the list.
"""

import pytest
from django.db import connection

from monitoring import pipeline
from monitoring.enrichment import REASON_CODES
from monitoring.models import REASON_BITS, Mention
from tests.monitoring.factories import MentionFactory
from tests.monitoring.scripted import mention

pytestmark = pytest.mark.django_db

LEGAL = {"code": "legal", "detail": "lawsuit"}
CRISIS = {"code": "crisis", "detail": "'recall'"}


def flags_of(reasons) -> int:
    codes = {r["code"] for r in reasons if isinstance(r, dict)}
    return sum(bit for code, bit in REASON_BITS.items() if code in codes)


def stored_flags(pk: int) -> int:
    return Mention.objects.values_list("reason_flags", flat=True).get(pk=pk)


def test_the_stored_bits_never_move():
    # Rows and partial indexes hold these values: a code added to REASON_CODES goes last.
    pinned = ["legal", "security", "crisis", "compliance", "profanity", "reach", "negative",
              "watchlist", "impersonation"]  # fmt: skip
    assert {code: REASON_BITS[code] for code in pinned} == {
        code: 1 << n for n, code in enumerate(pinned)
    }
    assert set(REASON_BITS) == set(REASON_CODES)


@pytest.mark.parametrize(
    "reasons",
    [
        [],
        [LEGAL],
        [CRISIS, LEGAL],
        [{"code": code, "detail": ""} for code in REASON_CODES],
        [{"code": "negative", "detail": "sentiment -0.62", "confidence": 0.9}],
        [{"code": "impersonation", "detail": "@lumora_help looks like @lumora"}],
    ],
    ids=["none", "one", "two", "all", "with-confidence", "impersonation"],
)
def test_a_created_mention_has_the_bits_of_its_reasons(reasons):
    created = MentionFactory(risk_reasons=reasons)
    assert stored_flags(created.pk) == flags_of(reasons)


@pytest.mark.parametrize(
    "reasons",
    [
        [{"code": "crisis", "detail": '"code": "legal"'}],  # a code in the words is no reason
        [{"detail": "legal", "code": "crisis"}],
        [{"code": "Legal"}, {"code": "legal "}, {"code": "bogus"}, "legal", 7, None],
    ],
    ids=["quoted-code-in-detail", "code-last", "odd-entries"],
)
def test_only_a_reasons_own_code_sets_a_bit(reasons):
    created = MentionFactory(risk_reasons=reasons)
    assert stored_flags(created.pk) == flags_of(reasons)


def test_save_update_and_bulk_update_keep_the_bits_in_step():
    item = MentionFactory(risk_reasons=[LEGAL])

    item.risk_reasons = [CRISIS]
    item.save(update_fields=["risk_reasons"])  # as threads.add_reason's callers do
    assert stored_flags(item.pk) == REASON_BITS["crisis"]

    Mention.objects.filter(pk=item.pk).update(risk_reasons=[LEGAL, CRISIS])
    assert stored_flags(item.pk) == REASON_BITS["legal"] | REASON_BITS["crisis"]

    item.risk_reasons = []
    Mention.objects.bulk_update([item], ["risk_reasons"])
    assert stored_flags(item.pk) == 0


def test_bulk_create_and_raw_sql_keep_the_bits_in_step():
    (made,) = Mention.objects.bulk_create(
        [Mention(platform="x", external_id="b1", text="t", published_at="2026-03-01T00:00Z")]
    )
    made = Mention.objects.get(external_id="b1")
    assert stored_flags(made.pk) == 0
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE monitoring_mention SET risk_reasons = %s WHERE id = %s",
            ['[{"code": "security", "detail": "phishing"}]', made.pk],
        )
    assert stored_flags(made.pk) == REASON_BITS["security"]


def test_the_pipeline_store_keeps_the_bits_in_step():
    """COPY on PostgreSQL, executemany on SQLite: neither names the column."""
    batch = [
        mention(1, text="I will sue Acme, my lawyer is ready", risk_reasons=[LEGAL], risk_score=70),
        mention(2),
    ]
    pipeline.ingest(batch)
    for stored in Mention.objects.all():
        assert stored.reason_flags == flags_of(stored.risk_reasons)
    assert Mention.objects.filter(reason_flags__gt=0).exists()


def test_the_thread_context_keeps_the_bits_in_step():
    from monitoring.threads import add_reason

    item = MentionFactory(risk_reasons=[LEGAL], risk_score=60)
    assert add_reason(item, "reach", "thread: 40 replies in the last hour", 30)
    item.save(update_fields=["risk_score", "risk_reasons"])
    assert stored_flags(item.pk) == REASON_BITS["legal"] | REASON_BITS["reach"]
