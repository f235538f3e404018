"""Who may see and change brand accounts, their access and offboarding cases.

"Security" is the admin role plus everyone in a team of the Security kind:
they keep the access inventory and work offboarding cases with HR. Imported by
OffboardingConfig.ready().
"""

from accounts.models import TeamKind
from accounts.permissions import admins_only_by_admins
from accounts.selectors import special_teams
from riskdesk.permissions import any_of, has_perm, rule


def in_security_team(user, obj) -> bool:
    """Whether `user` is a member of a team of the Security kind (read once a request)."""
    return any(
        is_member and kind == TeamKind.SECURITY for _pk, kind, is_member in special_teams(user)
    )


rule("brand_account.view", has_perm("offboarding.view_brandaccount"))
rule("brand_account.manage", has_perm("offboarding.change_brandaccount"))
rule("access_grant.view", any_of(has_perm("offboarding.view_accessgrant"), in_security_team))
rule("access_grant.manage", any_of(has_perm("offboarding.change_accessgrant"), in_security_team))
rule("access_review.view", any_of(has_perm("offboarding.view_accessgrant"), in_security_team))
rule("offboarding.view", any_of(has_perm("offboarding.view_offboardingcase"), in_security_team))
# Opening a case deactivates the person at once: for an admin, only an admin may.
rule("offboarding.open", admins_only_by_admins(has_perm("offboarding.add_offboardingcase")))
rule("offboarding.work", any_of(has_perm("offboarding.change_offboardingcase"), in_security_team))
