"""riskdesk.kept_translations: constant translate tags keep their output per language and
escaping, the same output as Django's own tags."""

import pytest
from django.template import engines
from django.templatetags import i18n
from django.utils import translation

from riskdesk.kept_translations import KeptTranslateNode

SOURCE = (
    "{% load i18n %}"
    '{% translate "Inbox" %}|{% trans "Search" %}|{% translate "Tom & Jerry <b>" %}|'
    '{% translate "Inbox" noop %}|{% translate "Inbox"|upper %}|{% translate text %}|'
    '{% translate "May" context "month name" %}|{% translate "Reset" as reset %}{{ reset }}|'
    "{% blocktranslate count counter=n %}{{ counter }} breach{% plural %}"
    "{{ counter }} breaches{% endblocktranslate %}|"
    '{% autoescape off %}{% translate "Tom & Jerry <b>" %}{% endautoescape %}'
)


def _as_django_compiles_it(monkeypatch):
    with monkeypatch.context() as django_tags:
        django_tags.setitem(i18n.register.tags, "translate", i18n.do_translate)
        django_tags.setitem(i18n.register.tags, "trans", i18n.do_translate)
        return engines["django"].from_string(SOURCE)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_same_output_as_djangos_tags(language, monkeypatch):
    ours = engines["django"].from_string(SOURCE)
    theirs = _as_django_compiles_it(monkeypatch)
    assert not theirs.template.nodelist.get_nodes_by_type(KeptTranslateNode)
    with translation.override(language):
        for values in ({"text": "Filters", "n": 1}, {"text": "Views", "n": 3}):
            expected = theirs.render(values)
            assert ours.render(values) == expected
            assert ours.render(values) == expected  # and kept
    assert expected.startswith("Boîte de réception|" if language == "fr" else "Inbox|")
    assert "|Tom & Jerry <b>|" in expected  # a literal of the template is its own markup


def test_a_kept_text_follows_the_language():
    template = engines["django"].from_string('{% load i18n %}{% translate "Inbox" %}')
    outputs = {}
    for language in ("fr", "en", "fr"):
        with translation.override(language):
            outputs.setdefault(language, set()).add(template.render({}))
    assert outputs == {"fr": {"Boîte de réception"}, "en": {"Inbox"}}


def test_only_constant_texts_are_kept():
    nodes = (
        engines["django"].from_string(SOURCE).template.nodelist.get_nodes_by_type(KeptTranslateNode)
    )
    kept = [node.constant for node in nodes]
    # Inbox, Search, Tom & Jerry, noop; |upper, a variable, a context, `as`; autoescape off.
    assert kept == [True, True, True, True, False, False, False, False, True]
