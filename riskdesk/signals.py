"""Sign-in events are recorded in the audit log; Django only tells us through signals."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.dispatch import receiver

from riskdesk import login_guard
from riskdesk.audit import audit_record


@receiver(user_logged_in, dispatch_uid="riskdesk.audit_login")
def audit_login(sender, request, user, **kwargs):
    with transaction.atomic():
        audit_record(actor=user, verb="auth.login", target=user)


@receiver(user_logged_out, dispatch_uid="riskdesk.audit_logout")
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        with transaction.atomic():
            audit_record(actor=user, verb="auth.logout", target=user)


@receiver(user_login_failed, dispatch_uid="riskdesk.audit_login_failed")
def audit_login_failed(sender, credentials, request=None, **kwargs):
    if request is not None:
        login_guard.record_failure(request)  # the per-address limit, across usernames
    # The password is never stored; Django already masks it in `credentials`.
    with transaction.atomic():
        audit_record(
            actor=None,
            verb="auth.login_failed",
            after={"username": str(credentials.get("username", ""))[:254]},
        )
