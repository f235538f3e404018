"""The rule lists the automatic checks read: what they are, their defaults, and matching.

Lists are data (compliance.models.RuleList), one per kind, category and language,
seeded from DEFAULTS by a data migration and edited by legal on the rules page.
Matching ignores case and accents, works in any script, and tells where in the
original text each term was found.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from django.utils.translation import gettext_lazy as _

ANY_LANGUAGE = "*"
LANGUAGES = {"en": _("English"), "fr": _("French"), ANY_LANGUAGE: _("Any language")}


@dataclass(frozen=True)
class Kind:
    code: str
    label: object
    help: object
    categories: dict = field(default_factory=lambda: {"": ""})  # code -> label
    languages: tuple = ("en", "fr")


KINDS = [
    Kind(
        "disclosure",
        _("Disclosure words"),
        _(
            "Words that say a post is advertising. In France only the French list counts: the "
            "2023 law on influencers requires “Publicité” or “Collaboration commerciale”."
        ),
    ),
    Kind(
        "disclosure_ambiguous",
        _("Ambiguous disclosures"),
        _("Tags people use instead of a clear disclosure, which regulators do not accept."),
    ),
    Kind(
        "claim",
        _("Regulated claims"),
        _("Claims a brand may not make, or must substantiate, in each industry."),
        categories={
            "health": _("Health"),
            "nutrition": _("Food and nutrition"),
            "finance": _("Finance"),
            "cosmetics": _("Cosmetics"),
        },
    ),
    Kind(
        "forbidden_fr",
        _("Products influencers may not promote in France"),
        _("Law no. 2023-451 of 9 June 2023, article 4. Checked when France is a market."),
        categories={
            "cosmetic_surgery": _("Cosmetic surgery"),
            "nicotine": _("Nicotine products"),
            "financial": _("Financial products and crypto-assets"),
            "sports_tips": _("Sports betting tips"),
            "wild_animals": _("Wild animals"),
        },
    ),
    Kind(
        "giveaway",
        _("Giveaways and contests"),
        _(
            "Trigger words mark a post as a giveaway; the other lists are what such a post "
            "must then contain."
        ),
        categories={
            "trigger": _("Words that make a post a giveaway"),
            "rules": _("Official rules"),
            "no_purchase": _("No purchase necessary"),
            "eligibility": _("Who may enter"),
            "dates": _("Dates and deadline"),
            "release": _("Release of the platform"),
        },
    ),
    Kind(
        "shortener",
        _("Link shorteners"),
        _("Domains that hide where a link goes. One domain a line."),
        languages=(ANY_LANGUAGE,),
    ),
]
KINDS_BY_CODE = {kind.code: kind for kind in KINDS}

# (kind, category) -> {language: [terms]}
DEFAULTS: dict[tuple[str, str], dict[str, list[str]]] = {
    ("disclosure", ""): {
        "en": [
            "#ad",
            "#advert",
            "#advertisement",
            "#sponsored",
            "sponsored by",
            "sponsored post",
            "paid partnership",
            "#paidpartnership",
            "advertisement",
            "ad:",
            "#brandpartner",
        ],
        "fr": [
            "publicité",
            "#publicité",
            "collaboration commerciale",
            "#collaborationcommerciale",
        ],
    },
    ("disclosure_ambiguous", ""): {
        "en": [
            "#sp",
            "#spon",
            "#collab",
            "#partner",
            "#ambassador",
            "#thanks",
            "#gifted",
            "#affiliate",
        ],
        "fr": [
            "#sponso",
            "#partenariat",
            "partenariat",
            "#collab",
            "#ambassadrice",
            "#ambassadeur",
            "#pub",
        ],
    },
    ("claim", "health"): {
        "en": [
            "cure",
            "cures",
            "cured",
            "heals",
            "treats",
            "prevents disease",
            "free medicine",
            "clinically proven",
            "boosts your immune system",
            "immune boost*",
            "detox*",
            "doctor recommended",
            "miracle",
        ],
        "fr": [
            "guérit",
            "guérir",
            "soigne",
            "traite",
            "médicament gratuit",
            "cliniquement prouvé",
            "renforce le système immunitaire",
            "détox*",
            "recommandé par les médecins",
            "miracle",
        ],
    },
    ("claim", "nutrition"): {
        "en": [
            "burns fat",
            "fat burning",
            "boosts your metabolism",
            "boosts metabolism",
            "weight loss",
            "lose weight",
            "superfood",
        ],
        "fr": [
            "brûle les graisses",
            "brûle-graisse*",
            "booste le métabolisme",
            "accélère le métabolisme",
            "perte de poids",
            "maigrir",
            "super-aliment*",
        ],
    },
    ("claim", "finance"): {
        "en": [
            "guaranteed returns",
            "guaranteed return",
            "guaranteed profit*",
            "risk-free",
            "no risk",
            "get rich",
            "double your money",
            "passive income",
            "financial freedom",
        ],
        "fr": [
            "rendement garanti",
            "rendements garantis",
            "profits garantis",
            "sans risque",
            "devenir riche",
            "doublez votre argent",
            "revenus passifs",
            "liberté financière",
        ],
    },
    ("claim", "cosmetics"): {
        "en": [
            "erases wrinkles",
            "removes wrinkles",
            "permanent results",
            "chemical-free",
            "100% natural",
        ],
        "fr": [
            "efface les rides",
            "supprime les rides",
            "résultats permanents",
            "sans produits chimiques",
            "100 % naturel",
            "100% naturel",
        ],
    },
    ("forbidden_fr", "cosmetic_surgery"): {
        "en": [
            "cosmetic surgery",
            "plastic surgery",
            "rhinoplasty",
            "liposuction",
            "lip filler*",
            "breast augmentation",
            "bbl",
        ],
        "fr": [
            "chirurgie esthétique",
            "médecine esthétique",
            "rhinoplastie",
            "liposuccion",
            "injections d'acide hyaluronique",
            "augmentation mammaire",
        ],
    },
    ("forbidden_fr", "nicotine"): {
        "en": ["nicotine", "e-cigarette*", "vape", "vaping", "nicotine pouch*"],
        "fr": [
            "nicotine",
            "cigarette électronique",
            "cigarettes électroniques",
            "vapoteuse*",
            "puff",
            "sachets de nicotine",
        ],
    },
    ("forbidden_fr", "financial"): {
        "en": [
            "crypto",
            "cryptocurrency",
            "bitcoin",
            "nft",
            "nfts",
            "forex",
            "binary options",
            "copy trading",
            "trading signals",
        ],
        "fr": [
            "crypto",
            "cryptomonnaie*",
            "crypto-actif*",
            "bitcoin",
            "nft",
            "forex",
            "options binaires",
            "copy trading",
            "signaux de trading",
        ],
    },
    ("forbidden_fr", "sports_tips"): {
        "en": ["betting tips", "tipster", "sure bets"],
        "fr": ["pronostics sportifs", "abonnement pronostic*", "tipster", "paris sûrs"],
    },
    ("forbidden_fr", "wild_animals"): {
        "en": ["pet monkey", "exotic pet*", "tiger cub*"],
        "fr": ["animal sauvage", "animaux sauvages", "singe de compagnie", "nac exotique*"],
    },
    ("giveaway", "trigger"): {
        "en": [
            "giveaway",
            "give away",
            "contest",
            "sweepstake*",
            "enter to win",
            "chance to win",
            "win a",
            "to win",
        ],
        "fr": [
            "concours",
            "jeu-concours",
            "jeu concours",
            "à gagner",
            "tirage au sort",
            "gagnez",
            "gagner",
        ],
    },
    ("giveaway", "rules"): {
        "en": ["official rules", "rules", "terms and conditions", "terms apply", "t&cs", "t&c"],
        "fr": ["règlement", "règlement complet", "conditions", "modalités"],
    },
    ("giveaway", "no_purchase"): {
        "en": ["no purchase necessary", "no purchase required"],
        "fr": ["sans obligation d'achat", "aucun achat requis"],
    },
    ("giveaway", "eligibility"): {
        "en": [
            "open to",
            "18+",
            "ages 18",
            "aged 18",
            "residents",
            "eligible",
            "must be 18",
            "legal residents",
        ],
        "fr": ["ouvert aux", "ouvert à", "réservé aux", "majeurs", "majeur", "résidents", "18 ans"],
    },
    ("giveaway", "dates"): {
        "en": [
            "ends",
            "until",
            "closes",
            "deadline",
            "by midnight",
            "winner announced",
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        "fr": [
            "jusqu'au",
            "jusqu'à",
            "avant le",
            "fin le",
            "se termine",
            "clôture",
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        ],
    },
    ("giveaway", "release"): {
        "en": [
            "not sponsored, endorsed or administered by",
            "in no way sponsored",
            "not associated with",
            "not affiliated with",
        ],
        "fr": [
            "n'est pas associé",
            "n'est ni organisé",
            "ni géré ni parrainé",
            "aucunement sponsorisé",
            "n'est pas affilié",
        ],
    },
    ("shortener", ""): {
        ANY_LANGUAGE: [
            "bit.ly",
            "tinyurl.com",
            "t.co",
            "goo.gl",
            "ow.ly",
            "buff.ly",
            "is.gd",
            "rebrand.ly",
            "cutt.ly",
            "shorturl.at",
            "tiny.cc",
            "lnkd.in",
            "rb.gy",
            "s.id",
        ],
    },
}


# --- Matching -----------------------------------------------------------------------------

# Typographic apostrophes and the full-width number sign, matched as their ASCII forms.
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\uff03": "#"})


def normalize(text: str) -> tuple[str, list[int]]:
    """`text` case-folded without accents, and for each of its characters the index in `text`."""
    out: list[str] = []
    where: list[int] = []
    for index, char in enumerate(text):
        for part in unicodedata.normalize("NFKD", char.translate(_QUOTES)).casefold():
            if unicodedata.combining(part):
                continue
            out.append(part)
            where.append(index)
    return "".join(out), where


def normalize_term(term: str) -> str:
    return normalize(term.strip())[0]


@dataclass(frozen=True)
class Hit:
    term: str  # as the list has it
    start: int  # in the original text
    end: int
    found: str  # the original text matched


class Matcher:
    """Finds any of `terms` in a text, as whole words (a trailing * matches word starts)."""

    def __init__(self, terms: list[str]):
        self.terms = {}
        patterns = []
        for term in sorted({t.strip() for t in terms if t.strip()}, key=len, reverse=True):
            prefix = term.endswith("*")
            body = normalize_term(term.rstrip("*"))
            if not body:
                continue
            pattern = r"\s+".join(re.escape(word) for word in body.split())
            if prefix:
                pattern += r"\w*"
            self.terms[len(patterns)] = term
            patterns.append(f"(?P<t{len(patterns)}>{pattern})")
        self.regex = (
            re.compile(r"(?<![\w@])(?:" + "|".join(patterns) + r")(?![\w])") if patterns else None
        )

    def find(self, text: str, normalized: tuple[str, list[int]] | None = None) -> list[Hit]:
        if self.regex is None or not text:
            return []
        norm, where = normalized or normalize(text)
        hits = []
        for match in self.regex.finditer(norm):
            index = int(match.lastgroup[1:])
            start = where[match.start()]
            end = where[match.end() - 1] + 1
            hits.append(Hit(self.terms[index], start, end, text[start:end]))
        return hits

    def first(self, text: str, normalized=None) -> Hit | None:
        hits = self.find(text, normalized)
        return hits[0] if hits else None


def terms_clean(terms: str) -> list[str]:
    """One term a line, stripped, without duplicates (first kept), in the given order."""
    seen: set[str] = set()
    kept = []
    for line in terms.splitlines():
        term = " ".join(line.split())
        key = normalize_term(term)
        if term and key not in seen:
            seen.add(key)
            kept.append(term)
    return kept


# --- The rulebook a check run reads -----------------------------------------------------


class Rulebook:
    """Every list, merged across languages: {(kind, category): [terms]} and its matchers."""

    def __init__(self, lists: dict[tuple[str, str, str], list[str]]):
        self.lists = lists
        self._matchers: dict = {}

    def terms(self, kind: str, category: str = "", language: str | None = None) -> list[str]:
        return [
            term
            for (k, c, lang), terms in self.lists.items()
            if k == kind and c == category and (language is None or lang == language)
            for term in terms
        ]

    def categories(self, kind: str) -> list[str]:
        return sorted({c for (k, c, _lang) in self.lists if k == kind})

    def matcher(self, kind: str, category: str = "", language: str | None = None) -> Matcher:
        key = (kind, category, language)
        if key not in self._matchers:
            self._matchers[key] = Matcher(self.terms(kind, category, language))
        return self._matchers[key]


def rule_lists_seed(rule_list_model=None) -> int:
    """Create the default lists that are missing (the migration passes its historical model)."""
    if rule_list_model is None:
        from compliance.models import RuleList as rule_list_model
    created = 0
    for (kind, category), by_language in DEFAULTS.items():
        for language, terms in by_language.items():
            _list, new = rule_list_model.objects.get_or_create(
                kind=kind,
                category=category,
                language=language,
                defaults={"terms": "\n".join(terms)},
            )
            created += new
    return created


def default_rulebook() -> Rulebook:
    return Rulebook(
        {
            (kind, category, language): terms
            for (kind, category), by_language in DEFAULTS.items()
            for language, terms in by_language.items()
        }
    )


@lru_cache(maxsize=1)
def _cached(stamp) -> Rulebook:
    from compliance.models import RuleList

    return Rulebook({(r.kind, r.category, r.language): r.term_list for r in RuleList.objects.all()})


def current_rulebook() -> Rulebook:
    """The lists as stored, re-read only when one changed (one small query otherwise)."""
    from django.db.models import Count, Max

    from compliance.models import RuleList

    stamp = RuleList.objects.aggregate(changed=Max("updated_at"), count=Count("pk"))
    return _cached((stamp["changed"], stamp["count"]))
