from riskdesk.permissions import has_perm, rule

rule("reply_template.manage", has_perm("inbox.change_replytemplate"))
rule("sla.manage", has_perm("inbox.change_slatarget"))
