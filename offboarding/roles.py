"""Permissions this app adds to the riskdesk roles (merged by accounts.roles).

HR opens offboarding cases and works them; admins (and the Security team, see
offboarding.permissions) keep the access inventory and revoke. Managers,
the social team and legal see none of it.
"""

OFFBOARDING_READ = [
    "offboarding.view_brandaccount",
    "offboarding.view_accessgrant",
    "offboarding.view_offboardingcase",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "hr": [
        *OFFBOARDING_READ,
        "offboarding.add_offboardingcase",
        "offboarding.change_offboardingcase",
    ],
    "admin": [
        *OFFBOARDING_READ,
        "offboarding.add_offboardingcase",
        "offboarding.change_offboardingcase",
        "offboarding.add_accessgrant",
        "offboarding.change_accessgrant",
    ],
}
