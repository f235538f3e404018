"""Who may do what with policies, revisions, acknowledgements and training.

Everyone signed in reads published policies and acknowledges them; a policy's
owner writes its revisions; managers review, approve and publish; admins set
policies up; HR and managers see the compliance reports; HR and admins manage
training.
"""

from riskdesk.permissions import any_of, has_perm, rule

REVIEW = "policies.review_policy"
MANAGE = "policies.manage_policy"


def signed_in(user, obj) -> bool:
    return True  # riskdesk.permissions.can already refuses anonymous and inactive users


def _policy_of(obj):
    return getattr(obj, "policy", obj)


def owns_policy(user, obj) -> bool:
    policy = _policy_of(obj)
    return policy is not None and policy.owner_id == user.pk


def authored(user, obj) -> bool:
    return obj is not None and getattr(obj, "author_id", None) == user.pk


def may_complete_self(user, module) -> bool:
    """A module flagged self-service (and still active) is completed by the person alone."""
    return module is None or (module.self_service and module.is_active)


def is_assigned_reviewer(user, revision) -> bool:
    """A manager asked to review `revision` (or any revision, when none is given)."""
    if revision is None:
        return True
    return any(review.reviewer_id == user.pk for review in revision.reviews.all())


def may_review(user, revision) -> bool:
    if not user.has_perm(REVIEW) or authored(user, revision):
        return False  # nobody approves their own text
    return is_assigned_reviewer(user, revision)


def may_view_revision(user, revision) -> bool:
    if revision is None or not revision.is_open:
        return True  # published and superseded texts are for everyone
    return (
        authored(user, revision)
        or owns_policy(user, revision)
        or user.has_perm(REVIEW)
        or user.has_perm(MANAGE)
    )


rule("policy.view", signed_in)
rule("policy.manage", has_perm(MANAGE))
rule("policy.acknowledge", signed_in)
rule("revision.view", may_view_revision)
rule("revision.write", any_of(owns_policy, authored, has_perm(MANAGE)))
rule("revision.comment", may_view_revision)
rule("revision.review", may_review)
rule("revision.publish", any_of(has_perm(REVIEW), has_perm(MANAGE)))
rule("compliance.view", has_perm("policies.view_compliance"))
rule("training.view", signed_in)
rule("training.manage", has_perm("policies.manage_training"))
rule("training.complete_self", may_complete_self)
