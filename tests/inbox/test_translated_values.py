"""The inbox shows data values in the reader's language: sentiment, risk reasons, history."""

import re

import pytest
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext, pgettext

from inbox.models import MentionEvent
from tests.monitoring.factories import MentionFactory
from tests.monitoring.test_reasons import french  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
FR = {"HTTP_ACCEPT_LANGUAGE": "fr"}


@pytest.fixture(autouse=True)
def _language_restored():
    """A French request leaves French active in the thread: put back what was there."""
    with translation.override("en"):
        yield


@pytest.fixture
def mention(db):
    mention = MentionFactory(
        text="Ma machine est morte",
        sentiment=-0.7,
        sentiment_label="negative",
        risk_score=70,
        risk_reasons=[{"code": "crisis", "detail": "crisis: 'morte', 'HS'", "confidence": 0.8}],
    )
    MentionEvent.objects.create(mention=mention, kind="status", data={"status": "in_progress"})
    MentionEvent.objects.create(mention=mention, kind="priority", data={"priority": 4})
    return mention


def _expected_french():
    with translation.override("fr"):
        return {
            "sentiment": pgettext("sentiment", "negative"),
            "label": gettext("Crisis words"),
            "detail": gettext("words: %(words)s") % {"words": "morte, HS"},
            "status": gettext("In progress"),
        }


def test_the_mention_panel_in_french_renders_values_through_gettext(
    client_for,
    mention,
    french,  # noqa: F811
):
    french("negative", "négatif", context="sentiment")
    french("Crisis words", "Mots de crise")
    french("words: %(words)s", "mots : %(words)s")

    html = client_for("social").get(f"/inbox/{mention.pk}/", **HTMX, **FR).content.decode()

    expected = _expected_french()
    assert expected["sentiment"] == "négatif"
    for value in expected.values():
        assert escape(value) in html
    assert "crisis: &#x27;morte&#x27;" not in html  # not the stored English detail
    assert not re.search(r">[^<]*\bin_progress\b", html)  # no raw status in the text


def test_the_mention_panel_matches_the_real_catalogue(client_for, mention):
    """Whatever the French catalogue holds today, the panel shows its translation."""
    html = client_for("social").get(f"/inbox/{mention.pk}/", **HTMX, **FR).content.decode()

    for value in _expected_french().values():
        assert escape(value) in html


def test_inbox_rows_show_the_translated_sentiment(client_for, mention, french):  # noqa: F811
    french("negative", "négatif", context="sentiment")

    html = client_for("social").get("/inbox/", **FR).content.decode()

    assert ">négatif</span>" in html
    assert "sentiment--negative" in html  # the class keeps the code


def test_the_api_keeps_code_and_detail_and_adds_a_label(api_client_for, mention, french):  # noqa: F811
    french("Crisis words", "Mots de crise")

    body = api_client_for("social").get(f"/api/v1/mentions/{mention.pk}/", **FR).json()

    assert body["risk_reasons"] == [
        {
            "code": "crisis",
            "detail": "crisis: 'morte', 'HS'",
            "confidence": 0.8,
            "label": "Mots de crise",
        }
    ]
    assert body["sentiment_label"] == "negative"
