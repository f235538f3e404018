from riskdesk.permissions import any_of, has_perm, is_self, rule

rule("user.view", has_perm("accounts.view_user"))
rule("user.create", has_perm("accounts.add_user"))
rule("user.change", has_perm("accounts.change_user"))
rule("user.change_employment", has_perm("accounts.change_employment"))
rule("user.manage_roles", has_perm("accounts.manage_roles"))
rule("user.change_profile", any_of(is_self, has_perm("accounts.change_user")))
rule("user.manage_two_factor", is_self)
rule("team.view", has_perm("accounts.view_team"))
rule("team.create", has_perm("accounts.add_team"))
rule("team.change", has_perm("accounts.change_team"))
rule("team.delete", has_perm("accounts.delete_team"))
