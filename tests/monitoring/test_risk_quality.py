"""The risk reasons measured on the labelled set, against floors.

The floors sit a little under today's figures, so the suite catches a change that
makes riskdesk worse at any reason. Keyword-driven reasons whose labels need
reading between the lines (compliance: undisclosed ads and regulated claims;
security: impostors fishing for passwords) have low recall today: raising them
means better lists and rules, and these floors should rise with them.
"""

import pytest

from monitoring.enrichment.evaluation import LABELS, evaluate, load_rows

# label: (precision floor, recall floor)
FLOORS = {
    "legal": (0.85, 0.85),
    "security": (0.70, 0.40),
    "crisis": (0.75, 0.60),
    "compliance": (0.60, 0.15),
    "profanity": (0.90, 0.75),
    "impersonation": (0.95, 0.90),
}


@pytest.fixture(scope="module")
def figures():
    return evaluate()


def test_the_labelled_set_is_large_enough_and_bilingual():
    rows = load_rows()
    assert len(rows) >= 300
    languages = {row["language"] for row in rows}
    assert {"en", "fr"} <= languages
    for label in LABELS:
        assert sum(label in row["labels"] for row in rows) >= 20, label


@pytest.mark.parametrize("label", LABELS)
def test_precision_and_recall_meet_their_floors(figures, label):
    precision_floor, recall_floor = FLOORS[label]
    assert figures[label]["precision"] >= precision_floor, figures[label]
    assert figures[label]["recall"] >= recall_floor, figures[label]


def test_the_brand_own_accounts_are_never_flagged():
    rows = [
        r
        for r in load_rows()
        if r["author_id"]
        in {
            "111",
            "https://demo.riskdesk.local/@lumora",
            "https://demo.riskdesk.local/@lumora_support",
            "did:plc:droabxk7sen5xaazrn4cphoy",
        }
    ]
    assert rows
    assert evaluate(rows)["impersonation"]["precision"] == 1.0
