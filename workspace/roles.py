"""Permissions this app adds to the riskdesk roles (merged by accounts.roles)."""

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "admin": ["workspace.change_organisation"],
}
