"""Reports' writes: who gets the weekly report, its sending, and the record of exports."""

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from reports import selectors
from reports.models import ReportDelivery, ReportSubscription
from riskdesk.audit import audit_record
from riskdesk.mail import absolute_url, mail_person_rendered
from riskdesk.permissions import can, require


@transaction.atomic
def export_record(*, actor, what: str, kind: str, rows: int, filters: dict) -> None:
    """Audit an export: who took what, in which format, how many rows, with which filters.

    Recorded before the rows are sent (the count is the query's at that moment), so an
    export cut short is on the record too.
    """
    audit_record(
        actor=actor,
        verb=f"export.{what}",
        after={"format": kind, "rows": rows, "filters": filters},
    )


@transaction.atomic
def subscription_add(*, actor, user) -> ReportSubscription:
    require(actor, "report.subscriptions")
    if not can(user, "report.view"):
        raise ValueError(_("%(name)s may not read the reports.") % {"name": user})
    subscription, created = ReportSubscription.objects.get_or_create(
        user=user, defaults={"added_by": actor}
    )
    if created:
        audit_record(
            actor=actor,
            verb="report_subscription.add",
            target=subscription,
            after={"user": user.pk},
        )
    return subscription


@transaction.atomic
def subscription_remove(*, actor, subscription: ReportSubscription) -> ReportSubscription:
    require(actor, "report.subscriptions")
    audit_record(
        actor=actor,
        verb="report_subscription.remove",
        target=subscription,
        before={"user": subscription.user_id},
    )
    subscription.delete()
    return subscription


def weekly_reports_send(*, now=None) -> int:
    """Send last week's report to every subscriber who has not had it yet; how many were sent.

    The delivery row (unique per subscriber and week) is written in the transaction that
    queues the message, so a second run, or two beats at once, send nothing more.
    """
    now = now or timezone.now()
    period = selectors.last_week(timezone.localtime(now, selectors.report_timezone()).date())
    sent = 0
    pending = ReportSubscription.objects.exclude(deliveries__week_start=period.first)
    for subscription in pending.select_related("user"):
        sent += weekly_report_send(subscription=subscription, period=period, now=now)
    return sent


def weekly_report_send(*, subscription: ReportSubscription, period, now=None) -> int:
    user = subscription.user
    if not (user.is_active and user.email and can(user, "report.view")):
        return 0
    try:
        with transaction.atomic():
            ReportDelivery.objects.create(
                subscription=subscription, week_start=period.first, sent_at=now or timezone.now()
            )
            report = selectors.report_for(user, period, now=now)
            page = absolute_url(reverse("reports") + "?" + period.query())
            csv = absolute_url(
                reverse("report_section_csv", args=["figures"]) + "?" + period.query()
            )
            subject = _("Weekly report, %(first)s to %(last)s") % {
                "first": period.first.isoformat(),
                "last": period.last.isoformat(),
            }
            return mail_person_rendered(
                person=user,
                subject=subject,
                template="reports/email/weekly",
                context={"report": report, "page_url": page, "csv_url": csv},
            )
    except IntegrityError:
        return 0  # another run sent it
