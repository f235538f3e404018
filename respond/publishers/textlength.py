"""How long a post is, as X and Bluesky count it, in the standard library only.

Neither network counts Python characters (code points):

- Bluesky limits a post to 300 *graphemes*, what a reader sees as one character: "é"
  written as e + combining accent, a family emoji of seven code points, a flag of two.
  `graphemes()` splits text into extended grapheme clusters following the main rules
  of Unicode's UAX #29 (combining marks, zero-width joiner sequences, emoji modifiers
  and variation selectors, flag pairs, Hangul syllables, Indic conjuncts). The
  `regex` package would do it exactly but is not a dependency; the rules left out
  (Prepend characters, a few emoji outside the ranges below) are rare in posts and
  at worst count a cluster as two, which errs on the safe side of the limit.
- X counts a *weighted* length (twitter-text v3): code points in Latin, Greek,
  Cyrillic, Hebrew, Arabic and the common punctuation ranges weigh 1, every other
  code point (CJK, Hangul, most symbols) 2; any emoji sequence weighs 2 whatever its
  code points; every link weighs 23 (its t.co length), text normalised to NFC first.
  `x_weighted_length()` follows that. Links are found with a simpler pattern than
  twitter-text's: `http(s)://...`, and bare domains on common top-level domains
  (X links "acme.com" too). A bare domain on a rarer TLD is counted as its
  characters, which can only under-count when it is longer than 23.
"""

import re
import unicodedata
from collections.abc import Iterator

# --- Grapheme clusters ----------------------------------------------------------------

ZWJ = 0x200D
_VIRAMAS = {0x094D, 0x09CD, 0x0ACD, 0x0B4D, 0x0C4D, 0x0D4D}  # Indic conjunct linkers
_CONJUNCT_BLOCKS = ((0x0900, 0x0DFF),)  # Devanagari to Malayalam
_PICTOGRAPHIC = (
    (0x00A9, 0x00A9),
    (0x00AE, 0x00AE),
    (0x203C, 0x203C),
    (0x2049, 0x2049),
    (0x2122, 0x2122),
    (0x2139, 0x2139),
    (0x2194, 0x21AA),
    (0x2300, 0x23FF),
    (0x24C2, 0x24C2),
    (0x25AA, 0x25FE),
    (0x2600, 0x27BF),
    (0x2934, 0x2935),
    (0x2B00, 0x2BFF),
    (0x3030, 0x3030),
    (0x303D, 0x303D),
    (0x3297, 0x3299),
    (0x1F000, 0x1FAFF),
    (0x1FC00, 0x1FFFD),
)


def _in(cp: int, ranges) -> bool:
    return any(low <= cp <= high for low, high in ranges)


def _pictographic(cp: int) -> bool:
    return _in(cp, _PICTOGRAPHIC) and not 0x1F1E6 <= cp <= 0x1F1FF


def _regional(cp: int) -> bool:
    return 0x1F1E6 <= cp <= 0x1F1FF


def _extend(cp: int) -> bool:
    """Code points that never start a cluster: marks, joiners, modifiers, selectors, tags."""
    return (
        unicodedata.category(chr(cp)) in ("Mn", "Me", "Mc")
        or cp in (ZWJ, 0x200C)
        or 0xFE00 <= cp <= 0xFE0F
        or 0x1F3FB <= cp <= 0x1F3FF
        or 0xE0020 <= cp <= 0xE007F
        or 0xE0100 <= cp <= 0xE01EF
    )


def _hangul(cp: int) -> str:
    """The Hangul syllable type of `cp`: L, V, T, LV, LVT or ''."""
    if 0x1100 <= cp <= 0x115F or 0xA960 <= cp <= 0xA97C:
        return "L"
    if 0x1160 <= cp <= 0x11A7 or 0xD7B0 <= cp <= 0xD7C6:
        return "V"
    if 0x11A8 <= cp <= 0x11FF or 0xD7CB <= cp <= 0xD7FB:
        return "T"
    if 0xAC00 <= cp <= 0xD7A3:
        return "LV" if (cp - 0xAC00) % 28 == 0 else "LVT"
    return ""


_HANGUL_JOINS = {
    "L": {"L", "V", "LV", "LVT"},
    "LV": {"V", "T"},
    "V": {"V", "T"},
    "LVT": {"T"},
    "T": {"T"},
}


def _consonant(cp: int) -> bool:
    return _in(cp, _CONJUNCT_BLOCKS) and unicodedata.category(chr(cp)) == "Lo"


def grapheme_clusters(text: str) -> Iterator[str]:
    """The extended grapheme clusters of `text` (see the module for what is approximated)."""
    cluster: list[str] = []
    state = _ClusterState()
    for char in text:
        cp = ord(char)
        if cluster and state.joins(ord(cluster[-1]), cp):
            cluster.append(char)
            state.extended(cp)
        else:
            if cluster:
                yield "".join(cluster)
            cluster = [char]
            state = _ClusterState(cp)
    if cluster:
        yield "".join(cluster)


class _ClusterState:
    """What the rules that look further back than one code point need to know."""

    def __init__(self, first: int | None = None):
        started = first is not None
        self.regional = 1 if started and _regional(first) else 0
        # Pictographic, then only extends and ZWJ + pictographic (an emoji ZWJ sequence).
        self.pictographic = started and _pictographic(first)
        self.after_zwj = False
        # An Indic consonant then marks; `linked` once a virama follows: the next joins.
        self.consonant = started and _consonant(first)
        self.linked = False

    def joins(self, before: int, cp: int) -> bool:
        if before == 0x0D and cp == 0x0A:
            return True
        if _control(before) or _control(cp):
            return False
        if _hangul(cp) in _HANGUL_JOINS.get(_hangul(before), ()):
            return True
        if _extend(cp):
            return True
        if self.pictographic and self.after_zwj and _pictographic(cp):
            return True
        if _regional(cp) and self.regional % 2 == 1:
            return True
        return self.linked and _consonant(cp)

    def extended(self, cp: int) -> None:
        """Update once `cp` joined the cluster."""
        self.regional = self.regional + 1 if _regional(cp) else 0
        if cp in _VIRAMAS and self.consonant:
            self.linked = True
        elif _consonant(cp) and self.linked:
            self.linked = False
        elif not _extend(cp):
            self.consonant = self.linked = False
        if not (_extend(cp) or (self.after_zwj and _pictographic(cp))):
            self.pictographic = False
        self.after_zwj = cp == ZWJ


def _control(cp: int) -> bool:
    return unicodedata.category(chr(cp)) in ("Cc", "Zl", "Zp")


def graphemes(text: str) -> int:
    """How many characters a reader sees in `text` (Bluesky's count)."""
    return sum(1 for _ in grapheme_clusters(text))


# --- X's weighted length ------------------------------------------------------------------

X_URL_WEIGHT = 23
_LIGHT = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))
_TLDS = (
    "com|org|net|edu|gov|io|co|ai|app|dev|me|ly|info|biz|shop|store|online|site|"
    "fr|de|uk|eu|es|it|nl|be|ch|ca|us|jp|cn|in|br|au|ru"
)
_URL_END = r"[^\s]*[^\s.,;:!?'\")\]]"
X_URL = re.compile(
    rf"(?<![\w@.#$/-])(?:https?://{_URL_END}"
    rf"|(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{_TLDS})(?![\w-])(?:/{_URL_END}|/)?)",
    re.IGNORECASE,
)


def _emoji(cluster: str) -> bool:
    first = ord(cluster[0])
    return (
        _pictographic(first)
        or _regional(first)
        or "\u20e3" in cluster
        or ("\ufe0f" in cluster and len(cluster) > 1)
    )


def _weight(text: str) -> int:
    total = 0
    for cluster in grapheme_clusters(text):
        if _emoji(cluster):
            total += 2
        else:
            total += sum(1 if _in(ord(c), _LIGHT) else 2 for c in cluster)
    return total


def x_weighted_length(text: str) -> int:
    """The length X compares to 280 (see the module)."""
    text = unicodedata.normalize("NFC", text)
    total, position = 0, 0
    for link in X_URL.finditer(text):
        total += _weight(text[position : link.start()]) + X_URL_WEIGHT
        position = link.end()
    return total + _weight(text[position:])
