"""Who may do what in incidents.

Anyone with a riskdesk role may see incidents and declare one. The incident's
lead (and whoever holds `manage_incident`: managers and admins) runs it:
severity, status, roles, freeze, review. The people holding a role on the
incident work it: tasks of their role, statements, pins. Legal approves
statements. Admins edit playbooks.
"""

from riskdesk.permissions import any_of, has_perm, rule

MANAGE = "incidents.manage_incident"


def _is_lead(user, incident) -> bool:
    return incident is not None and incident.lead_id == user.pk


def _holds_a_role(user, incident) -> bool:
    return incident is not None and incident.holds_a_role(user)


def _can_view(user, obj) -> bool:
    return user.has_perm("incidents.view_incident")


def _task_owner(user, task) -> bool:
    if task is None:
        return False
    incident = task.incident
    if task.assignee_id == user.pk or incident.lead_id == user.pk:
        return True
    return bool(task.role) and getattr(incident, f"{task.role}_id", None) == user.pk


def _both(first, second):
    return lambda user, obj: first(user, obj) and second(user, obj)


rule("incident.view", has_perm("incidents.view_incident"))
rule("incident.declare", has_perm("incidents.add_incident"))
rule("incident.run", _both(_can_view, any_of(has_perm(MANAGE), _is_lead)))
rule("incident.work", _both(_can_view, any_of(has_perm(MANAGE), _is_lead, _holds_a_role)))
rule("incident.note", has_perm("incidents.view_incident"))
rule(
    "incident.link_mentions",
    _both(_can_view, has_perm("monitoring.view_mention")),
)
rule(
    "incident.task",
    _both(_can_view, any_of(has_perm(MANAGE), _task_owner)),
)
rule("statement.approve", _both(_can_view, has_perm("incidents.approve_statement")))
rule("playbook.view", has_perm("incidents.view_playbook"))
rule("playbook.manage", has_perm("incidents.change_playbook"))
