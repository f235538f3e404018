"""Holding statements: drafted in the incident, cleared by legal for their exact text.

Legal's approval records the digest (riskdesk.content_hash) of the title, channel and
text it was given on; editing any of them voids the approval, and the statement has
to go back to legal. The author of a statement cannot approve it.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.models import HoldingStatement, Incident, Status, TimelineEntry
from incidents.services.timeline import timeline_add
from riskdesk.audit import audit_record, snapshot
from riskdesk.mail import absolute_url, mail_people
from riskdesk.permissions import require

State = HoldingStatement.State
FIELDS = ["title", "channel", "text"]
TEXT_MAX = 5000
AUDIT_FIELDS = ["title", "channel", "text", "state"]


def _clean(title: str, channel: str, text: str) -> dict:
    values = {
        "title": (title or "").strip(),
        "channel": (channel or "").strip(),
        "text": (text or "").strip(),
    }
    errors = {}
    if not values["title"]:
        errors["title"] = _("Name the statement, e.g. “First public reply”.")
    elif len(values["title"]) > 200:
        errors["title"] = _("At most %(max)d characters.") % {"max": 200}
    if len(values["channel"]) > 200:
        errors["channel"] = _("At most %(max)d characters.") % {"max": 200}
    if not values["text"]:
        errors["text"] = _("Write the statement.")
    elif len(values["text"]) > TEXT_MAX:
        errors["text"] = _("At most %(max)d characters.") % {"max": TEXT_MAX}
    if errors:
        raise ValidationError(errors)
    return values


def _open(incident: Incident) -> None:
    if incident.status == Status.REVIEWED:
        raise ValidationError(_("This incident is reviewed and closed."))


def _entry(statement: HoldingStatement, actor, action: str, comment: str = "") -> None:
    timeline_add(
        incident=statement.incident,
        kind=TimelineEntry.Kind.STATEMENT,
        actor=actor,
        data={
            "statement": statement.pk,
            "title": statement.title,
            "action": action,
            "comment": comment,
        },
    )


def _locked(statement: HoldingStatement) -> HoldingStatement:
    return (
        HoldingStatement.objects.select_for_update(of=("self",))
        .select_related("incident", "created_by")
        .get(pk=statement.pk)
    )


@transaction.atomic
def statement_create(
    *, actor, incident: Incident, title: str, text: str, channel: str = ""
) -> HoldingStatement:
    incident = Incident.objects.select_for_update(of=("self",)).get(pk=incident.pk)
    require(actor, "incident.work", incident)
    _open(incident)
    values = _clean(title, channel, text)
    statement = HoldingStatement.objects.create(incident=incident, created_by=actor, **values)
    _entry(statement, actor, "drafted")
    audit_record(
        actor=actor,
        verb="statement.create",
        target=statement,
        after=snapshot(statement, AUDIT_FIELDS),
    )
    return statement


@transaction.atomic
def statement_update(
    *, actor, statement: HoldingStatement, title: str, text: str, channel: str = ""
) -> HoldingStatement:
    """Edit the statement. Any change to an approved or submitted text voids the approval."""
    statement = _locked(statement)
    require(actor, "incident.work", statement.incident)
    _open(statement.incident)
    values = _clean(title, channel, text)
    if all(getattr(statement, k) == v for k, v in values.items()):
        return statement  # nothing changed: the approval (if any) still holds
    before = snapshot(statement, AUDIT_FIELDS)
    was_approved = statement.state == State.APPROVED
    for key, value in values.items():
        setattr(statement, key, value)
    statement.updated_at = timezone.now()
    if statement.state in (State.APPROVED, State.PENDING):
        statement.state = State.DRAFT
        statement.approved_digest = ""
        statement.decided_by = None
        statement.decided_at = None
    statement.save()
    _entry(statement, actor, "voided" if was_approved else "edited")
    audit_record(
        actor=actor,
        verb="statement.update",
        target=statement,
        before=before,
        after=snapshot(statement, AUDIT_FIELDS) | {"approval_voided": was_approved},
    )
    return statement


@transaction.atomic
def statement_submit(*, actor, statement: HoldingStatement) -> HoldingStatement:
    """Send the statement to legal; mails the incident's legal person (or every legal user)."""
    statement = _locked(statement)
    incident = statement.incident
    require(actor, "incident.work", incident)
    _open(incident)
    if statement.state == State.PENDING:
        return statement
    if statement.state == State.APPROVED:
        raise ValidationError(_("Legal has already approved this text."))
    statement.state = State.PENDING
    statement.save(update_fields=["state"])
    _entry(statement, actor, "submitted")
    audit_record(
        actor=actor,
        verb="statement.submit",
        target=statement,
        before={"state": State.DRAFT},
        after={"state": State.PENDING},
    )
    if incident.legal_id:
        people = [incident.legal]
    else:
        from accounts.models import User

        people = list(
            User.objects.filter(
                is_active=True,
                groups__permissions__codename="approve_statement",
                groups__permissions__content_type__app_label="incidents",
            ).distinct()
        )
    url = absolute_url(reverse("incident_detail", kwargs={"pk": incident.pk}) + "#statements")
    mail_people(
        people=[p for p in people if p != actor],
        subject=_("[riskdesk] Holding statement to approve on %(ref)s: %(title)s")
        % {"ref": incident.reference, "title": statement.title},
        body=_("%(actor)s asks legal to approve this holding statement:\n\n%(text)s\n\n%(url)s\n")
        % {"actor": actor, "text": statement.text, "url": url},
    )
    return statement


@transaction.atomic
def statement_approve(
    *, actor, statement: HoldingStatement, digest: str, comment: str = ""
) -> HoldingStatement:
    """Legal clears the statement for the text it read.

    `digest` is the digest of the text the approver was shown (the page's hidden field,
    the API's `digest`); it is required, and when it no longer matches, someone edited the
    statement meanwhile and the approval is refused.
    """
    statement = _locked(statement)
    require(actor, "statement.approve", statement.incident)
    _open(statement.incident)
    if statement.state == State.APPROVED and statement.is_cleared:
        return statement
    if statement.state != State.PENDING:
        raise ValidationError(_("Only a statement sent to legal can be approved."))
    if statement.created_by_id == actor.pk:
        raise ValidationError(_("You wrote this statement: another legal person must approve it."))
    current = statement.digest()
    if not digest:
        raise ValidationError(
            _("The approval does not name the text you read (its digest): reload the statement.")
        )
    if digest.strip().lower() != current:
        raise ValidationError(
            _("The statement changed since you opened it: read the new text before approving.")
        )
    statement.state = State.APPROVED
    statement.approved_digest = current
    statement.decided_by = actor
    statement.decided_at = timezone.now()
    statement.legal_comment = (comment or "").strip()
    statement.save()
    _entry(statement, actor, "approved", statement.legal_comment)
    audit_record(
        actor=actor,
        verb="statement.approve",
        target=statement,
        before={"state": State.PENDING},
        after={"state": State.APPROVED, "digest": current},
    )
    return statement


@transaction.atomic
def statement_request_changes(
    *, actor, statement: HoldingStatement, comment: str
) -> HoldingStatement:
    statement = _locked(statement)
    require(actor, "statement.approve", statement.incident)
    _open(statement.incident)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Tell the authors what to change.")})
    if statement.state != State.PENDING:
        raise ValidationError(_("Only a statement sent to legal can be sent back."))
    statement.state = State.CHANGES
    statement.decided_by = actor
    statement.decided_at = timezone.now()
    statement.legal_comment = comment
    statement.save()
    _entry(statement, actor, "changes", comment)
    audit_record(
        actor=actor,
        verb="statement.request_changes",
        target=statement,
        before={"state": State.PENDING},
        after={"state": State.CHANGES, "comment": comment},
    )
    if statement.created_by and statement.created_by != actor:
        mail_people(
            people=[statement.created_by],
            subject=_("[riskdesk] Legal asks for changes: %(title)s") % {"title": statement.title},
            body=_("%(actor)s: %(comment)s\n\n%(url)s\n")
            % {
                "actor": actor,
                "comment": comment,
                "url": absolute_url(
                    reverse("incident_detail", kwargs={"pk": statement.incident_id})
                ),
            },
        )
    return statement
