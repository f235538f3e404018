"""The incident services (writes), one module per part:

- `incidents`: the checks every service shares; status, severity, roles, hand-over;
- `declare`: declaring incidents and linking mentions to them;
- `work`: tasks, notes and pins, the post-incident review, overdue reminders;
- `statements`: holding statements, cleared by legal;
- `playbooks`: editing playbooks, seeding the starting set;
- `timeline`: writing and wording the timeline;
- `rule_action`: the rules' "open or link an incident" hook on what the pipeline stores.

The publishing freeze is incidents.freeze. The names below are re-exported so callers
keep writing `from incidents.services import incident_declare` or `services.x(...)`.
"""

from incidents.services.declare import (
    incident_declare,
    incident_link_mentions,
    incident_open_or_link_for_rule,
)
from incidents.services.incidents import (
    INCIDENT_AUDIT_FIELDS,
    MAX_LINK,
    REASON_MAX,
    TITLE_MAX,
    TRANSITIONS,
    Kind,
    TaskState,
    allowed_statuses,
    incident_assign_role,
    incident_change_severity,
    incident_change_status,
    incident_transfer,
    incident_update,
    mention_ids_clean,
    severity_clean,
)
from incidents.services.playbooks import (
    playbook_create,
    playbook_delete,
    playbook_update,
    playbooks_seed,
)
from incidents.services.statements import (
    statement_approve,
    statement_create,
    statement_request_changes,
    statement_submit,
    statement_update,
)
from incidents.services.timeline import describe, timeline_add
from incidents.services.work import (
    entry_pin,
    note_add,
    review_submit,
    task_add,
    task_complete,
    tasks_remind_overdue,
)

__all__ = [
    "INCIDENT_AUDIT_FIELDS",
    "MAX_LINK",
    "REASON_MAX",
    "TITLE_MAX",
    "TRANSITIONS",
    "Kind",
    "TaskState",
    "allowed_statuses",
    "describe",
    "entry_pin",
    "incident_assign_role",
    "incident_change_severity",
    "incident_change_status",
    "incident_declare",
    "incident_link_mentions",
    "incident_open_or_link_for_rule",
    "incident_transfer",
    "incident_update",
    "mention_ids_clean",
    "note_add",
    "playbook_create",
    "playbook_delete",
    "playbook_update",
    "playbooks_seed",
    "review_submit",
    "severity_clean",
    "statement_approve",
    "statement_create",
    "statement_request_changes",
    "statement_submit",
    "statement_update",
    "task_add",
    "task_complete",
    "tasks_remind_overdue",
    "timeline_add",
]
