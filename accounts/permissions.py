from riskdesk.permissions import any_of, has_perm, is_self, rule


def admins_only_by_admins(predicate):
    """`predicate`, and when the person acted on has admin rights, the actor has them too.

    HR records departures, but deactivating, re-roling or editing an admin is an
    admin's decision: otherwise anyone with a narrower role could lock the admins out.
    """
    return lambda user, obj: (
        predicate(user, obj) and (obj is None or not obj.has_admin_rights or user.has_admin_rights)
    )


rule("user.view", has_perm("accounts.view_user"))
rule("user.create", has_perm("accounts.add_user"))
rule("user.change", admins_only_by_admins(has_perm("accounts.change_user")))
rule("user.change_employment", admins_only_by_admins(has_perm("accounts.change_employment")))
rule("user.manage_roles", admins_only_by_admins(has_perm("accounts.manage_roles")))
rule(
    "user.change_profile", any_of(is_self, admins_only_by_admins(has_perm("accounts.change_user")))
)
rule("user.manage_two_factor", is_self)
rule("user.create_api_token", is_self)
rule(
    "user.revoke_api_token",
    any_of(is_self, admins_only_by_admins(has_perm("accounts.change_user"))),
)
rule("team.view", has_perm("accounts.view_team"))
rule("team.create", has_perm("accounts.add_team"))
rule("team.change", has_perm("accounts.change_team"))
rule("team.delete", has_perm("accounts.delete_team"))
rule("scim.manage", has_perm("accounts.manage_scim"))
rule("sso.manage", has_perm("accounts.manage_sso"))
