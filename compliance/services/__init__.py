"""Every change to sponsored posts: create, edit, submit, decide, schedule, publish, comment.

Each service checks the permission, changes the rows, writes the audit event in
the same transaction and returns the object. Rows are locked (SELECT … FOR
UPDATE) before they are compared, so an edit and a decision cannot cross: a
decision names the content digest it was taken on and is refused when the post
no longer has it; an edit after approval voids the approval and sends the post
back to legal.

One module a sub-feature: `posts` (create and edit), `review` (submit, decide,
schedule, publish, expiry and reminders), `comments`, `checking` (the automatic
checks and the link checks), `uploads` (media and contracts), `rule_lists`, and
`mail` (who is told). Callers use `from compliance import services` and the names
below.
"""

from compliance.content import canonical_content
from compliance.services.checking import (
    OPEN_STATUSES,
    post_check_links,
    post_content,
    posts_recheck,
)
from compliance.services.comments import MENTION_RE, comment_add, mentioned_people
from compliance.services.mail import reviewers_for
from compliance.services.posts import (
    AUDIT_FIELDS,
    MAX_LINKS,
    MAX_TEXT,
    POST_FIELDS,
    Conflict,
    sponsored_post_create,
    sponsored_post_transfer,
    sponsored_post_update,
    sponsored_posts_account_renamed,
)
from compliance.services.review import (
    approval_expiry,
    approvals_expire,
    is_cleared,
    may_decide,
    reviews_remind,
    sponsored_post_decide,
    sponsored_post_publish,
    sponsored_post_schedule,
    sponsored_post_submit,
)
from compliance.services.rule_lists import MAX_TERM_LENGTH, MAX_TERMS, rule_list_update

__all__ = [
    "AUDIT_FIELDS",
    "MAX_LINKS",
    "MAX_TERMS",
    "MAX_TERM_LENGTH",
    "MAX_TEXT",
    "MENTION_RE",
    "OPEN_STATUSES",
    "POST_FIELDS",
    "Conflict",
    "approval_expiry",
    "approvals_expire",
    "canonical_content",
    "comment_add",
    "is_cleared",
    "may_decide",
    "mentioned_people",
    "post_check_links",
    "post_content",
    "posts_recheck",
    "reviewers_for",
    "reviews_remind",
    "rule_list_update",
    "sponsored_post_create",
    "sponsored_post_decide",
    "sponsored_post_publish",
    "sponsored_post_schedule",
    "sponsored_post_submit",
    "sponsored_post_transfer",
    "sponsored_post_update",
    "sponsored_posts_account_renamed",
]
