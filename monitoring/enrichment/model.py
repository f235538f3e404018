"""The trained risk model at work: per-reason probabilities and the words behind them.

It reads the artefact training.py writes (data/risk_model.json): for each head a bias, a
decision threshold and a weight per feature. A mention's probability for a head is the
logistic of the bias plus its features' weights, valued as in training (features.Features):
word and context features times their count and `scale()`, signals once. A word's own
features are the same wherever it appears, so their summed weights are kept per word: a
mention costs about one lookup per word and per context feature. scikit-learn is for
training only.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache, partial

from monitoring.enrichment import DATA_DIR
from monitoring.enrichment.features import Features, word_features

ARTEFACT = DATA_DIR / "risk_model.json"
EXPLAINED = 3  # features named in a reason's detail
SHORTEST_WORD = 3  # "the", "les", "pas" explain nothing; "sue", "fdp" come as keyword terms
CONSIDERED = 12  # the strongest features looked at to find them (some have no words)
WORD_CACHE = 100_000
LARGEST_EXPONENT = 700.0


@dataclass(frozen=True)
class Head:
    name: str
    bias: float
    threshold: float


class RiskModel:
    def __init__(self, text: str):
        lines = text.splitlines()
        header = json.loads(lines[0])
        settings = header["head_settings"]
        self.heads = [
            Head(name, settings[name]["bias"], settings[name]["threshold"])
            for name in header["heads"]
        ]
        # Weights are rounded to 0.001: some 16,000 values among 470,000. One float object per
        # value rather than per weight takes the model from 25 MB to 14 MB, less for every
        # mention to fetch from memory. (The JSON parser shares them: compiled code would box
        # a new float for each weight it handled itself.)
        read = partial(json.loads, parse_float=lru_cache(maxsize=None)(float))
        self.weights: dict[str, tuple[float, ...]] = {
            name: tuple(row) for name, row in map(read, lines[1:])
        }
        self._zero = (0.0,) * len(self.heads)
        self._index = {head.name: i for i, head in enumerate(self.heads)}
        self._words: dict[str, dict[str, tuple[float, ...]]] = {}  # by language, by word
        self._explaining: dict[int, tuple[dict, dict]] = {}  # by head index
        self._biases = [(head.name, head.bias) for head in self.heads]

    def _summed(self, word: str, language: str) -> tuple[float, ...]:
        """The summed weights of a word's own features, kept for the next time."""
        rows = [r for f in word_features(word, language)[1] if (r := self.weights.get(f))]
        summed = tuple(map(sum, zip(*rows, strict=True))) if rows else self._zero
        known = self._words.setdefault(language, {})
        if len(known) >= WORD_CACHE:
            known.clear()
        known[word] = summed
        return summed

    def probabilities(self, found: Features) -> dict[str, float]:
        # Features the model has no weight for are left out rather than summed as zeros: a
        # sum is the same without its zeros, to the last bit.
        language, summed, weight_of = found.language, self._summed, self.weights.get
        known = self._words.get(language) or {}
        counted = [known.get(word) or summed(word, language) for word in found.words]
        counted += filter(None, map(weight_of, found.context))
        once = list(filter(None, map(weight_of, sorted(found.signals))))  # the same sum, always
        scale, exp = found.scale(), math.exp
        totals = zip(
            self._biases,
            map(sum, zip(*counted, strict=True)) if counted else self._zero,
            map(sum, zip(*once, strict=True)) if once else self._zero,
            strict=True,
        )
        # exp() overflows past 709: a text of thousands of the same strong word gets there.
        return {
            name: 1 / (1 + exp(min(-(bias + text * scale + signals), LARGEST_EXPONENT)))
            for (name, bias), text, signals in totals
        }

    def fired(self, probabilities: dict[str, float]) -> dict[str, float]:
        """{head: probability} of the heads at or above their threshold."""
        return {
            head.name: probabilities[head.name]
            for head in self.heads
            if probabilities[head.name] >= head.threshold
        }

    def threshold(self, head: str) -> float:
        return self.heads[self._index[head]].threshold

    def explain(
        self, found: Features, fired: Iterable[str], hits: dict[str, list[str]]
    ) -> dict[str, list[str]]:
        """What made each fired head fire, in words, strongest first: the keyword terms
        matched, then the words, pairs of words and cues that weigh most for it."""
        # The features that can be said in words: the words' lemmas, pairs of words, emoji,
        # signals.
        lemmas = set(found.lemmas)
        named = {f for f in found.context if f.startswith(("b:", "e:"))} | found.signals
        said_by_head = {}
        for head in fired:
            by_lemma, by_name = self._positive(self._index[head])
            scored = [s for lemma in lemmas if (s := by_lemma.get(lemma))]
            scored += [s for f in named if (s := by_name.get(f))]
            scored.sort()
            said = list(dict.fromkeys(hits.get(head, ())))
            for _, feature in scored[:CONSIDERED]:
                if len(said) >= EXPLAINED:
                    break
                words = _in_words(feature)
                if words and not any(words in s or s in words for s in said):
                    said.append(words)
            said_by_head[head] = said[:EXPLAINED]
        return said_by_head

    def _positive(
        self, i: int
    ) -> tuple[dict[str, tuple[float, str]], dict[str, tuple[float, str]]]:
        """Head i's features of positive weight as explain() sorts them, (-weight, feature):
        the `w:` ones by lemma (as features() spells it), the others that are not a word's own
        (pairs of words, signals...) by name. Worked out at a head's first explanation."""
        positive = self._explaining.get(i)
        if positive is None:
            by_lemma, by_name = {}, {}
            for f, row in self.weights.items():
                if row[i] > 0 and f.startswith("w:"):
                    by_lemma[f[2:]] = (-row[i], f)
                elif row[i] > 0 and not f.startswith("c:"):
                    by_name[f] = (-row[i], f)
            positive = self._explaining[i] = by_lemma, by_name
        return positive


@lru_cache(maxsize=65_536)
def _in_words(feature: str) -> str:
    """The feature as a reader says it; "" for what explains nothing on its own (a short
    word such as "the", a character n-gram)."""
    kind, _, value = feature.partition(":")
    if kind == "w" and not value.startswith("cue") and len(value) > SHORTEST_WORD:
        return value
    if kind == "b" and "cue" not in value:
        return value.replace("_", " ")
    if kind == "e":
        return value
    return CUES.get(feature, "")


CUES = {
    "cue:code": "a discount code",
    "cue:affiliate": "an affiliate link",
    "cue:disclosure": "a disclosure tag",
    "cue:sarcasm": "a sarcasm marker",
    "cue:impostor": "an author imitating the brand",
}


@cache
def trained_model() -> RiskModel:
    return RiskModel(ARTEFACT.read_text(encoding="utf-8"))
