"""Durations as people write them: "30 min", "8 h", "1 d 4 h", "90 min".

`duration_parse` reads one (and refuses zero, negatives and anything else with a clear
message), `duration_text` writes one back in the same words, largest unit first
("90 min" reads as "1 h 30 min"). The form field, the DRF field and the `duration`
template filter (riskdesk_tags) all use these two, so pages, the API and reports agree.
"""

import re
from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

UNITS = {
    "d": 86400,
    "day": 86400,
    "days": 86400,
    "j": 86400,  # jour, as French speakers write it
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
}
PART = re.compile(r"\s*(\d{1,6})\s*([a-z]+)\s*,?", re.IGNORECASE)
LONGEST = timedelta(days=365)
HELP = gettext_lazy('For example "30 min", "8 h" or "1 d 4 h".')


def duration_parse(text: str) -> timedelta:
    """The timedelta `text` says, or a ValidationError that says what is wrong."""
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Enter a duration, for example “30 min”, “8 h” or “1 d 4 h”."))
    if text.startswith("-"):
        raise ValidationError(_("A duration must be longer than zero."))
    seconds = 0
    position = 0
    for match in PART.finditer(text):
        if match.start() != position:
            break
        unit = UNITS.get(match.group(2).lower())
        if unit is None:
            raise ValidationError(
                _("“%(unit)s” is not a unit: use d (days), h (hours) or min (minutes).")
                % {"unit": match.group(2)}
            )
        seconds += int(match.group(1)) * unit
        position = match.end()
    if position != len(text) or position == 0:
        raise ValidationError(
            _("“%(text)s” is not a duration: write it like “30 min”, “8 h” or “1 d 4 h”.")
            % {"text": text[:40]}
        )
    if seconds <= 0:
        raise ValidationError(_("A duration must be longer than zero."))
    if timedelta(seconds=seconds) > LONGEST:
        raise ValidationError(_("A duration can be at most 365 days."))
    return timedelta(seconds=seconds)


def duration_text(value: timedelta | None) -> str:
    """`value` as "1 d 4 h 30 min" (whole minutes; seconds are rounded up); "" for None."""
    if value is None:
        return ""
    total = int(value.total_seconds())
    sign = "-" if total < 0 else ""
    minutes = -(-abs(total) // 60)
    days, minutes = divmod(minutes, 1440)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if days:
        parts.append(_("%(n)d d") % {"n": days})
    if hours:
        parts.append(_("%(n)d h") % {"n": hours})
    if minutes or not parts:
        parts.append(_("%(n)d min") % {"n": minutes})
    return sign + " ".join(parts)


class DurationTextInput(forms.TextInput):
    def format_value(self, value):
        if isinstance(value, timedelta):
            return duration_text(value)
        return super().format_value(value)


class DurationTextField(forms.Field):
    """A form field for a duration written as "30 min", "8 h" or "1 d 4 h"."""

    widget = DurationTextInput

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", HELP)
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, timedelta):
            return value
        if value in self.empty_values:
            return None
        return duration_parse(str(value))


@extend_schema_field(OpenApiTypes.STR)
class DurationTextSerializerField(serializers.Field):
    """The API's view of a duration: "1 d 4 h" out; "90 min", "8 h" or "1 d 4 h" in."""

    default_error_messages = {"invalid": gettext_lazy("Not a duration.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", 'A duration such as "30 min", "8 h" or "1 d 4 h".')
        super().__init__(**kwargs)

    def to_representation(self, value):
        return duration_text(value)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            return duration_parse(data)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None
