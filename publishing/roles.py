"""Permissions this app adds to the riskdesk roles (merged by accounts.roles).

The social team writes and schedules the brand's posts; legal, managers and admins see the
calendar (legal decides on the posts that need it in compliance's queue)."""

VIEW = ["publishing.view_brandpost"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "social": [*VIEW, "publishing.schedule_brandpost"],
    "legal": VIEW,
    "manager": VIEW,
    "admin": VIEW,
}
