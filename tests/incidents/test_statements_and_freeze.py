"""Holding statements bound to their exact text; the publishing freeze."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from incidents.freeze import current_freeze, freeze_lift, freeze_start
from incidents.models import HoldingStatement, PublishingFreeze
from incidents.selectors.context import publishing_freeze
from incidents.services import incident_assign_role, incident_change_status, incident_declare
from incidents.services.statements import (
    statement_approve,
    statement_create,
    statement_request_changes,
    statement_submit,
    statement_update,
)
from riskdesk.content_hash import content_digest
from riskdesk.models import AuditEvent
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

TEXT = "We have seen the posts from a fake account. We never ask for card details."


@pytest.fixture
def incident(social_user, legal_user):
    incident = incident_declare(actor=social_user, title="Fake account", severity=2)
    incident_assign_role(actor=social_user, incident=incident, role="legal", person=legal_user)
    return incident


@pytest.fixture
def pending(incident, social_user):
    statement = statement_create(
        actor=social_user, incident=incident, title="First reply", text=TEXT, channel="Mastodon"
    )
    return statement_submit(actor=social_user, statement=statement)


def test_legal_approves_the_exact_text_and_an_edit_voids_it(
    pending, social_user, legal_user, django_capture_on_commit_callbacks
):
    assert pending.state == "pending"
    assert not pending.is_cleared
    approved = statement_approve(actor=legal_user, statement=pending, digest=pending.digest())
    assert approved.is_cleared
    assert approved.approved_digest == content_digest(
        {"title": "First reply", "channel": "Mastodon", "text": TEXT}
    )
    # Saving the same text keeps the approval.
    same = statement_update(
        actor=social_user, statement=approved, title="First reply", text=TEXT, channel="Mastodon"
    )
    assert same.is_cleared

    edited = statement_update(
        actor=social_user,
        statement=approved,
        title="First reply",
        text=TEXT + " Thanks!",
        channel="Mastodon",
    )
    assert edited.state == "draft"
    assert not edited.is_cleared
    assert edited.incident.timeline.filter(kind="statement", data__action="voided").exists()
    verbs = list(
        AuditEvent.objects.filter(verb__startswith="statement.")
        .order_by("pk")
        .values_list("verb", flat=True)
    )
    assert verbs == [
        "statement.create",
        "statement.submit",
        "statement.approve",
        "statement.update",
    ]


def test_submitting_mails_the_incidents_legal_person(
    incident, social_user, legal_user, django_capture_on_commit_callbacks
):
    statement = statement_create(actor=social_user, incident=incident, title="t", text=TEXT)
    with django_capture_on_commit_callbacks(execute=True):
        statement_submit(actor=social_user, statement=statement)
        statement_submit(actor=social_user, statement=statement)  # twice: one request
    assert [m.to for m in mail.outbox] == [[legal_user.email]]
    assert AuditEvent.objects.filter(verb="statement.submit").count() == 1


def test_an_approval_of_a_text_that_changed_meanwhile_is_refused(pending, legal_user):
    read = pending.digest()
    HoldingStatement.objects.filter(pk=pending.pk).update(text="Something else")
    with pytest.raises(ValidationError, match="changed since you opened it"):
        statement_approve(actor=legal_user, statement=pending, digest=read)
    assert HoldingStatement.objects.get(pk=pending.pk).state == "pending"


@pytest.mark.parametrize("digest", ["", None])
def test_an_approval_that_names_no_digest_is_refused(pending, legal_user, digest):
    with pytest.raises(ValidationError, match="does not name the text you read"):
        statement_approve(actor=legal_user, statement=pending, digest=digest)
    assert HoldingStatement.objects.get(pk=pending.pk).state == "pending"
    assert not AuditEvent.objects.filter(verb="statement.approve").exists()


def test_the_api_requires_the_digest_and_refuses_a_stale_one(
    pending, incident, api_client_for, legal_user
):
    client = api_client_for("legal")
    url = f"/api/v1/incidents/{incident.pk}/approve-statement/"
    missing = client.post(url, {"statement": pending.pk}, format="json")
    assert missing.status_code == 400
    assert "digest" in missing.json()
    read = pending.digest()
    HoldingStatement.objects.filter(pk=pending.pk).update(text="Something else")
    stale = client.post(url, {"statement": pending.pk, "digest": read}, format="json")
    assert stale.status_code in (400, 409)
    assert "changed since you opened it" in str(stale.json())
    assert HoldingStatement.objects.get(pk=pending.pk).state == "pending"
    assert not AuditEvent.objects.filter(verb="statement.approve").exists()
    schema = client.get("/api/schema/", {"format": "json"}).json()
    request = schema["components"]["schemas"]["StatementApproveInputRequest"]
    assert "digest" in request["required"]


def test_the_approve_form_carries_the_digest_read(pending, incident, client_for):
    url = reverse("incident_statement", kwargs={"pk": incident.pk, "statement_pk": pending.pk})
    page = client_for("legal").get(url).content.decode()
    assert f'name="digest" value="{pending.digest()}"' in page


def test_only_legal_approves_and_never_its_own_text(pending, incident, social_user):
    with pytest.raises(PermissionDenied):
        statement_approve(actor=social_user, statement=pending, digest=pending.digest())
    author = UserFactory(roles=["legal"])
    incident_assign_role(actor=social_user, incident=incident, role="communications", person=author)
    own = statement_submit(
        actor=author,
        statement=statement_create(actor=author, incident=incident, title="Mine", text=TEXT),
    )
    with pytest.raises(ValidationError, match="another legal person"):
        statement_approve(actor=author, statement=own, digest=own.digest())


def test_legal_asks_for_changes_with_a_comment(pending, legal_user, social_user):
    with pytest.raises(ValidationError):
        statement_request_changes(actor=legal_user, statement=pending, comment=" ")
    sent_back = statement_request_changes(
        actor=legal_user, statement=pending, comment="Do not say “fake”: say “not ours”."
    )
    assert sent_back.state == "changes"
    assert not sent_back.is_cleared
    with pytest.raises(ValidationError, match="Only a statement sent to legal"):
        statement_approve(actor=legal_user, statement=sent_back, digest=sent_back.digest())
    assert statement_submit(actor=social_user, statement=sent_back).state == "pending"


def test_statements_are_written_by_the_people_holding_a_role(incident, hr_user):
    with pytest.raises(PermissionDenied):
        statement_create(actor=hr_user, incident=incident, title="t", text=TEXT)
    with pytest.raises(ValidationError) as bad:
        statement_create(
            actor=incident.lead, incident=incident, title="", text="x" * 5001, channel=""
        )
    assert set(bad.value.message_dict) == {"title", "text"}


# --- Freeze --------------------------------------------------------------------------------------


def test_an_open_sev1_or_sev2_freezes_publishing_until_the_lead_lifts_it(
    incident, social_user, legal_user, rf
):
    assert current_freeze() is None
    with pytest.raises(ValidationError):
        freeze_start(actor=social_user, incident=incident, reason="  ")
    with pytest.raises(PermissionDenied):  # legal holds a role but does not run it
        freeze_start(actor=legal_user, incident=incident, reason="Stop")

    freeze = freeze_start(actor=social_user, incident=incident, reason="Fake giveaway running")
    with pytest.raises(ValidationError, match="already"):
        freeze_start(actor=social_user, incident=incident, reason="again")

    active = current_freeze()
    assert active == freeze
    assert (active.reason, active.incident, active.started_by) == (
        "Fake giveaway running",
        incident,
        social_user,
    )
    request = rf.get("/")
    request.user = legal_user
    assert publishing_freeze(request)["publishing_freeze"].reason == "Fake giveaway running"
    # Resolving is refused while publishing is frozen.
    with pytest.raises(ValidationError, match="lift the freeze"):
        incident_change_status(actor=social_user, incident=incident, status="resolved")

    freeze_lift(actor=social_user, incident=incident, note="Accounts taken down")
    assert current_freeze() is None
    assert not bool(publishing_freeze(request)["publishing_freeze"])
    with pytest.raises(ValidationError, match="not frozen"):
        freeze_lift(actor=social_user, incident=incident)
    assert [e.verb for e in AuditEvent.objects.filter(verb__contains="freeze").order_by("pk")] == [
        "incident.freeze",
        "incident.unfreeze",
    ]
    assert list(incident.timeline.filter(kind="freeze").values_list("data__action", flat=True)) == [
        "started",
        "lifted",
    ]


def test_only_severe_open_incidents_freeze(social_user):
    minor = incident_declare(actor=social_user, title="minor", severity=3)
    with pytest.raises(ValidationError, match="SEV1 or SEV2"):
        freeze_start(actor=social_user, incident=minor, reason="r")
    closed = incident_declare(actor=social_user, title="closed", severity=1)
    incident_change_status(actor=social_user, incident=closed, status="resolved")
    with pytest.raises(ValidationError, match="open incident"):
        freeze_start(actor=social_user, incident=closed, reason="r")
    assert not PublishingFreeze.objects.exists()


def test_the_freeze_api_answers_may_i_publish(incident, social_user, api_client_for, api_client):
    client = api_client_for("hr")  # any authenticated client
    assert client.get("/api/v1/publishing-freeze/").json() == {
        "frozen": False,
        "reason": None,
        "incident": None,
        "since": None,
    }
    freeze_start(actor=social_user, incident=incident, reason="Fake giveaway")
    body = client.get("/api/v1/publishing-freeze/").json()
    assert body["frozen"] is True
    assert body["reason"] == "Fake giveaway"
    assert body["incident"]["reference"] == incident.reference
    assert body["since"]
    assert api_client.get("/api/v1/publishing-freeze/").status_code == 401


def test_the_banner_shows_on_pages_while_frozen(incident, social_user, client_for):
    from django.template.loader import render_to_string

    freeze = freeze_start(
        actor=social_user, incident=incident, reason="<b>Fake</b> giveaway running"
    )
    html = render_to_string("incidents/_freeze_banner.html", {"publishing_freeze": freeze})
    assert "Publishing is frozen." in html
    assert "&lt;b&gt;Fake&lt;/b&gt;" in html
    assert (
        render_to_string("incidents/_freeze_banner.html", {"publishing_freeze": None}).strip() == ""
    )


def test_every_page_s_banner_follows_the_freeze_at_once(incident, social_user, client_for):
    """The banner is cached (every page shows it), and forgotten when a freeze starts or lifts
    or its incident changes: the next page tells the truth."""
    client = client_for("hr")
    assert "Publishing is frozen." not in client.get("/").content.decode()  # cached: no freeze
    freeze_start(actor=social_user, incident=incident, reason="Fake giveaway running")
    page = client.get("/").content.decode()
    assert "Fake giveaway running" in page
    assert incident.title in page
    incident.title = "Lookalike account"
    incident.save(update_fields=["title"])
    assert "Lookalike account" in client.get("/").content.decode()
    freeze_lift(actor=social_user, incident=incident, note="Taken down")
    assert "Publishing is frozen." not in client.get("/").content.decode()
