"""The rules pages: the ordered list, the form with its test, and the order and on/off buttons.

Thin over monitoring.rules: the form turns its rows of conditions and its action
fields into the services' JSON; the services check, save and audit.

The form works without JavaScript: conditions are a fixed number of rows ("Add
more rows" sends the form back with more), and "Test" runs the conditions on the
recent mentions without saving (htmx swaps just the result in).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import Team
from incidents.models import Playbook, Severity, severity_short
from monitoring import rule_conditions, rules
from monitoring.dashboard import risk_band
from monitoring.models import Priority, Rule, Stream
from riskdesk.forms import add_service_errors
from riskdesk.permissions import can, require

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
        (spec.name, spec.label) for spec in rule_conditions.FIELDS.values()
    ]


def _stream_names(ids) -> dict[int, str]:
    return dict(Stream.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}


def value_text(spec: rule_conditions.Field, value, streams: dict[int, str]) -> str:
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
            "tags": ", ".join(actions.get("tags") or []),
            "team": actions.get("team"),
            "priority": actions.get("priority"),
            "notify": bool(actions.get("notify")),
            "incident_severity": (actions.get("incident") or {}).get("severity"),
            "incident_playbook": (actions.get("incident") or {}).get("playbook"),
        }
        streams = _stream_names(
            {i for c in rule.conditions if c["field"] == "stream" for i in c["value"]}
        )
        for i, condition in enumerate(rule.conditions):
            spec = rule_conditions.FIELDS.get(condition["field"])
            if spec is not None:
                initial[f"field_{i}"] = spec.name
                initial[f"value_{i}"] = value_text(spec, condition["value"], streams)
        return initial

    def row_fields(self):
        """[(number, field select, value box)] for the template."""
        return [(i + 1, self[f"field_{i}"], self[f"value_{i}"]) for i in range(self.row_count)]

    def main_fields(self):
        return [self[name] for name in ("name", "enabled", "match", "stop")]

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
                filled.append((i + 1, rule_conditions.FIELDS.get(name), text))
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
            for name in ("name", "enabled", "match", "stop", "conditions", "actions")
        }

    def as_sent(self, extra_rows: int = 0) -> "RuleForm":
        """An unbound form showing what was sent, without errors: for a test or more rows."""
        initial = {bound.name: bound.data for bound in self}
        return RuleForm(initial=initial, rows=min(MAX_ROWS, self.row_count + extra_rows))


def _parse_value(spec: rule_conditions.Field, text: str, streams: dict[str, int]):
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


# --- Plain words ---------------------------------------------------------------------------


def describe_condition(condition: dict, streams: dict[int, str]) -> str:
    spec = rule_conditions.FIELDS.get(condition["field"])
    if spec is None:
        return condition["field"]
    value = condition["value"]
    if spec.kind == "bool":
        return (_("%(label)s: yes") if value else _("%(label)s: no")) % {"label": spec.label}
    if spec.kind in ("number", "integer"):
        return f"{spec.label} {number_format(value, force_grouping=True)}"
    if spec.kind == "regex":
        return _("Text matches the pattern %(pattern)s") % {"pattern": value}
    if spec.kind == "ids":
        value = [streams.get(v, str(v)) for v in value]
    if spec.op == "contains_any":
        return _("Text contains %(words)s") % {"words": get_text_list(value, _("or"))}
    if len(value) == 1:
        return _("%(label)s is %(value)s") % {"label": spec.label, "value": value[0]}
    return _("%(label)s is one of %(values)s") % {"label": spec.label, "values": ", ".join(value)}


def describe_actions(actions: dict, teams: dict[int, str]) -> str:
    words = []
    if actions.get("tags"):
        words.append(_("tag %(tags)s") % {"tags": get_text_list(actions["tags"], _("and"))})
    if actions.get("team"):
        team = teams.get(actions["team"], _("a deleted team"))
        words.append(_("route to %(team)s") % {"team": team})
    if actions.get("priority") in Priority:
        words.append(_("priority %(priority)s") % {"priority": Priority(actions["priority"]).label})
    if actions.get("notify"):
        words.append(_("notify"))
    if actions.get("incident"):
        words.append(
            _("open or link a %(severity)s incident")
            % {"severity": severity_short(actions["incident"].get("severity"))}
        )
    return ", ".join(words)


def _described(rule_list: list[Rule]) -> list[Rule]:
    """Attach the rules' conditions and actions in plain words (two queries at most)."""
    team_ids = {r.actions.get("team") for r in rule_list} - {None}
    teams = dict(Team.objects.filter(pk__in=team_ids).values_list("pk", "name")) if team_ids else {}
    streams = _stream_names(
        {i for r in rule_list for c in r.conditions if c["field"] == "stream" for i in c["value"]}
    )
    for rule in rule_list:
        rule.condition_words = [describe_condition(c, streams) for c in rule.conditions]
        rule.action_words = describe_actions(rule.actions, teams)
    return rule_list


# --- Views ---------------------------------------------------------------------------------


@login_required
def rule_list(request):
    require(request.user, "rule.view")
    return render(
        request,
        "monitoring/rule_list.html",
        {
            "rules": _described(list(Rule.objects.all())),
            "can_manage": can(request.user, "rule.manage"),
        },
    )


@login_required
def rule_form(request, pk=None):
    rule = get_object_or_404(Rule, pk=pk) if pk else None
    require(request.user, "rule.manage", rule)
    if request.method != "POST":
        return _render_form(request, RuleForm(rule=rule), rule)
    form = RuleForm(request.POST)
    if "more_rows" in request.POST:
        return _render_form(request, form.as_sent(extra_rows=MORE_ROWS), rule)
    if "test" in request.POST:
        return _test(request, form, rule)
    if form.is_valid():
        try:
            if rule is None:
                saved = rules.rule_create(actor=request.user, **form.rule_fields())
            else:
                saved = rules.rule_update(actor=request.user, rule=rule, **form.rule_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Rule %(name)s saved.") % {"name": saved.name})
            return redirect("rule_list")
    return _render_form(request, form, rule)


def _render_form(request, form, rule, **context):
    context = {"form": form, "rule": rule, "fields": rule_conditions.FIELDS.values(), **context}
    return render(request, "monitoring/rule_form.html", context)


def _test(request, form, rule):
    """Run the form's conditions on the recent mentions; nothing is saved."""
    form.is_valid()  # a test needs only the conditions and match: other errors wait for saving
    errors = [*form.errors.get("conditions", []), *form.errors.get("match", [])]
    result = None
    if not errors:
        try:
            result = rules.rule_test(
                actor=request.user,
                conditions=form.cleaned_data["conditions"],
                match=form.cleaned_data["match"],
            )
        except ValidationError as exc:
            errors = exc.messages
    for mention in result.examples if result else ():
        mention.band = risk_band(mention.risk_score)
    context = {"form": form.as_sent(), "rule": rule, "test": result, "test_errors": errors}
    if not request.htmx:
        return _render_form(request, **context)
    if errors:
        # Errors name rows by number: redraw the whole form, with its filled rows first.
        response = render(
            request,
            "monitoring/rule_form_body.html",
            {"fields": rule_conditions.FIELDS.values(), **context},
        )
        response["HX-Retarget"] = "#rule-form"
        response["HX-Reswap"] = "outerHTML"
        return response
    return render(request, "monitoring/rule_test_result.html", context)


@login_required
@require_POST
def rule_move(request, pk):
    rule = get_object_or_404(Rule, pk=pk)
    require(request.user, "rule.manage", rule)
    step = {"up": -1, "down": 1}.get(request.POST.get("direction"))
    if step is None:
        return HttpResponseBadRequest(_("Move the rule up or down."))
    order = list(Rule.objects.values_list("pk", flat=True))
    rules.rule_move(actor=request.user, rule=rule, position=max(0, order.index(rule.pk) + step))
    return redirect("rule_list")


@login_required
@require_POST
def rule_toggle(request, pk):
    rule = get_object_or_404(Rule, pk=pk)
    require(request.user, "rule.manage", rule)
    # The wanted state, not a flip: sending the form twice does not undo it.
    enabled = request.POST.get("enabled") == "1"
    try:
        rules.rule_update(actor=request.user, rule=rule, enabled=enabled)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        done = _("Rule %(name)s enabled.") if enabled else _("Rule %(name)s disabled.")
        messages.success(request, done % {"name": rule.name})
    return redirect("rule_list")


@login_required
def rule_delete(request, pk):
    rule = get_object_or_404(Rule, pk=pk)
    require(request.user, "rule.manage", rule)
    if request.method == "POST":
        rules.rule_delete(actor=request.user, rule=rule)
        messages.success(request, _("Rule %(name)s deleted.") % {"name": rule.name})
        return redirect("rule_list")
    return render(
        request,
        "monitoring/confirm_delete.html",
        {
            "object": rule,
            "title": _("Delete the rule %(name)s?") % {"name": rule.name},
            "consequence": _(
                "New mentions stop being tagged and routed by it at once. Mentions it "
                "already handled keep their tags, team and priority."
            ),
            "object_url": reverse("rule_edit", kwargs={"pk": rule.pk}),
            "cancel_url": reverse("rule_list"),
            "parent_label": _("Rules"),
            "parent_url": reverse("rule_list"),
            "blockers": None,
        },
    )
