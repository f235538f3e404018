"""Business operations (writes) on policies, their revisions, acknowledgements and training.

One module per sub-feature: `policies` (create, update, hand over), `revisions` (the review
workflow), `acknowledgements`, `training` (modules, records, assignments), `csv_import`
(training records from a learning platform's CSV) and `cadence` (the daily review flags and
reminders). The names below keep `from policies import services; services.revision_submit(...)`
working.
"""

from policies.services.acknowledgements import SupersededRevision, acknowledgement_record
from policies.services.policies import (
    POLICY_FIELDS,
    policy_create,
    policy_transfer,
    policy_update,
)
from policies.services.revisions import (
    MAX_BODY,
    MAX_COMMENT,
    REVISION_CONTENT,
    approval_satisfied,
    revision_approve,
    revision_comment,
    revision_create,
    revision_publish,
    revision_request_changes,
    revision_submit,
    revision_update,
    revision_url,
)

__all__ = [
    "MAX_BODY",
    "MAX_COMMENT",
    "POLICY_FIELDS",
    "REVISION_CONTENT",
    "SupersededRevision",
    "acknowledgement_record",
    "approval_satisfied",
    "policy_create",
    "policy_transfer",
    "policy_update",
    "revision_approve",
    "revision_comment",
    "revision_create",
    "revision_publish",
    "revision_request_changes",
    "revision_submit",
    "revision_update",
    "revision_url",
]
