"""Risk: keyword matching (whole words, any case, accent or script) and the 0-100 score."""

from dataclasses import replace

import pytest

from monitoring.enrichment import KEYWORD_CODES, REASON_CODES, BrandAccountRef, Lookalike
from monitoring.enrichment.keywords import DEFAULT_KEYWORDS
from monitoring.enrichment.risk import KeywordMatcher, _term_key, fold, risk_assessment


def merged(keywords: dict[str, dict[str, list[str]]]) -> dict[str, list[str]]:
    return {
        code: [t for terms in langs.values() for t in terms] for code, langs in keywords.items()
    }


@pytest.fixture(scope="module")
def default() -> KeywordMatcher:
    return KeywordMatcher(merged(DEFAULT_KEYWORDS))


# -- fold ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("L\u2019AVOCAT  a\t\n dit « Non »", 'l\'avocat a dit " non "'),
        ("Crème BRÛLÉE", "creme brulee"),
        ("Straße", "strasse"),
        ("\ufb01ne \uff26\uff35\uff2c\uff2c", "fine full"),
        ("law\u200bsuit", "lawsuit"),
        ("", ""),
    ],
)
def test_fold(text, folded):
    assert fold(text) == folded


# -- matching -----------------------------------------------------------------------------


def test_word_boundaries():
    m = KeywordMatcher({"legal": ["sue"], "security": ["hack"]})
    assert m.matches("There is an issue with my suede shoes at the hackathon") == {}
    assert m.matches("I will sue. They hack.") == {"legal": ["sue"], "security": ["hack"]}
    assert m.matches("sue") == {"legal": ["sue"]}
    assert m.matches("(sue)") == {"legal": ["sue"]}


def test_prefix_terms():
    m = KeywordMatcher({"security": ["pirat*", "hack*"]})
    assert m.matches("Le piratage, on a été piratés, PIRATE") == {"security": ["pirat*"]}
    assert m.matches("Join our hackathon") == {"security": ["hack*"]}
    assert m.matches("a spirate, unhack") == {}  # the prefix must start a word


@pytest.mark.parametrize("text", ["AVOCAT", "avocat", "Avocät", "l'avocat", "l\u2019Avocat"])
def test_case_and_accents_do_not_matter(text):
    # Accents fold both ways: a mis-accented "Avocät" is still the word "avocat".
    assert KeywordMatcher({"legal": ["avocat"]}).matches(text) == {"legal": ["avocat"]}


def test_accented_terms_match_unaccented_text():
    m = KeywordMatcher({"security": ["piraté", "hameçonnage"]})
    assert m.matches("compte PIRATE par hameconnage") == {"security": ["piraté", "hameçonnage"]}


@pytest.mark.parametrize(
    "text",
    [
        "a class action",
        "a Class-Action suit",
        "class   action",
        "class,\naction",
        "class — action!",
        "#class_action",
    ],
)
def test_phrases_match_across_punctuation_and_spaces(text):
    assert KeywordMatcher({"legal": ["class action"]}).matches(text) == {"legal": ["class action"]}


def test_phrases_keep_their_word_boundaries():
    m = KeywordMatcher({"legal": ["class action"]})
    assert m.matches("subclass actions") == {}


def test_overlapping_terms_longest_wins_within_a_code():
    m = KeywordMatcher({"security": ["breach", "data breach", "leaked password", "password"]})
    assert m.matches("Data breach: leaked passwords. Another breach, password leaked password") == {
        "security": ["data breach", "breach", "password", "leaked password"]
    }


def test_overlapping_terms_across_codes_each_count():
    m = KeywordMatcher({"legal": ["fraud"], "compliance": ["fraud alert"]})
    assert m.matches("FRAUD ALERT") == {"legal": ["fraud"], "compliance": ["fraud alert"]}


def test_terms_are_distinct_and_in_order_of_appearance():
    m = KeywordMatcher({"legal": ["lawyer", "lawsuit", "sue"]})
    assert m.matches("sue sue lawsuit, lawyer, SUE") == {"legal": ["sue", "lawsuit", "lawyer"]}


def test_codes_in_contract_order():
    m = KeywordMatcher({"profanity": ["damn"], "legal": ["sue"]})
    assert list(m.matches("damn, I'll sue")) == ["legal", "profanity"]


def test_both_languages(default):
    hits = default.matches(
        "We will SUE: a class action lawsuit. Mise en demeure envoyée, mon avocat porte plainte."
    )
    assert hits["legal"] == [
        "sue",
        "class action",
        "lawsuit",
        "mise en demeure",
        "mon avocat",
        "porté plainte",  # accents fold: "porte plainte" reads as "porté plainte"
    ]
    hits = default.matches("Compte piraté après un hameçonnage, then a data breach & phishing link")
    assert hits["security"] == ["compte piraté", "hameçonnage", "data breach", "phishing link"]
    assert default.matches("Rappel produit: intoxication, explosion, #boycott")["crisis"] == [
        "rappel produit",
        "intoxication",
        "explosion",
        "boycott*",
    ]
    assert default.matches("Pub déguisée! guaranteed returns, it cures everything, guérit tout")[
        "compliance"
    ] == ["pub déguisée", "guaranteed returns", "cures", "guérit"]
    assert default.matches("this is bullshit, putain de merde")["profanity"] == [
        "bullshit",
        "putain",
        "de merde",
    ]


def test_neutral_text_has_no_hits(default):
    text = "Just tried the new Lumora serum, lovely texture. Le packaging est très joli, merci !"
    assert default.matches(text) == {}
    assert default.matches("There's an issue with the class schedule; assess the process") == {}


@pytest.mark.parametrize(
    "text", ["", "   ", "🔥🔥🔥 😡", "لقد تم اختراق حسابي", "זה נפלא", "数据泄露"]
)
def test_empty_emoji_and_other_scripts(default, text):
    assert default.matches(text) == {}


def test_other_scripts_as_terms():
    m = KeywordMatcher({"security": ["اختراق", "数据泄露"], "legal": ["Ωραία"]})
    assert m.matches("لقد تم اختراق حسابي 🔥") == {"security": ["اختراق"]}
    assert m.matches("出现了数据泄露问题") == {"security": ["数据泄露"]}  # no spaces in Chinese
    assert m.matches("ΩΡΑΊΑ!") == {"legal": ["Ωραία"]}
    assert m.matches("hack 🔥 sue") == {}


def test_empty_lists_and_blank_terms():
    assert KeywordMatcher({}).matches("lawsuit") == {}
    assert KeywordMatcher({"legal": ["", "  ", "*", "!!"]}).matches("lawsuit !!") == {}


def test_long_text_completes(default):
    chunk = "Hello from a long thread, nothing to see here; accentué, 数据 🔥 sue, "
    text = (chunk * (100_000 // len(chunk) + 1))[:100_000] + " class action"
    hits = default.matches(text)
    assert hits == {"legal": ["sue", "class action"]}


def test_pathological_repetition_completes():
    m = KeywordMatcher({"legal": ["a a a a b", "a*"]})
    assert m.matches("a " * 50_000) == {"legal": ["a*"]}


# -- DEFAULT_KEYWORDS ---------------------------------------------------------------------


def test_default_keywords_are_well_formed():
    assert set(DEFAULT_KEYWORDS) == set(KEYWORD_CODES)
    for code, by_language in DEFAULT_KEYWORDS.items():
        assert set(by_language) == {"en", "fr"}, code
        for language, terms in by_language.items():
            assert 25 <= len(terms) <= 80, (code, language, len(terms))
            keys = [_term_key(term) for term in terms]
            assert all(
                term == term.strip() and key for term, (key, _) in zip(terms, keys, strict=True)
            )
            assert all("*" not in term.rstrip("*") for term in terms)
            duplicates = {k for k in keys if keys.count(k) > 1}
            assert not duplicates, (code, language, duplicates)


def test_every_default_term_matches_itself(default):
    for code, by_language in DEFAULT_KEYWORDS.items():
        for terms in by_language.values():
            for term in terms:
                assert code in default.matches(f"… {term.rstrip('*')} …"), (code, term)


# -- scoring ------------------------------------------------------------------------------

BRAND = BrandAccountRef(pk=1, platform="x", handle="lumora")
LOOKALIKE = Lookalike(account=BRAND, score=0.96, detail="handle 'lumora_officiaI' imitates @lumora")


def assess(found=None, confidence=0.5, **overrides):
    """The score for the text reasons `found` ({code: evidence}) at one confidence."""
    found = found or {}
    args = {
        "text_reasons": {code: (confidence, terms) for code, terms in found.items() if terms},
        "sentiment": 0.0,
        "followers": 120,
        "engagement": 2,
        "verified": False,
        "on_watchlist": False,
        "lookalike": None,
        "claims": [],
    } | overrides
    return risk_assessment(**args)


def codes(reasons):
    return [r["code"] for r in reasons]


def test_impersonation_with_a_claim_scores_at_least_90():
    score, reasons = assess(lookalike=LOOKALIKE, claims=["free", "giveaway"], sentiment=0.6)
    assert score >= 90
    assert reasons == [
        {
            "code": "impersonation",
            "detail": "impersonation: handle 'lumora_officiaI' imitates @lumora (0.96)"
            " and claims 'free', 'giveaway'",
            "confidence": 0.96,
        }
    ]
    weak = replace(LOOKALIKE, score=0.5)
    assert assess(lookalike=weak, claims=["-50%"])[0] >= 90


def test_impersonation_without_a_claim_is_high_but_lower():
    score, _ = assess(lookalike=LOOKALIKE)
    assert 70 <= score < 90


@pytest.mark.parametrize("followers", [10_000, 48_200, 2_000_000])
def test_legal_threat_from_a_large_account_scores_at_least_70(followers):
    score, reasons = assess(found={"legal": ["lawsuit"]}, followers=followers)
    assert score >= 70
    assert codes(reasons) == ["legal", "reach"]


def test_legal_threat_from_a_small_account():
    assert 50 <= assess(found={"legal": ["lawsuit"]})[0] < 70


def test_security_report_scores_at_least_60():
    assert assess(found={"security": ["hacked"]})[0] >= 60
    assert assess(found={"security": ["hacked", "phishing"]}, sentiment=-0.5)[0] >= 70


def test_crisis_alone():
    assert 40 <= assess(found={"crisis": ["recall"]})[0] <= 55
    many = {"crisis": ["recall", "explosion", "dangerous", "boycott*"]}
    assert 40 <= assess(found=many)[0] <= 55


def test_profanity_alone():
    assert 25 <= assess(found={"profanity": ["shit"]})[0] <= 35
    assert 25 <= assess(found={"profanity": ["shit", "merde", "wtf", "ffs"]})[0] <= 35


def test_compliance_and_watchlist_alone():
    assert 35 <= assess(found={"compliance": ["guaranteed returns"]})[0] <= 50
    assert assess(on_watchlist=True)[0] == 35


@pytest.mark.parametrize("sentiment", [-0.25, -0.6, -1.0, -3.0])
def test_negative_sentiment_alone_at_most_25(sentiment):
    score, reasons = assess(sentiment=sentiment)
    assert 10 <= score <= 25
    assert codes(reasons) == ["negative"]


@pytest.mark.parametrize(
    ("followers", "engagement", "verified"),
    [(5_000_000, 0, False), (None, 1_000_000, True), (10**9, 10**9, True)],
)
def test_reach_alone_at_most_15(followers, engagement, verified):
    score, reasons = assess(followers=followers, engagement=engagement, verified=verified)
    assert 0 < score <= 15
    assert codes(reasons) == ["reach"]


@pytest.mark.parametrize("sentiment", [None, 0.0, 0.2, 0.9, -0.2])
def test_neutral_or_positive_chatter_under_10(sentiment):
    assert assess(sentiment=sentiment, followers=800, engagement=15)[0] < 10
    assert assess(sentiment=sentiment, followers=None, engagement=0) == (0, [])


def test_reach_amplifies_other_signals():
    small = assess(found={"crisis": ["recall"]}, followers=100)[0]
    large = assess(found={"crisis": ["recall"]}, followers=1_000_000)[0]
    viral = assess(found={"crisis": ["recall"]}, followers=100, engagement=50_000)[0]
    assert small < large
    assert small < viral


def test_signals_add_up_but_stay_within_100():
    one = assess(found={"legal": ["sue"]})[0]
    two = assess(found={"legal": ["sue"], "crisis": ["recall"]})[0]
    assert two > one
    everything = assess(
        found={code: ["x", "y", "z", "w"] for code in KEYWORD_CODES},
        sentiment=-1,
        followers=10**8,
        engagement=10**7,
        verified=True,
        on_watchlist=True,
        lookalike=LOOKALIKE,
        claims=["free"],
    )
    assert everything[0] == 100
    assert set(codes(everything[1])) == set(REASON_CODES)


def test_reasons_are_ordered_by_weight_with_details():
    score, reasons = assess(
        found={
            "profanity": ["wtf"],
            "legal": ["lawsuit", "class action"],
            "crisis": ["recall"],
        },
        sentiment=-0.8,
        followers=48_200,
        engagement=1_250,
        on_watchlist=True,
    )
    assert 90 <= score <= 100
    assert [{k: r[k] for k in ("code", "detail")} for r in reasons] == [
        {"code": "legal", "detail": "legal: 'lawsuit', 'class action'"},
        {"code": "crisis", "detail": "crisis: 'recall'"},
        {"code": "watchlist", "detail": "watchlist: the author is on the watchlist"},
        {"code": "profanity", "detail": "profanity: 'wtf'"},
        {"code": "negative", "detail": "negative: sentiment -0.80"},
        {"code": "reach", "detail": "reach: 48,200 followers, 1,250 engagements"},
    ]
    assert [r["confidence"] for r in reasons] == [0.5, 0.5, 1.0, 0.5, 0.8, 0.77]


def test_reach_detail_and_small_reach_is_no_reason():
    _, reasons = assess(found={"legal": ["sue"]}, followers=48_200, verified=True)
    assert reasons[-1]["detail"] == "reach: 48,200 followers, verified"
    _, reasons = assess(found={"legal": ["sue"]}, followers=150, engagement=3)
    assert codes(reasons) == ["legal"]


def test_unknown_codes_empty_hits_and_claims_without_lookalike_are_ignored():
    hits = {"legal": [], "spam": ["buy now"]}
    assert assess(found=hits, claims=["free"], followers=None, engagement=0) == (0, [])


def test_reason_codes_are_from_the_contract():
    _, reasons = assess(
        found={"security": ["hacked"]}, on_watchlist=True, followers=10**6, sentiment=-1
    )
    assert all(r["code"] in REASON_CODES for r in reasons)
    assert all(set(r) == {"code", "detail", "confidence"} for r in reasons)
    assert all(0 <= r["confidence"] <= 1 for r in reasons)
