"""Risk reasons and sentiment said in the reader's language (monitoring.reasons).

The stored details stay English; what pages show is rebuilt with gettext. A stub French
catalogue (`french`) proves each piece goes through gettext at display time, before and
after the lead translates the real catalogue.
"""

import pytest
from django.utils import translation
from django.utils.translation import trans_real

from monitoring.enrichment.impersonation import Lookalike
from monitoring.enrichment.risk import risk_assessment
from monitoring.reasons import display_reasons, reason_detail, reason_label, sentiment_text


@pytest.fixture
def french(monkeypatch):
    """`french("Crisis words", "MOTS DE CRISE")`: a French translation for this test only."""
    catalog = trans_real.translation("fr")._catalog._catalogs[0]

    def add(msgid: str, text: str, context: str | None = None) -> None:
        monkeypatch.setitem(catalog, f"{context}\x04{msgid}" if context else msgid, text)

    return add


def _reasons(**kwargs):
    arguments = {
        "text_reasons": {},
        "sentiment": None,
        "followers": None,
        "engagement": 0,
        "verified": False,
        "on_watchlist": False,
        "lookalike": None,
        "claims": [],
    } | kwargs
    return {r["code"]: r for r in risk_assessment(**arguments)[1]}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_every_shape_enrichment_stores_is_rebuilt_in_english():
    reasons = _reasons(
        text_reasons={"crisis": (0.9, ["dead", "bricked"]), "legal": (0.6, [])},
        sentiment=-0.62,
        followers=12400,
        engagement=56,
        verified=True,
        on_watchlist=True,
        lookalike=Lookalike(
            account=None, score=0.93, detail="handle @lum0ra looks like @lumora (0 for o)"
        ),
        claims=["free machine"],
    )

    assert reasons["crisis"]["detail"] == "crisis: 'dead', 'bricked'"  # stored as before
    assert reason_detail(reasons["crisis"]) == "words: dead, bricked"
    assert reason_detail(reasons["legal"]) == ""
    assert reason_detail(reasons["negative"]) == "sentiment -0.62"
    assert reason_detail(reasons["watchlist"]) == "the author is on the watchlist"
    assert reason_detail(reasons["reach"]) == "12,400 followers, 56 engagements, verified account"
    assert reason_detail(reasons["impersonation"]) == (
        "handle @lum0ra looks like @lumora (0 for o), similarity 0.93; claims: free machine"
    )


def test_thread_details_and_unknown_shapes():
    assert reason_detail({"code": "reach", "detail": "thread: 25 replies in the last hour"}) == (
        "25 replies in the last hour"
    )
    assert (
        reason_detail(
            {"code": "crisis", "detail": "crisis: 'dead'; reply to @bob's post 123, flagged crisis"}
        )
        == "words: dead; reply to @bob's post 123, flagged Crisis words"
    )
    assert reason_detail(
        {"code": "security", "detail": "reply to @x, an account imitating the brand"}
    ) == ("reply to @x, an account imitating the brand")
    # A shape not known here is shown as stored, without the code.
    assert reason_detail({"code": "legal", "detail": "legal: something new"}) == "something new"
    assert reason_detail({"code": "legal"}) == ""


def test_labels_sentiment_and_details_come_from_gettext_in_french(french):
    french("Crisis words", "Mots de crise")
    french("words: %(words)s", "mots : %(words)s")
    french("sentiment %(score)s", "sentiment %(score)s (fr)")
    french("%(count)s followers", "%(count)s abonnés")
    french("verified account", "compte vérifié")
    french("negative", "négatif", context="sentiment")

    with translation.override("fr"):
        crisis = display_reasons([{"code": "crisis", "detail": "crisis: 'mort', 'HS'"}])[0]
        assert crisis["label"] == "Mots de crise"
        assert crisis["detail"] == "mots : mort, HS"
        assert crisis["stored_detail"] == "crisis: 'mort', 'HS'"
        assert reason_detail({"code": "negative", "detail": "negative: sentiment -0.50"}) == (
            "sentiment -0.50 (fr)"
        )
        assert reason_detail({"code": "reach", "detail": "reach: 1,200 followers, verified"}) == (
            "1,200 abonnés, compte vérifié"
        )
        assert sentiment_text("negative") == "négatif"
        assert reason_label("unknown") == "unknown"
        assert sentiment_text("") == ""
