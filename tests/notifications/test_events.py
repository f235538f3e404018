"""Each event raised by the service that causes it, and who is (not) told."""

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction

from inbox import services as inbox_services
from incidents import services as incident_services
from notifications.models import Notification, NotificationKind
from notifications.services import handles_in, people_named
from tests.accounts.factories import UserFactory
from tests.inbox.factories import restricted_team
from tests.monitoring.factories import MentionFactory

pytestmark = pytest.mark.django_db


def mine(person):
    return list(Notification.objects.filter(recipient=person).order_by("pk"))


# --- The @name rule ---------------------------------------------------------------------


def test_handles_are_the_words_after_an_at_sign_lowercased_without_trailing_stops():
    text = "Ping @Alice.Martin and @bob. Mail carol@example.com, @alice.martin again, @-x @"
    assert handles_in(text) == ["alice.martin", "bob"]


def test_people_are_named_by_the_part_of_their_email_before_the_at(social_user):
    alice = UserFactory(email="alice.martin@example.com", roles=["social"])
    UserFactory(email="alice.martinez@example.com", roles=["social"])  # a longer name
    UserFactory(email="gone@example.com", roles=["social"], is_active=False)
    assert people_named("@ALICE.MARTIN, @gone and @nobody") == [alice]


# --- Notes on a mention -----------------------------------------------------------------


def test_a_note_tells_each_person_it_names_once_not_its_author(social_user):
    alice = UserFactory(email="alice@example.com", roles=["social"])
    mention = MentionFactory()
    inbox_services.mention_note_add(
        actor=social_user, mention=mention, text="@alice look, @Alice again, and me @social"
    )
    [notification] = mine(alice)
    assert notification.kind == NotificationKind.NOTE_MENTION
    assert notification.actor == social_user
    assert notification.path == f"/inbox/{mention.pk}/"
    assert "Social Person mentioned you" in notification.title
    assert mine(social_user) == []


def test_a_note_on_a_restricted_queue_never_tells_who_cannot_read_it(social_user, legal_user):
    team = restricted_team(members=[legal_user, social_user])
    outsider = UserFactory(email="outsider@example.com", roles=["social"])
    nobody = UserFactory(email="norole@example.com", roles=[])
    mention = MentionFactory(team=team, text="a secret legal matter")
    inbox_services.mention_note_add(
        actor=social_user, mention=mention, text="@legal @outsider @norole see this"
    )
    assert len(mine(legal_user)) == 1
    assert mine(outsider) == []
    assert mine(nobody) == []


def test_a_rolled_back_note_tells_nobody(social_user):
    alice = UserFactory(email="alice@example.com", roles=["social"])
    mention = MentionFactory()
    with pytest.raises(ValidationError, match="5,000"):
        inbox_services.mention_note_add(actor=social_user, mention=mention, text="@alice " * 3000)
    assert mine(alice) == []


# --- Notes on an incident ----------------------------------------------------------------


def test_an_incident_note_tells_who_may_see_incidents(social_user, legal_user):
    incident = incident_services.incident_declare(actor=social_user, title="Storm", severity=2)
    nobody = UserFactory(email="norole@example.com", roles=[])
    incident_services.note_add(
        actor=social_user, incident=incident, text="@legal please check. cc @norole @social"
    )
    [notification] = mine(legal_user)
    assert notification.path == f"/incidents/{incident.pk}/"
    assert incident.reference in notification.title
    assert mine(nobody) == []
    assert mine(social_user) == []


# --- Assignment -------------------------------------------------------------------------


def test_assigning_one_mention_tells_the_assignee(social_user, legal_user):
    mention = MentionFactory(author_handle="angry")
    inbox_services.mentions_assign(actor=social_user, mentions=[mention], assignee=legal_user)
    [notification] = mine(legal_user)
    assert notification.kind == NotificationKind.ASSIGNED
    assert notification.title == "Social Person assigned you a mention by @angry"
    assert notification.path == f"/inbox/{mention.pk}/"
    # Again: nothing changes, nobody is told twice.
    inbox_services.mentions_assign(actor=social_user, mentions=[mention], assignee=legal_user)
    assert len(mine(legal_user)) == 1


def test_assigning_fifty_mentions_is_one_notification(social_user, legal_user):
    mentions = MentionFactory.create_batch(50)
    inbox_services.mentions_assign(actor=social_user, mentions=mentions, assignee=legal_user)
    [notification] = mine(legal_user)
    assert notification.title == "50 mentions assigned to you"
    assert notification.path == "/inbox/?assignee=me"


def test_taking_a_mention_yourself_tells_nobody(social_user):
    inbox_services.mentions_assign(
        actor=social_user, mentions=[MentionFactory()], assignee=social_user
    )
    assert mine(social_user) == []


# --- Incident roles ----------------------------------------------------------------------


def test_a_role_given_is_told_in_the_app_and_mailed_at_once(social_user, legal_user, eager):
    incident = incident_services.incident_declare(actor=social_user, title="Storm", severity=2)
    with eager(execute=True):
        incident_services.incident_assign_role(
            actor=social_user, incident=incident, role="legal", person=legal_user
        )
    [notification] = mine(legal_user)
    assert notification.kind == NotificationKind.INCIDENT_ROLE
    assert notification.title == f"You are Legal on {incident.reference}: Storm"
    assert notification.emailed_at is not None
    [message] = mail.outbox
    assert message.to == [legal_user.email]
    assert f"/notifications/{notification.pk}/open/" in message.body
    assert f"{settings.RISKDESK_BASE_URL}/notifications/" in message.body
    html = message.alternatives[0][0]
    assert f"/notifications/{notification.pk}/open/" in html


def test_handing_a_lead_over_tells_the_new_lead(social_user, manager_user):
    incident = incident_services.incident_declare(actor=social_user, title="Storm", severity=2)
    with transaction.atomic():
        incident_services.incident_transfer(actor=None, item=incident, new_owner=manager_user)
    [notification] = mine(manager_user)
    assert notification.actor is None
    assert "Incident lead" in notification.title


def test_the_lead_named_at_declaration_is_told_in_the_app_only(social_user, legal_user):
    incident = incident_services.incident_declare(
        actor=social_user, title="Storm", severity=2, lead=legal_user
    )
    [notification] = mine(legal_user)
    assert notification.title == f"You are Incident lead on {incident.reference}: Storm"
    assert notification.email == "off"  # the declaration's own e-mail told them
