"""Impersonation: does a mention's author imitate one of the brand's own accounts?

Names are compared as *skeletons*: case and accents folded, look-alike characters
mapped to one letter (I/l/1 → l, 0 → o, rn → m, Cyrillic o → o …), separators dropped.
An author whose skeleton equals a brand name's, or contains it with only "added words"
around it (official, support, fr …), or is very close to it (rapidfuzz ratio ≥ 0.85),
is a lookalike, as is one whose handle and display name both begin with a brand name followed
by words of its own ("@lumora_cadeaux", "Lumora Cadeaux") and no "fan" nor "unofficial".
The brand's own accounts (same platform id, or same handle on the same network) never are.
"""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from monitoring.enrichment import BrandAccountRef, Lookalike

MAX_NAME = 64  # characters of a name that are compared; handles and display names are shorter
CACHE_SIZE = 4096
FUZZY_MIN_RATIO = 85.0  # rapidfuzz.fuzz.ratio, 0-100
FUZZY_MIN_LENGTH = 4

# Words impostors add around a brand name, as in "lumora_official" or "TheRealLumora".
ADDED_WORDS = (
    "official", "officiel", "officielle", "real", "the", "support", "help", "helpdesk", "care",
    "team", "hq", "info", "news", "app", "co", "inc", "fr", "us", "uk", "global", "service",
    "clients", "client",
    # seen on impostors in the labelled set (data/labelled/): support desks, refunds, markets
    "sav", "aide", "assistance", "refund", "refunds", "remboursement", "remboursements",
    "billing", "desk", "center", "centre", "24h", "247", "france", "paris", "es", "oficial",
    "club", "rewards", "vip",
)  # fmt: skip

# What an account that names itself after the brand says to be something else.
DISCLAIMERS = ("fan", "unofficial", "nonofficiel", "parody", "parodie", "notaffiliated", "alumni")
CLAIMED_SCORE = 0.9  # the brand's name claimed in both names, with words of the author's own

# Look-alike characters → the letter they imitate. Keys are exact characters; a character
# not listed is case-folded and looked up again, so "I" → "i" → "l".
_LOOKALIKES = {"i": "l", "1": "l", "|": "l", "0": "o", "5": "s", "3": "e", "4": "a"}
_LOOKALIKES |= {"@": "a", "$": "s"}
# Homoglyphs by Unicode name (capitals listed only where the lower case looks different).
_HOMOGLYPHS = {
    "a": ("CYRILLIC SMALL LETTER A", "GREEK SMALL LETTER ALPHA"),
    "b": ("CYRILLIC SMALL LETTER VE", "CYRILLIC CAPITAL LETTER VE", "GREEK SMALL LETTER BETA"),
    "c": ("CYRILLIC SMALL LETTER ES",),
    "d": ("CYRILLIC SMALL LETTER KOMI DE",),
    "e": ("CYRILLIC SMALL LETTER IE", "GREEK SMALL LETTER EPSILON"),
    "h": (
        "CYRILLIC SMALL LETTER SHHA",
        "CYRILLIC SMALL LETTER EN",
        "CYRILLIC CAPITAL LETTER EN",
        "GREEK CAPITAL LETTER ETA",
    ),
    "j": ("CYRILLIC SMALL LETTER JE",),
    "k": ("CYRILLIC SMALL LETTER KA", "GREEK SMALL LETTER KAPPA"),
    "l": (
        "LATIN SMALL LETTER DOTLESS I",
        "CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I",
        "CYRILLIC SMALL LETTER PALOCHKA",
        "CYRILLIC LETTER PALOCHKA",
        "GREEK SMALL LETTER IOTA",
    ),
    "m": ("CYRILLIC SMALL LETTER EM", "GREEK CAPITAL LETTER MU"),
    "n": ("GREEK SMALL LETTER ETA", "GREEK CAPITAL LETTER NU"),
    "o": ("CYRILLIC SMALL LETTER O", "GREEK SMALL LETTER OMICRON"),
    "p": ("CYRILLIC SMALL LETTER ER", "GREEK SMALL LETTER RHO"),
    "q": ("CYRILLIC SMALL LETTER QA",),
    "s": ("CYRILLIC SMALL LETTER DZE",),
    "t": ("CYRILLIC SMALL LETTER TE", "GREEK SMALL LETTER TAU"),
    "u": ("GREEK SMALL LETTER MU", "GREEK SMALL LETTER UPSILON"),
    "v": ("GREEK SMALL LETTER NU",),
    "w": ("CYRILLIC SMALL LETTER WE",),
    "x": ("CYRILLIC SMALL LETTER HA", "GREEK SMALL LETTER CHI"),
    "y": ("CYRILLIC SMALL LETTER U", "GREEK CAPITAL LETTER UPSILON"),
    "z": ("GREEK SMALL LETTER ZETA",),
}
_LOOKALIKES |= {
    unicodedata.lookup(name): latin for latin, names in _HOMOGLYPHS.items() for name in names
}
_PAIRS = (("rn", "m"), ("vv", "w"))  # applied after single characters, in this order

_PLATFORM_NAMES = {"x": "X", "youtube": "YouTube"}


def _fold(text: str) -> str:
    """Case and accents folded: "Ó" → "o"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _map_char(ch: str) -> str:
    out = []
    for c in unicodedata.normalize("NFKD", ch):
        if unicodedata.combining(c):
            continue
        mapped = _LOOKALIKES.get(c)
        if mapped is None:
            mapped = "".join(_LOOKALIKES.get(x, x) for x in c.casefold())
        out.append("".join(x for x in mapped if x.isalnum()))
    return "".join(out)


class _CharMap(dict[str, str]):
    """Character → its skeleton ("" for separators, emoji, punctuation), filled on demand."""

    def __missing__(self, ch: str) -> str:
        value = self[ch] = _map_char(ch)
        return value


_CHARS = _CharMap()


# Most names are ASCII: str.translate maps them without a per-character Python loop.
_ASCII = {i: _CHARS[chr(i)] or None for i in range(128)}


def skeleton(text: str) -> str:
    """The form two names are compared in: "Lumora_0fficiaI" → "lumoraofflclal"."""
    text = text[:MAX_NAME]
    s = text.translate(_ASCII) if text.isascii() else "".join(map(_CHARS.__getitem__, text))
    for pair, letter in _PAIRS:
        if pair in s:
            s = s.replace(pair, letter)
    return s


_DISCLAIMERS = tuple(map(skeleton, DISCLAIMERS))


@lru_cache(maxsize=1024)
def _skeleton_with_origins(text: str) -> tuple[str, tuple[str, ...]]:
    """Like skeleton(), plus, for each of its letters, the original text it came from."""
    letters: list[str] = []
    origins: list[str] = []
    for ch in text[:MAX_NAME]:
        for letter in _CHARS[ch]:
            letters.append(letter)
            origins.append(ch)
    for pair, letter in _PAIRS:
        if pair not in "".join(letters):
            continue
        k = 0
        while k < len(letters) - 1:
            if letters[k] + letters[k + 1] == pair:
                letters[k : k + 2] = [letter]
                origins[k : k + 2] = [origins[k] + origins[k + 1]]
            k += 1
    return "".join(letters), tuple(origins)


_WORDS = {skeleton(w): w for w in ADDED_WORDS}  # skeleton → the word as written
_WORDS_BY_FIRST: dict[str, tuple[str, ...]] = {}
for _w in _WORDS:
    _WORDS_BY_FIRST[_w[0]] = (*_WORDS_BY_FIRST.get(_w[0], ()), _w)
_WORDS_BY_LAST: dict[str, tuple[str, ...]] = {}
for _w in _WORDS:
    _WORDS_BY_LAST[_w[-1]] = (*_WORDS_BY_LAST.get(_w[-1], ()), _w)


_ADDED_AT_START = re.compile("|".join(_WORDS))
_ADDED_AT_END_REVERSED = re.compile("|".join(w[::-1] for w in _WORDS))  # faster than "(…)$"


def _word_starts(s: str) -> set[int]:
    """Positions i such that s[:i] is a run of added words (0 always is)."""
    reached, todo = {0}, [0]
    while todo:
        i = todo.pop()
        if i < len(s):
            for w in _WORDS_BY_FIRST.get(s[i], ()):
                if s.startswith(w, i) and i + len(w) not in reached:
                    reached.add(i + len(w))
                    todo.append(i + len(w))
    return reached


def _word_ends(s: str) -> set[int]:
    """Positions j such that s[j:] is a run of added words (len(s) always is)."""
    reached, todo = {len(s)}, [len(s)]
    while todo:
        j = todo.pop()
        if j > 0:
            for w in _WORDS_BY_LAST.get(s[j - 1], ()):
                if s.endswith(w, 0, j) and j - len(w) not in reached:
                    reached.add(j - len(w))
                    todo.append(j - len(w))
    return reached


def _split_words(s: str) -> list[str] | None:
    """s as a run of added-word skeletons, longest words first; None if it is not one."""
    if not s:
        return []
    for w in sorted(_WORDS_BY_FIRST.get(s[0], ()), key=len, reverse=True):
        if s.startswith(w):
            rest = _split_words(s[len(w) :])
            if rest is not None:
                return [w, *rest]
    return None


def name_of_handle(platform: str, handle: str) -> str:
    """The part of a handle a person reads as the name.

    "@name", "@name@instance" (Mastodon), "u/name" (Reddit), "name.bsky.social" or a
    custom domain "name.example" (Bluesky: the domain's TLD is dropped), X usernames.
    """
    h = handle.strip()
    if h[:2].lower() == "u/" or h[:3].lower() == "/u/":
        h = h.split("/", 2)[-1]
    h = h.lstrip("@")
    if h.startswith("did:"):  # a Bluesky author without a handle
        return ""
    h = h.partition("@")[0]
    if platform == "bluesky" or h.lower().endswith(".bsky.social"):
        if h.lower().endswith(".bsky.social"):
            h = h[: -len(".bsky.social")]
        elif "." in h:
            h = h.rpartition(".")[0]
    return h


def _exact_key(platform: str, handle: str) -> tuple[str, str]:
    """(name, domain) compared case-insensitively to tell the brand's own handle.

    The domain is the Mastodon instance, or the whole handle on Bluesky.
    """
    h = handle.strip().removeprefix("/").removeprefix("u/").removeprefix("U/").lstrip("@")
    local, _, domain = h.casefold().partition("@")
    if platform == "bluesky":
        return local, local
    return local, domain


def _shown_handle(platform: str, handle: str) -> str:
    h = handle.strip()
    if not h.startswith(("@", "u/", "/u/")):
        h = f"u/{h}" if platform == "reddit" else f"@{h}"
    return _clip(h)


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _platform_name(platform: str) -> str:
    return _PLATFORM_NAMES.get(platform, platform.title())


@dataclass(frozen=True)
class _Target:
    """One brand name (a handle or a display name) an author may imitate."""

    account: BrandAccountRef
    field: str  # "handle" or "display name"
    text: str  # the name as the network shows it (for a handle: its name part)
    shown: str  # how the detail names it

    def label(self, platform: str) -> str:
        where = (
            ""
            if platform == self.account.platform
            else f" on {_platform_name(self.account.platform)}"
        )
        return f"{self.shown}{where}"


@dataclass(frozen=True)
class _Group:
    """Brand names that share a skeleton; `core` has trailing added words removed."""

    full: str
    core: str
    targets: tuple[_Target, ...]

    def target_for(self, platform: str) -> _Target:
        """The one to name: on the author's network if the brand is there, a handle first."""
        return min(
            self.targets, key=lambda t: (t.account.platform != platform, t.field != "handle")
        )


@dataclass(frozen=True)
class _Match:
    score: float
    kind: str  # "same", "added" or "similar"
    author: str  # what imitates, for the detail: 'handle @lumora_0fficial'
    author_text: str  # the name compared: a display name, or a handle's name part
    author_skeleton: str
    start: int  # author_skeleton[start:end] imitates `matched`
    end: int
    matched: str  # the group's full skeleton or its core
    ratio: float
    target: _Target


def _core(name: str, full: str) -> str:
    """The brand name without trailing added words, cut at word boundaries only.

    "Lumora Support" → "lumora", but "lumorasupport" and "US Bank" stay whole: a brand's
    own name may start with, or run into, one of the added words.
    """
    tokens = re.findall(r"[^\W_]+", name[:MAX_NAME])
    while len(tokens) > 1 and skeleton(tokens[-1]) in _WORDS:
        tokens.pop()
    core = skeleton("".join(tokens))
    return core if len(core) >= 3 and full.startswith(core) else full


class ImpersonationDetector:
    """Built once per batch from the brand's own accounts; `check()` each mention's author."""

    def __init__(self, accounts: Iterable[BrandAccountRef]):
        self.accounts = tuple(accounts)
        self._ids = {(a.platform, a.platform_id): a for a in self.accounts if a.platform_id}
        self._handles: dict[str, list[tuple[BrandAccountRef, tuple[str, str]]]] = {}
        groups: dict[str, list[_Target]] = {}
        for account in self.accounts:
            key = _exact_key(account.platform, account.handle)
            self._handles.setdefault(account.platform, []).append((account, key))
            name = name_of_handle(account.platform, account.handle)
            shown = _shown_handle(account.platform, account.handle)
            names = [("handle", name, shown)]
            if account.display_name:
                shown_name = f'display name "{_clip(account.display_name)}" of {shown}'
                names.append(("display name", account.display_name, shown_name))
            for field, text, label in names:
                full = skeleton(text)
                if len(full) >= 2:
                    groups.setdefault(full, []).append(_Target(account, field, text, label))
        self._by_full = {
            full: _Group(full, _core(targets[0].text, full), tuple(targets))
            for full, targets in groups.items()
        }
        # What an author's name may contain (with added words around), or be close to.
        self._probes: dict[str, list[_Group]] = {}
        self._cores: dict[str, list[_Group]] = {}
        for group in self._by_full.values():
            for probe in dict.fromkeys((group.full, group.core)):
                if len(probe) >= 3:
                    self._probes.setdefault(probe, []).append(group)
            if len(group.core) >= FUZZY_MIN_LENGTH:
                self._cores.setdefault(group.core, []).append(group)
        self._core_list = list(self._cores)
        self._cache: dict[tuple[str, str, str], Lookalike | None] = {}

    def check(
        self, *, platform: str, author_id: str, handle: str, display_name: str, text: str
    ) -> Lookalike | None:
        """The brand account this author imitates, or None.

        `text` is not used to decide: a fan naming the brand in a post is no impostor
        (see `claims_in_brand_name` for what a post adds).
        """
        if self.brand_account(platform=platform, author_id=author_id, handle=handle):
            return None
        return self.lookalike(platform=platform, handle=handle, display_name=display_name)

    def lookalike(self, *, platform: str, handle: str, display_name: str) -> Lookalike | None:
        """The brand account a name imitates, for an author already known not to be the brand."""
        handle, display_name = handle or "", display_name or ""
        key = (platform, handle, display_name)
        try:
            return self._cache[key]
        except KeyError:
            pass
        match = self._best_match(platform, handle, display_name)
        result = _lookalike(platform, match) if match else None
        if result is None:
            result = self._claimed_twice(platform, handle, display_name)
        if len(self._cache) >= CACHE_SIZE:
            self._cache.clear()
        self._cache[key] = result
        return result

    def brand_account(
        self, *, platform: str, author_id: str, handle: str
    ) -> BrandAccountRef | None:
        """The brand's own account this author IS (same id, or same handle), or None."""
        author_id, handle = author_id or "", handle or ""
        if author_id and (account := self._ids.get((platform, author_id))):
            return account
        accounts = self._handles.get(platform)
        if not handle or not accounts:
            return None
        local, domain = _exact_key(platform, handle)
        for account, (brand_local, brand_domain) in accounts:
            if local != brand_local:
                continue
            if platform != "mastodon":
                return account
            # The same name on another instance is another account; and when the brand's
            # account has an id, the id alone says whether this is it.
            if account.platform_id:
                continue
            if not domain or not brand_domain or domain == brand_domain:
                return account
        return None

    def _best_match(self, platform: str, handle: str, display_name: str) -> _Match | None:
        best: _Match | None = None
        best_key: tuple = ()
        for rank, text in enumerate((name_of_handle(platform, handle), display_name)):
            s = skeleton(text)
            if len(s) < 2:
                continue
            for kind, start, end, matched, ratio, score, group in self._candidates(s):
                if best and score < best.score:
                    continue
                target = group.target_for(platform)
                key = (score, target.account.platform == platform, len(matched), -rank)
                if best is None or key > best_key:
                    best_key = key
                    author = (
                        f'display name "{_clip(display_name)}"'
                        if rank
                        else f"handle {_shown_handle(platform, handle)}"
                    )
                    best = _Match(score, kind, author, text, s, start, end, matched, ratio, target)
        return best

    def _claimed_twice(self, platform: str, handle: str, display_name: str) -> Lookalike | None:
        """The brand account whose name begins both the author's handle and display name, as
        giveaway and helpdesk scams name themselves; not one name alone (a fan's "@lumora_lover"
        named Kate), nor a name that says it is not the brand."""
        name = name_of_handle(platform, handle)
        handle_s = skeleton(name)
        cores = [c for c in self._cores if handle_s.startswith(c) and handle_s != c]
        if not cores:  # most authors: the handle does not begin with a brand name
            return None
        words = re.findall(r"[^\W_]+", display_name[:MAX_NAME])
        core = skeleton(words[0]) if words else ""
        if core not in cores:
            return None
        if display_name.strip().casefold() == name.casefold():
            return None  # the handle shown again (Reddit): one name, not two
        if any(disclaimer in handle_s + skeleton(display_name) for disclaimer in _DISCLAIMERS):
            return None
        target = self._cores[core][0].target_for(platform)
        shown = f'{_shown_handle(platform, handle)} and display name "{_clip(display_name)}"'
        detail = f"handle {shown} both begin with the name of {target.label(platform)}"
        return Lookalike(account=target.account, score=CLAIMED_SCORE, detail=detail)

    def _candidates(self, s: str) -> list[tuple[str, int, int, str, float, float, _Group]]:
        """(kind, start, end, matched, ratio, score, group): s[start:end] imitates `matched`."""
        group = self._by_full.get(s)
        if group:
            return [("same", 0, len(s), s, 1.0, 0.97, group)]
        found = []
        bounds = None
        for probe, groups in self._probes.items():
            if probe not in s:
                continue
            starts, ends = bounds = bounds or _bounds(s)
            i = s.find(probe)
            while i != -1:
                if i in starts and i + len(probe) in ends:
                    found += [("added", i, i + len(probe), probe, 1.0, 0.95, g) for g in groups]
                    break
                i = s.find(probe, i + 1)
        if found or not self._core_list:
            return found
        starts, ends = bounds or _bounds(s)
        for i in starts:
            for j in ends:
                if j - i < FUZZY_MIN_LENGTH:
                    continue
                best = process.extractOne(
                    s[i:j], self._core_list, scorer=fuzz.ratio, score_cutoff=FUZZY_MIN_RATIO
                )
                if best:
                    core, ratio = best[0], best[1] / 100
                    score = round(0.9 * ratio, 3)
                    found += [("similar", i, j, core, ratio, score, g) for g in self._cores[core]]
        return found


def _bounds(s: str) -> tuple[set[int], set[int]]:
    """(starts, ends): s[start:end] is s with only added words on either side."""
    if not (_ADDED_AT_START.match(s) or _ADDED_AT_END_REVERSED.match(s[::-1])):
        return {0}, {len(s)}
    return _word_starts(s), _word_ends(s)


def _lookalike(platform: str, match: _Match) -> Lookalike:
    target = match.target
    author_s, author_origins = _skeleton_with_origins(match.author_text)
    brand_s, brand_origins = _skeleton_with_origins(target.text)
    notes: list[str] = []
    if match.kind != "similar":
        pairs = zip(author_origins[match.start : match.end], brand_origins, strict=False)
        notes.extend(_char_notes(pairs))
    added: list[str] = []
    for lo, hi in ((0, match.start), (match.end, len(author_s))):
        words = _split_words(author_s[lo:hi]) or []
        k = lo
        for w in words:
            plain = _WORDS[w]
            notes.extend(_char_notes(zip(author_origins[k : k + len(w)], plain, strict=True)))
            added.append(plain)
            k += len(w)
    notes = _merge_notes(notes)
    if added:
        notes.append("added " + ", ".join(f"'{w}'" for w in added))
    dropped = _split_words(brand_s[len(match.matched) :]) if match.kind != "similar" else None
    if dropped:
        notes.append("without " + ", ".join(f"'{_WORDS[w]}'" for w in dropped))
    score = match.score
    if match.kind == "similar":
        notes.append(f"{match.ratio:.0%} similar")
    elif match.kind == "same" and not notes:
        score = 1.0
        notes.append("same name")
    detail = f"{match.author} looks like {target.label(platform)} ({', '.join(notes)})"
    return Lookalike(account=target.account, score=score, detail=detail)


def _char_notes(pairs: Iterable[tuple[str, str]]) -> list[str]:
    """What differs between aligned original characters, e.g. "confusable I/l"."""
    notes = []
    for a, b in pairs:
        if a.casefold() == b.casefold():
            continue
        if _fold(a) == _fold(b):
            styled = unicodedata.normalize("NFKC", a) != unicodedata.normalize("NFC", a)
            notes.append(f"{'styled' if styled else 'accent'} {a}/{b}")
            continue
        script = "" if a.isascii() else unicodedata.name(a[0], "").split(" ")[0].capitalize()
        if script and script != "Latin":
            notes.append(f"{script} {a}/{b}")
        else:
            notes.append(f"confusable {a}/{b}")
    return notes


def _merge_notes(notes: Sequence[str]) -> list[str]:
    """["confusable I/l", "confusable 0/o"] → ["confusable I/l, 0/o"], duplicates dropped."""
    merged: dict[str, list[str]] = {}
    for note in notes:
        kind, _, pair = note.rpartition(" ")
        if pair not in merged.setdefault(kind, []):
            merged[kind].append(pair)
    return [f"{kind} {', '.join(pairs)}" for kind, pairs in merged.items()]


# Phrases that make an impersonation worse: the impostor offers, asks or threatens.
# Patterns are matched on case- and accent-folded text (see _fold), from a word start.
CLAIMS = (
    ("free offer", r"(?<!feel )free\b|gratuit|offert|cadeau"),
    (
        "price or discount",
        r"[$€£] ?\d|\d+(?:[.,]\d+)? ?(?:[$€£]|eur\b|euros?\b|usd\b|dollars?\b)"
        r"|\d+ ?% (?:off|de reduction|de remise)|discount|promo code|code promo",
    ),
    (
        "giveaway or contest",
        r"give ?aways?\b|contest|sweepstake|you(?:'ve| have) won|win an?\b"
        r"|concours|tirage au sort|a gagner|gagnez|vous avez gagne",
    ),
    ("refund or compensation", r"refund|compensat|reimburs|rembours|dedommag|indemni"),
    (
        "policy claim",
        r"(?:our|new) polic(?:y|ies)|policy (?:change|update)|terms (?:have )?changed"
        r"|(?:notre|nouvelle) politique|nos conditions",
    ),
    (
        "asks for a DM",
        r"dm us|dm me|send us (?:a dm|a message|your)|message us (?:with )?your"
        r"|envoyez[- ]nous|ecrivez[- ]nous|en (?:mp|dm|prive)\b|par message prive",
    ),
    (
        "link to click",
        r"click (?:on )?(?:the|this|our|my) link|click here|link in (?:our |my )?bio"
        r"|cliquez|cliquer sur|lien en bio|lien dans (?:la|notre|ma) bio",
    ),
    (
        "account verification",
        r"verify your|confirm your (?:account|identity|details|password|card)"
        r"|account (?:will be |has been )?(?:suspended|locked|closed)"
        r"|verifiez votre|confirmez votre|compte (?:sera |a ete )?(?:suspendu|bloque|ferme)",
    ),
    (
        "asks for credentials",
        r"password|mot de passe|card number|numero de carte|verification code"
        r"|code de verification|seed phrase|cvv\b",
    ),
)
_CLAIM_PATTERNS = tuple((label, re.compile(rf"\b(?:{pattern})")) for label, pattern in CLAIMS)


def claims_in_brand_name(text: str) -> list[str]:
    """What a post claims or asks in the brand's name: ["free offer", "link to click"]."""
    folded = _fold(text or "").replace("\u2019", "'")
    return [label for label, pattern in _CLAIM_PATTERNS if pattern.search(folded)]
