"""Who must acknowledge, acknowledging (once), superseded revisions, completion per team."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import EmploymentStatus
from policies import selectors, services
from policies.models import Acknowledgement
from riskdesk.models import AuditEvent
from tests.accounts.factories import UserFactory
from tests.policies.factories import PolicyFactory, publish

pytestmark = pytest.mark.django_db

BODY = "# Rules\n\nBe kind.\n"


def test_audience_by_team_role_or_everyone(owner, reviewer, team_with, user_for):
    social, hr, nobody = user_for("social"), user_for("hr"), UserFactory()
    departed = UserFactory(
        roles=["social"],
        is_active=False,
        employment_status=EmploymentStatus.DEPARTED,
        departed_at=timezone.now(),
    )
    team = team_with(hr, departed, name="Human resources")

    by_team = PolicyFactory(owner=owner, teams=[team])
    assert set(selectors.audience_of(by_team)) == {hr}

    by_role = PolicyFactory(owner=owner, audience_everyone=False, audience_roles=["social"])
    assert set(selectors.audience_of(by_role)) == {social}

    both = PolicyFactory(owner=owner, teams=[team], audience_roles=["social"])
    assert set(selectors.audience_of(both)) == {hr, social}

    everyone = PolicyFactory(owner=owner)
    assert departed not in selectors.audience_of(everyone)
    assert nobody in selectors.audience_of(everyone)

    # The in-memory directory agrees with the query.
    people = selectors.directory()
    for policy in (by_team, by_role, both, everyone):
        assert {p.pk for p in people.audience(policy)} == {
            u.pk for u in selectors.audience_of(policy)
        }


def test_publishing_a_material_change_asks_the_audience(
    owner, reviewer, team_with, user_for, django_capture_on_commit_callbacks
):
    social = user_for("social")
    policy = PolicyFactory(owner=owner, teams=[team_with(social)])
    with django_capture_on_commit_callbacks(execute=True):
        publish(policy, BODY, author=owner, reviewer=reviewer)
    asked = [m for m in mail.outbox if "acknowledge" in m.subject.lower()]
    assert [m.to for m in asked] == [[social.email]]
    assert "/acknowledge/" in asked[0].body


def test_acknowledging_twice_is_idempotent(policy, owner, reviewer, user_for):
    revision = publish(policy, BODY, author=owner, reviewer=reviewer)
    social = user_for("social")
    first, created = services.acknowledgement_record(actor=social, revision=revision)
    again, created_again = services.acknowledgement_record(actor=social, revision=revision)
    assert created
    assert not created_again
    assert first.pk == again.pk
    assert first.content_digest == revision.content_digest
    assert Acknowledgement.objects.count() == 1
    assert AuditEvent.objects.filter(verb="policy.acknowledge").count() == 1


def test_acknowledging_a_superseded_revision_points_to_the_current_one(
    policy, owner, reviewer, user_for
):
    old = publish(policy, BODY, author=owner, reviewer=reviewer)
    current = publish(policy, BODY + "\nAnd be quick.\n", author=owner, reviewer=reviewer)
    old.refresh_from_db()
    with pytest.raises(services.SupersededRevision) as error:
        services.acknowledgement_record(actor=user_for("social"), revision=old)
    assert error.value.current == current
    assert "revision 2" in " ".join(error.value.messages)
    assert not Acknowledgement.objects.exists()


def test_unpublished_revisions_and_outsiders_cannot_acknowledge(
    owner, reviewer, team_with, user_for
):
    policy = PolicyFactory(owner=owner, teams=[team_with(user_for("hr"))])
    draft = services.revision_create(actor=owner, policy=policy, body=BODY, summary="First.")
    with pytest.raises(ValidationError):
        services.acknowledgement_record(actor=user_for("hr"), revision=draft)
    services.revision_submit(actor=owner, revision=draft, reviewers=[reviewer])
    services.revision_approve(actor=reviewer, revision=draft, content_digest=draft.content_digest)
    revision = services.revision_publish(actor=reviewer, revision=draft)
    with pytest.raises(ValidationError) as error:
        services.acknowledgement_record(actor=user_for("social"), revision=revision)
    assert "not addressed to you" in str(error.value)
    assert not Acknowledgement.objects.exists()


def test_pending_follows_the_latest_material_revision(policy, owner, reviewer, user_for):
    social = user_for("social")
    first = publish(policy, BODY, author=owner, reviewer=reviewer)
    assert selectors.pending_acknowledgements(social) == [policy]
    services.acknowledgement_record(actor=social, revision=first)
    assert selectors.pending_acknowledgements(social) == []

    publish(policy, BODY + "\nTypo.\n", author=owner, reviewer=reviewer, material=False)
    assert selectors.pending_acknowledgements(social) == []  # nothing material changed

    third = publish(policy, BODY + "\nNew rule.\n", author=owner, reviewer=reviewer)
    assert selectors.pending_acknowledgements(social) == [policy]
    services.acknowledgement_record(actor=social, revision=third)
    assert selectors.pending_acknowledgements(social) == []


def test_acknowledging_the_current_revision_covers_an_older_requirement(
    policy, owner, reviewer, user_for
):
    publish(policy, BODY, author=owner, reviewer=reviewer)
    current = publish(policy, BODY + "\nTypo.\n", author=owner, reviewer=reviewer, material=False)
    social = user_for("social")
    services.acknowledgement_record(actor=social, revision=current)
    assert selectors.pending_acknowledgements(social) == []


def test_completion_per_team_and_missing_people(owner, reviewer, team_with, user_for):
    social, hr, manager = user_for("social"), user_for("hr"), reviewer
    social_team = team_with(social, manager, name="Social media")
    hr_team = team_with(hr, name="Human resources")
    policy = PolicyFactory(owner=owner, teams=[social_team, hr_team])
    revision = publish(policy, BODY, author=owner, reviewer=reviewer)
    services.acknowledgement_record(actor=social, revision=revision)

    people = selectors.directory()
    policy = selectors.policies_for_list().get(pk=policy.pk)
    entry = selectors.acknowledgement_completion([policy], people)[policy.pk]
    assert {p.pk for p in entry.missing} == {hr.pk, manager.pk}
    assert entry.percent == 33
    rows = {
        row.team.name: (row.done, row.required) for row in selectors.team_completion(people, entry)
    }
    assert rows == {"Social media": (1, 2), "Human resources": (0, 1)}
