"""Training the risk model from the labelled mentions in the repository (`make train`).

The labelled set is every `data/labelled/*.jsonl` file (its README says how rows are written
and labelled). A fifth of it, chosen by a hash of each row's id, is the test split: it is
never read here, only by evaluation.py, so the figures it gives are on mentions the model has
not seen. Rows in other languages than English and French train the model all the same.

One logistic regression per head (each text reason, and the negative tone the sentiment
score leans on) over the features of features.py, liblinear, fixed folds: the same data
gives the same artefact, byte for byte. Each head's regularisation and decision threshold
are chosen on five-fold out-of-fold predictions of the training split, so choosing them does
not peek at the test split either: the pair with the fewest wrong answers where precision and
recall both stay at 0.87 or more (ERRORS_FROM), since a reason set is right only when every
head is; a head that cannot reach that, the pair with the best balance of the two.

Run it with `make train` (python -m monitoring.enrichment.training): it rewrites
data/risk_model.json, which is committed; tests check that training reproduces it.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

from monitoring.enrichment import DATA_DIR, KEYWORD_CODES, BrandAccountRef
from monitoring.enrichment.features import Features, brand_words, features
from monitoring.enrichment.impersonation import ImpersonationDetector
from monitoring.enrichment.risk import KeywordMatcher

LABELLED_DIR = DATA_DIR / "labelled"
ARTEFACT = DATA_DIR / "risk_model.json"
HEADS = (*KEYWORD_CODES, "negative_tone")
TEST_SHARE = 5  # one row in five is the test split
REGULARISATION = (16.0, 64.0, 256.0, 1024.0)  # each head takes the one with the best CV F1
FOLDS = 5
NB_SMOOTHING = 1.0
MIN_THRESHOLD, MAX_THRESHOLD = 0.06, 0.8
ERRORS_FROM = 0.87  # out-of-fold precision and recall, above the quality floors (0.85)
KEPT_WEIGHT = 0.002  # features whose weights are all smaller than this are left out
FORMAT = 1

# The demo brand's accounts as the labelled set knows them (data/labelled/README.md).
LABELLED_BRAND_ACCOUNTS = [
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


def load_labelled(directory: Path = LABELLED_DIR) -> list[dict]:
    rows = []
    for path in sorted(directory.glob("*.jsonl")):
        with path.open(encoding="utf-8") as lines:
            rows.extend(json.loads(line) for line in lines if line.strip())
    return rows


def in_test_split(row: dict) -> bool:
    return hashlib.sha256(row["id"].encode()).digest()[0] % TEST_SHARE == 0


def split(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    train = [row for row in rows if not in_test_split(row)]
    test = [row for row in rows if in_test_split(row)]
    return train, test


def targets(row: dict) -> list[int]:
    labels = set(row["labels"])
    return [int(head in labels) for head in KEYWORD_CODES] + [int(row["sentiment"] == "negative")]


def featurise(rows: list[dict], matcher: KeywordMatcher) -> list[Features]:
    """The rows' features as the enricher reads them, its impersonation detector included."""
    from monitoring.enrichment.enricher import author_standing

    detector = ImpersonationDetector(LABELLED_BRAND_ACCOUNTS)
    brand = brand_words(LABELLED_BRAND_ACCOUNTS)
    found = []
    for row in rows:
        _, lookalike = author_standing(
            detector,
            platform=row["platform"],
            author_id=row.get("author_id") or "",
            handle=row.get("author_handle") or "",
            display_name=row.get("author_name") or "",
        )
        found.append(
            features(
                row["text"],
                row.get("language") or "",
                matcher.matches(row["text"]),
                row.get("author_name") or "",
                lookalike=lookalike is not None,
                brand=brand,
            )
        )
    return found


def _matrix(documents: list[tuple[Counter, set[str], float]], index: dict[str, int]):
    """Rows as the model values them: counted features x scale, signals 1."""
    from scipy.sparse import csr_matrix

    data, columns, pointers = [], [], [0]
    for counted, signals, scale in documents:
        values = {index[f]: n * scale for f, n in counted.items() if f in index}
        values |= {index[f]: 1.0 for f in signals if f in index}
        for column in sorted(values):
            columns.append(column)
            data.append(values[column])
        pointers.append(len(columns))
    return csr_matrix((data, columns, pointers), shape=(len(documents), len(index)))


def _fit(matrix, y: list[int], c: float) -> tuple:
    """(weights, bias) of a logistic regression over naive Bayes-scaled features (NBSVM,
    Wang & Manning 2012): each feature is first multiplied by the log-ratio of how often it
    occurs with and without the label, which lets rare but telling words count. The scaling
    folds into the weights, so scoring stays one weight per feature."""
    import numpy
    from sklearn.linear_model import LogisticRegression

    labels = numpy.asarray(y)
    present = (matrix > 0).astype(numpy.float64)
    with_label = NB_SMOOTHING + numpy.asarray(present[labels == 1].sum(axis=0)).ravel()
    without = NB_SMOOTHING + numpy.asarray(present[labels == 0].sum(axis=0)).ravel()
    ratio = numpy.log((with_label / with_label.sum()) / (without / without.sum()))
    model = LogisticRegression(C=c, solver="liblinear", class_weight="balanced", max_iter=1000)
    model.fit(matrix.multiply(ratio).tocsr(), labels)
    return model.coef_[0] * ratio, float(model.intercept_[0])


def _predict(matrix, weights, bias: float) -> list[float]:
    import numpy

    return (1 / (1 + numpy.exp(-(matrix @ weights + bias)))).tolist()


def _best_threshold(probabilities, truth) -> tuple[tuple, float, float]:
    """(rank, threshold, min(precision, recall) there) of a head's best threshold, the best
    rank highest. A mention's reason set is right only when every head is, whichever way one
    errs: of the thresholds where precision and recall both reach ERRORS_FROM, the one with
    the fewest wrong answers. A head that reaches it nowhere takes the threshold where the
    smaller of the two is highest (F1 breaks ties), and ranks below any that does."""
    import numpy

    scores, truth = numpy.asarray(probabilities), numpy.asarray(truth, dtype=bool)
    positives = int(truth.sum())
    best = None
    for step in range(round(MIN_THRESHOLD * 100), round(MAX_THRESHOLD * 100) + 1):
        threshold = step / 100
        fired = scores >= threshold
        tp = int((fired & truth).sum())
        fp, fn = int(fired.sum()) - tp, positives - tp
        smaller = min(tp / (tp + fp) if tp + fp else 0.0, tp / (tp + fn) if tp + fn else 0.0)
        if smaller >= ERRORS_FROM:
            rank = (1, -(fp + fn))
        else:
            rank = (0, smaller + (2 * tp / (2 * tp + fp + fn) if tp else 0.0) / 100)
        if best is None or rank > best[0]:
            best = (rank, threshold, smaller)
    return best


def train(rows: list[dict] | None = None) -> dict:
    """The artefact (a JSON-ready dict) trained on the training split of `rows`."""
    from monitoring.enrichment.enricher import default_keyword_lists

    train_rows, _ = split(rows if rows is not None else load_labelled())
    matcher = KeywordMatcher(default_keyword_lists())
    documents = [(f.counts(), f.signals, f.scale()) for f in featurise(train_rows, matcher)]
    seen_in = Counter(
        feature for counted, signals, _ in documents for feature in (*counted, *signals)
    )
    names = sorted(f for f, n in seen_in.items() if n >= 2 or not f.startswith(("c:", "b:")))
    index = {name: i for i, name in enumerate(names)}
    matrix = _matrix(documents, index)
    truth = [targets(row) for row in train_rows]

    heads = {}
    weights_by_head = []
    for h, head in enumerate(HEADS):
        y = [t[h] for t in truth]
        (_, threshold, cv_score), c = max(
            (_best_threshold(_out_of_fold(matrix, y, c), y), c) for c in REGULARISATION
        )
        weights, bias = _fit(matrix, y, c)
        weights_by_head.append(weights)
        heads[head] = {
            "bias": round(bias, 4),
            "threshold": threshold,
            "C": c,
            "cv_score": round(cv_score, 3),
            "positives": sum(y),
        }
    weights = {}
    for i, name in enumerate(names):
        row = [round(float(w[i]), 3) for w in weights_by_head]
        if max(abs(w) for w in row) >= KEPT_WEIGHT:
            weights[name] = row
    return {
        "format": FORMAT,
        "heads": list(HEADS),
        "trained_on": {
            "rows": len(train_rows),
            "sha256": hashlib.sha256(
                json.dumps(train_rows, sort_keys=True, ensure_ascii=False).encode()
            ).hexdigest(),
        },
        "settings": {"C": list(REGULARISATION), "folds": FOLDS, "test_share": f"1/{TEST_SHARE}"},
        "head_settings": heads,
        "weights": weights,
    }


def _out_of_fold(matrix, y: list[int], c: float) -> list[float]:
    folds = [[i for i in range(len(y)) if i % FOLDS == k] for k in range(FOLDS)]
    predicted = [0.0] * len(y)
    for held in folds:
        held_set = set(held)
        kept = [i for i in range(len(y)) if i not in held_set]
        weights, bias = _fit(matrix[kept], [y[i] for i in kept], c)
        for i, p in zip(held, _predict(matrix[held], weights, bias), strict=True):
            predicted[i] = p
    return predicted


def dump(artefact: dict) -> str:
    """The artefact as committed: one feature a line, so a retraining diffs readably."""
    head = {key: value for key, value in artefact.items() if key != "weights"}
    lines = [json.dumps(head, sort_keys=True, ensure_ascii=False)]
    lines += [
        json.dumps([name, row], ensure_ascii=False) for name, row in artefact["weights"].items()
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    artefact = train()
    ARTEFACT.write_text(dump(artefact), encoding="utf-8")
    settings = artefact["head_settings"]
    print(
        f"trained on {artefact['trained_on']['rows']} mentions, "
        f"{len(artefact['weights'])} features; thresholds "
        + ", ".join(
            f"{head} {s['threshold']} (C {s['C']}, CV min(P, R) {s['cv_score']})"
            for head, s in settings.items()
        )
    )


if __name__ == "__main__":
    main()
