"""How well enrichment finds the risk reasons, on the labelled set's test split.

Used by the quality test (floors) and by `make bench BENCH=risk_quality` (figures). The test
split (training.in_test_split) is never trained on. Figures per reason: precision, recall,
F1 and support; overall: macro F1, `exact_share` (mentions whose reason set is exactly the
labelled one) and the negative tone's precision and recall.
"""

from datetime import UTC, datetime

from monitoring.connectors.base import NormalizedMention
from monitoring.enrichment.enricher import Enricher, default_keyword_lists
from monitoring.enrichment.risk import KeywordMatcher
from monitoring.enrichment.sentiment import score_sentiment, sentiment_label
from monitoring.enrichment.training import LABELLED_BRAND_ACCOUNTS, load_labelled, split

LABELS = ("legal", "security", "crisis", "compliance", "profanity", "impersonation")


def test_rows() -> list[dict]:
    return split(load_labelled())[1]


test_rows.__test__ = False  # a data loader, not a pytest test


def mention_of(row: dict) -> NormalizedMention:
    return NormalizedMention(
        platform=row["platform"],
        external_id=row["id"],
        text=row["text"],
        published_at=datetime(2026, 3, 1, tzinfo=UTC),
        author_id=row.get("author_id") or "",
        author_handle=row.get("author_handle") or "",
        author_name=row.get("author_name") or "",
        author_followers=row.get("author_followers"),
        engagement=row.get("engagement") or 0,
        language=row.get("language") or "",
    )


def evaluation_enricher() -> Enricher:
    return Enricher(keyword_lists=default_keyword_lists(), brand_accounts=LABELLED_BRAND_ACCOUNTS)


def enrich_rows(rows: list[dict], enricher: Enricher | None = None) -> list[NormalizedMention]:
    enricher = enricher or evaluation_enricher()
    mentions = [mention_of(row) for row in rows]
    for mention in mentions:
        enricher.enrich(mention)
    return mentions


def _figures(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3)}


def score(rows: list[dict], mentions: list[NormalizedMention]) -> dict:
    counts = {label: [0, 0, 0] for label in (*LABELS, "negative_tone")}  # tp, fp, fn
    exact = 0
    for row, mention in zip(rows, mentions, strict=True):
        found = {reason["code"] for reason in mention.risk_reasons} & set(LABELS)
        expected = set(row["labels"])
        exact += found == expected
        if mention.sentiment_label == "negative":
            found.add("negative_tone")
        if row["sentiment"] == "negative":
            expected.add("negative_tone")
        for label, c in counts.items():
            c[0] += label in found and label in expected
            c[1] += label in found and label not in expected
            c[2] += label in expected and label not in found
    per_reason = {
        label: {**_figures(*counts[label]), "support": counts[label][0] + counts[label][2]}
        for label in LABELS
    }
    return {
        "mentions": len(rows),
        "per_reason": per_reason,
        "macro_f1": round(sum(r["f1"] for r in per_reason.values()) / len(LABELS), 3),
        "exact_share": round(exact / len(rows), 3) if rows else 1.0,
        "negative_tone": _figures(*counts["negative_tone"]),
    }


def keyword_reference(rows: list[dict], enriched: list[NormalizedMention]) -> dict:
    """The figures of what riskdesk had before the model: a reason wherever its keyword list
    matches, the lexicon's sentiment alone (impersonation, which the model does not decide,
    is taken from `enriched`)."""
    matcher = KeywordMatcher(default_keyword_lists())
    mentions = []
    for row, done in zip(rows, enriched, strict=True):
        mention = mention_of(row)
        mention.risk_reasons = [{"code": code} for code in matcher.matches(mention.text)]
        mention.risk_reasons += [r for r in done.risk_reasons if r["code"] == "impersonation"]
        mention.sentiment_label = sentiment_label(score_sentiment(mention.text, mention.language))
        mentions.append(mention)
    return score(rows, mentions)


def evaluate(rows: list[dict] | None = None) -> dict:
    """The figures of the enricher on `rows` (the test split when None)."""
    rows = rows if rows is not None else test_rows()
    return score(rows, enrich_rows(rows))
