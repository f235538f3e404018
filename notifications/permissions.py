"""Who may do what with notifications: everyone signed in, to their own only.

A notification is its recipient's alone; another person's is answered 404 by the
selectors (`notifications_of`), so these rules only say that a person needs no role.
"""

from riskdesk.permissions import rule


def _own(user, notification) -> bool:
    return notification is None or notification.recipient_id == user.pk


rule("notification.view", _own)
rule("notification.read", _own)
rule("notification.preferences", lambda user, obj: True)
