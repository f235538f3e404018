"""The forms of the rules and notification-channel pages.

A form only reads input: it turns what was typed into what the services take
(`RuleForm.rule_fields()`, `ChannelForm.cleaned_data`); the services check, save
and audit.

The rule form works without JavaScript: conditions are a fixed number of rows
("Add more rows" sends the form back with more), and "Test" runs the conditions
on the recent mentions without saving (htmx swaps just the result in).
"""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Team
from alerting import selectors, services
from alerting.models import NotificationChannel, Rule
from alerting.services.conditions import FIELDS
from alerting.services.conditions import Field as ConditionField
from incidents.models import Playbook, Severity
from monitoring.models import Priority, Stream

Kind = NotificationChannel.Kind

ROWS = 5  # condition rows of a new rule
MORE_ROWS = 3
MAX_ROWS = 30
LIST_KINDS = ("choices", "terms", "ids")


def _yes_no() -> tuple[set, set]:
    """The answers a yes/no condition takes, in English and in the page's language."""
    return (
        {"yes", "y", "true", "1", _("yes").casefold()},
        {"no", "n", "false", "0", _("no").casefold()},
    )


def _field_choices():
    return [("", gettext_lazy("(no condition)"))] + [
        (spec.name, spec.label) for spec in FIELDS.values()
    ]


def value_text(spec: ConditionField, value, streams: dict[int, str]) -> str:
    """A saved condition's value as the form's text box shows it."""
    if spec.kind == "bool":
        return _("yes") if value else _("no")
    if spec.kind == "ids":
        return ", ".join(streams.get(v, str(v)) for v in value)
    if spec.kind in LIST_KINDS:
        return ", ".join(value)
    return str(value)


class RuleForm(forms.Form):
    """A rule's fields, its conditions as rows of (field, value), and its actions.

    `cleaned_data["conditions"]` and `["actions"]` are the services' JSON. Filled
    rows are moved to the top when the form is sent, so "condition 2" in an error
    is the second row on the page.
    """

    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    enabled = forms.BooleanField(
        label=gettext_lazy("Enabled"),
        required=False,
        initial=True,
        help_text=gettext_lazy("A disabled rule is kept but does not run."),
    )
    match = forms.ChoiceField(
        label=gettext_lazy("Match"),
        choices=Rule.Match.choices,
        initial=Rule.Match.ALL,
        widget=forms.RadioSelect,
    )
    stop = forms.BooleanField(
        label=gettext_lazy("Stop here"),
        required=False,
        help_text=gettext_lazy("Later rules do not run on the mentions this rule matches."),
    )
    include_owned = forms.BooleanField(
        label=gettext_lazy("Also applies to the brand's own posts"),
        required=False,
        help_text=gettext_lazy(
            "Posts by the brand's registered accounts are not work and skip every rule, "
            "unless this is on. Routing one to a team makes it work for that team."
        ),
    )
    rows = forms.IntegerField(
        widget=forms.HiddenInput, min_value=1, max_value=MAX_ROWS, initial=ROWS
    )
    tags = forms.CharField(
        label=gettext_lazy("Add tags"),
        required=False,
        max_length=1000,
        help_text=gettext_lazy("Tag names, separated by commas. New tags are created."),
    )
    team = forms.ModelChoiceField(
        label=gettext_lazy("Route to team"),
        queryset=Team.objects.order_by("name"),
        required=False,
        empty_label=gettext_lazy("No team (do not route)"),
        help_text=gettext_lazy("The first matching rule with a team decides the queue."),
    )
    priority = forms.TypedChoiceField(
        label=gettext_lazy("Set priority"),
        choices=[("", gettext_lazy("Don't change")), *Priority.choices],
        coerce=int,
        empty_value=None,
        required=False,
        help_text=gettext_lazy("When several rules set one, the highest wins."),
    )
    notify = forms.BooleanField(
        label=gettext_lazy("Notify the team"),
        required=False,
        help_text=gettext_lazy("Send the mention to the team's notification channels."),
    )
    incident_severity = forms.TypedChoiceField(
        label=gettext_lazy("Open or link an incident"),
        choices=[("", gettext_lazy("No incident")), *Severity.choices],
        coerce=int,
        empty_value=None,
        required=False,
        help_text=gettext_lazy(
            "Matching mentions are linked to the open incident this rule declared; "
            "when there is none, one is declared at this severity."
        ),
    )
    incident_playbook = forms.ModelChoiceField(
        label=gettext_lazy("Playbook of that incident"),
        queryset=Playbook.objects.filter(is_active=True).order_by("name"),
        required=False,
        empty_label=gettext_lazy("No playbook"),
    )
    # Never rendered: clean() fills them with the JSON the services take, and the
    # services' errors about conditions and actions are put on them.
    conditions = forms.Field(required=False)
    actions = forms.Field(required=False)

    def __init__(self, data=None, *, rule: Rule | None = None, rows: int | None = None, **kwargs):
        if data is not None:
            data, rows = self._compacted(data)
        elif rule is not None:
            kwargs.setdefault("initial", self._initial(rule))
            rows = max(ROWS, len(rule.conditions))
        super().__init__(data, **kwargs)
        self.row_count = rows or ROWS
        self.initial["rows"] = self.row_count
        for i in range(self.row_count):
            number = i + 1
            self.fields[f"field_{i}"] = forms.ChoiceField(
                label=_("Condition %(n)d") % {"n": number},
                choices=_field_choices,
                required=False,
            )
            self.fields[f"value_{i}"] = forms.CharField(
                label=_("Value of condition %(n)d") % {"n": number},
                required=False,
                max_length=2000,
            )

    @staticmethod
    def _compacted(data) -> tuple[dict, int]:
        """The data with the filled condition rows first, and the number of rows to show."""
        try:
            rows = min(MAX_ROWS, max(1, int(data.get("rows", ROWS))))
        except ValueError:
            rows = ROWS
        filled = [
            (data.get(f"field_{i}", ""), data.get(f"value_{i}", ""))
            for i in range(MAX_ROWS)
            if data.get(f"field_{i}") or data.get(f"value_{i}", "").strip()
        ]
        data = data.copy()
        for i in range(MAX_ROWS):
            data[f"field_{i}"], data[f"value_{i}"] = filled[i] if i < len(filled) else ("", "")
        rows = max(rows, len(filled))
        data["rows"] = str(rows)
        return data, rows

    @staticmethod
    def _initial(rule: Rule) -> dict:
        actions = rule.actions
        initial = {
            "name": rule.name,
            "enabled": rule.enabled,
            "match": rule.match,
            "stop": rule.stop,
            "include_owned": rule.include_owned,
            "tags": ", ".join(actions.get("tags") or []),
            "team": actions.get("team"),
            "priority": actions.get("priority"),
            "notify": bool(actions.get("notify")),
            "incident_severity": (actions.get("incident") or {}).get("severity"),
            "incident_playbook": (actions.get("incident") or {}).get("playbook"),
        }
        streams = selectors.stream_names(
            {i for c in rule.conditions if c["field"] == "stream" for i in c["value"]}
        )
        for i, condition in enumerate(rule.conditions):
            spec = FIELDS.get(condition["field"])
            if spec is not None:
                initial[f"field_{i}"] = spec.name
                initial[f"value_{i}"] = value_text(spec, condition["value"], streams)
        return initial

    def row_fields(self):
        """[(number, field select, value box)] for the template."""
        return [(i + 1, self[f"field_{i}"], self[f"value_{i}"]) for i in range(self.row_count)]

    def main_fields(self):
        return [self[name] for name in ("name", "enabled", "match", "stop", "include_owned")]

    def action_fields(self):
        return [
            self[name]
            for name in (
                "tags",
                "team",
                "priority",
                "notify",
                "incident_severity",
                "incident_playbook",
            )
        ]

    def clean(self):
        cleaned = super().clean()
        conditions, errors = self._conditions()
        cleaned["conditions"] = conditions
        team = cleaned.get("team")
        cleaned["actions"] = {
            "tags": [t.strip() for t in cleaned.get("tags", "").split(",") if t.strip()],
            "team": team.pk if team else None,
            "priority": cleaned.get("priority"),
            "notify": cleaned.get("notify", False),
            "incident": self._incident_action(cleaned),
        }
        if errors:
            self.add_error("conditions", errors)
        return cleaned

    def _incident_action(self, cleaned) -> dict | None:
        severity, playbook = cleaned.get("incident_severity"), cleaned.get("incident_playbook")
        if severity is None:
            if playbook is not None:
                self.add_error("incident_severity", _("Choose the severity of the incident."))
            return None
        return {"severity": severity, "playbook": playbook.pk if playbook else None}

    def _conditions(self) -> tuple[list[dict], list[str]]:
        filled = []
        for i in range(self.row_count):
            name = self.cleaned_data.get(f"field_{i}", "")
            text = self.cleaned_data.get(f"value_{i}", "")
            if name or text:
                filled.append((i + 1, FIELDS.get(name), text))
        streams = {}
        if any(spec and spec.kind == "ids" for _number, spec, _text in filled):
            streams = {n.casefold(): pk for pk, n in Stream.objects.values_list("pk", "name")}
        conditions, errors = [], []
        for number, spec, text in filled:
            if spec is None:
                errors.append(_("Condition %(n)d: choose a field.") % {"n": number})
                continue
            value, problem = _parse_value(spec, text, streams)
            if problem:
                errors.append(
                    _("Condition %(n)d (%(field)s): %(problem)s.")
                    % {"n": number, "field": spec.label, "problem": problem}
                )
            else:
                conditions.append({"field": spec.name, "op": spec.op, "value": value})
        return conditions, errors

    def rule_fields(self) -> dict:
        """What rules.rule_create and rule_update take."""
        return {
            name: self.cleaned_data[name]
            for name in (
                "name",
                "enabled",
                "match",
                "stop",
                "include_owned",
                "conditions",
                "actions",
            )
        }

    def as_sent(self, extra_rows: int = 0) -> "RuleForm":
        """An unbound form showing what was sent, without errors: for a test or more rows."""
        initial = {bound.name: bound.data for bound in self}
        return RuleForm(initial=initial, rows=min(MAX_ROWS, self.row_count + extra_rows))


def _parse_value(spec: ConditionField, text: str, streams: dict[str, int]):
    """(value in the services' JSON, problem or None) of one row's text box."""
    text = text.strip()
    if not text:
        return None, _("give a value")
    if spec.kind in LIST_KINDS:
        items = [item.strip() for item in text.split(",") if item.strip()]
        if spec.kind != "ids":
            return items, None
        ids, unknown = [], []
        for item in items:
            pk = int(item) if item.isdigit() else streams.get(item.casefold())
            (unknown if pk is None else ids).append(item if pk is None else pk)
        if unknown:
            return None, _("no stream is named %s") % ", ".join(unknown)
        return ids, None
    if spec.kind == "regex":
        return text, None
    if spec.kind == "bool":
        yes, no = _yes_no()
        if text.casefold() in yes | no:
            return text.casefold() in yes, None
        return None, _("answer yes or no")
    # Numbers: spaces and underscores group digits; in an integer, so do commas ("10,000").
    text = text.replace(" ", "").replace("\u202f", "").replace("_", "")
    text = text.replace(",", "" if spec.kind == "integer" else ".")
    for convert in (int, float):
        try:
            return convert(text), None
        except ValueError:
            pass
    return None, _("give a number")


class ChannelForm(forms.Form):
    team = forms.ModelChoiceField(label=gettext_lazy("Team"), queryset=Team.objects.all())
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Kind.choices)
    target = forms.CharField(
        label=gettext_lazy("Address or URL"),
        max_length=2048,
        help_text=gettext_lazy(
            "An e-mail address, or the https:// URL of the incoming webhook or endpoint."
        ),
    )
    secret = forms.CharField(
        label=gettext_lazy("Signing secret"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy(
            "Generic webhooks only: each message carries an HMAC-SHA256 signature made with it "
            "over its timestamp and body (X-Riskdesk-Signature). Never shown again."
        ),
    )
    min_risk = forms.IntegerField(
        label=gettext_lazy("Minimum risk"),
        min_value=0,
        max_value=100,
        initial=70,
        help_text=gettext_lazy(
            "Mentions routed to the team at or above this score are sent, and any a rule "
            "marks to notify."
        ),
    )
    enabled = forms.BooleanField(label=gettext_lazy("Enabled"), required=False, initial=True)

    def __init__(self, *args, channel: NotificationChannel | None = None, **kwargs):
        if channel is not None:
            kwargs["initial"] = {
                "team": channel.team_id,
                "name": channel.name,
                "kind": channel.kind,
                "target": "" if channel.kind == Kind.SLACK else channel.target,
                "min_risk": channel.min_risk,
                "enabled": channel.enabled,
            }
        super().__init__(*args, **kwargs)
        if channel is not None:
            self.fields["secret"].help_text = _(
                "Never shown. Leave empty to keep the saved secret."
            )
            if channel.kind == Kind.SLACK:
                self.fields["target"].required = False
                self.fields["target"].help_text = _(
                    "The saved Slack URL (%(masked)s) is not shown: it is a secret. "
                    "Leave empty to keep it."
                ) % {"masked": services.masked_target(channel)}
