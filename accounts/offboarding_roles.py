"""Permissions this app adds to the riskdesk roles (merged by accounts.roles).

HR opens offboarding cases and works them; admins (and the Security team, see
accounts.offboarding_permissions) keep the access inventory and revoke. Managers,
the social team and legal see none of it.
"""

OFFBOARDING_READ = [
    "accounts.view_brandaccount",
    "accounts.view_accessgrant",
    "accounts.view_offboardingcase",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "hr": [
        *OFFBOARDING_READ,
        "accounts.add_offboardingcase",
        "accounts.change_offboardingcase",
    ],
    "admin": [
        *OFFBOARDING_READ,
        "accounts.add_offboardingcase",
        "accounts.change_offboardingcase",
        "accounts.add_accessgrant",
        "accounts.change_accessgrant",
        "accounts.change_revocationconnection",
        "accounts.manage_scim",
    ],
}
