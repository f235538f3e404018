"""Permissions this app adds to the riskdesk roles (merged by accounts.roles).

Everyone reads and acknowledges policies and sees their own training without a
permission (policies.permissions); these are the extra rights.
"""

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "hr": ["policies.view_compliance", "policies.manage_training"],
    "manager": ["policies.review_policy", "policies.view_compliance"],
    "admin": [
        "policies.manage_policy",
        "policies.view_compliance",
        "policies.manage_training",
    ],
}
