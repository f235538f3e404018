"""The incident as Markdown, for the post-incident review (download from its page or API)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.models import Incident, IncidentRole, TimelineEntry
from incidents.selectors.metrics import duration_label, incident_metrics
from incidents.services.timeline import describe

SPECIAL = str.maketrans({c: f"\\{c}" for c in "\\`*_[]<>#|"})


def escape(text: str) -> str:
    """Text as it is, not as Markdown: mention text and notes cannot inject links or HTML."""
    return (text or "").translate(SPECIAL)


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M %Z") if moment else "—"


def incident_markdown(incident: Incident) -> str:
    lines = [
        f"# {incident.reference}: {escape(incident.title)}",
        "",
        f"- **{_('Severity')}:** {incident.severity_label}",
        f"- **{_('Status')}:** {incident.get_status_display()}",
        f"- **{_('Scenario')}:** {incident.get_scenario_display()}",
        f"- **{_('Playbook')}:** {escape(incident.playbook.name) if incident.playbook else '—'}",
        f"- **{_('Declared')}:** {_when(incident.declared_at)} ({incident.get_source_display()})",
        f"- **{_('Linked mentions')}:** {incident.mention_count}",
    ]
    if incident.summary:
        lines += ["", escape(incident.summary)]
    lines += ["", f"## {_('Roles')}", ""]
    for role in IncidentRole:
        holder = getattr(incident, role.value)
        lines.append(f"- **{role.label}:** {escape(str(holder)) if holder else '—'}")
    lines += ["", f"## {_('Metrics')}", ""]
    for _key, label, help_text, value in incident_metrics(incident):
        lines.append(f"- **{label}** ({help_text}): {duration_label(value)}")
    entries = list(incident.timeline.select_related("actor").order_by("at", "id"))
    pinned = [e for e in entries if e.pinned]
    if pinned:
        lines += ["", f"## {_('Pinned')}", ""]
        lines += [_entry_line(e) for e in pinned]
    lines += ["", f"## {_('Timeline')}", ""]
    lines += [_entry_line(e) for e in entries]
    tasks = list(incident.tasks.select_related("assignee").order_by("position", "id"))
    if tasks:
        lines += ["", f"## {_('Tasks')}", ""]
        for task in tasks:
            box = "x" if task.state == task.State.DONE else " "
            extra = [task.get_state_display()]
            if task.assignee:
                extra.append(escape(str(task.assignee)))
            if task.due_at:
                extra.append(_("due %(when)s") % {"when": _when(task.due_at)})
            lines.append(f"- [{box}] {escape(task.title)} ({', '.join(extra)})")
    review = getattr(incident, "review", None)  # the reverse one-to-one raises when absent
    if review is not None:
        lines += ["", f"## {_('Post-incident review')}", ""]
        for label, text in [
            (_("Summary"), review.summary),
            (_("Impact"), review.impact),
            (_("What went well"), review.went_well),
            (_("What did not"), review.went_badly),
        ]:
            lines += [f"### {label}", "", escape(text), ""]
    return "\n".join(lines).rstrip() + "\n"


def _entry_line(entry: TimelineEntry) -> str:
    who = escape(entry.actor_label) if entry.actor_label else _("riskdesk")
    pin = " 📌" if entry.pinned else ""
    text = describe(entry)
    if entry.kind == TimelineEntry.Kind.NOTE:
        text = _("Note: %(text)s") % {"text": text}
    text = escape(text).replace("\n", "  \n  ")
    return f"- **{_when(entry.at)}** — {who}{pin}: {text}"
