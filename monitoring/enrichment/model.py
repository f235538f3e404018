"""The trained risk model at work: per-reason probabilities and the features behind them.

It reads the artefact training.py writes (data/risk_model.json): for each head a bias, a
decision threshold and a weight per feature. A mention's probability for a head is the
logistic of the bias plus the weights of the features it has, valued as in training
(features.text_scale): a dictionary lookup per feature and one numpy sum.
scikit-learn is for training only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy

from monitoring.enrichment.features import SIGNALS, text_scale

ARTEFACT = Path(__file__).parent / "data" / "risk_model.json"
EXPLAINED = 3  # features named in a reason's detail


@dataclass(frozen=True)
class Head:
    name: str
    bias: float
    threshold: float


class RiskModel:
    def __init__(self, text: str):
        lines = text.splitlines()
        header = json.loads(lines[0])
        self.heads = [
            Head(
                name,
                header["head_settings"][name]["bias"],
                header["head_settings"][name]["threshold"],
            )
            for name in header["heads"]
        ]
        self._names = [head.name for head in self.heads]
        self.weights: dict[str, list[float]] = dict(json.loads(line) for line in lines[1:])
        self._rows = {feature: i for i, feature in enumerate(self.weights)}
        self._matrix = numpy.array(list(self.weights.values()), dtype=numpy.float64)
        self._bias = numpy.array([head.bias for head in self.heads])

    def probabilities(self, found: set[str]) -> dict[str, float]:
        rows = self._rows
        words, signals = [], []
        for feature in found:
            if (i := rows.get(feature)) is not None:
                (signals if feature.startswith(SIGNALS) else words).append(i)
        matrix = self._matrix
        z = self._bias + matrix[words].sum(axis=0) * text_scale(found) + matrix[signals].sum(axis=0)
        return dict(zip(self._names, (1 / (1 + numpy.exp(-z))).tolist(), strict=True))

    def fired(self, probabilities: dict[str, float]) -> dict[str, float]:
        """{head: probability} of the heads at or above their threshold."""
        return {
            head.name: probabilities[head.name]
            for head in self.heads
            if probabilities[head.name] >= head.threshold
        }

    def threshold(self, head: str) -> float:
        return next(h.threshold for h in self.heads if h.name == head)

    def explain(self, found: set[str], head: str, terms: Iterable[str]) -> list[str]:
        """What made `head` fire, in words, strongest first: the keyword terms matched, then
        the words, pairs of words and cues that weigh most for it ("porter plainte")."""
        i = next(k for k, h in enumerate(self.heads) if h.name == head)
        scored = [
            (row[i], feature)
            for feature in found
            if (row := self.weights.get(feature)) is not None and row[i] > 0
        ]
        scored.sort(key=lambda item: (-item[0], item[1]))
        said = list(dict.fromkeys(terms))
        for _, feature in scored:
            if len(said) >= EXPLAINED:
                break
            words = _in_words(feature)
            if words and not any(words in s or s in words for s in said):
                said.append(words)
        return said[:EXPLAINED] if len(said) > EXPLAINED else said


def _in_words(feature: str) -> str:
    kind, _, value = feature.partition(":")
    if kind == "w" and not value.startswith("cue"):
        return value
    if kind == "b" and "cue" not in value:
        return value.replace("_", " ")
    return CUES.get(feature, "")


CUES = {
    "cue:code": "a discount code",
    "cue:disclosure": "a disclosure tag",
    "cue:sarcasm": "a sarcasm marker",
}


@cache
def trained_model() -> RiskModel:
    return RiskModel(ARTEFACT.read_text(encoding="utf-8"))
