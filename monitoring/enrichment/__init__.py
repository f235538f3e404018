"""Enrichment: what riskdesk learns from a mention before it is stored.

Language, sentiment, a risk score with the reasons behind it, and whether the
author imitates one of the brand's own accounts. Each part is its own module:

- language.py      `detect_language(text) -> str` (ISO 639-1 code, "" when unsure)
- sentiment.py     `score_sentiment(text, language) -> float` in [-1, 1]; `sentiment_label(score)`
- features.py      `features(text, language, keyword_hits, ...) -> Features`: what the model
                   reads, the author's standing and where the brand is named included
- model.py         `trained_model()`: each text reason's probability and the words behind it
- training.py      `make train`: the model from data/labelled/, test split held out
- evaluation.py    precision, recall, F1 and exact reason sets on the test split
- risk.py          `KeywordMatcher(lists)`, `risk_assessment(...) -> (score 0-100, reasons)`
- impersonation.py `ImpersonationDetector(accounts).check(...) -> Lookalike | None`
- compiled.py      `make compile`: the modules a mention goes through, compiled by mypyc

`Enricher` (enricher.py) puts them together and fills a NormalizedMention's fields;
the pipeline runs it on each batch before the store step.
"""

import sys
from dataclasses import dataclass
from pathlib import Path

from monitoring.enrichment.compiled import BUILD_DIR, built_for_these_sources

if built_for_these_sources():
    sys.path.append(str(BUILD_DIR))  # the library the compiled modules share
    __path__.insert(0, str(BUILD_DIR / "monitoring" / "enrichment"))

# The model, its labelled set, the French lexicon (a compiled module's __file__ is elsewhere).
DATA_DIR = Path(__file__).parent / "data"

# The risk reason codes, as the API shows them in `risk_reasons[].code`.
REASON_CODES = (
    "legal",
    "security",
    "crisis",
    "compliance",
    "profanity",
    "reach",
    "negative",
    "watchlist",
    "impersonation",
)
KEYWORD_CODES = ("legal", "security", "crisis", "compliance", "profanity")


@dataclass(frozen=True)
class BrandAccountRef:
    """One of the brand's own social accounts, as impersonation detection compares them."""

    pk: int
    platform: str
    handle: str  # as the network shows it, without a leading "@"
    display_name: str = ""
    platform_id: str = ""  # the network's stable id: an author with this id IS the brand


@dataclass(frozen=True)
class Lookalike:
    account: BrandAccountRef
    score: float  # similarity in [0, 1]
    detail: str  # why, for the risk reason ("handle 'lumora_officiaI' imitates @lumora")
