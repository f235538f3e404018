"""Counting a post's length as Bluesky (graphemes) and X (weighted) do."""

import pytest

from respond.publishers.textlength import grapheme_clusters, graphemes, x_weighted_length


@pytest.mark.parametrize(
    ("text", "clusters"),
    [
        ("hello", ["h", "e", "l", "l", "o"]),
        ("e\u0301t\u00e9", ["e\u0301", "t", "\u00e9"]),  # a combining accent joins its letter
        ("👨‍👩‍👧‍👦!", ["👨‍👩‍👧‍👦", "!"]),  # a ZWJ family
        ("🏳️‍🌈", ["🏳️‍🌈"]),  # a flag with a variation selector and a ZWJ
        ("🇫🇷🇩🇪🇮", ["🇫🇷", "🇩🇪", "🇮"]),  # regional indicators pair up
        ("👍🏽👍", ["👍🏽", "👍"]),  # a skin tone modifier
        ("1️⃣2", ["1️⃣", "2"]),  # a keycap
        ("\u1100\u1161\u11a8한", ["\u1100\u1161\u11a8", "한"]),  # Hangul jamo make a syllable
        ("नमस्ते", ["न", "म", "स्ते"]),  # a virama joins a conjunct
        ("a\r\nb", ["a", "\r\n", "b"]),
    ],
)
def test_grapheme_clusters(text, clusters):
    assert list(grapheme_clusters(text)) == clusters
    assert graphemes(text) == len(clusters)


@pytest.mark.parametrize(
    ("text", "weight"),
    [
        ("Hello, world", 12),
        ("Ça coûte 5 €", 13),  # accented Latin weighs 1, € (U+20AC) 2
        ("日本語のテキスト", 16),
        ("한국어", 6),
        ("👨‍👩‍👧‍👦", 2),
        ("🇫🇷", 2),
        ("e\u0301", 1),  # NFC makes it é
        ("Read https://acme.example/help/offline/setup-guide?ref=x today", 5 + 23 + 6),
        ("Visit acme.com/help.", 6 + 23 + 1),  # a bare domain is a link too
        ("Mail help@acme.com", 18),  # an address is not a link
    ],
)
def test_x_weighted_length(text, weight):
    assert x_weighted_length(text) == weight
