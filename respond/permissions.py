"""Responding on the networks is triage (`mention.triage`) as a connected account the person
may act as (`connected_account.act`, connections.permissions); these add moderation."""

from riskdesk.permissions import has_perm, rule

rule("mention.moderate", has_perm("respond.add_moderationaction"))
