from riskdesk.permissions import has_perm, rule

rule("stream.view", has_perm("monitoring.view_stream"))
rule("stream.create", has_perm("monitoring.add_stream"))
rule("stream.change", has_perm("monitoring.change_stream"))
rule("stream.delete", has_perm("monitoring.delete_stream"))
rule("stream.poll", has_perm("monitoring.poll_stream"))
rule("credential.view", has_perm("monitoring.view_credential"))
rule("credential.manage", has_perm("monitoring.change_credential"))
rule("mention.view", has_perm("monitoring.view_mention"))
rule("mention.ingest", has_perm("monitoring.add_mention"))
