"""Putting enrichment together: one Enricher per set of lists, run on each batch.

The pipeline calls `enrich_batch` (registered in MonitoringConfig.ready) on every
batch before it is stored. The keyword lists, brand accounts and watchlist are
read once per batch (three small queries); the matcher and detector built from
them are kept until one of those changes.
"""

from collections.abc import Set
from datetime import UTC, datetime

from monitoring.connectors.base import NormalizedMention
from monitoring.enrichment import KEYWORD_CODES, BrandAccountRef, Lookalike
from monitoring.enrichment.features import brand_words, features
from monitoring.enrichment.impersonation import ImpersonationDetector, claims_in_brand_name
from monitoring.enrichment.keywords import DEFAULT_KEYWORDS
from monitoring.enrichment.language import detect_language
from monitoring.enrichment.model import trained_model
from monitoring.enrichment.risk import KeywordMatcher, risk_assessment
from monitoring.enrichment.sentiment import score_sentiment, sentiment_label, with_tone

OWN = "own"  # monitoring.models.MentionStatus.OWN: enrichment does not read the models


class Enricher:
    def __init__(
        self,
        *,
        keyword_lists: dict[str, list[str]],
        brand_accounts: list[BrandAccountRef],
        watched: Set[tuple[str, str]] = frozenset(),
    ):
        self.matcher = KeywordMatcher(keyword_lists)
        self.detector = ImpersonationDetector(brand_accounts)
        self.brand = brand_words(brand_accounts)
        self.watched = watched
        self.model = trained_model()

    def enrich(self, mention: NormalizedMention) -> None:
        if not mention.language:
            mention.language = detect_language(mention.text)
        hits = self.matcher.matches(mention.text)
        owner, lookalike = author_standing(
            self.detector,
            platform=mention.platform,
            author_id=mention.author_id,
            handle=mention.author_handle,
            display_name=mention.author_name,
        )
        found = features(
            mention.text,
            mention.language,
            hits,
            mention.author_name,
            lookalike=lookalike is not None,
            brand=self.brand,
        )
        probabilities = self.model.probabilities(found)
        fired = self.model.fired(probabilities)
        mention.sentiment = with_tone(
            score_sentiment(mention.text, mention.language),
            probabilities["negative_tone"],
            self.model.threshold("negative_tone"),
            sarcastic="cue:sarcasm" in found.signals,
        )
        mention.sentiment_label = sentiment_label(mention.sentiment)
        text_fired = [code for code in KEYWORD_CODES if code in fired]
        evidence = self.model.explain(found, text_fired, hits) if text_fired else {}
        mention.risk_score, mention.risk_reasons = risk_assessment(
            text_reasons={code: (fired[code], evidence[code]) for code in text_fired},
            sentiment=mention.sentiment,
            followers=mention.author_followers,
            engagement=mention.engagement,
            verified=mention.author_verified,
            on_watchlist=(mention.platform, mention.author_id) in self.watched,
            lookalike=lookalike,
            claims=claims_in_brand_name(mention.text) if lookalike else [],
        )
        if lookalike is not None:
            mention.impersonates_id = lookalike.account.pk
            mention.impersonation_score = lookalike.score
        if owner is not None:
            mention.owned_by_id = owner.pk
            mention.status = OWN


def author_standing(
    detector: ImpersonationDetector,
    *,
    platform: str,
    author_id: str,
    handle: str,
    display_name: str,
) -> tuple[BrandAccountRef | None, Lookalike | None]:
    """(the brand account that wrote it, the brand account its author imitates): at most one
    of the two. The brand's own post is kept for threads and context, never triage work; only
    an author who is not the brand can imitate it."""
    owner = detector.brand_account(platform=platform, author_id=author_id, handle=handle)
    if owner is not None:
        return owner, None
    return None, detector.lookalike(platform=platform, handle=handle, display_name=display_name)


def default_keyword_lists() -> dict[str, list[str]]:
    """DEFAULT_KEYWORDS with the languages merged: {code: [terms]}."""
    return {
        code: [term for terms in by_language.values() for term in terms]
        for code, by_language in DEFAULT_KEYWORDS.items()
    }


_cached: tuple[tuple, Enricher] | None = None


def current_enricher() -> Enricher:
    """The Enricher for the lists, accounts and watchlist as they are in the database now."""
    global _cached
    from monitoring.models import KeywordList, WatchedAuthor
    from offboarding.models import BrandAccount

    lists = list(KeywordList.objects.values_list("code", "terms"))
    accounts = list(
        BrandAccount.objects.filter(is_active=True).values_list(
            "pk", "platform", "handle", "display_name", "platform_id"
        )
    )
    watched = list(WatchedAuthor.objects.values_list("platform", "author_id"))
    key = (tuple(lists), tuple(accounts), tuple(watched))
    if _cached is None or _cached[0] != key:
        keyword_lists: dict[str, list[str]] = {}
        for code, terms in lists:
            keyword_lists.setdefault(code, []).extend(
                t.strip() for t in terms.splitlines() if t.strip()
            )
        enricher = Enricher(
            keyword_lists=keyword_lists or default_keyword_lists(),
            brand_accounts=[BrandAccountRef(*account) for account in accounts],
            watched=set(watched),
        )
        _cached = (key, enricher)
    return _cached[1]


# What warm_up() enriches: a post in each language the lemmatiser and the lexicons know, without
# a language, so the detector loads too.
WARM_UP_TEXTS = ("Still waiting for my refund, not happy", "Toujours pas de remboursement, déçu")


def warm_up() -> None:
    """Loads what enrichment reads on its first mention (the trained model, both lexicons, the
    lemmatiser's dictionaries, the language detector), so that a worker loads them once before
    it forks its pool rather than in every child on its first batch."""
    enricher = Enricher(keyword_lists=default_keyword_lists(), brand_accounts=[])
    published_at = datetime(2026, 1, 1, tzinfo=UTC)
    for n, text in enumerate(WARM_UP_TEXTS):
        enricher.enrich(NormalizedMention("x", f"warm-up-{n}", text, published_at))


def enrich_batch(batch: list[NormalizedMention]) -> None:
    if not batch:
        return
    enricher = current_enricher()
    for mention in batch:
        enricher.enrich(mention)
