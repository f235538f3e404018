"""What the risk model reads in a mention: normalised words, their lemmas, and cues.

`features(text, language, keyword_hits, author, lookalike, brand)` returns the `Features` the
trained model (model.py) weighs. Training (training.py) and scoring call this one function,
so the two can never disagree on what a text says.

Normalisation undoes what posters do to slip past filters and what spelling varies:
- masked and leetspeak swearing: "f***", "sh1t", "m3rde", "put@in", "fvck" -> the word;
- letters spaced or dotted apart ("c o n n a r d", "c.o.n") are joined;
- stretched letters ("nooooon", "fuuuck") are shrunk;
- words are lemmatised (simplemma) in English and French, so "porterai plainte" and "porter
  plainte" are one thing, then folded (case, accents).

Features: `w:` lemma, `b:` two consecutive lemmas, `n:` a lemma under a negation ("pas",
"never" ... up to the end of the clause), `k:` a lemma in a clause that names the brand (a
recall at Lumora, not at the supermarket; `brand_words()` reads the brand's names from its
accounts), `c:` character 4-grams of the normalised words (spelling variants the lemmatiser
does not know), `a:` a word of the author's name (an employee's "Lumora Retail", a newsroom),
`e:` an emoji (a knife, a fire, a heart: the words read as nothing), `lex:` / `lexneg:` a
configured keyword list's code matched plainly / under a negation, and a few cues (`cue:`)
for disclosure tags, discount codes, affiliate links, the clapping emoji and other sarcasm
marks, and an author the impersonation detector takes for a lookalike of a brand account
(`cue:impostor`: an impostor's "giveaway" is the impostor's scam, not a contest without
rules).

The network is not a feature: in the labelled set it said more about where each writer put
their ordinary posts than about risk, and the model had learnt that a lawyer on X is less of
a lawyer ("my lawyer will hear about this" went unflagged there).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import simplemma

from monitoring.enrichment import BrandAccountRef
from monitoring.enrichment.cues import CUE_OF_WORD
from monitoring.enrichment.impersonation import ADDED_WORDS, name_of_handle
from monitoring.enrichment.risk import fold

# Canonical swear words (folded) that masked spellings are resolved to.
SWEARS = (
    "fuck", "fucking", "fucked", "shit", "bitch", "bastard", "asshole", "dick", "crap",
    "wtf", "ffs", "stfu", "merde", "putain", "connard", "connasse", "salope", "encule",
    "batard", "pute", "fdp", "ntm", "bordel", "chier", "abruti", "con", "conne",
)  # fmt: skip
# Spellings that dodge filters or save letters, to the word they stand for.
ABBREVIATIONS = {"fvck": "fuck", "fck": "fuck", "fk": "fuck", "phuck": "fuck", "fking": "fucking",
                 "fcking": "fucking", "sht": "shit", "btch": "bitch", "ptn": "putain",
                 "mrd": "merde", "tg": "ta gueule", "pk": "pourquoi", "stp": "s'il te plait",
                 "slt": "salut", "jsp": "je sais pas", "bcp": "beaucoup"}  # fmt: skip
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a",
                       "$": "s", "!": "i", "|": "l", "€": "e"})  # fmt: skip
_MASK = "*#%&?"
# Four letters or more spaced or dotted apart: "c o n n a r d", "c.o.n.n.a.r.d", "S-A-V".
_SPACED = re.compile(r"(?<!\w)(?:\w[ .\-_·]){3,}\w(?!\w)")
_SPACERS = re.compile(r"[ .\-_·]")
_PIECES = re.compile(r"[#]?[\w*#%&?@$!|€'-]+|[.,;:!?()\n]")
_STRETCH = re.compile(r"(\w)\1{2,}")
_NOT_WORD = re.compile(r"[^\w'-]")
_CLAUSE_END = frozenset(".,;:!?()[]\n")
_EMOJI = re.compile(r"[\U0001F300-\U0001FAFF\u2600-\u27BF]")
_URL = re.compile(r"https?://\S+|www\.\S+")
_HANDLE = re.compile(r"(?<![\w@])@[\w.]+(?:@[\w.-]+)?")
# A link that pays its poster: an affiliate, referral or creator id in its query.
_AFFILIATE = re.compile(
    r"https?://\S*[?&](?:aff\w*|ref\w*|tag|partner\w*|a|via|creator|coupon|promo|code)=\w", re.I
)
# "\b[A-Z][A-Z0-9]{3,}\d{1,3}\b" with the \b after the first letter: re then skips to capitals.
_DISCOUNT = re.compile(r"[A-Z](?<!\w[A-Z])[A-Z0-9]{3,}\d{1,3}\b")
NEGATORS = frozenset((
    "not", "no", "never", "nor", "neither", "nothing", "without", "cannot", "cant", "dont",
    "doesnt", "didnt", "wont", "isnt", "wasnt", "arent", "aint", "havent", "hasnt", "shouldnt",
    "wouldnt", "couldnt", "pas", "jamais", "rien", "aucun", "aucune", "sans", "ni", "plus",
    "guere", "n", "ne",
))  # fmt: skip
DISCLOSURES = frozenset((
    "#ad", "#ads", "#advert", "#sponsored", "#sponsor", "#partner", "#partnership", "#gifted",
    "#paid", "#employee", "#pub", "#partenariat", "#sponsorise", "#collab", "#salarie",
    "#salariee", "#offert", "#publicite",
))  # fmt: skip
SARCASM_SIGNS = ("👏", "🙄", "🙃", "/s")
SARCASM_WORDS = ("merci hein", "thanks a lot", "yeah right", "quelle blague", "well done",
                 "great job", "bravo", "genial", "super le", "trop fort", "chapeau")  # fmt: skip
LEMMA_LANGUAGES = ("en", "fr")
MAX_CHARS = 5000  # what a mention says is in its first few paragraphs
CHAR_SIZES = (4,)


@lru_cache(maxsize=8192)
def _masked_pattern(token: str) -> re.Pattern[str]:
    parts = []
    for ch in token:
        parts.append(".{1,3}" if ch in _MASK else re.escape(ch))
    return re.compile("".join(parts))


@lru_cache(maxsize=200_000)
def normalise_word(word: str) -> str:
    """A folded word with masking, leetspeak and stretching undone ("Sh1iiit" -> "shit")."""
    word = fold(word).strip("'-")
    if not word:
        return ""
    if word.isalpha():  # most words: nothing masked, nothing leet, nothing to drop
        word = _STRETCH.sub(r"\1", word)
        return ABBREVIATIONS.get(word, word)
    masked = word.rstrip("!?")  # "hazard?" asks, "f***!" swears, "dead!" is no leet "deadi"
    if word[0] not in _MASK and any(ch in _MASK for ch in masked[1:]):
        pattern = _masked_pattern(masked)
        for swear in SWEARS:
            if pattern.fullmatch(swear):
                return swear
    word = masked
    if any(ch.isalpha() for ch in word) and not word.isalpha():
        leet = word.translate(_LEET)
        word = leet if leet.isalpha() else word  # "sh1t" yes, "lumora20" no
    word = _NOT_WORD.sub("", word)
    word = _STRETCH.sub(r"\1", word)
    return ABBREVIATIONS.get(word, word)


WordFeatures = tuple[str, tuple[str, ...], str | None]
_KNOWN_WORDS: dict[str, dict[str, WordFeatures]] = {}  # by language, by word
WORD_CACHE = 200_000


def word_features(word: str, language: str) -> WordFeatures:
    """(lemma, the word's own features: `w:` its lemma and its character n-grams, its cue)."""
    known = _KNOWN_WORDS.get(language)
    return (known and known.get(word)) or _learn_word(word, language)


def _learn_word(word: str, language: str) -> WordFeatures:
    """word_features() worked out, and kept for the next time."""
    base = word
    if language in LEMMA_LANGUAGES and word.isalpha() and len(word) > 2:
        base = fold(simplemma.lemmatize(word, lang=language))
    own = [f"w:{base}"]
    if not word.startswith("cue"):
        padded = f"<{word}>"
        for n in CHAR_SIZES:
            if len(word) >= n:
                own += [f"c:{padded[i : i + n]}" for i in range(len(padded) - n + 1)]
    learnt = base, tuple(own), CUE_OF_WORD.get(base) or CUE_OF_WORD.get(word)
    known = _KNOWN_WORDS.setdefault(language, {})
    if len(known) >= WORD_CACHE:
        known.clear()
    known[word] = learnt
    return learnt


def tokens_of(text: str) -> list[str]:
    """Normalised words with clause ends kept as "." (negation scopes stop there)."""
    text = _rewritten(text)
    # No piece (_PIECES) holds a space, so the text's pieces are its chunks' pieces: a chunk
    # ("dead.", "#ad", "c'est") is tokenised once and kept, most come back in the next post.
    raw: list[str] = []
    known = _CHUNK_TOKENS
    for chunk in text.split(" "):
        tokens = known.get(chunk)
        raw += tokens if tokens is not None else _tokens_of_chunk(chunk)
    return raw


def _rewritten(text: str) -> str:
    """The text with links and handles as cue words and spaced-out letters joined."""
    if "://" in text or "www." in text:  # what every _URL match holds
        text = _URL.sub(" cueurl ", text)
    if "@" in text:
        text = _HANDLE.sub(" cuehandle ", text)
    return _SPACED.sub(_unspaced, text)


def _unspaced(spaced: re.Match[str]) -> str:
    return _SPACERS.sub("", spaced.group())


_CHUNK_TOKENS: dict[str, tuple[str, ...]] = {}


def _tokens_of_chunk(chunk: str) -> tuple[str, ...]:
    """The tokens of a chunk of text between spaces, kept for the next time (an empty tuple
    too)."""
    tokens: list[str] = []
    for piece in _PIECES.findall(chunk):
        tokens += _tokens_of_piece(piece)
    if len(_CHUNK_TOKENS) >= WORD_CACHE:
        _CHUNK_TOKENS.clear()
    found = _CHUNK_TOKENS[chunk] = tuple(tokens)
    return found


def _tokens_of_piece(piece: str) -> tuple[str, ...]:
    if piece in _CLAUSE_END:
        return (".",)
    words = _words_of_piece(piece)
    return (*words, ".") if piece[-1] in "!?" else words  # "dead!" ends a clause as "dead !"


def _words_of_piece(piece: str) -> tuple[str, ...]:
    tag = "#" if piece.startswith("#") else ""
    words = []
    for part in piece.lstrip("#").split("'"):  # elisions: "n'est" -> "n", "est"
        word = normalise_word(part)
        if word:
            words.append(tag + word)
            tag = ""
    return tuple(words)


@dataclass
class Features:
    """A mention as the model reads it.

    `words` bring their own features (word_features: the same for a word wherever it is, so
    the model keeps their weights summed per word) and `lemmas` are their lemmas; `context`
    holds the features that depend on a word's neighbours or on the author (b:, n:, a:);
    `signals` the keyword and cue features. Word and context features are counted, each
    worth `scale()`; signals are 1.
    """

    language: str
    words: list[str] = field(default_factory=list)
    lemmas: list[str] = field(default_factory=list)
    context: list[str] = field(default_factory=list)
    signals: set[str] = field(default_factory=set)
    size: int = 0  # the words' own features, counted

    def counts(self) -> Counter:
        counted = Counter(self.context)
        for word in self.words:
            counted.update(word_features(word, self.language)[1])
        return counted

    def scale(self) -> float:
        """One over the square root of the word and context features: a long text weighs as
        much as a short one. Signals are worth 1 whatever the length: a lawyer named in a
        long story is as much a lawyer as in a short one."""
        size = self.size + len(self.context)
        return 1 / math.sqrt(size) if size else 0.0


def features(
    text: str,
    language: str,
    keyword_hits: dict[str, list[str]],
    author: str = "",
    lookalike: bool = False,
    brand: frozenset[str] = frozenset(),
) -> Features:
    text = text[:MAX_CHARS]
    tokens = tokens_of(text)
    lang = language if language in LEMMA_LANGUAGES else "en"
    found = Features(lang)
    words, lemmas, context, signals = found.words, found.lemmas, found.context, found.signals
    known = _KNOWN_WORDS.get(lang) or {}
    negated_words: set[str] = set()
    previous = ""
    negated = names_brand = False
    clause = size = 0  # clause: where the current clause's lemmas start
    for token in tokens:
        if token == ".":  # noqa: S105 (a clause end, not a secret)
            if names_brand:
                context += _about_brand(lemmas[clause:], brand)
            previous, negated, names_brand, clause = "", False, False, len(lemmas)
            continue
        if token[0] == "#":
            word = token.lstrip("#")
            if not word:
                continue
            if token in DISCLOSURES:
                signals.add("cue:disclosure")
        else:
            word = token
        words.append(word)
        base, own, cue = known.get(word) or _learn_word(word, lang)
        lemmas.append(base)
        size += len(own)
        if cue is not None:
            signals.add(cue)
        if previous:
            context.append(f"b:{previous}_{base}")
        if negated:
            context.append(f"n:{base}")
            negated_words.add(word)
        elif word in NEGATORS:
            negated = True
        names_brand = names_brand or word in brand
        previous = base
    if names_brand:
        context += _about_brand(lemmas[clause:], brand)
    found.size = size
    found.context += _author_features(author)
    found.context += [f"e:{emoji}" for emoji in _EMOJI.findall(text)]
    if lookalike:
        signals.add("cue:impostor")
    if _DISCOUNT.search(text):
        found.signals.add("cue:code")
    if _AFFILIATE.search(text):
        found.signals.add("cue:affiliate")
    joined = " ".join(tokens)
    if any(cue in joined for cue in SARCASM_WORDS) or any(e in text for e in SARCASM_SIGNS):
        found.signals.add("cue:sarcasm")
    for code, terms in keyword_hits.items():
        found.signals.add(f"lex:{code}")
        if any(_first_word(term) in negated_words for term in terms):
            found.signals.add(f"lexneg:{code}")
    return found


def _about_brand(clause: list[str], brand: frozenset[str]) -> list[str]:
    return [f"k:{lemma}" for lemma in clause if lemma not in brand]


_NAME_SEPARATORS = str.maketrans("_-", "  ")


def brand_words(accounts: Iterable[BrandAccountRef]) -> frozenset[str]:
    """The words that name the brand: its accounts' display names (or handles' names) less
    the words impostors and support desks add ("Lumora Support", @lumora_support -> lumora)."""
    names = (a.display_name or name_of_handle(a.platform, a.handle) for a in accounts)
    return frozenset(
        word
        for name in names
        for word in tokens_of(name.translate(_NAME_SEPARATORS))
        if word != "." and word not in ADDED_WORDS
    )


@lru_cache(maxsize=65_536)
def _author_features(author: str) -> list[str]:
    return [f"a:{word}" for word in tokens_of(author[:100]) if word != "."]


@lru_cache(maxsize=4096)
def _first_word(term: str) -> str:
    """A configured term's first word as tokens_of spells it ("porter plainte" -> "porter")."""
    words = tokens_of(term.rstrip("*"))
    return words[0] if words else ""
