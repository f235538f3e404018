"""Impersonation: lookalikes of the brand's own accounts, never the accounts themselves."""

import pytest

from monitoring.enrichment import BrandAccountRef
from monitoring.enrichment.impersonation import ImpersonationDetector, claims_in_brand_name

MASTODON = BrandAccountRef(1, "mastodon", "lumora", "Lumora", "https://demo.example/@lumora")
MASTODON_SUPPORT = BrandAccountRef(2, "mastodon", "lumora_support", "Lumora Support")
X = BrandAccountRef(3, "x", "lumora", "Lumora", "111")
BLUESKY = BrandAccountRef(4, "bluesky", "lumora.bsky.social", "Lumora", "did:plc:lumora")
ACCOUNTS = [MASTODON, MASTODON_SUPPORT, X, BLUESKY]


@pytest.fixture
def detector():
    return ImpersonationDetector(ACCOUNTS)


def check(detector, handle, display_name="", *, platform="x", author_id="999", text=""):
    return detector.check(
        platform=platform,
        author_id=author_id,
        handle=handle,
        display_name=display_name,
        text=text,
    )


@pytest.mark.parametrize(
    ("platform", "handle", "display_name"),
    [
        ("x", "@lumora_officiaI", ""),  # capital I for l
        ("x", "@1umora_support", ""),
        ("x", "@Lumora0fficial", ""),
        ("x", "@lumora_help", ""),
        ("instagram", "@lumora.official", ""),
        ("x", "@Iumora", ""),
        ("x", "@lum\u043era", ""),  # Cyrillic small o
        ("x", "@lurnora", ""),  # rn for m
        ("x", "@TheRealLumora", ""),
        ("x", "@LUMORA_OFFICIAL", ""),
        ("x", "@lumora_co", ""),
        ("x", "@randomuser123", "Lumora Support Team"),
        ("mastodon", "@randomuser123@mastodon.example", "Lumora Support Team"),
        ("reddit", "u/lumora_support", "lumora_support"),
        ("bluesky", "@lumora-official.bsky.social", ""),
        ("mastodon", "@lumora@evil.example", "Lumora"),  # the brand's name on another instance
        ("x", "@lumorra_official", ""),  # a typo as well as an added word
    ],
)
def test_catches_lookalikes(detector, platform, handle, display_name):
    found = check(detector, handle, display_name, platform=platform)

    assert found is not None, handle
    assert 0.75 <= found.score <= 1
    assert found.account in ACCOUNTS


def test_detail_says_what_imitates_what(detector):
    found = check(detector, "@lumora_officiaI")

    assert found.account == X
    assert found.score >= 0.95
    assert found.detail == (
        "handle @lumora_officiaI looks like @lumora (confusable I/l, added 'official')"
    )


def test_detail_names_homoglyphs_and_the_closest_account(detector):
    cyrillic = check(detector, "@lum\u043era")
    support = check(detector, "@1umora_support", platform="mastodon")

    assert "Cyrillic" in cyrillic.detail
    assert cyrillic.score >= 0.95
    assert support.account == MASTODON_SUPPORT
    assert support.detail == "handle @1umora_support looks like @lumora_support (confusable 1/l)"


def test_display_name_only_impostor(detector):
    found = check(detector, "@randomuser123", "Lumora Support Team")

    on_mastodon = check(
        detector, "@randomuser123@mastodon.example", "Lumora Support Team", platform="mastodon"
    )

    assert found.detail.startswith('display name "Lumora Support Team" looks like')
    assert "'team'" in found.detail
    assert on_mastodon.account == MASTODON_SUPPORT
    assert on_mastodon.detail == (
        "display name \"Lumora Support Team\" looks like @lumora_support (added 'team')"
    )


def test_prefers_the_brand_account_on_the_same_network(detector):
    assert check(detector, "@lumora_official", platform="x").account == X
    assert check(detector, "@lumora-official.bsky.social", platform="bluesky").account == BLUESKY


def test_copying_the_brand_name_on_another_network(detector):
    found = check(detector, "u/lumora_support", platform="reddit")

    assert found.account == MASTODON_SUPPORT
    assert found.score == 1.0
    assert "on Mastodon" in found.detail


@pytest.mark.parametrize(
    ("platform", "author_id", "handle", "display_name"),
    [
        ("x", "111", "@lumora_renamed", "Lumora"),  # same platform id: the brand, whatever its name
        ("x", "42", "@Lumora", "Lumora"),  # exact handle on the same network
        ("mastodon", "https://demo.example/@lumora", "@lumora@demo.example", "Lumora"),
        ("mastodon", "https://demo.example/@lumora_support", "@lumora_support@demo.example", ""),
        ("bluesky", "did:plc:lumora", "@lumora.bsky.social", "Lumora"),
        ("bluesky", "did:plc:other", "@Lumora.bsky.social", "Lumora"),
    ],
)
def test_never_flags_the_brand_itself(detector, platform, author_id, handle, display_name):
    assert check(detector, handle, display_name, platform=platform, author_id=author_id) is None


def test_mastodon_brand_handle_with_another_id_is_not_the_brand(detector):
    # @lumora on mastodon has an id: the same name with another id is someone else.
    found = check(
        detector,
        "@lumora@demo.example",
        platform="mastodon",
        author_id="https://demo.example/@lumora2",
    )

    assert found is not None
    assert found.account == MASTODON


@pytest.mark.parametrize(
    ("handle", "display_name"),
    [
        ("@laura", "Laura"),
        ("@lumen", "Lumen"),
        ("@moralu", "Moralu"),
        ("@luminous", "Luminous ✨"),
        ("@humorous_tom", "Tom"),
        ("@lumber_jack", "Lumber Jack"),
        ("@coffee_lover", "Coffee Lover ☕"),
        ("@lumorafan", "Lumora fan 💜"),
        ("@lu", "Lu"),
        ("@al", "Al"),
        ("@mo", ""),
        ("@teamcare", "The Help Team"),  # nothing but added words
    ],
)
def test_no_false_positives_on_ordinary_users(detector, handle, display_name):
    assert check(detector, handle, display_name) is None


@pytest.mark.parametrize(
    ("platform", "handle", "display_name"),
    [
        ("x", "@lumora_giveaways", "Lumora Giveaways"),
        ("x", "@lumora_cadeau_fr", "Lumora Cadeaux 🎁"),
        ("x", "@lumora_legal_dept", "Lumora Legal Department"),
        ("bluesky", "@lumora-quebec.bsky.social", "Lumora Québec"),
        ("mastodon", "@lumora_conseil@mastodon.example", "Lumora Conseil"),
    ],
)
def test_the_brand_name_claimed_in_both_names_is_a_lookalike(
    detector, platform, handle, display_name
):
    found = check(detector, handle, display_name, platform=platform)

    assert found is not None, handle
    assert found.score == 0.9
    assert "both begin with the name of @lumora" in found.detail


@pytest.mark.parametrize(
    ("platform", "handle", "display_name"),
    [
        ("x", "@lumora_lover", "Kate"),  # one name only
        ("x", "@kate_brews", "Lumora Lover"),
        ("reddit", "u/lumora_qa_alumni", "lumora_qa_alumni"),  # Reddit shows the handle twice
        ("reddit", "u/lumora_ops_grumble", "lumora_ops_grumble"),
        ("mastodon", "@lumoranerds@piaille.example", "Lumora Nerds (fans, non officiel)"),
        ("x", "@lumora_superfan", "Lumora Superfan"),
        ("x", "@lumora_parody", "Lumora Parody"),
        ("x", "@lumora_wiki", "Lumora Wiki (unofficial)"),
        ("x", "@lumora_infos", "Lumora Infos, non officiel"),
        ("reddit", "u/lumora_alumni", "Lumora Alumni"),
    ],
)
def test_one_claim_or_a_disclaimer_is_not_enough(detector, platform, handle, display_name):
    assert check(detector, handle, display_name, platform=platform) is None


def test_a_fan_mentioning_the_brand_is_not_an_impostor(detector):
    text = "I love @lumora, the official Lumora support team was great! Lumora official FTW"

    assert check(detector, "@happy_customer", "Sam", text=text) is None


@pytest.mark.parametrize(
    ("handle", "display_name"),
    [
        ("", ""),
        ("@", "   "),
        ("", "🔥🔥🔥"),
        ("@😀", "😀 Lumora 😀"),
        ("u/", "\u200b"),
        ("@" + "x" * 1000, "Lumora " * 150),
        ("@@@", "@@@"),
        ("did:plc:abcdef", ""),
        ("@a@b@c", "ǅ ß ﬁ \u0301"),
    ],
)
def test_robust_to_odd_names(detector, handle, display_name):
    for platform in ("x", "mastodon", "bluesky", "reddit", "news"):
        found = check(detector, handle, display_name, platform=platform)
        assert found is None or 0 <= found.score <= 1


def test_emoji_decorated_brand_name_is_still_a_lookalike(detector):
    assert check(detector, "@fanpage", "😀 Lumora 😀") is not None


def test_repeated_authors_are_answered_from_the_cache(detector):
    first = check(detector, "@lumora_help")

    assert check(detector, "@lumora_help") is first
    assert check(detector, "@lumora_help", author_id="111") is None  # identity is never cached


def test_no_brand_accounts_means_no_lookalikes():
    assert check(ImpersonationDetector([]), "@lumora_official", "Lumora") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Get a FREE iPhone today!", ["free offer"]),
        ("Only $9.99, 50% off for our followers", ["price or discount"]),
        ("Giveaway time: RT to enter", ["giveaway or contest"]),
        ("You are eligible for a refund and compensation", ["refund or compensation"]),
        ("Under our new policy your account is limited", ["policy claim"]),
        ("DM us your order number", ["asks for a DM"]),
        ("Click the link below", ["link to click"]),
        ("Please verify your account within 24h", ["account verification"]),
        ("Livraison GRATUITE, c'est offert", ["free offer"]),
        ("Grand concours : gagnez 500 €", ["price or discount", "giveaway or contest"]),
        ("Votre remboursement est prêt, cliquez ici", ["refund or compensation", "link to click"]),
        ("Envoyez-nous votre numéro de commande", ["asks for a DM"]),
        ("REMBOURSÉ sous 48h", ["refund or compensation"]),
        ("Vérifiez votre compte", ["account verification"]),
    ],
)
def test_claims_in_brand_name(text, expected):
    assert claims_in_brand_name(text) == expected


@pytest.mark.parametrize(
    "text", ["", "Feel free to ask", "Love the new Lumora app 💜", "Great support, thanks!"]
)
def test_no_claims_in_ordinary_posts(text):
    assert claims_in_brand_name(text) == []


def test_brand_names_lose_only_trailing_added_words():
    support_only = ImpersonationDetector([BrandAccountRef(1, "x", "acme_support", "Acme Support")])
    us_bank = ImpersonationDetector([BrandAccountRef(2, "x", "usbank", "US Bank")])

    assert "without 'support'" in check(support_only, "@acme_official").detail
    assert check(us_bank, "@us_bank") is not None
    assert check(us_bank, "@bank", "Bank") is None  # "US" is part of that brand's name
