"""Every automatic check, with examples that pass and examples that fail, in English and French."""

import pytest

from compliance.checks import (
    ERROR,
    FOLD,
    PASS,
    WARNING,
    PostContent,
    describe,
    extract_links,
    highlight,
    run_checks,
)
from compliance.rulebook import Matcher, Rulebook, default_rulebook, normalize

RULES = default_rulebook()


def findings(text, platform="instagram", markets=("US",), **kw):
    content = PostContent(text=text, platform=platform, markets=list(markets), **kw)
    return run_checks(content, RULES)


def codes(text, **kw):
    return {f["code"]: f["severity"] for f in findings(text, **kw)}


# --- Matching ---------------------------------------------------------------------------


def test_matching_ignores_case_and_accents_and_keeps_positions():
    text = "Une PUBLICITE pour Lumora"
    hit = Matcher(["publicité"]).first(text)
    assert hit.found == "PUBLICITE"
    assert text[hit.start : hit.end] == "PUBLICITE"


def test_matching_is_by_whole_words():
    matcher = Matcher(["#ad", "cure"])
    assert matcher.find("#adventure time, secure and procured") == []
    assert [h.found for h in matcher.find("#ad: a cure!")] == ["#ad", "cure"]


def test_a_trailing_star_matches_word_starts():
    assert Matcher(["détox*"]).first("Programme DETOXIFIANT").found == "DETOXIFIANT"
    assert Matcher(["détox"]).first("Programme DETOXIFIANT") is None


def test_phrases_match_across_any_whitespace_and_typographic_apostrophes():
    matcher = Matcher(["sans obligation d'achat", "paid partnership"])
    assert matcher.first("Jeu sans\u00a0obligation d\u2019achat") is not None
    assert matcher.first("Paid\n partnership with Lumora") is not None


def test_handles_are_not_matched_as_words():
    assert Matcher(["cure"]).first("thanks @cure for the photo") is None


@pytest.mark.parametrize(
    "text",
    [
        "広告 コーヒー ☕ 新しい Lumora Brew",  # Japanese
        "إعلان قهوة Lumora Brew الجديدة",  # Arabic, right to left
        "Реклама: кофе Lumora 🫘 👩🏽‍🍳 #ad",  # Cyrillic and composed emoji
        "ﬁ ligature, İstanbul, straße, e\u0301 combining",
        "",
    ],
)
def test_text_in_any_script_is_checked_without_error(text):
    result = describe(findings(text, markets=["US", "FR"]), text)
    assert all(item["message"] for item in result)
    norm, where = normalize(text)
    assert len(norm) == len(where)
    segments = highlight(text, findings(text), fold=FOLD)
    assert "".join(s["text"] for s in segments) == text


# --- Disclosure -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "#ad My morning flat white on the Lumora Brew.",
        "Paid partnership with Lumora: my morning flat white.",
        "My morning flat white #sponsored by @lumora",
        "Advertisement · The Lumora Brew makes my mornings.",
    ],
)
def test_an_english_disclosure_near_the_start_passes(text):
    result = codes(text)
    assert result["disclosure.visible"] == PASS
    assert not any(c.startswith("disclosure.") and s == ERROR for c, s in result.items())


def test_no_disclosure_fails():
    assert codes("My morning flat white on the Lumora Brew.")["disclosure.missing"] == ERROR


def test_ambiguous_tags_are_named_but_do_not_count():
    result = findings("Loving my Lumora Brew #sp #collab")
    by_code = {f["code"]: f for f in result}
    assert by_code["disclosure.missing"]["severity"] == ERROR
    ambiguous = [f for f in result if f["code"] == "disclosure.ambiguous"]
    assert {f["params"]["term"] for f in ambiguous} == {"#sp", "#collab"}
    assert all(f["severity"] == WARNING for f in ambiguous)


def test_a_disclosure_after_the_more_cut_is_buried():
    text = "My morning ritual: " + "grind, tamp, brew, sip. " * 6 + "#ad"
    assert text.index("#ad") > FOLD
    (buried,) = [f for f in findings(text) if f["code"] == "disclosure.buried"]
    assert buried["severity"] == ERROR
    assert text[buried["start"] : buried["end"]] == "#ad"
    assert buried["params"]["position"] == text.index("#ad") + 1


def test_the_more_cut_does_not_apply_where_the_whole_post_shows():
    text = "Morning! " + "x" * 130 + " #ad"
    assert "disclosure.buried" not in codes(text, platform="mastodon")


def test_a_disclosure_in_a_wall_of_hashtags_is_buried():
    text = "Flat white o'clock #coffee #latte #ad #barista #morning"
    result = codes(text)
    assert result["disclosure.hashtag_wall"] == ERROR
    assert "disclosure.visible" not in result


def test_a_disclosure_leading_its_hashtags_is_visible():
    assert codes("Flat white o'clock #ad #coffee #latte #barista")["disclosure.visible"] == PASS
    # Three hashtags are not a wall.
    assert codes("Flat white o'clock #coffee #ad #latte")["disclosure.visible"] == PASS


def test_one_visible_disclosure_is_enough_even_if_another_is_buried():
    text = "#ad " + "y" * 140 + " #coffee #latte #ad #barista"
    assert codes(text)["disclosure.visible"] == PASS


@pytest.mark.parametrize(
    "text",
    [
        "Publicité · Mon flat white du matin avec la Lumora Brew.",
        "Collaboration commerciale avec @lumora : mon café du matin.",
        "#publicité Mon café du matin avec la Lumora Brew",
        "PUBLICITE - mon café du matin",
    ],
)
def test_france_accepts_publicite_or_collaboration_commerciale(text):
    result = codes(text, markets=["FR"])
    assert result["disclosure.visible"] == PASS
    assert "disclosure.missing_fr" not in result


def test_france_refuses_english_disclosures():
    result = findings("#ad Mon café du matin avec la Lumora Brew", markets=["FR"])
    (refused,) = [f for f in result if f["code"] == "disclosure.not_french"]
    assert refused["severity"] == ERROR
    assert refused["params"]["term"] == "#ad"


def test_france_refuses_partenariat():
    result = codes("En partenariat avec Lumora, mon café du matin", markets=["FR"])
    assert result["disclosure.missing_fr"] == ERROR
    assert result["disclosure.ambiguous"] == WARNING


def test_french_disclosure_buried_after_the_cut_fails():
    text = "Mon rituel du matin : " + "moudre, tasser, extraire, savourer. " * 4 + "Publicité"
    assert codes(text, markets=["FR"])["disclosure.buried"] == ERROR


def test_france_and_another_market_need_both_rules():
    # "Publicité" counts everywhere; "#ad" alone fails France.
    assert "disclosure.missing" not in codes("Publicité · café", markets=["FR", "US"])
    result = codes("#ad café du matin", markets=["FR", "US"])
    assert result["disclosure.not_french"] == ERROR
    assert result["disclosure.visible"] == PASS  # for the US


def test_france_with_media_reminds_the_disclosure_on_the_media():
    assert "disclosure.fr_media" in codes("Publicité · café", markets=["FR"], media_count=1)
    assert "disclosure.fr_media" not in codes("Publicité · café", markets=["FR"])


# --- Giveaways -------------------------------------------------------------------------

COMPLETE_GIVEAWAY = (
    "#ad Giveaway! Win a Lumora Brew. No purchase necessary. Open to US residents 18+. "
    "Ends June 30. Official rules: https://lumora.example/rules. This promotion is not "
    "sponsored, endorsed or administered by, or associated with, Instagram."
)


def test_a_complete_giveaway_passes():
    result = codes(COMPLETE_GIVEAWAY)
    assert result["giveaway.detected"] == "info"
    assert result["giveaway.rules_ok"] == PASS
    for code in ("giveaway.rules", "giveaway.no_purchase", "giveaway.eligibility",
                 "giveaway.dates", "giveaway.release"):  # fmt: skip
        assert code not in result


def test_a_bare_giveaway_fails_every_rule():
    result = codes("#ad Giveaway! Win a Lumora Brew, just follow us.")
    assert result["giveaway.rules"] == ERROR
    assert result["giveaway.no_purchase"] == ERROR  # US: an illegal lottery otherwise
    assert result["giveaway.eligibility"] == WARNING
    assert result["giveaway.dates"] == WARNING
    assert result["giveaway.release"] == ERROR


def test_rules_mentioned_without_a_link_fail():
    assert codes("#ad Giveaway: win a Brew. Official rules in bio.")["giveaway.rules"] == ERROR


def test_the_release_is_only_asked_on_meta_networks():
    assert "giveaway.release" not in codes("#ad Giveaway: win a Brew", platform="x")


def test_no_purchase_is_a_warning_outside_the_us():
    assert codes("#ad Giveaway: win a Brew", markets=["UK"])["giveaway.no_purchase"] == WARNING


def test_a_french_contest():
    good = (
        "Publicité · Concours ! Une Lumora Brew à gagner. Jeu gratuit sans obligation d'achat, "
        "ouvert aux résidents de France majeurs, jusqu'au 30 juin. Règlement : "
        "https://lumora.example/reglement. Ce jeu n'est pas associé à Instagram."
    )
    result = codes(good, markets=["FR"])
    assert result["giveaway.detected"] == "info"
    assert not [c for c, s in result.items() if c.startswith("giveaway.") and s in (ERROR, WARNING)]
    bad = codes("Publicité · Concours ! Une Lumora Brew à gagner.", markets=["FR"])
    assert bad["giveaway.rules"] == ERROR
    assert bad["giveaway.no_purchase"] == WARNING
    assert bad["giveaway.release"] == ERROR


def test_no_giveaway_no_giveaway_checks():
    assert not [c for c in codes("#ad A calm morning coffee.") if c.startswith("giveaway")]


# --- Claims and forbidden products -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("#ad This coffee cures headaches", "health"),
        ("#ad Free medicine with every Brew", "health"),
        ("#ad It boosts your metabolism before the gym", "nutrition"),
        ("#ad Guaranteed returns on your Lumora shares", "finance"),
        ("#ad Our serum erases wrinkles", "cosmetics"),
        ("Publicité · Ce café guérit la migraine", "health"),
        ("Publicité · Un rendement garanti de 12 %", "finance"),
        ("Publicité · Il brûle les graisses", "nutrition"),
    ],
)
def test_regulated_claims_are_found(text, category):
    (claim,) = [f for f in findings(text, markets=["US"]) if f["code"] == "claims.found"]
    assert claim["severity"] == ERROR
    assert claim["params"]["category"] == category
    assert describe([claim], text)[0]["excerpt"] == claim["params"]["term"]


def test_no_claim_passes():
    result = codes("#ad A smooth flat white and a secure, procured treat-free morning")
    assert result["claims.none"] == PASS


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Publicité · Ma rhinoplastie chez le Dr X", "cosmetic_surgery"),
        ("Publicité · Achetez du bitcoin avec mon lien", "financial"),
        ("Publicité · Ma nouvelle cigarette électronique", "nicotine"),
        ("#ad My cosmetic surgery clinic", "cosmetic_surgery"),
        ("Publicité · Mon abonnement pronostics sportifs", "sports_tips"),
    ],
)
def test_products_forbidden_to_influencers_in_france(text, category):
    found = [f for f in findings(text, markets=["FR"]) if f["code"] == "claims.forbidden_fr"]
    assert [f["params"]["category"] for f in found] == [category]
    assert found[0]["severity"] == ERROR
    # Outside France the same text is not refused for this reason.
    assert "claims.forbidden_fr" not in codes(text, markets=["US"])


def test_edited_lists_change_what_is_found():
    rules = Rulebook(
        {("claim", "health", "en"): ["anti-jetlag"], ("disclosure", "", "en"): ["#ad"]}
    )
    content = PostContent(text="#ad The anti-jetlag espresso", platform="x", markets=["US"])
    assert [
        f["params"]["term"] for f in run_checks(content, rules) if f["code"] == "claims.found"
    ] == ["anti-jetlag"]


# --- Platform limits ---------------------------------------------------------------------


def test_length_over_the_network_limit_fails():
    result = findings("#ad " + "a" * 300, platform="x")
    (length,) = [f for f in result if f["code"] == "limits.length"]
    assert length["params"] == {"count": 304, "limit": 280, "platform": "x"}
    assert codes("#ad " + "a" * 200, platform="x")["limits.ok"] == PASS


def test_x_counts_links_as_23_characters():
    text = "#ad " + "a" * 240 + " https://lumora.example/" + "p" * 80
    assert "limits.length" not in codes(text, platform="x")


def test_too_many_hashtags_on_instagram_fails():
    text = "#ad Morning " + " ".join(f"#tag{n}" for n in range(30))
    assert codes(text)["limits.hashtags"] == ERROR
    assert "limits.hashtags" not in codes("#ad Morning #one #two", platform="instagram")


# --- Links ---------------------------------------------------------------------------------


def test_links_are_found_in_the_text_even_without_a_scheme():
    text = "#ad Get yours at https://lumora.example/brew. Or bit.ly/lumora-brew!"
    assert extract_links(text, ["bit.ly"]) == ["https://lumora.example/brew", "bit.ly/lumora-brew"]


def test_shortened_links_are_a_warning():
    result = codes("#ad Get yours: https://bit.ly/3xYz")
    assert result["links.shortened"] == WARNING
    assert result["links.pending"] == "info"


def test_link_check_results_show():
    status = {
        "https://lumora.example/ok": {"result": "ok", "status": 200},
        "https://lumora.example/gone": {"result": "broken", "status": 404, "detail": "HTTP 404"},
    }
    result = findings(
        "#ad more",
        links=["https://lumora.example/ok", "https://lumora.example/gone"],
        link_status=status,
    )
    by_code = {f["code"]: f for f in result}
    assert by_code["links.ok"]["severity"] == PASS
    assert by_code["links.broken"]["severity"] == ERROR
    assert "HTTP 404" in describe([by_code["links.broken"]])[0]["message"]


# --- Partner -------------------------------------------------------------------------------


def test_partner_handle_must_be_the_one_in_the_contract():
    mismatch = codes("#ad x", partner_handle="beth_barista", contract_handle="@baristabeth")
    assert mismatch["partner.mismatch"] == ERROR
    same = codes("#ad x", partner_handle="BaristaBeth", contract_handle="@baristabeth")
    assert same["partner.ok"] == PASS


def test_a_partner_post_without_contract_is_a_warning():
    assert (
        codes("#ad x", account_kind="partner", partner_handle="beth")["partner.no_contract"]
        == WARNING
    )
    assert "partner.no_contract" not in codes(
        "#ad x", account_kind="partner", partner_handle="beth", has_contract=True
    )


# --- Presentation --------------------------------------------------------------------------


def test_findings_are_sorted_most_severe_first_and_explained():
    result = describe(findings("My flat white cures everything #coffee"), "")
    severities = [f["severity"] for f in result]
    assert severities == sorted(severities, key=["error", "warning", "info", "pass"].index)
    assert all(f["rule"] and f["message"] for f in result)


def test_the_text_is_cut_into_escaped_segments_with_the_fold():
    text = "<b>hi</b> " + "x" * 130 + " #ad"
    segments = highlight(text, findings(text), fold=FOLD)
    assert "".join(s["text"] for s in segments) == text
    assert any(s["fold"] for s in segments)
    marked = [s for s in segments if s["severity"] == ERROR]
    assert marked[0]["text"] == "#ad"


def test_french_messages(settings):
    from django.utils import translation

    with translation.override("fr"):
        result = describe(findings("#ad café", markets=["FR"]), "#ad café")
    assert all(isinstance(f["message"], str) and f["message"] for f in result)
