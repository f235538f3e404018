"""Who may change the team's workspace.

`organisation.manage` (admins) covers the organisation's settings: brand name, time zone,
languages, logo. SLA targets and the business hours and holidays their clocks count are
`sla.manage` (inbox.permissions), reply templates `reply_template.manage`.
"""

from riskdesk.permissions import has_perm, rule

rule("organisation.manage", has_perm("workspace.change_organisation"))
