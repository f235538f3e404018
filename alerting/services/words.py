"""The words that drive a spike: those whose share of mentions rose most against the baseline.

Every text is folded the same way (case, accents, hashtags, URLs and handles gone), and so
are the words a spike must never name: the stream's own query (every mention of a
`#lumora` stream holds "lumora") and the brand's own names, which its mentions name by
definition. Those say what was searched, not what happened.
"""

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

from monitoring.models import Stream
from offboarding.models import BrandAccount

TOP_WORDS = 10

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_HANDLE = re.compile(r"@[\w.]+")
_WORD = re.compile(r"[^\W\d_]+")  # letters of any script; digits and "_" split words

# English contractions go whole ("don't" → "do"); French elisions split off ("l'appareil").
_CONTRACTION = re.compile(r"n['\u2019]t\b|['\u2019](?:s|re|ve|ll|d|m)\b", re.IGNORECASE)

# Compact English and French stop words, accent-folded, of 3 letters and more.
_STOP_EN = """
    about after again all also and any are because been before being but can could did does
    doing down during each even every for from get got had has have her here hers him his how
    into its just know like many more most much not now off once only other our ours out over
    own same she should since some still such than that the their them then there these they
    this those through too under until very was were what when where which while who whom why
    will with would you your yours yourself amp via
"""
_STOP_FR = """
    alors apres aussi autre avant avec avoir bien car cela ces cet cette chez comme dans deja
    des donc dont elle elles encore entre est etait ete etre eux fait faire fois ici ils les
    leur leurs lui mais meme mes moi moins mon nos notre nous ont par pas peu peut plus pour
    pourquoi quand que quel quelle qui quoi sans ses son sont sous sur tes toi ton tous tout
    toute toutes tres une vers vos votre vous
"""
STOP_WORDS = frozenset(_STOP_EN.split() + _STOP_FR.split())

# Stream options that hold search terms (Mastodon's hashtag and its extra `any` tags).
QUERY_OPTIONS = ("hashtag", "any")


def _words(text: str) -> list[str]:
    """The words of a text in order: folded, without URLs, handles, stop words or short words."""
    text = _CONTRACTION.sub("", _HANDLE.sub(" ", _URL.sub(" ", text)))
    folded = "".join(
        c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
    ).casefold()
    return [w for w in _WORD.findall(folded) if len(w) >= 3 and w not in STOP_WORDS]


def tokens(text: str) -> set[str]:
    """The distinct words of a text: folded, without URLs, handles, stop words or short words."""
    return set(_words(text))


def query_words(stream: Stream) -> set[str]:
    """The words of what the stream searches for (its query and its hashtags), folded."""
    terms = [stream.query or ""]
    options = stream.options if isinstance(stream.options, dict) else {}
    for key in QUERY_OPTIONS:
        value = options.get(key)
        if isinstance(value, str):
            terms.append(value)
        elif isinstance(value, list):
            terms.extend(str(item) for item in value)
    return {word for term in terms for word in tokens(term)}


def brand_words() -> set[str]:
    """The brand's names as its accounts give them: the first word of each handle and name.

    "lumora_support", "lumora.bsky.social" and "Lumora Support" all give "lumora"; the
    rest ("support", "social") are ordinary words a storm may well be about.
    """
    words = set()
    for handle, name in BrandAccount.objects.values_list("handle", "display_name"):
        for text in (handle.lstrip("@"), name):
            first = _words(text)[:1]
            words.update(first)
    return words


def rising_words(
    window_texts: Iterable[str],
    baseline_texts: Iterable[str],
    limit: int = TOP_WORDS,
    *,
    exclude: Iterable[str] = (),
) -> list[str]:
    """Words whose share of mentions rose most from the baseline to the window.

    A word's share is the fraction of mentions holding it, smoothed (add one)
    so a word absent from a quiet baseline gets a finite, count-driven lift.
    Words in fewer than two mentions of the window cannot drive a storm, nor can
    the `exclude`d ones (folded as the texts are).
    """
    excluded = {word for term in exclude for word in tokens(term)}
    window_df, n_window = _document_frequency(window_texts)
    baseline_df, n_baseline = _document_frequency(baseline_texts)
    lifts = []
    for word, count in window_df.items():
        if count < 2 or word in excluded:
            continue
        share = (count + 1) / (n_window + 2)
        usual = (baseline_df[word] + 1) / (n_baseline + 2)
        if share > usual:
            lifts.append((share / usual, count, word))
    lifts.sort(key=lambda item: (-item[0], -item[1], item[2]))
    return [word for _lift, _count, word in lifts[:limit]]


def _document_frequency(texts: Iterable[str]) -> tuple[Counter, int]:
    frequency: Counter = Counter()
    n = 0
    for text in texts:
        frequency.update(tokens(text))
        n += 1
    return frequency, n
