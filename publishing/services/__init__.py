"""Writing, scheduling and publishing the brand's posts; the gates at the moment of sending.

Each service checks the permission, changes the rows and writes the audit event in one
transaction. A post is published by its deliveries (one per connected account), through
the publishers and the outbox rules of respond.outbox: saved first, sent after the
commit by a worker, never twice.

**The gates**, checked when a post is scheduled and again when it is sent:

- the author may act as every account (`connected_account.act`), the account's network
  publishes text posts, and the text fits each network's limit;
- a post that needs legal's approval (`legal_reasons`: sponsored, a regulated claim the
  compliance checks find, a team's rule (`LegalRule`), or asked for) goes out only if its
  clearance is approved for the exact content being sent (compliance.selectors.clearance:
  text, link, account and time, digest included) and not expired. Legal approves one
  account's post, so such a post has one account. Scheduling it sends it to legal; an edit
  sends it back; a rule added after scheduling holds the post until legal approves it;
- an active publishing freeze holds every scheduled post.

A post that a gate stops at its time is **held**, with the reason (and the incident), until
someone decides (`post_release`): publish it now, reschedule it, or drop it.
"""

from publishing.services.legal import (
    LegalNeeds,
    hold_for,
    legal_content,
    legal_needs,
    legal_reasons,
    rules_matching,
)
from publishing.services.posts import (
    AUDIT_FIELDS,
    FIELDS,
    MAX_TEXT,
    Release,
    account_problem,
    delivery_retry,
    post_create,
    post_from_review,
    post_release,
    post_schedule,
    post_unschedule,
    post_update,
    posts_hold_frozen,
)
from publishing.services.rules import legal_rule_save
from publishing.services.sending import delivery_send

__all__ = [
    "AUDIT_FIELDS",
    "FIELDS",
    "MAX_TEXT",
    "LegalNeeds",
    "Release",
    "account_problem",
    "delivery_retry",
    "delivery_send",
    "hold_for",
    "legal_content",
    "legal_needs",
    "legal_reasons",
    "legal_rule_save",
    "post_create",
    "post_from_review",
    "post_release",
    "post_schedule",
    "post_unschedule",
    "post_update",
    "posts_hold_frozen",
    "rules_matching",
]
