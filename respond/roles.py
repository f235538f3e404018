"""Permissions this app adds to the riskdesk roles (merged by accounts.roles).

The social team and admins moderate (hide, delete the brand's replies, report) as the
connected accounts they are listed on.
"""

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "social": ["respond.add_moderationaction", "respond.view_moderationaction"],
    "admin": ["respond.add_moderationaction", "respond.view_moderationaction"],
}
