"""Permissions this app adds to the riskdesk roles (merged by accounts.roles).

HR opens offboarding cases and works them, and records who has access to which
brand account (by hand or by CSV import), marks access revoked and reviews it:
HR runs offboarding, so it keeps the access inventory with admins and the
Security team (see offboarding.permissions). Only admins change the brand
accounts themselves. Managers, the social team and legal see none of it.
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
        "offboarding.add_accessgrant",
        "offboarding.change_accessgrant",
    ],
    "admin": [
        *OFFBOARDING_READ,
        "offboarding.add_offboardingcase",
        "offboarding.change_offboardingcase",
        "offboarding.add_accessgrant",
        "offboarding.change_accessgrant",
    ],
}
