"""The pages of routing and alerting: rules, notification channels, spikes.

Thin: a view reads its form or filter, calls a service (alerting.services) or a
selector, and renders. The forms live in alerting.forms.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Team
from alerting import selectors, services
from alerting.filters import SpikeFilter
from alerting.forms import MORE_ROWS, ChannelForm, RuleForm
from alerting.models import NotificationChannel, Rule, SpikeAlert
from alerting.services import baselines as spike_baselines
from alerting.services import spikes as spike_services
from alerting.services.conditions import FIELDS
from incidents.models import severity_short
from monitoring.dashboard import risk_band
from monitoring.models import Mention, Priority
from riskdesk.forms import add_service_errors
from riskdesk.htmx import render_page
from riskdesk.permissions import can, require

# --- Plain words ---------------------------------------------------------------------------


def describe_condition(condition: dict, streams: dict[int, str]) -> str:
    spec = FIELDS.get(condition["field"])
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
    streams = selectors.stream_names(
        {i for r in rule_list for c in r.conditions if c["field"] == "stream" for i in c["value"]}
    )
    for rule in rule_list:
        rule.condition_words = [describe_condition(c, streams) for c in rule.conditions]
        rule.action_words = describe_actions(rule.actions, teams)
    return rule_list


# --- Rules ---------------------------------------------------------------------------------


@login_required
def rule_list(request):
    require(request.user, "rule.view")
    return render(
        request,
        "alerting/rule_list.html",
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
                saved = services.rule_create(actor=request.user, **form.rule_fields())
            else:
                saved = services.rule_update(actor=request.user, rule=rule, **form.rule_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Rule %(name)s saved.") % {"name": saved.name})
            return redirect("rule_list")
    return _render_form(request, form, rule)


def _render_form(request, form, rule, **context):
    context = {"form": form, "rule": rule, "fields": FIELDS.values(), **context}
    return render(request, "alerting/rule_form.html", context)


def _test(request, form, rule):
    """Run the form's conditions on the recent mentions; nothing is saved."""
    form.is_valid()  # a test needs only the conditions and match: other errors wait for saving
    errors = [*form.errors.get("conditions", []), *form.errors.get("match", [])]
    result = None
    if not errors:
        try:
            result = services.rule_test(
                actor=request.user,
                conditions=form.cleaned_data["conditions"],
                match=form.cleaned_data["match"],
                include_owned=form.cleaned_data.get("include_owned", False),
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
            "alerting/rule_form_body.html",
            {"fields": FIELDS.values(), **context},
        )
        response["HX-Retarget"] = "#rule-form"
        response["HX-Reswap"] = "outerHTML"
        return response
    return render(request, "alerting/rule_test_result.html", context)


@login_required
@require_POST
def rule_move(request, pk):
    rule = get_object_or_404(Rule, pk=pk)
    require(request.user, "rule.manage", rule)
    step = {"up": -1, "down": 1}.get(request.POST.get("direction"))
    if step is None:
        return HttpResponseBadRequest(_("Move the rule up or down."))
    order = list(Rule.objects.values_list("pk", flat=True))
    services.rule_move(actor=request.user, rule=rule, position=max(0, order.index(rule.pk) + step))
    return redirect("rule_list")


@login_required
@require_POST
def rule_toggle(request, pk):
    rule = get_object_or_404(Rule, pk=pk)
    require(request.user, "rule.manage", rule)
    # The wanted state, not a flip: sending the form twice does not undo it.
    enabled = request.POST.get("enabled") == "1"
    try:
        services.rule_update(actor=request.user, rule=rule, enabled=enabled)
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
        services.rule_delete(actor=request.user, rule=rule)
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
        },
    )


# --- Notification channels -------------------------------------------------------------


def _with_display(channel: NotificationChannel) -> NotificationChannel:
    channel.target_display = services.masked_target(channel)
    return channel


@login_required
def channel_list(request):
    require(request.user, "channel.view")
    channels = [_with_display(channel) for channel in selectors.channels_listed()]
    recent = selectors.recent_notifications(request.user)
    return render(
        request,
        "alerting/channel_list.html",
        {
            "channels": channels,
            "recent": recent,
            "can_manage": can(request.user, "channel.manage"),
        },
    )


@login_required
def channel_form(request, pk=None):
    channel = get_object_or_404(selectors.channels(), pk=pk) if pk else None
    require(request.user, "channel.manage", channel)
    form = ChannelForm(request.POST or None, channel=channel)
    if request.method == "POST" and form.is_valid():
        fields = form.cleaned_data
        try:
            if channel is None:
                saved = services.channel_create(actor=request.user, **fields)
            else:
                saved = services.channel_update(actor=request.user, channel=channel, **fields)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Channel %(name)s saved.") % {"name": saved.name})
            return redirect("channel_list")
    return render(request, "alerting/channel_form.html", {"form": form, "channel": channel})


@login_required
@require_POST
def channel_test(request, pk):
    channel = get_object_or_404(selectors.channels(), pk=pk)
    services.channel_test(actor=request.user, channel=channel)
    messages.success(
        request,
        _("Test message queued for %(name)s: its result shows below in a few seconds.")
        % {"name": channel.name},
    )
    return redirect("channel_list")


@login_required
def channel_delete(request, pk):
    channel = get_object_or_404(selectors.channels(), pk=pk)
    require(request.user, "channel.manage", channel)
    if request.method == "POST":
        services.channel_delete(actor=request.user, channel=channel)
        messages.success(request, _("Channel %(name)s deleted.") % {"name": channel.name})
        return redirect("channel_list")
    return render(
        request,
        "monitoring/confirm_delete.html",
        {
            "object": channel,
            "title": _("Delete the channel %(name)s?") % {"name": channel.name},
            "consequence": _(
                "Its team stops being notified through it at once; messages waiting to be "
                "sent through it are dropped."
            ),
            "object_url": reverse("channel_edit", kwargs={"pk": channel.pk}),
            "cancel_url": reverse("channel_list"),
            "parent_label": _("Notification channels"),
            "parent_url": reverse("channel_list"),
        },
    )


# --- Spikes --------------------------------------------------------------------------------


@login_required
def spike_list(request):
    require(request.user, "spike.view")
    filterset = SpikeFilter(request.GET, queryset=selectors.spikes())
    items = selectors.spikes_active_first(filterset.qs)
    for spike in items:
        _describe(spike)
    return render_page(
        request,
        "alerting/spike_list.html",
        "alerting/spike_rows.html",
        {
            "filter": filterset,
            "spikes": items,
            "limit": selectors.SPIKES_LISTED,
            # Streams and tags too young to raise a spike, and when they will be ready.
            "learning": spike_baselines.learning(),
            "learning_needed": spike_baselines.min_baseline_windows(),
        },
    )


@login_required
def spike_detail(request, pk):
    require(request.user, "spike.view")
    spike = _describe(get_object_or_404(selectors.spikes(), pk=pk))
    mentions = None
    if can(request.user, "mention.view"):
        found = Mention.objects.visible_to(request.user).in_bulk(spike.top_mention_ids)
        mentions = [found[pk] for pk in spike.top_mention_ids if pk in found]
    incidents = (
        list(spike.incidents.order_by("-declared_at")) if can(request.user, "incident.view") else []
    )
    return render(
        request,
        "alerting/spike_detail.html",
        {
            "spike": spike,
            "mentions": mentions,
            "incidents": incidents,
            "can_declare": (
                not any(i.is_open for i in incidents) and can(request.user, "incident.declare")
            ),
            "can_acknowledge": (
                spike.status == SpikeAlert.Status.OPEN
                and can(request.user, "spike.acknowledge", spike)
            ),
        },
    )


@login_required
@require_POST
def spike_acknowledge(request, pk):
    spike = get_object_or_404(SpikeAlert, pk=pk)
    require(request.user, "spike.acknowledge", spike)
    try:
        services.spike_acknowledge(actor=request.user, spike=spike)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Spike acknowledged."))
    return redirect("spike_detail", pk=spike.pk)


def _describe(spike: SpikeAlert) -> SpikeAlert:
    """Attach the labels the templates show (no queries: stream and tag are selected)."""
    spike.target_label = spike_services.target_label(spike)
    spike.usual = spike_services.usual_label(spike.baseline_mean)
    minutes = round((spike.window_end - spike.window_start).total_seconds() / 60)
    spike.window_label = spike_services.window_label(minutes)
    return spike
