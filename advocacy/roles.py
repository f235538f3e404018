"""Permissions this app adds to the riskdesk roles (merged by accounts.roles).

Everyone signed in sees the available posts and shares them (advocacy.permissions);
managers and the social team curate the library.
"""

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "social": ["advocacy.curate_librarypost"],
    "manager": ["advocacy.curate_librarypost"],
}
