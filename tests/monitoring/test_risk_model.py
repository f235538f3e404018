"""The risk model: what it reads in a text, how it is trained, and what it explains."""

import json

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from monitoring.connectors.base import NormalizedMention
from monitoring.demo.day import SCRIPT
from monitoring.enrichment import KEYWORD_CODES, BrandAccountRef
from monitoring.enrichment.enricher import Enricher, default_keyword_lists
from monitoring.enrichment.evaluation import mention_of
from monitoring.enrichment.features import brand_words, features, tokens_of
from monitoring.enrichment.model import ARTEFACT, trained_model
from monitoring.enrichment.training import (
    LABELLED_BRAND_ACCOUNTS,
    dump,
    in_test_split,
    load_labelled,
    split,
    train,
)


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("What the f***", "fuck"),
        ("f*ck this update", "fuck"),
        ("total sh1t", "shit"),
        ("FVCK", "fuck"),
        ("quelle m3rde", "merde"),
        ("put@in de machine", "putain"),
        ("p*tain", "putain"),
        ("espèce de C O N N A R D", "connard"),
        ("c.o.n.n.a.r.d", "connard"),
        ("fuuuuuck", "fuck"),
        ("Nooooon", "non"),
    ],
)
def test_masked_and_stretched_spellings_are_read_as_the_word(text, word):
    assert word in tokens_of(text)


def test_codes_handles_and_links_are_not_mangled():
    tokens = tokens_of("Code LUMORA20 via https://x.example/a?b=1 @lumora_support #Partenariat")
    assert tokens == ["code", "lumora20", "via", "cueurl", "cuehandle", "#partenariat"]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab é1*@#.'-_· \n\t,!?()/:w", max_size=40))
def test_a_text_tokenises_as_its_pieces_read_whole(text):
    """tokens_of reads the text chunk by chunk between spaces (and keeps each chunk's tokens):
    the same tokens as the pieces of the whole text, read twice or once."""
    from monitoring.enrichment import features as read

    pieces = read._PIECES.findall(read._rewritten(text))
    whole = [token for piece in pieces for token in read._tokens_of_piece(piece)]
    assert tokens_of(text) == whole
    assert tokens_of(text) == whole


def test_lemmas_join_inflections():
    plain = features("Je vais porter plainte", "fr", {})
    future = features("Je porterai plainte", "fr", {})
    assert "b:porter_plainte" in set(plain.context) & set(future.context)


def test_a_negated_keyword_is_marked_as_such():
    hits = {"legal": ["plainte"]}
    negated = features("Je ne porterai pas plainte, juste déçue.", "fr", hits)
    assert {"lex:legal", "lexneg:legal"} <= negated.signals
    assert "lexneg:legal" not in features("Je porterai plainte.", "fr", hits).signals
    assert "lexneg:legal" not in features("Pas content. Je porterai plainte.", "fr", hits).signals


def test_cues_for_sponsorship_and_sarcasm():
    found = features("Code LUMORA20 👉 https://shop.example/p?aff=rach #ad", "en", {})
    assert {"cue:code", "cue:affiliate", "cue:disclosure"} <= found.signals
    assert "cue:sarcasm" in features("Bravo 👏 encore une panne", "fr", {}).signals


def test_the_author_is_read_too_and_the_network_is_not():
    found = features("Best grinder ever", "en", {}, author="Dan | Lumora Retail")
    assert {"a:lumora", "a:retail"} <= set(found.context)
    assert not any(feature.startswith("p:") for feature in trained_model().weights)


def test_an_exclamation_ends_its_clause_and_is_no_leet_letter():
    assert tokens_of("dead! Bravo?! sh!t") == ["dead", ".", "bravo", ".", "shit"]


def test_the_words_of_a_clause_that_names_the_brand_are_marked():
    brand = brand_words(LABELLED_BRAND_ACCOUNTS)
    assert brand == {"lumora"}  # "Lumora Support" adds a support desk's word, not a name
    unnamed = BrandAccountRef(5, "bluesky", "lumora-fr.bsky.social", "", "did:plc:x")
    assert brand_words([unnamed]) == {"lumora"}  # the handle's name, not "bsky" nor "social"
    elsewhere = features("Kettle recall in the news. Not Lumora!", "en", {}, brand=brand)
    assert [f for f in elsewhere.context if f.startswith("k:")] == ["k:not"]
    here = features("Lumora recalls its capsules", "en", {}, brand=brand)
    assert {"k:recall", "k:capsule"} <= set(here.context)
    assert "k:lumora" not in here.context


def test_emoji_are_read():
    found = features("catch him on my road 🔪🔪", "en", {})
    assert found.context.count("e:🔪") == 2


GIVEAWAY = "Repost this and win a Brew Mini! Winners contacted by DM 🎁"


def test_an_impostors_giveaway_is_its_scam_not_a_contest_without_rules():
    impostor = enrich(GIVEAWAY, author_handle="@lumora_giveaways", author_name="Lumora Giveaways")
    assert "cue:impostor" in features(GIVEAWAY, "en", {}, lookalike=True).signals
    assert set(reasons(impostor)) == {"impersonation"}
    customer = enrich(GIVEAWAY, author_handle="@kate_brews", author_name="Kate")
    assert set(reasons(customer)) == {"compliance"}


def enrich(text: str, language: str = "en", **fields) -> NormalizedMention:
    enricher = Enricher(
        keyword_lists=default_keyword_lists(), brand_accounts=LABELLED_BRAND_ACCOUNTS
    )
    row = {"id": "t1", "platform": "x", "text": text, "language": language, **fields}
    mention = mention_of(row)
    enricher.enrich(mention)
    return mention


def reasons(mention: NormalizedMention) -> dict[str, dict]:
    return {reason["code"]: reason for reason in mention.risk_reasons}


def test_a_reason_names_the_words_that_fired_and_its_confidence():
    legal = reasons(enrich("I'm forwarding all of this to my lawyer tomorrow."))["legal"]
    assert "lawyer" in legal["detail"]
    assert 0 < legal["confidence"] <= 1


def test_the_same_text_gets_the_same_reasons_every_time():
    text = "Your update bricked it and the app leaked my password, f*** you"
    assert enrich(text).risk_reasons == enrich(text).risk_reasons


def test_the_model_holds_one_float_object_per_distinct_weight():
    weights = [w for row in trained_model().weights.values() for w in row]
    assert len({id(w) for w in weights}) == len({repr(w) for w in weights}) < len(weights) / 10


def test_sarcasm_reads_as_negative():
    assert enrich("Bravo Lumora 👏 encore une mise à jour qui tue ma machine.", "fr").sentiment < 0


# The demo's calm morning, before the firmware update fails (monitoring/demo/day.txt): no
# labelled row copies it, so it checks the model on posts it has never seen. Three customers
# there are unhappy (a nagging reminder, a clicking machine, a machine that restarted twice
# during the update).
CALM_UNTIL = 8 * 3600 + 50 * 60
UNHAPPY = {"kim_brews", "amelie_r", "sophie_t"}
# Misread still, and strict: the test fails when one is read right, so that it leaves this
# list. A customer's plain recommendation reads like the staff's undisclosed praise of the
# labelled set ("si vous hésitez", "la meilleure machine").
STILL_MISREAD = {
    "Je recommande la #lumora Brew à tous ceux qui hésitent. Meilleur achat de l'année.": (
        "positive",
        ["compliance"],
    ),
}


def test_the_demo_morning_is_read_as_the_customers_meant_it():
    customers = [
        post
        for post in SCRIPT
        if post.at < CALM_UNTIL and not post.boost and not post.author.startswith("lumora")
    ]
    misread = {
        post.text: (mention.sentiment_label, [r["code"] for r in mention.risk_reasons])
        for post in customers
        if (mention := enrich(post.text, post.language, platform="mastodon"))
        and (
            (mention.sentiment_label == "negative" and post.author not in UNHAPPY)
            or any(r["code"] in KEYWORD_CODES for r in mention.risk_reasons)
        )
    }
    assert len(customers) > 20
    assert misread == STILL_MISREAD


# Training is reproducible on one machine, not to the last digit across machines: liblinear's
# dot products go through OpenBLAS, whose kernels (AVX2, AVX-512) and threads sum in another
# order, and at C = 1024 the optimum is flat along near-collinear features (a word and its
# letter n-grams), so such weights land some tenths apart (measured: at most 0.54 on 72 of
# 69,000 features between two Xeon kernels). So the committed model is compared as a model:
# what it was trained on and each head's positives exactly; the numbers within these bounds.
WEIGHT_ABSOLUTE, WEIGHT_RELATIVE = 0.6, 0.15
THRESHOLD_STEPS = 6  # the threshold search goes by 0.01
CV_SCORE, BIAS_RELATIVE = 0.01, 0.03
VANISHING = 0.05


def _close(a: float, b: float, absolute: float, relative: float) -> bool:
    return abs(a - b) <= absolute + relative * max(abs(a), abs(b))


def assert_same_model(committed: str, retrained: str) -> None:
    """Both artefacts (training.dump) hold the same model, floating-point noise aside."""
    (old_head, *old_rows), (new_head, *new_rows) = (
        [json.loads(line) for line in text.splitlines()] for text in (committed, retrained)
    )
    for key in ("format", "heads", "settings", "trained_on"):
        assert new_head[key] == old_head[key], key
    for head, old in old_head["head_settings"].items():
        new = new_head["head_settings"][head]
        assert (new["C"], new["positives"]) == (old["C"], old["positives"]), head
        assert abs(new["threshold"] - old["threshold"]) <= 0.01 * THRESHOLD_STEPS + 1e-9, head
        assert abs(new["cv_score"] - old["cv_score"]) <= CV_SCORE, head
        assert _close(new["bias"], old["bias"], 0.01, BIAS_RELATIVE), head
    old_weights, new_weights = dict(old_rows), dict(new_rows)
    # The same vocabulary, but for words whose weights round to about nothing on one side.
    for name in old_weights.keys() ^ new_weights.keys():
        weights = old_weights.get(name) or new_weights[name]
        assert max(abs(w) for w in weights) <= VANISHING, name
    zero = [0.0] * len(old_head["heads"])
    for name in old_weights.keys() | new_weights.keys():
        pairs = zip(old_weights.get(name, zero), new_weights.get(name, zero), strict=True)
        assert all(_close(a, b, WEIGHT_ABSOLUTE, WEIGHT_RELATIVE) for a, b in pairs), name


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="training reads no database: one run checks it"
)
def test_training_reproduces_the_committed_model_without_reading_the_test_split():
    """One training does both: the test rows are scrambled (labels flipped, text reversed),
    and the model must be the committed one: trained on the same rows, the same vocabulary,
    the same weights but for floating-point noise between machines."""
    tampered = [
        {**row, "labels": [] if row["labels"] else ["legal"], "text": row["text"][::-1]}
        if in_test_split(row)
        else row
        for row in load_labelled()
    ]
    artefact = train(tampered)
    assert_same_model(ARTEFACT.read_text(encoding="utf-8"), dump(artefact))
    assert artefact["trained_on"]["rows"] == len(split(tampered)[0])
    assert [head.name for head in trained_model().heads] == artefact["heads"]


def test_the_model_comparison_tells_noise_from_a_different_model():
    committed = ARTEFACT.read_text(encoding="utf-8")
    head, *rows = committed.splitlines()
    noisy = [head]
    for line in rows:
        name, weights = json.loads(line)
        noisy.append(json.dumps([name, [round(w * 1.01, 3) for w in weights]]))
    assert_same_model(committed, "\n".join(noisy) + "\n")

    name, weights = json.loads(rows[0])
    changed = [head, json.dumps([name, [w + 1.0 for w in weights]]), *rows[1:]]
    with pytest.raises(AssertionError):
        assert_same_model(committed, "\n".join(changed) + "\n")
    read_the_test_split = [head, *rows, json.dumps(["w:ecnetnes_desrever", [0.5] * len(weights)])]
    with pytest.raises(AssertionError):
        assert_same_model(committed, "\n".join(read_the_test_split) + "\n")
