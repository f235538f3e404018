"""The daily cadence: policy reviews that fall due, and the reminders people need.

`policies_flag_reviews` moves each policy's review status to "due" (within
REVIEW_DUE_DAYS of its next review date), "overdue" (past it) or back to
"up to date", with an audit event for each change. `reminders_send` gathers what
each person should be reminded of (reviews of the policies they own, policies
to acknowledge, training about to expire, expired or due) and sends each person
one e-mail listing it all. Every item is remembered (Reminder), so a person
hears about the same item at most once a week however often the task runs.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from policies import selectors
from policies.models import Policy, Reminder, ReminderKind, ReviewStatus
from policies.selectors import TrainingState
from riskdesk.audit import audit_record
from riskdesk.mail import absolute_url, mail_people

REVIEW_DUE_DAYS = 30
REMIND_EVERY_DAYS = 7
ASSIGNMENT_WARNING_DAYS = 7


def review_status_on(policy: Policy, day: date) -> str:
    if policy.next_review_on is None:
        return ReviewStatus.CURRENT
    if policy.next_review_on < day:
        return ReviewStatus.OVERDUE
    if policy.next_review_on <= day + timedelta(days=REVIEW_DUE_DAYS):
        return ReviewStatus.DUE
    return ReviewStatus.CURRENT


@transaction.atomic
def policies_flag_reviews(*, day: date | None = None) -> list[Policy]:
    """Update every policy's review status; returns the policies whose status changed."""
    day = day or selectors.today()
    changed = []
    for policy in Policy.objects.select_for_update(of=("self",)).order_by("pk"):
        status = review_status_on(policy, day)
        if status == policy.review_status:
            continue
        before = {"review_status": policy.review_status}
        policy.review_status = status
        policy.save(update_fields=["review_status", "updated_at"])
        audit_record(
            actor=None,
            verb=f"policy.review_{status}",
            target=policy,
            before=before,
            after={"review_status": status, "next_review_on": policy.next_review_on.isoformat()},
        )
        changed.append(policy)
    return changed


@dataclass(frozen=True)
class Item:
    kind: str
    key: str
    user_id: int
    text: str


def _review_items(day: date) -> list[Item]:
    items = []
    due = Policy.objects.filter(
        review_status__in=[ReviewStatus.DUE, ReviewStatus.OVERDUE]
    ).order_by("next_review_on", "title")
    for policy in due:
        url = absolute_url(reverse("policy_detail", kwargs={"slug": policy.slug}))
        if policy.review_status == ReviewStatus.OVERDUE:
            text = _('The review of "%(policy)s" is overdue since %(when)s: %(url)s')
        else:
            text = _('"%(policy)s" is due for review on %(when)s: %(url)s')
        text = text % {"policy": policy, "when": date_format(policy.next_review_on), "url": url}
        key = f"policy:{policy.pk}:{policy.review_status}"
        items.append(Item(ReminderKind.REVIEW, key, policy.owner_id, text))
    return items


def _acknowledgement_items(people) -> list[Item]:
    items = []
    completion = selectors.acknowledgement_completion(selectors.policies_for_list(), people)
    for entry in completion.values():
        policy = entry.policy
        url = absolute_url(reverse("policy_acknowledge", kwargs={"slug": policy.slug}))
        text = _('Read and acknowledge "%(policy)s": %(url)s') % {"policy": policy, "url": url}
        key = f"revision:{policy.acknowledgement_revision_id}"
        items.extend(
            Item(ReminderKind.ACKNOWLEDGEMENT, key, person.pk, text) for person in entry.missing
        )
    return items


def _training_items(people, day: date) -> list[Item]:
    items = []
    soon = day + timedelta(days=ASSIGNMENT_WARNING_DAYS)
    for status in selectors.training_statuses(selectors.training_modules(), people, day=day):
        module, person = status.module, status.person
        values = {"module": module}
        if status.due_on is not None and not status.is_current and status.due_on <= soon:
            values["when"] = date_format(status.due_on)
            if status.due_on < day:
                text = _('Training "%(module)s" was due on %(when)s.')
            else:
                text = _('Training "%(module)s" is due by %(when)s.')
            items.append(
                Item(ReminderKind.TRAINING_DUE, f"due:{module.pk}:{status.due_on}", person.pk,
                     text % values)
            )  # fmt: skip
        elif status.state in (TrainingState.EXPIRING, TrainingState.EXPIRED):
            values["when"] = date_format(status.expires_on)
            if status.state == TrainingState.EXPIRING:
                text = _('Your training "%(module)s" expires on %(when)s: take it again.')
            else:
                text = _('Your training "%(module)s" expired on %(when)s: take it again.')
            key = f"{status.state}:{module.pk}:{status.expires_on}"
            items.append(Item(ReminderKind.TRAINING_EXPIRY, key, person.pk, text % values))
    return items


@transaction.atomic
def reminders_send(*, day: date | None = None) -> int:
    """Send each person one e-mail with what is new or a week old; returns how many people."""
    day = day or selectors.today()
    people = selectors.directory()
    items = [
        *_review_items(day),
        *_acknowledgement_items(people),
        *_training_items(people, day),
    ]
    recent = set(
        Reminder.objects.filter(sent_on__gt=day - timedelta(days=REMIND_EVERY_DAYS)).values_list(
            "kind", "key", "user_id"
        )
    )
    by_person: dict[int, list[Item]] = defaultdict(list)
    for item in items:
        if (item.kind, item.key, item.user_id) not in recent:
            by_person[item.user_id].append(item)
    if not by_person:
        return 0
    recipients = User.objects.in_bulk(list(by_person))
    training_url = absolute_url(reverse("training_list"))
    for user_id, pending in by_person.items():
        user = recipients.get(user_id)
        if user is None:
            continue
        lines = "\n".join(f"- {item.text}" for item in pending)
        mail_people(
            people=[user],
            subject=ngettext(
                "riskdesk: %(count)d thing to do on policies and training",
                "riskdesk: %(count)d things to do on policies and training",
                len(pending),
            )
            % {"count": len(pending)},
            body=_("Hello %(name)s,\n\n%(lines)s\n\nYour training: %(training)s\n")
            % {"name": user.get_short_name(), "lines": lines, "training": training_url},
        )
    Reminder.objects.bulk_create(
        [
            Reminder(kind=item.kind, key=item.key, user_id=item.user_id, sent_on=day)
            for pending in by_person.values()
            for item in pending
        ],
        ignore_conflicts=True,
    )
    return len(by_person)
