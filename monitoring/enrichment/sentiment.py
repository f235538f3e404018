"""Sentiment of a mention: a score in [-1, 1] and its label.

A lexicon scorer in the spirit of VADER (Hutto & Gilbert, 2014), written for speed: VADER's own
SentimentIntensityAnalyzer costs hundreds of µs a text, this about ten. What it keeps from VADER:
the lexicon and its -4..+4 scale, negation flipping the next three tokens (x-0.74), boosters
and dampeners (±0.293, less with distance), ALL-CAPS emphasis when the text is not all caps,
"but" weighting the clause after it (x0.5 before, x1.5 after), exclamation marks, emoticons,
and the x/sqrt(x²+15) normalization. What it drops: VADER's idiom and "least"/"kind of" rules.

English uses VADER's lexicon (vaderSentiment's vader_lexicon.txt). French uses
data/sentiment_fr.tsv, matched accent-insensitively, with French negation (ne/n' ... pas,
pas, jamais, rien, sans, aucun) and a few two-word entries ("pas terrible", "pas mal": the
latter is mildly positive). Every other language goes through the English scorer: many social
posts mix English in, and a post with no English lexicon word scores 0, which is the honest
answer for a language we do not read.

Negation flips a word once however many negators precede it, so the French "ne ... pas" pair
does not cancel itself out.
"""

import math
import re
import string
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Literal

from monitoring.enrichment import DATA_DIR

SentimentLabel = Literal["negative", "neutral", "positive"]

POSITIVE_THRESHOLD = 0.05
NEGATIVE_THRESHOLD = -0.05

NEGATION_SCALAR = -0.74
BOOST = 0.293
CAPS_BOOST = 0.733
BUT_BEFORE = 0.5
BUT_AFTER = 1.5
EXCLAMATION_BOOST = 0.292
MAX_EXCLAMATIONS = 4
NORMALIZATION_ALPHA = 15
WINDOW = 3  # how many tokens back a negator or booster reaches
DISTANCE_DECAY = (1.0, 0.95, 0.9)
MAX_CHARS = 5000  # a mention's sentiment is in its first few paragraphs


_EN_NEGATIONS = frozenset(
    [
        "not",
        "no",
        "never",
        "nor",
        "none",
        "nothing",
        "nowhere",
        "neither",
        "nope",
        "without",
        "cannot",
        "cant",
        "aint",
        "arent",
        "couldnt",
        "didnt",
        "doesnt",
        "dont",
        "hadnt",
        "hasnt",
        "havent",
        "isnt",
        "mightnt",
        "mustnt",
        "neednt",
        "shouldnt",
        "wasnt",
        "werent",
        "wont",
        "wouldnt",
        "rarely",
        "seldom",
        "despite",
        "ain't",
        "aren't",
        "can't",
        "couldn't",
        "didn't",
        "doesn't",
        "don't",
        "hadn't",
        "hasn't",
        "haven't",
        "isn't",
        "mightn't",
        "mustn't",
        "needn't",
        "shouldn't",
        "wasn't",
        "weren't",
        "won't",
        "wouldn't",
    ]
)
_EN_BOOSTERS = {
    **dict.fromkeys(
        [
            "absolutely",
            "amazingly",
            "awfully",
            "completely",
            "considerably",
            "decidedly",
            "deeply",
            "effing",
            "enormously",
            "entirely",
            "especially",
            "exceptionally",
            "extremely",
            "fabulously",
            "flipping",
            "flippin",
            "frackin",
            "fracking",
            "fricking",
            "frickin",
            "frigging",
            "friggin",
            "fully",
            "fucking",
            "fuckin",
            "greatly",
            "hella",
            "highly",
            "hugely",
            "incredibly",
            "intensely",
            "majorly",
            "more",
            "most",
            "particularly",
            "purely",
            "quite",
            "really",
            "remarkably",
            "so",
            "substantially",
            "thoroughly",
            "totally",
            "tremendously",
            "uber",
            "unbelievably",
            "unusually",
            "utterly",
            "very",
            "super",
            "insanely",
            "ridiculously",
            "seriously",
        ],
        BOOST,
    ),
    **dict.fromkeys(
        [
            "almost",
            "barely",
            "hardly",
            "just",
            "enough",
            "less",
            "little",
            "marginally",
            "occasionally",
            "partly",
            "scarcely",
            "slightly",
            "somewhat",
            "sorta",
            "kinda",
        ],
        -BOOST,
    ),
}
_FR_NEGATIONS = frozenset(
    ["ne", "n", "pas", "jamais", "rien", "sans", "aucun", "aucune", "ni", "guere", "nullement"]
)
_FR_BOOSTERS = {
    **dict.fromkeys(
        [
            "tres",
            "trop",
            "vraiment",
            "tellement",
            "super",
            "hyper",
            "ultra",
            "si",
            "vachement",
            "extremement",
            "totalement",
            "completement",
            "absolument",
            "particulierement",
            "franchement",
            "carrement",
            "grave",
            "incroyablement",
            "terriblement",
            "hautement",
            "profondement",
            "entierement",
        ],
        BOOST,
    ),
    **dict.fromkeys(
        ["peu", "legerement", "plutot", "assez", "moyennement", "presque", "quasi"], -BOOST
    ),
}

# A few emoji VADER's word lexicon lacks, on its -4..+4 scale.
_EMOJI = {
    "😀": 2.0, "😃": 2.0, "😄": 2.0, "😁": 2.0, "😊": 2.0, "🙂": 1.0, "😍": 3.0, "🥰": 3.0,
    "😘": 2.0, "❤": 2.5, "💕": 2.5, "💖": 2.5, "👍": 1.8, "👏": 1.8, "🙏": 1.0, "🎉": 2.0,
    "😢": -2.0, "😭": -2.2, "😞": -2.0, "😔": -1.8, "😕": -1.2, "🙁": -1.2, "☹": -1.5,
    "😠": -2.5, "😡": -2.8, "🤬": -3.0, "👎": -1.8, "💩": -2.0, "🤮": -2.5, "😤": -1.8,
}  # fmt: skip

_EMOTICONS = (":-)", ":)", ":-(", ":(", ":d", ":p", ":/", ";)", ";-)", "<3", ":'(", "xd")
_EMOJI_RE = re.compile("[" + "".join(sorted(_EMOJI)) + "]")
# Text that may hold one of _EMOJI (none is below the lowest): a regex search says so faster
# than max().
_AT_EMOJI_FLOOR = re.compile(f"[{min(_EMOJI)}-\U0010ffff]")

# Tokenizing is str.translate (punctuation to spaces) then split(): on ASCII text CPython's
# translate fast path makes this four times cheaper than a word regex, the bulk of a text's cost.
_PUNCTUATION = string.punctuation + "“”«»…\u2013—¡¿·\u00a0"
_EN_TABLE = {ord(c): " " for c in _PUNCTUATION if c != "'"}
_EN_TABLE.update({ord(e): f" {e} " for e in _EMOJI})
_EN_TABLE[ord("\u2019")] = "'"
_FR_TABLE = {ord(c): " " for c in _PUNCTUATION + "\u2019"}  # elisions split: "n'est" -> "n", "est"


def _emoticon_pattern(emoticons: list[str]) -> re.Pattern[str]:
    alternation = "|".join(re.escape(e) for e in sorted(emoticons, key=len, reverse=True))
    return re.compile(rf"(?<!\S)(?i:{alternation})(?!\S)")


def strip_accents(text: str) -> str:
    """Without accents and anything else outside ASCII ("Déçu" -> "Decu")."""
    text = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "OE"))
    return text.encode("ascii", "ignore").decode("ascii")


def fold_accents(text: str) -> str:
    return strip_accents(text).lower()


@dataclass(frozen=True)
class _Scorer:
    lexicon: dict[str, float]
    bigrams: dict[str, float]  # "pas terrible": the second word's valence after the first
    negations: frozenset[str]
    boosters: dict[str, float]
    but_words: frozenset[str]
    emoticons: re.Pattern[str]
    fold: bool  # French lexicon keys are accent-folded, so the text must be too

    def tokenize(self, text: str) -> tuple[list[str], list[str]]:
        """The tokens as written (for caps) and lower-cased (for lookups), aligned."""
        if self.fold:
            words = strip_accents(text).translate(_FR_TABLE).split()
            if not text.isascii() and _AT_EMOJI_FLOOR.search(text):
                words += _EMOJI_RE.findall(text)
        else:
            words = text.translate(_EN_TABLE).split()
            if "'" in text or "\u2019" in text:  # quotes, not contractions, around a word
                words = [stripped for w in words if (stripped := w.strip("'"))]
        if ":" in text or ";" in text or "<" in text:
            words += self.emoticons.findall(text)
        # One lower() for all tokens; \x01 is never in a token.
        return words, "\x01".join(words).lower().split("\x01")

    def score(self, text: str) -> float:
        text = text[:MAX_CHARS]
        words, lows = self.tokenize(text)
        if not words:
            return 0.0
        lexicon, negations, boosters = self.lexicon, self.negations, self.boosters
        but_at = next((i for i, w in enumerate(lows) if w in self.but_words), -1)
        caps_differ: bool | None = None
        total = 0.0
        count = len(lows)
        for i, low in enumerate(lows):
            valence = lexicon.get(low)
            if valence is None or low in negations:
                continue
            if low in boosters and i + 1 < count and lows[i + 1] in lexicon:
                continue  # "super bien": "super" boosts "bien" rather than counting twice
            word = words[i]
            if word.isupper() and len(word) > 1:
                if caps_differ is None:
                    caps_differ = _caps_differ(words)
                if caps_differ:
                    valence += CAPS_BOOST if valence > 0 else -CAPS_BOOST
            negated = False
            for back in range(1, min(WINDOW, i) + 1):
                before = lows[i - back]
                if before in negations:
                    negated = True
                elif before in boosters:
                    scalar = boosters[before] * DISTANCE_DECAY[back - 1]
                    valence += scalar if valence > 0 else -scalar
            if negated:
                bigram = self.bigrams.get(lows[i - 1] + " " + low) if i else None
                valence = bigram if bigram is not None else valence * NEGATION_SCALAR
            if but_at >= 0:
                valence *= BUT_BEFORE if i < but_at else BUT_AFTER if i > but_at else 1.0
            total += valence
        if total:
            exclamations = min(text.count("!"), MAX_EXCLAMATIONS) * EXCLAMATION_BOOST
            total += exclamations if total > 0 else -exclamations
        score = total / math.sqrt(total * total + NORMALIZATION_ALPHA)
        return max(-1.0, min(1.0, score))


def _caps_differ(words: list[str]) -> bool:
    """VADER's rule: caps emphasize only when some words, not all, are in capitals."""
    letters = [w for w in words if w.isalpha()]
    upper = sum(1 for w in letters if w.isupper())
    return 0 < upper < len(letters)


def _read_valences(lines: list[str], fold: bool) -> dict[str, float]:
    valences: dict[str, float] = {}
    for line in lines:
        parts = line.strip().split("\t")
        if len(parts) < 2 or not parts[0] or line.startswith("#"):
            continue
        key = fold_accents(parts[0]) if fold else parts[0].lower()
        valences.setdefault(key, float(parts[1]))
    return valences


@cache
def _english() -> _Scorer:
    path = files("vaderSentiment").joinpath("vader_lexicon.txt")
    lexicon = _read_valences(path.read_text(encoding="utf-8").splitlines(), fold=False)
    lexicon.update(_EMOJI)
    return _Scorer(
        lexicon=lexicon,
        bigrams={},
        negations=_EN_NEGATIONS,
        boosters=_EN_BOOSTERS,
        but_words=frozenset({"but"}),
        emoticons=_emoticon_pattern([e for e in _EMOTICONS if e in lexicon]),
        fold=False,
    )


@cache
def _french() -> _Scorer:
    lines = (DATA_DIR / "sentiment_fr.tsv").read_text(encoding="utf-8").splitlines()
    valences = _read_valences(lines, fold=True)
    english = _english().lexicon
    emoticons = {e: english[e] for e in _EMOTICONS if e in english}
    return _Scorer(
        lexicon={**emoticons, **_EMOJI, **{k: v for k, v in valences.items() if " " not in k}},
        bigrams={k: v for k, v in valences.items() if " " in k},
        negations=_FR_NEGATIONS,
        boosters=_FR_BOOSTERS,
        but_words=frozenset({"mais", "cependant", "pourtant", "neanmoins"}),
        emoticons=_emoticon_pattern(list(emoticons)),
        fold=True,
    )


def score_sentiment(text: str, language: str) -> float:
    """Sentiment of `text` in [-1, 1]; French has its own lexicon, any other language uses
    the English one."""
    if not text:
        return 0.0
    scorer = _french() if language == "fr" else _english()
    return scorer.score(text)


# The trained negative-tone head (model.py) reads what the lexicons miss: sarcasm ("Bravo,
# encore une mise à jour qui tue ma machine 👏"), complaints without a listed word ("trois
# semaines que j'attends, plus jamais"). When it is sure, the score goes at least this far
# down; when it is not, a negative lexicon score shrinks with its doubt and stays neutral
# ("killer coffee").
TONE_FLOOR, TONE_DEPTH = -0.2, 0.6
# Where the lexicon reads praise, the model must be surer in proportion before it calls the
# text negative: a long cheerful post of common words ("my", "now", "wait") can drift just
# past the threshold, while sarcasm ("cool cool cool") sits far above it. Unless a sarcasm
# mark says the praise is ironic ("Merci 🙃"). On the training split's out-of-fold
# predictions this trades 2 points of recall for 1.3 of precision, with fewer errors in all.
PRAISE_DOUBT = 0.15


def with_tone(
    score: float, negative_probability: float, threshold: float, *, sarcastic: bool = False
) -> float:
    """The lexicon's score corrected by the model's view of the author's tone."""
    doubt = 0.0 if sarcastic else PRAISE_DOUBT * max(score, 0.0)
    if negative_probability >= threshold + doubt:
        return min(score, TONE_FLOOR - TONE_DEPTH * negative_probability)
    if score < 0:  # the model decides what is negative; the lexicon only how much
        return max(score * negative_probability / threshold, NEGATIVE_THRESHOLD / 2)
    return score


def sentiment_label(score: float) -> SentimentLabel:
    if score >= POSITIVE_THRESHOLD:
        return "positive"
    if score <= NEGATIVE_THRESHOLD:
        return "negative"
    return "neutral"
