"""Durations as people write them ("30 min", "8 h", "1 d 4 h"): parsing, rendering, fields."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template

from riskdesk.durations import DurationTextField, duration_parse, duration_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30 min", timedelta(minutes=30)),
        ("8 h", timedelta(hours=8)),
        ("1 d 4 h", timedelta(days=1, hours=4)),
        ("90 min", timedelta(minutes=90)),
        ("2h", timedelta(hours=2)),
        ("1 day 30 minutes", timedelta(days=1, minutes=30)),
        ("  2 H  ", timedelta(hours=2)),
        ("1h, 15min", timedelta(hours=1, minutes=15)),
    ],
)
def test_parse(text, expected):
    assert duration_parse(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter a duration"),
        ("0 min", "longer than zero"),
        ("0 h 0 min", "longer than zero"),
        ("-5 min", "longer than zero"),
        ("soon", "is not a duration"),
        ("8", "is not a duration"),
        ("8 h garbage", "is not a duration"),
        ("3 weeks", "is not a unit"),
        ("1.5 h", "is not a duration"),
        ("0:30:00", "is not a duration"),
        ("400 d", "at most 365 days"),
    ],
)
def test_bad_durations_are_refused_with_a_clear_message(text, message):
    with pytest.raises(ValidationError) as caught:
        duration_parse(text)
    assert message in " ".join(caught.value.messages)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(minutes=30), "30 min"),
        (timedelta(hours=8), "8 h"),
        (timedelta(minutes=90), "1 h 30 min"),
        (timedelta(days=1), "1 d"),
        (timedelta(days=1, hours=4), "1 d 4 h"),
        (timedelta(days=3), "3 d"),
        (timedelta(seconds=20), "1 min"),
        (None, ""),
    ],
)
def test_text(value, text):
    assert duration_text(value) == text


def test_round_trip():
    for minutes in (1, 59, 60, 61, 1439, 1440, 1441, 10_000):
        value = timedelta(minutes=minutes)
        assert duration_parse(duration_text(value)) == value


def test_form_field_parses_and_renders():
    field = DurationTextField()
    assert field.clean("1 d 4 h") == timedelta(days=1, hours=4)
    assert field.widget.format_value(timedelta(minutes=90)) == "1 h 30 min"
    with pytest.raises(ValidationError):
        field.clean("garbage")


def test_template_filter_replaces_the_raw_timedelta():
    rendered = Template("{% load riskdesk_tags %}{{ a|duration }} / {{ b|duration }}").render(
        Context({"a": timedelta(minutes=30), "b": timedelta(days=1)})
    )
    assert rendered == "30 min / 1 d"
    assert "0:30:00" not in rendered
