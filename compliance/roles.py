"""Permissions this app adds to the riskdesk roles (merged by accounts.roles)."""

READ = ["compliance.view_sponsoredpost", "compliance.view_rulelist"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    # The social team writes posts, submits them, schedules them and records publication.
    "social": [
        *READ,
        "compliance.add_sponsoredpost",
        "compliance.change_sponsoredpost",
        "compliance.publish_sponsoredpost",
    ],
    # Legal decides and keeps the rule lists the checks read.
    "legal": [*READ, "compliance.review_sponsoredpost", "compliance.change_rulelist"],
    "manager": [*READ],
    "admin": [*READ],
}
