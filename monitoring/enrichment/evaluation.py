"""Precision and recall of the risk reasons on the labelled set (tests/data/risk_eval.jsonl).

Used by the quality test (floors) and by `make bench BENCH=risk_quality` (figures).
"""

import json
from datetime import UTC, datetime
from pathlib import Path

from monitoring.connectors.base import NormalizedMention
from monitoring.enrichment import BrandAccountRef
from monitoring.enrichment.enricher import Enricher, default_keyword_lists

LABELS = ("legal", "security", "crisis", "compliance", "profanity", "impersonation")
DATASET = Path(__file__).resolve().parents[2] / "tests" / "data" / "risk_eval.jsonl"

# The demo brand's accounts as the labelled set knows them (tests/data/README.md).
EVAL_BRAND_ACCOUNTS = [
    BrandAccountRef(1, "x", "lumora", "Lumora", "111"),
    BrandAccountRef(2, "mastodon", "lumora", "Lumora", "https://demo.riskdesk.local/@lumora"),
    BrandAccountRef(
        3,
        "mastodon",
        "lumora_support",
        "Lumora Support",
        "https://demo.riskdesk.local/@lumora_support",
    ),
    BrandAccountRef(
        4, "bluesky", "lumora.bsky.social", "Lumora", "did:plc:droabxk7sen5xaazrn4cphoy"
    ),
]


def load_rows(path: Path = DATASET) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def evaluate(rows: list[dict] | None = None) -> dict[str, dict[str, float]]:
    """{label: {"precision", "recall", "support"}} of the enricher on the labelled rows."""
    rows = rows if rows is not None else load_rows()
    enricher = Enricher(keyword_lists=default_keyword_lists(), brand_accounts=EVAL_BRAND_ACCOUNTS)
    counts = {label: {"tp": 0, "fp": 0, "fn": 0} for label in LABELS}
    for row in rows:
        mention = NormalizedMention(
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
        enricher.enrich(mention)
        found = {reason["code"] for reason in mention.risk_reasons}
        expected = set(row["labels"])
        for label in LABELS:
            if label in found and label in expected:
                counts[label]["tp"] += 1
            elif label in found:
                counts[label]["fp"] += 1
            elif label in expected:
                counts[label]["fn"] += 1
    result = {}
    for label, c in counts.items():
        found, expected = c["tp"] + c["fp"], c["tp"] + c["fn"]
        result[label] = {
            "precision": round(c["tp"] / found, 3) if found else 1.0,
            "recall": round(c["tp"] / expected, 3) if expected else 1.0,
            "support": expected,
        }
    return result
