"""The risk reasons measured on the labelled set's test split, against the issue's targets.

The targets, not today's figures less a margin: every reason's precision and recall at
least 0.85, and nine mentions in ten with exactly the right set of reasons. The test split
is a fifth of the set that training never reads (training.in_test_split).
"""

import pytest

from monitoring.enrichment.evaluation import (
    LABELS,
    enrich_rows,
    evaluate,
    keyword_reference,
    test_rows,
)
from monitoring.enrichment.training import LABELLED_BRAND_ACCOUNTS, load_labelled

TARGET = 0.85  # every reason's precision and recall
EXACT_TARGET = 0.90
# The targets not reached yet, with the figure each must not fall below meanwhile. They are
# strict expected failures: the day a change reaches one, its test fails until it moves
# from here to the plain floors above.
NOT_YET = {"exact": 0.875}
# Praise the lexicon reads is doubted before it is called negative (sentiment.PRAISE_DOUBT):
# precision rose from 0.79 to 0.80 and recall fell from 0.80 to 0.79.
NEGATIVE_TONE_FLOORS = {"precision": 0.78, "recall": 0.78}


@pytest.fixture(scope="module")
def figures():
    return evaluate()


def test_the_labelled_set_is_large_bilingual_and_holds_every_reason():
    rows = load_labelled()
    english_and_french = [row for row in rows if row["language"] in ("en", "fr")]
    assert len(english_and_french) >= 1500
    assert len({row["id"] for row in rows}) == len(rows)
    held_out = test_rows()
    assert len(rows) / 6 <= len(held_out) <= len(rows) / 4
    for language in ("en", "fr"):
        assert sum(row["language"] == language for row in held_out) >= 100, language
    for label in LABELS:
        assert sum(label in row["labels"] for row in held_out) >= 25, label


def _target(label, measure):
    marks = []
    if (label, measure) in NOT_YET:
        marks.append(pytest.mark.xfail(strict=True, reason="the issue's target, not reached yet"))
    return pytest.param(label, measure, marks=marks, id=f"{label}-{measure}")


@pytest.mark.parametrize(
    ("label", "measure"),
    [_target(label, measure) for label in LABELS for measure in ("precision", "recall")],
)
def test_every_reason_reaches_the_target(figures, label, measure):
    assert figures["per_reason"][label][measure] >= TARGET, figures["per_reason"][label]


@pytest.mark.xfail(strict=True, reason="the issue's target, not reached yet")
def test_nine_mentions_in_ten_get_exactly_the_right_reasons(figures):
    assert figures["exact_share"] >= EXACT_TARGET, figures["exact_share"]


def test_what_is_not_at_its_target_yet_does_not_fall_back(figures):
    for key, floor in NOT_YET.items():
        figure = figures["exact_share"] if key == "exact" else figures["per_reason"][key[0]][key[1]]
        assert figure >= floor, (key, figure)


def test_the_negative_tone_is_read_better_than_by_the_lexicon_alone(figures):
    rows = test_rows()
    lexicon = keyword_reference(rows, enrich_rows(rows))["negative_tone"]
    for measure, floor in NEGATIVE_TONE_FLOORS.items():
        assert figures["negative_tone"][measure] >= floor, figures["negative_tone"]
    assert figures["negative_tone"]["f1"] >= lexicon["f1"] + 0.25, (figures, lexicon)


def test_the_brand_own_accounts_are_never_flagged_as_impostors():
    own_ids = {account.platform_id for account in LABELLED_BRAND_ACCOUNTS}
    rows = [row for row in load_labelled() if row["author_id"] in own_ids]
    assert len(rows) >= 20
    assert evaluate(rows)["per_reason"]["impersonation"]["precision"] == 1.0
