"""The riskdesk roles and the Django permissions each one carries.

A role is a Django group of the same name. `roles_sync` (run after every
migrate) makes the groups hold exactly the permissions listed here, so the list
below is the truth and the admin cannot drift from it for long. Later apps add
their permissions in their own `roles.py` (a `ROLE_PERMISSIONS` dict keyed by
role value), merged below.
"""

from importlib import import_module

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SOCIAL = "social", _("Social team")
    LEGAL = "legal", _("Legal")
    HR = "hr", _("Human resources")
    MANAGER = "manager", _("Manager")
    ADMIN = "admin", _("Administrator")


MONITORING_READ = [
    "monitoring.view_stream",
    "monitoring.view_mention",
    "alerting.view_rule",
    "alerting.view_notificationchannel",
    "monitoring.view_keywordlist",
    "alerting.view_spikealert",
    "offboarding.view_brandaccount",
]
MONITORING_WRITE = [
    "monitoring.add_stream",
    "monitoring.change_stream",
    "monitoring.delete_stream",
    "monitoring.poll_stream",
    "monitoring.add_mention",
    "monitoring.change_watchedauthor",
    "alerting.change_spikealert",
    "monitoring.triage_mention",
]

# Every signed-in person may read the directory of people and teams
# (accounts.backends.BaselinePermissionBackend), so roles list only the rest.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.SOCIAL: [*MONITORING_READ, *MONITORING_WRITE],
    Role.LEGAL: ["monitoring.view_mention", "monitoring.triage_mention"],
    Role.HR: [
        "accounts.change_employment",
    ],
    Role.MANAGER: [*MONITORING_READ],
    Role.ADMIN: [
        *MONITORING_READ,
        *MONITORING_WRITE,
        "alerting.change_rule",
        "alerting.change_notificationchannel",
        "monitoring.change_keywordlist",
        "monitoring.view_restricted_mention",
        "inbox.change_replytemplate",
        "inbox.change_slatarget",
        "offboarding.change_brandaccount",
        "accounts.add_user",
        "accounts.change_user",
        "accounts.change_employment",
        "accounts.manage_roles",
        "accounts.add_team",
        "accounts.change_team",
        "accounts.delete_team",
        "accounts.manage_scim",
        "accounts.manage_sso",
        "riskdesk.view_auditevent",
        "django_celery_beat.view_periodictask",
        "django_celery_beat.change_periodictask",
    ],
}

APP_ROLE_MODULES = (
    "policies.roles",
    "compliance.roles",
    "incidents.roles",
    "offboarding.roles",
    "connections.roles",
    "respond.roles",
    "publishing.roles",
    "advocacy.roles",
    "workspace.roles",
    "reports.roles",
)

for _module in APP_ROLE_MODULES:
    for _role, _perms in import_module(_module).ROLE_PERMISSIONS.items():
        ROLE_PERMISSIONS[Role(_role)] = list(
            dict.fromkeys([*ROLE_PERMISSIONS[Role(_role)], *_perms])
        )
