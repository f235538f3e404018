"""Permissions this app adds to the riskdesk roles (merged by accounts.roles)."""

EVERYONE = [
    "incidents.view_incident",
    "incidents.add_incident",
    "incidents.view_playbook",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "social": [*EVERYONE],
    "legal": [*EVERYONE, "incidents.approve_statement"],
    "hr": [*EVERYONE],
    "manager": [*EVERYONE, "incidents.manage_incident"],
    "admin": [
        *EVERYONE,
        "incidents.manage_incident",
        "incidents.add_playbook",
        "incidents.change_playbook",
        "incidents.delete_playbook",
    ],
}
