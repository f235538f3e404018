"""Who may see the publishing calendar and write the brand's posts. Publishing as an
account also takes a place on its list (`connected_account.act`, connections.permissions)."""

from riskdesk.permissions import has_perm, rule

rule("brand_post.view", has_perm("publishing.view_brandpost"))
rule("brand_post.write", has_perm("publishing.schedule_brandpost"))
rule("legal_rule.view", has_perm("publishing.view_legalrule"))
rule("legal_rule.manage", has_perm("publishing.change_legalrule"))
