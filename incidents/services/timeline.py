"""Writing and wording the timeline.

Services call `timeline_add` in their transaction with the facts of what happened
(`data`); `describe` words an entry in the reader's language when it is shown or
exported, so the stored timeline never freezes one language.
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from incidents.models import IncidentRole, Scenario, Source, Status, TimelineEntry, severity_short

Kind = TimelineEntry.Kind


def timeline_add(*, incident, kind: str, actor=None, text: str = "", data=None, at=None):
    actor = actor if actor is not None and actor.is_authenticated else None
    entry = TimelineEntry(
        incident=incident,
        kind=kind,
        actor=actor,
        actor_label=str(actor) if actor else "",
        text=text,
        data=data or {},
    )
    if at is not None:
        entry.at = at
    entry.save()
    return entry


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _status(value) -> str:
    return _label(Status, value)


def describe(entry: TimelineEntry) -> str:
    """One sentence for a system entry; a note is its own text (shown apart)."""
    d = entry.data
    kind = entry.kind
    if kind == Kind.NOTE:
        return entry.text
    if kind == Kind.DECLARED:
        parts = [
            _("Declared %(severity)s (%(source)s).")
            % {
                "severity": severity_short(d.get("severity", 3)),
                "source": _label(Source, d.get("source", Source.MANUAL)).lower(),
            }
        ]
        if d.get("rule"):
            parts.append(_("Rule: “%(rule)s”.") % {"rule": d["rule"]})
        if d.get("spike"):
            parts.append(_("Spike #%(spike)s.") % {"spike": d["spike"]})
        if d.get("playbook"):
            parts.append(
                ngettext(
                    "Playbook “%(playbook)s”: %(count)d task created.",
                    "Playbook “%(playbook)s”: %(count)d tasks created.",
                    d.get("tasks", 0),
                )
                % {"playbook": d["playbook"], "count": d.get("tasks", 0)}
            )
        elif d.get("scenario"):
            parts.append(
                _("Scenario: %(scenario)s.") % {"scenario": _label(Scenario, d["scenario"])}
            )
        return " ".join(parts)
    if kind == Kind.STATUS:
        text = _("Status: %(from)s → %(to)s.") % {
            "from": _status(d.get("from")),
            "to": _status(d.get("to")),
        }
        if d.get("reason"):
            text += " " + _("Reason: %(reason)s") % {"reason": d["reason"]}
        if d.get("skipped"):
            text += " " + ngettext(
                "%(count)d open task skipped.", "%(count)d open tasks skipped.", d["skipped"]
            ) % {"count": d["skipped"]}
        return text
    if kind == Kind.SEVERITY:
        text = _("Severity: %(from)s → %(to)s.") % {
            "from": severity_short(d.get("from", 0)),
            "to": severity_short(d.get("to", 0)),
        }
        if d.get("reason"):
            text += " " + _("Reason: %(reason)s") % {"reason": d["reason"]}
        return text
    if kind == Kind.ROLE:
        role = _label(IncidentRole, d.get("role"))
        if d.get("name"):
            return _("%(role)s: %(name)s.") % {"role": role, "name": d["name"]}
        return _("%(role)s: nobody.") % {"role": role}
    if kind == Kind.TASK:
        words = {
            "done": _("Task done: “%(title)s”."),
            "reopened": _("Task reopened: “%(title)s”."),
            "added": _("Task added: “%(title)s”."),
            "skipped": _("Task skipped: “%(title)s”."),
        }
        return words.get(d.get("action"), words["added"]) % {"title": d.get("title", "")}
    if kind == Kind.MENTIONS:
        text = ngettext(
            "%(count)d mention linked.", "%(count)d mentions linked.", d.get("count", 0)
        ) % {"count": d.get("count", 0)}
        if d.get("rule"):
            text += " " + _("By the rule “%(rule)s”.") % {"rule": d["rule"]}
        return text
    if kind == Kind.STATEMENT:
        words = {
            "drafted": _("Holding statement drafted: “%(title)s”."),
            "edited": _("Holding statement edited: “%(title)s”."),
            "submitted": _("Holding statement sent to legal: “%(title)s”."),
            "approved": _("Holding statement approved by legal: “%(title)s”."),
            "changes": _("Legal asked for changes to “%(title)s”."),
            "voided": _("Legal's approval of “%(title)s” voided: its text changed."),
        }
        text = words.get(d.get("action"), words["edited"]) % {"title": d.get("title", "")}
        if d.get("comment"):
            text += " " + _("Comment: %(comment)s") % {"comment": d["comment"]}
        return text
    if kind == Kind.FREEZE:
        if d.get("action") == "lifted":
            text = _("Publishing freeze lifted.")
            if d.get("note"):
                text += " " + d["note"]
            return text
        return _("Publishing frozen: %(reason)s") % {"reason": d.get("reason", "")}
    if kind == Kind.REVIEW:
        return ngettext(
            "Post-incident review written, %(count)d action item.",
            "Post-incident review written, %(count)d action items.",
            d.get("action_items", 0),
        ) % {"count": d.get("action_items", 0)}
    return entry.text
