"""Risk: keyword matching and the 0-100 score with the reasons behind it.

`KeywordMatcher` finds an organisation's keyword terms in a text (whole words, case- and
accent-insensitive, any script, linear time). `risk_assessment` turns the hits and the other
signals into a score and the reasons the API shows.

Signals and weights (each signal is a weight w in 0-95):

    code           weight                                              alone
    impersonation  60 + 20 x similarity, +25 when it claims a giveaway  60-95
    security       60 + 15 x the model's confidence                    61-75
    legal          55 + 15 x confidence                                56-70
    crisis         45 + 8 x confidence                                 46-53
    compliance     40 + 10 x confidence                                41-50
    watchlist      35                                                  35
    profanity      28 + 6 x confidence                                 28-34
    negative       10 at sentiment -0.25 .. 25 at -1.0                 10-25
    reach          amplifier, see below                                0-15

The text reasons (legal to profanity) come from the trained model (model.py) with the
probability it gives them as their confidence; only reasons at or above their head's
threshold (tuned in training) reach this function.

Signals combine like independent probabilities: S = 100 x (1 - prod(1 - w/100)), so two
signals score more than either alone and the total never passes 100.

Reach r in [0, 1] is the larger of log10(followers) mapped 2..5.5 (100 -> 0, ~316k -> 1) and
log10(engagement + 1) mapped 1..4 (10 -> 0, 10k -> 1), plus 0.15 for a verified author.
It multiplies the other signals: score = S x (1 + 0.5 r); with no other signal it is worth
15 r on its own. Reasons are ordered by weight, reach by the points it added (below 100).
Every reason carries a confidence in [0, 1] besides its code and detail.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import TYPE_CHECKING

import ahocorasick

from monitoring.enrichment import KEYWORD_CODES

if TYPE_CHECKING:
    from monitoring.enrichment import Lookalike

PREFIX_MARK = "*"

# -- folding ------------------------------------------------------------------------------

_APOSTROPHES = "\u2018\u2019\u201a\u201b\u2032\u02bc\u02bb\u00b4\u0060\uff07"
_QUOTES = "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb\u2039\u203a\uff02"
_INVISIBLE = "\u200b\u2060\ufeff\u00ad"  # zero-width space, word joiner, BOM, soft hyphen
_PRE_FOLD = {
    **{ord(c): "'" for c in _APOSTROPHES},
    **{ord(c): '"' for c in _QUOTES},
    **dict.fromkeys(map(ord, _INVISIBLE)),
}
# Finds what _PRE_FOLD changes: most texts have none of it, and translating a text that is
# not ASCII looks every character up.
_TO_PRE_FOLD = re.compile("[" + re.escape("".join(map(chr, _PRE_FOLD))) + "]")
_CACHE_LIMIT = 65_536


class _Table(dict):
    """A str.translate table worked out per code point as texts need it, and kept."""

    def __missing__(self, code: int) -> int | str | None:
        value = self.value(code)
        if len(self) < _CACHE_LIMIT:
            self[code] = value
        return value

    def value(self, code: int) -> int | str | None:
        raise NotImplementedError


class _DropMarks(_Table):
    """Drops combining marks."""

    def value(self, code: int) -> int | None:
        return None if unicodedata.combining(chr(code)) else code


class _WordsOnly(_Table):
    """Turns everything but letters, digits and marks into a space."""

    def value(self, code: int) -> int | str:
        return " " if unicodedata.category(chr(code))[0] in "PSZC" else code


class _UnmarkedWordsOnly(_Table):
    """_DROP_MARKS then _WORDS_ONLY in one table."""

    def value(self, code: int) -> int | str | None:
        kept = _DROP_MARKS[code]
        return None if kept is None else _WORDS_ONLY[kept]


_DROP_MARKS = _DropMarks()
_WORDS_ONLY = _WordsOnly({ord("_"): " "})
_UNMARKED_WORDS_ONLY = _UnmarkedWordsOnly()
# An ASCII text's folding and _WORDS_ONLY in one table: ASCII has no marks to drop, nothing
# that NFKD changes, and lower() is its casefold().
_ASCII_WORDS_ONLY = {
    code: _WORDS_ONLY[ord(chr(code).translate(_PRE_FOLD).lower())] for code in range(128)
}


def fold(text: str) -> str:
    """Lower-case, strip accents, normalise apostrophes, quotes and whitespace.

    "L\u2019AVOCAT  a   dit « Non »" -> "l'avocat a dit \" non \"". Lengths stay close to the
    input's (whitespace runs shrink to one space; "ß" becomes "ss"); offsets are not kept.
    """
    return " ".join(_folded_letters(text).split())  # what re's \s is, str.split() splits on


def _folded_letters(text: str) -> str:
    """fold() without the whitespace normalised."""
    if text.isascii():
        return text.translate(_PRE_FOLD).lower()
    text = _pre_folded(text).casefold()
    if text.isascii():  # "\u212a" (the Kelvin sign) folds to "k"
        return text
    return unicodedata.normalize("NFKD", text).translate(_DROP_MARKS)


def _pre_folded(text: str) -> str:
    return text.translate(_PRE_FOLD) if _TO_PRE_FOLD.search(text) else text


def _words(text: str) -> str:
    """The folded text as words separated by single spaces: what terms are matched against."""
    if text.isascii():
        return " ".join(text.translate(_ASCII_WORDS_ONLY).split())
    # _folded_letters() and _WORDS_ONLY in one pass (NFKD leaves ASCII as it is). Whitespace is
    # of categories Z and C: _WORDS_ONLY makes it a space, split() joins runs.
    folded = unicodedata.normalize("NFKD", _pre_folded(text).casefold())
    return " ".join(folded.translate(_UNMARKED_WORDS_ONLY).split())


# -- matching -----------------------------------------------------------------------------


def _unspaced(ch: str) -> bool:
    """Scripts written without spaces between words: any neighbour there is a word boundary."""
    o = ord(ch)
    return (
        0x0E00 <= o <= 0x0EFF  # Thai, Lao
        or 0x1000 <= o <= 0x109F  # Myanmar
        or 0x1780 <= o <= 0x17FF  # Khmer
        or 0x2E80 <= o <= 0x9FFF  # CJK, kana
        or 0xF900 <= o <= 0xFAFF
        or 0xFF66 <= o <= 0xFF9F  # half-width katakana
        or 0x20000 <= o <= 0x3FFFF
    )


def _boundary(text: str, index: int) -> bool:
    return index < 0 or index >= len(text) or text[index] == " " or _unspaced(text[index])


def _term_key(term: str) -> tuple[str, bool]:
    """(matchable key, prefix?) for a configured term; the key is "" when nothing is left."""
    term = term.strip()
    prefix = term.endswith(PREFIX_MARK)
    return _words(term.rstrip(PREFIX_MARK) if prefix else term), prefix


class KeywordMatcher:
    """Finds whole-word occurrences of keyword terms, grouped by code.

    `lists` is {code: [term, ...]} with every language's terms merged. Matching ignores case,
    accents and punctuation between words ("Class-Action" matches "class action"); a term
    ending in "*" matches as a word prefix ("pirat*" matches "piratage"). When terms of one
    code overlap ("data breach", "breach"), the longest match wins.
    """

    def __init__(self, lists: dict[str, list[str]]) -> None:
        self._automaton = ahocorasick.Automaton(ahocorasick.STORE_ANY)
        entries: dict[str, list[tuple[str, str, bool]]] = {}
        seen: set[tuple[str, str, bool]] = set()
        for code, terms in lists.items():
            for term in terms:
                key, prefix = _term_key(term)
                if not key or (code, key, prefix) in seen:
                    continue
                seen.add((code, key, prefix))
                entries.setdefault(key, []).append((code, term.strip(), prefix))
        for key, value in entries.items():
            self._automaton.add_word(key, (len(key), value))
        self._empty = not entries
        if not self._empty:
            self._automaton.make_automaton()

    def matches(self, text: str) -> dict[str, list[str]]:
        """{code: [configured term, ...]}, each term once, in order of first appearance."""
        if self._empty or not text:
            return {}
        words = _words(text)
        spans: dict[str, list[tuple[int, int, str]]] = {}
        for end, (length, entries) in self._automaton.iter(words):
            start = end - length + 1
            if not _boundary(words, start - 1):
                continue
            whole = _boundary(words, end + 1)
            for code, term, prefix in entries:
                if prefix or whole:
                    spans.setdefault(code, []).append((start, end, term))
        found: dict[str, list[str]] = {}
        for code, code_spans in spans.items():
            code_spans.sort(key=lambda s: (s[0], -s[1]))
            terms: list[str] = []
            covered = -1  # end of the last kept span: spans inside it are overlapped terms
            for _start, end, term in code_spans:
                if end <= covered:
                    continue
                covered = end
                if term not in terms:
                    terms.append(term)
            found[code] = terms
        return {code: found[code] for code in sorted(found, key=_code_order)}


def _code_order(code: str) -> tuple[int, str]:
    return (KEYWORD_CODES.index(code) if code in KEYWORD_CODES else len(KEYWORD_CODES), code)


# -- scoring ------------------------------------------------------------------------------

# code: (weight at no confidence, what full confidence adds)
TEXT_WEIGHTS: dict[str, tuple[float, float]] = {
    "security": (60, 15),
    "legal": (55, 15),
    "crisis": (45, 8),
    "compliance": (40, 10),
    "profanity": (28, 6),
}
WATCHLIST_WEIGHT = 35.0
IMPERSONATION_BASE, IMPERSONATION_PER_SIMILARITY, IMPERSONATION_CLAIMS = 60.0, 20.0, 25.0
NEGATIVE_FROM, NEGATIVE_MIN, NEGATIVE_MAX = -0.25, 10.0, 25.0
REACH_ALONE, REACH_AMPLIFY, VERIFIED_REACH = 15.0, 0.5, 0.15
REACH_REASON_FROM = 0.25  # below this reach level, reach changes the score but is not a reason
MAX_SIGNAL = 95.0


def _quoted(items: list[str]) -> str:
    return ", ".join(f"'{item}'" for item in items)


def _reach_level(followers: int | None, engagement: int, verified: bool) -> float:
    by_followers = (math.log10(followers) - 2) / 3.5 if followers and followers > 0 else 0.0
    by_engagement = (math.log10(engagement + 1) - 1) / 3 if engagement and engagement > 0 else 0.0
    level = max(by_followers, by_engagement, 0.0) + (VERIFIED_REACH if verified else 0.0)
    return min(level, 1.0)


def _reach_detail(followers: int | None, engagement: int, verified: bool) -> str:
    parts = []
    if followers:
        parts.append(f"{followers:,} followers")
    if engagement >= 10:  # below this engagement adds no reach
        parts.append(f"{engagement:,} engagements")
    if verified:
        parts.append("verified")
    return "reach: " + ", ".join(parts)


def risk_assessment(
    *,
    text_reasons: dict[str, tuple[float, list[str]]],
    sentiment: float | None,
    followers: int | None,
    engagement: int,
    verified: bool,
    on_watchlist: bool,
    lookalike: Lookalike | None,
    claims: list[str],
) -> tuple[int, list[dict]]:
    """(score 0-100, [{"code", "detail", "confidence"}, ...] strongest first).

    `text_reasons` is {code: (confidence, [evidence, ...])} for the text reasons the model
    found; `claims` are the giveaway or price claims found in the text; they only weigh with
    a lookalike (an impersonator promising something), not on their own.
    """
    signals: list[tuple[str, float, str, float]] = []  # (code, weight, detail, confidence)
    if lookalike is not None:
        weight = IMPERSONATION_BASE + IMPERSONATION_PER_SIMILARITY * lookalike.score
        detail = f"impersonation: {lookalike.detail} ({lookalike.score:.2f})"
        if claims:
            weight += IMPERSONATION_CLAIMS
            detail += f" and claims {_quoted(claims)}"
        signals.append(("impersonation", weight, detail, lookalike.score))
    for code, (base, full) in TEXT_WEIGHTS.items():
        if code in text_reasons:
            confidence, evidence = text_reasons[code]
            detail = f"{code}: {_quoted(evidence)}" if evidence else code
            signals.append((code, base + full * confidence, detail, confidence))
    if on_watchlist:
        signals.append(
            ("watchlist", WATCHLIST_WEIGHT, "watchlist: the author is on the watchlist", 1.0)
        )
    if sentiment is not None and sentiment <= NEGATIVE_FROM:
        depth = (NEGATIVE_FROM - max(sentiment, -1.0)) / (1.0 + NEGATIVE_FROM)
        weight = NEGATIVE_MIN + (NEGATIVE_MAX - NEGATIVE_MIN) * depth
        signals.append(("negative", weight, f"negative: sentiment {sentiment:+.2f}", -sentiment))

    remaining = 1.0
    for _, weight, _, _ in signals:
        remaining *= 1 - min(weight, MAX_SIGNAL) / 100
    combined = 100 * (1 - remaining)

    reach = _reach_level(followers, engagement, verified)
    reach_points = combined * REACH_AMPLIFY * reach if signals else REACH_ALONE * reach
    reach_points = min(reach_points, 100 - combined)  # what reach adds below the 100 cap
    if reach >= REACH_REASON_FROM:
        detail = _reach_detail(followers, engagement, verified)
        signals.append(("reach", reach_points, detail, reach))

    score = max(0, min(100, round(combined + reach_points)))
    signals.sort(key=lambda s: -s[1])  # stable: ties keep the order signals were added in
    return score, [
        {"code": code, "detail": detail, "confidence": round(min(max(confidence, 0.0), 1.0), 2)}
        for code, _, detail, confidence in signals
    ]
