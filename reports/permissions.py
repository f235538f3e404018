"""Who may read reports, export, and choose who gets the weekly report.

The social team, managers and admins read the reports (figures of the mentions each may
read: a report never counts a mention its reader cannot see) and export them and the
mentions; managers and admins choose who receives the weekly report by e-mail. The audit
log's export is for who reads the audit log (`audit.view`).
"""

from riskdesk.permissions import has_perm, rule

rule("report.view", has_perm("reports.view_reports"))
rule("report.subscriptions", has_perm("reports.add_reportsubscription"))
