"""Permissions this app adds to the riskdesk roles (merged by accounts.roles).

Reports are for who answers for the social work: the social team, managers and admins.
Legal and HR see their own queues in the inbox and have no need of the team's figures.
"""

READ = ["reports.view_reports"]
MANAGE = [
    "reports.view_reportsubscription",
    "reports.add_reportsubscription",
    "reports.delete_reportsubscription",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "social": [*READ],
    "manager": [*READ, *MANAGE],
    "admin": [*READ, *MANAGE],
}
