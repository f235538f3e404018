from riskdesk.permissions import has_perm, rule

rule("rule.view", has_perm("alerting.view_rule"))
rule("rule.manage", has_perm("alerting.change_rule"))
rule("channel.view", has_perm("alerting.view_notificationchannel"))
rule("channel.manage", has_perm("alerting.change_notificationchannel"))
rule("spike.view", has_perm("alerting.view_spikealert"))
rule("spike.acknowledge", has_perm("alerting.change_spikealert"))
