"""The vocabulary of rule conditions and actions, and their validation.

The conditions are data (`FIELDS`), so the rule pages, validation and the engine
(alerting.services.rules) read the same list. Each field has a single operator implied
by its meaning, which keeps rules readable: "risk above 70", "platform in x, bluesky".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Team
from alerting.models import Rule
from monitoring.enrichment import REASON_CODES
from monitoring.enrichment.risk import fold
from monitoring.models import Priority, Stream, Tag
from riskdesk.networks import Platform
from riskdesk.patterns import compile_user_pattern

REGEX_TEXT_LIMIT = 10_000  # what a regex sees of a text (RE2 runs in time linear in it)
ACTION_KEYS = ("tags", "team", "priority", "notify", "incident")

# -- The vocabulary -------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One condition field: what it reads on a mention and the value it takes.

    `kind` tells the UI which input to show and validation what to accept:
    "choices" (a list among `choices`), "ids" (a list of object ids), "terms" (a
    list of words), "regex", "number", "integer" or "bool".
    """

    name: str
    label: Any
    op: str
    kind: str
    help: Any
    attrs: tuple[str, ...]  # the mention attributes the condition reads
    choices: tuple[str, ...] = ()


FIELDS: dict[str, Field] = {
    f.name: f
    for f in (
        Field(
            "platform",
            gettext_lazy("Network"),
            "in",
            "choices",
            gettext_lazy("The mention comes from one of these networks."),
            ("platform",),
            tuple(Platform.values),
        ),
        Field(
            "stream",
            gettext_lazy("Stream"),
            "in",
            "ids",
            gettext_lazy("The mention was found by one of these streams."),
            ("stream_id",),
        ),
        Field(
            "keywords",
            gettext_lazy("Keywords"),
            "contains_any",
            "terms",
            gettext_lazy(
                "The text contains any of these words (whole words, ignoring case and accents; "
                "end a term with * to match a word prefix)."
            ),
            ("text",),
        ),
        Field(
            "regex",
            gettext_lazy("Regular expression"),
            "matches",
            "regex",
            gettext_lazy(
                "A Python regular expression found in the text (case-insensitive, "
                "in the first 10,000 characters)."
            ),
            ("text",),
        ),
        Field(
            "language",
            gettext_lazy("Language"),
            "in",
            "terms",
            gettext_lazy("The detected language is one of these codes (en, fr...)."),
            ("language",),
        ),
        Field(
            "sentiment_below",
            gettext_lazy("Sentiment below"),
            "lt",
            "number",
            gettext_lazy("The sentiment, from -1 (negative) to 1 (positive), is below this."),
            ("sentiment",),
        ),
        Field(
            "risk_above",
            gettext_lazy("Risk above"),
            "gt",
            "integer",
            gettext_lazy("The risk score, from 0 to 100, is above this."),
            ("risk_score",),
        ),
        Field(
            "reason",
            gettext_lazy("Risk reason"),
            "in",
            "choices",
            gettext_lazy("The risk score has one of these reasons."),
            ("risk_reasons",),
            REASON_CODES,
        ),
        Field(
            "followers_above",
            gettext_lazy("Author followers above"),
            "gt",
            "integer",
            gettext_lazy("The author has more followers than this."),
            ("author_followers",),
        ),
        Field(
            "impersonation",
            gettext_lazy("Impersonation"),
            "is",
            "bool",
            gettext_lazy("The author imitates one of the brand's accounts (or does not)."),
            ("impersonates_id",),
        ),
        Field(
            "watchlist",
            gettext_lazy("Author on the watchlist"),
            "is",
            "bool",
            gettext_lazy("The author is on the watchlist (or is not)."),
            ("risk_reasons",),
        ),
        Field(
            "author",
            gettext_lazy("Author"),
            "in",
            "terms",
            gettext_lazy("The author's handle is one of these (with or without @)."),
            ("author_handle",),
        ),
    )
}

# -- Validation -----------------------------------------------------------------------------


def _as_list(value) -> list | None:
    if isinstance(value, str):
        value = re.split(r"[,\n]", value)
    if not isinstance(value, list | tuple):
        return None
    return list(value)


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _clean_value(spec: Field, value) -> tuple[Any, str | None]:
    """(normalised value, error message or None) for one condition's value."""
    if spec.kind in ("choices", "terms", "ids"):
        items = _as_list(value)
        if items is None:
            return None, _("give a list of values")
        if spec.kind == "ids":
            try:
                ids = [int(v) for v in items if not isinstance(v, bool)]
            except (TypeError, ValueError):
                return None, _("give a list of ids")
            if len(ids) != len(items) or not ids:
                return None, _("give a list of ids")
            return sorted(set(ids)), None
        if not all(isinstance(v, str) for v in items):
            return None, _("give a list of words")
        items = list(dict.fromkeys(v.strip() for v in items if v.strip()))
        if spec.name == "author":
            items = list(dict.fromkeys(v.lstrip("@").casefold() for v in items if v.lstrip("@")))
        elif spec.name == "language":
            items = [v.lower() for v in items]
        if not items:
            return None, _("give at least one value")
        if spec.kind == "choices":
            unknown = [v for v in items if v not in spec.choices]
            if unknown:
                return None, _("unknown value: %(values)s; choose among %(choices)s") % {
                    "values": ", ".join(unknown),
                    "choices": ", ".join(spec.choices),
                }
        if spec.name == "keywords":
            empty = [t for t in items if not re.search(r"\w", fold(t))]
            if empty:
                return None, _("these terms hold no letter or digit: %s") % ", ".join(empty)
        return items, None
    if spec.kind == "regex":
        try:
            compile_user_pattern(value)
        except ValidationError as exc:
            return None, " ".join(exc.messages)
        return value, None
    if spec.kind == "bool":
        if not isinstance(value, bool):
            return None, _("give true or false")
        return value, None
    if not _is_number(value):
        return None, _("give a number")
    if spec.kind == "integer":
        if value != int(value):
            return None, _("give a whole number")
        value = int(value)
    if spec.name == "sentiment_below":
        if value <= -1:
            return None, _("no sentiment is below -1: this condition can never match")
        if value > 1:
            return None, _("sentiment goes from -1 to 1")
        return float(value), None
    if spec.name == "risk_above":
        if value >= 100:
            return None, _("the risk score never exceeds 100: this condition can never match")
        if value < 0:
            return None, _("the risk score goes from 0 to 100")
    if spec.name == "followers_above" and value < 0:
        return None, _("give a number of followers, 0 or more")
    return value, None


def clean_conditions(conditions, match: str) -> tuple[list[dict], list[str]]:
    if not isinstance(conditions, list):
        return [], [_("Give the conditions as a list.")]
    if not conditions:
        return [], [_("Add at least one condition.")]
    cleaned, errors = [], []
    for number, condition in enumerate(conditions, start=1):
        if not isinstance(condition, dict) or "field" not in condition:
            errors.append(_("Condition %d: give a field and a value.") % number)
            continue
        name = condition.get("field")
        spec = FIELDS.get(name) if isinstance(name, str) else None
        if spec is None:
            errors.append(
                _("Condition %(n)d: unknown field %(field)r; choose among %(fields)s.")
                % {"n": number, "field": name, "fields": ", ".join(FIELDS)}
            )
            continue
        op = condition.get("op") or spec.op
        if op != spec.op:
            errors.append(
                _("Condition %(n)d: %(field)s only takes the operator %(op)s.")
                % {"n": number, "field": name, "op": spec.op}
            )
            continue
        value, problem = _clean_value(spec, condition.get("value"))
        if problem:
            errors.append(
                _("Condition %(n)d (%(field)s): %(problem)s.")
                % {"n": number, "field": name, "problem": problem}
            )
            continue
        cleaned.append({"field": name, "op": op, "value": value})
    if not errors and match == Rule.Match.ALL:
        errors.extend(_contradictions(cleaned))
    return cleaned, errors


def _contradictions(conditions: list[dict]) -> list[str]:
    """What makes an all-conditions rule impossible: yes and no, or lists with nothing in common."""
    errors = []
    seen: dict[str, Any] = {}
    for condition in conditions:
        name, value = condition["field"], condition["value"]
        spec = FIELDS[name]
        if name in seen and spec.kind == "bool" and seen[name] != value:
            errors.append(_("%s cannot be both true and false: the rule can never match.") % name)
        if name in seen and spec.op == "in" and not set(seen[name]) & set(value):
            errors.append(
                _("The %s conditions have no value in common: the rule can never match.") % name
            )
        if name in seen and spec.op == "in":
            value = sorted(set(seen[name]) & set(value))
        seen[name] = value
    return errors


def _clean_actions(actions) -> tuple[dict, list[str]]:
    if not isinstance(actions, dict):
        return {}, [
            _("Give the actions as an object with tags, team, priority, notify and incident.")
        ]
    errors = []
    unknown = sorted(set(actions) - set(ACTION_KEYS))
    if unknown:
        errors.append(
            _("Unknown action: %(keys)s; choose among %(allowed)s.")
            % {"keys": ", ".join(map(str, unknown)), "allowed": ", ".join(ACTION_KEYS)}
        )
    tags = _as_list(actions.get("tags") or [])
    if tags is None or not all(isinstance(t, str) for t in tags):
        errors.append(_("Tags: give a list of names."))
        tags = []
    tags = list(dict.fromkeys(t.strip() for t in tags if t.strip()))
    too_long = [t for t in tags if len(t) > Tag._meta.get_field("name").max_length]
    if too_long:
        errors.append(
            _("Tags: these names are longer than 64 characters: %s") % ", ".join(too_long)
        )
    team = actions.get("team")
    if team is not None:
        if isinstance(team, bool) or not isinstance(team, int | str) or not str(team).isdigit():
            errors.append(_("Team: give a team id."))
            team = None
        elif not Team.objects.filter(pk=int(team)).exists():
            errors.append(_("Team: there is no team with id %s.") % team)
            team = None
        else:
            team = int(team)
    priority = actions.get("priority")
    if priority is not None and (
        not _is_number(priority) or priority != int(priority) or int(priority) not in Priority
    ):
        errors.append(_("Priority: give a number from 1 (low) to 4 (urgent)."))
        priority = None
    notify = actions.get("notify", False)
    if not isinstance(notify, bool):
        errors.append(_("Notify: give true or false."))
        notify = False
    incident, incident_errors = _clean_incident(actions.get("incident"))
    errors.extend(incident_errors)
    cleaned = {
        "tags": tags,
        "team": team,
        "priority": int(priority) if priority is not None else None,
        "notify": notify,
        "incident": incident,
    }
    if not errors and not (tags or team or priority or notify or incident):
        errors.append(
            _(
                "Give the rule at least one action: a tag, a team, a priority, notify or "
                "an incident."
            )
        )
    return cleaned, errors


def _clean_incident(value) -> tuple[dict | None, list[str]]:
    """The "open or link an incident" action: none, true, or {"severity", "playbook"}."""
    if value is None or value is False:
        return None, []
    if value is True:
        value = {}
    if not isinstance(value, dict) or set(value) - {"severity", "playbook"}:
        return None, [
            _("Incident: give true, or an object with a severity (1 to 4) and a playbook id.")
        ]
    from incidents.models import Playbook, Severity  # incidents builds on alerting

    errors = []
    severity = value.get("severity")
    if severity is None:
        severity = Severity.SEV3
    if not _is_number(severity) or severity != int(severity) or int(severity) not in Severity:
        errors.append(_("Incident: the severity is 1 (SEV1, critical) to 4 (SEV4, minor)."))
    playbook = value.get("playbook")
    if playbook is not None and (
        isinstance(playbook, bool)
        or not str(playbook).isdigit()
        or not Playbook.objects.filter(pk=int(playbook), is_active=True).exists()
    ):
        errors.append(_("Incident: there is no active playbook with id %s.") % playbook)
    if errors:
        return None, errors
    return {
        "severity": int(severity),
        "playbook": int(playbook) if playbook is not None else None,
    }, []


def validate_rule(conditions, actions, match: str = "all") -> tuple[list[dict], dict]:
    """Check and normalise a rule's conditions and actions, or raise a ValidationError.

    Conditions come back as [{"field", "op", "value"}] with their values cleaned
    (lists deduplicated, handles without @); actions as {"tags": [names], "team": id
    or None, "priority": 1..4 or None, "notify": bool, "incident": None or
    {"severity": 1..4, "playbook": id or None}}. Errors are keyed
    "conditions" and "actions", one message per problem.
    """
    conditions, condition_errors = clean_conditions(conditions, match)
    actions, action_errors = _clean_actions(actions)
    stream_ids = {i for c in conditions if c["field"] == "stream" for i in c["value"]}
    missing = stream_ids - set(
        Stream.objects.filter(pk__in=stream_ids).values_list("pk", flat=True)
    )
    if missing:
        condition_errors.append(
            _("Stream: there is no stream with id %s.") % ", ".join(map(str, sorted(missing)))
        )
    errors = {}
    if condition_errors:
        errors["conditions"] = condition_errors
    if action_errors:
        errors["actions"] = action_errors
    if errors:
        raise ValidationError(errors)
    return conditions, actions
