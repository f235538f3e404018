"""Permissions this app adds to the riskdesk roles (merged by accounts.roles).

The social team writes and schedules the brand's posts; legal, managers and admins see the
calendar; legal decides on the posts that need it in compliance's queue, and keeps the
teams' rules of what needs it, with admins."""

VIEW = ["publishing.view_brandpost", "publishing.view_legalrule"]
RULES = ["publishing.add_legalrule", "publishing.change_legalrule"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "social": [*VIEW, "publishing.schedule_brandpost"],
    "legal": [*VIEW, *RULES],
    "manager": VIEW,
    "admin": [*VIEW, *RULES],
}
