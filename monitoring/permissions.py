from riskdesk.permissions import has_perm, rule

rule("stream.view", has_perm("monitoring.view_stream"))
rule("stream.create", has_perm("monitoring.add_stream"))
rule("stream.change", has_perm("monitoring.change_stream"))
rule("stream.delete", has_perm("monitoring.delete_stream"))
rule("stream.poll", has_perm("monitoring.poll_stream"))
rule("mention.view", has_perm("monitoring.view_mention"))
rule("mention.ingest", has_perm("monitoring.add_mention"))
rule("keywords.view", has_perm("monitoring.view_keywordlist"))
rule("keywords.manage", has_perm("monitoring.change_keywordlist"))
rule("watchlist.manage", has_perm("monitoring.change_watchedauthor"))
rule("mention.triage", has_perm("monitoring.triage_mention"))
rule("mention.view_restricted", has_perm("monitoring.view_restricted_mention"))
