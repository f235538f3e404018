"""Offboarding's writes: brand accounts, access grants, cases and their tasks, the review.

Offboarding cases: everything a departing person could reach, revoked before the deadline.
Opening a case (HR, or the identity provider over SCIM) ends the person's own
riskdesk access at once and lists what must go: one task per active access
grant, one credential rotation per shared credential they could see, one
recovery contact change per account whose recovery phone or e-mail is theirs,
one ownership transfer per stream, rule, incident or sponsored post they own
(riskdesk.ownership). Revocations a connector can do (offboarding.revocation) run
in a worker and record the network's answer as evidence; the rest are done by
hand and confirmed with an evidence note. The case completes when every task is
done. A periodic check reminds, then escalates to the HR leads and security,
as the deadline nears.

The modules, by sub-feature: `brand_accounts`, `grants` (and `csv_import`), `cases`
(opening), `work` (doing the tasks), `runs` (automatic revocation), `deadlines`,
`review` (the periodic access review); `shared` holds what they have in common.
Callers import the names from this package.
"""

from offboarding.services.brand_accounts import (
    ACCESS_FIELDS,
    BRAND_ACCOUNT_FIELDS,
    brand_account_create,
    brand_account_update,
)
from offboarding.services.cases import (
    offboarding_case_open,
    offboarding_case_open_from_idp,
    offboarding_task_add,
    tasks_for_new_grant,
)
from offboarding.services.csv_import import (
    CSV_COLUMNS,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    ImportResult,
    access_grants_import,
)
from offboarding.services.deadlines import offboarding_deadlines_check
from offboarding.services.grants import (
    access_grant_create,
    access_grant_revoke,
    access_grant_update,
)
from offboarding.services.review import access_review_notify
from offboarding.services.runs import (
    offboarding_task_run,
    offboarding_tasks_due,
    retry_delay,
)
from offboarding.services.shared import (
    GRANT_AUDIT_FIELDS,
    GRANT_FIELDS,
    case_snapshot,
    close_grant,
    escalation_lead,
    grant_snapshot,
    reminder_lead,
    task_snapshot,
    window,
)
from offboarding.services.work import (
    offboarding_task_assign,
    offboarding_task_complete,
    offboarding_task_retry,
    task_close_for_grant,
)

__all__ = [
    "ACCESS_FIELDS",
    "BRAND_ACCOUNT_FIELDS",
    "CSV_COLUMNS",
    "GRANT_AUDIT_FIELDS",
    "GRANT_FIELDS",
    "MAX_IMPORT_BYTES",
    "MAX_IMPORT_ROWS",
    "ImportResult",
    "access_grant_create",
    "access_grant_revoke",
    "access_grant_update",
    "access_grants_import",
    "access_review_notify",
    "brand_account_create",
    "brand_account_update",
    "case_snapshot",
    "close_grant",
    "escalation_lead",
    "grant_snapshot",
    "offboarding_case_open",
    "offboarding_case_open_from_idp",
    "offboarding_deadlines_check",
    "offboarding_task_add",
    "offboarding_task_assign",
    "offboarding_task_complete",
    "offboarding_task_retry",
    "offboarding_task_run",
    "offboarding_tasks_due",
    "reminder_lead",
    "retry_delay",
    "task_close_for_grant",
    "task_snapshot",
    "tasks_for_new_grant",
    "window",
]
