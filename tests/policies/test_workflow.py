"""The review workflow: draft → in review → approved → published, with its guards."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from policies import services
from policies.models import Policy, PolicyRevision, ReviewDecision, ReviewStatus, RevisionStatus
from riskdesk.models import AuditEvent
from tests.accounts.factories import UserFactory
from tests.policies.factories import PolicyFactory, publish

pytestmark = pytest.mark.django_db

BODY = "# Policy\n\nAnswer within 4 hours.\n"


def _draft(policy, owner, body=BODY, **kwargs):
    return services.revision_create(
        actor=owner, policy=policy, body=body, summary="First version.", **kwargs
    )


def test_full_flow_publishes_and_resets_the_review_clock(
    policy, owner, reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        revision = _draft(policy, owner)
        assert revision.status == RevisionStatus.DRAFT
        assert revision.material_change  # a first version is always acknowledged

        services.revision_submit(actor=owner, revision=revision, reviewers=[reviewer])
        revision.refresh_from_db()
        assert revision.status == RevisionStatus.IN_REVIEW

        services.revision_approve(
            actor=reviewer, revision=revision, content_digest=revision.content_digest
        )
        revision.refresh_from_db()
        assert revision.status == RevisionStatus.APPROVED

        services.revision_publish(actor=reviewer, revision=revision)

    revision.refresh_from_db()
    policy.refresh_from_db()
    recipients = [m.to for m in mail.outbox]
    assert recipients[0] == [reviewer.email]  # asked to review
    everyone = sorted(email for to in recipients[2:] for email in to)
    assert sorted({owner.email, reviewer.email}) == everyone
    assert revision.status == RevisionStatus.PUBLISHED
    assert revision.published_by == reviewer
    assert policy.current_revision == revision
    assert policy.acknowledgement_revision == revision
    assert policy.next_review_on == policy.review_date_after(timezone.localdate())
    assert policy.review_status == ReviewStatus.CURRENT
    verbs = list(AuditEvent.objects.order_by("pk").values_list("verb", flat=True))
    assert verbs == [
        "policy_revision.create",
        "policy_revision.submit",
        "policy_revision.approve",
        "policy_revision.publish",
    ]
    publish_event = AuditEvent.objects.get(verb="policy_revision.publish")
    assert publish_event.actor == reviewer
    assert publish_event.after["status"] == "published"


def test_publishing_supersedes_the_previous_revision(policy, owner, reviewer):
    first = publish(policy, BODY, author=owner, reviewer=reviewer)
    second = publish(policy, BODY + "\nMore.\n", author=owner, reviewer=reviewer)
    first.refresh_from_db()
    assert first.status == RevisionStatus.SUPERSEDED
    assert first.superseded_at is not None
    assert second.number == 2
    assert Policy.objects.get(pk=policy.pk).current_revision == second


def test_a_non_material_revision_keeps_the_acknowledgement_requirement(policy, owner, reviewer):
    first = publish(policy, BODY, author=owner, reviewer=reviewer)
    publish(policy, BODY + "\nTypo fixed.\n", author=owner, reviewer=reviewer, material=False)
    policy.refresh_from_db()
    assert policy.acknowledgement_revision == first


def test_authors_cannot_approve_their_own_revision(user_for, reviewer):
    # Even a manager who wrote the revision cannot approve it.
    manager_author = UserFactory(roles=["manager"])
    policy = PolicyFactory(owner=manager_author)
    revision = _draft(policy, manager_author)
    with pytest.raises(ValidationError) as error:
        services.revision_submit(
            actor=manager_author, revision=revision, reviewers=[manager_author]
        )
    assert "reviewers" in error.value.message_dict
    services.revision_submit(actor=manager_author, revision=revision, reviewers=[reviewer])
    with pytest.raises(PermissionDenied):
        services.revision_approve(
            actor=manager_author, revision=revision, content_digest=revision.content_digest
        )
    assert not AuditEvent.objects.filter(verb="policy_revision.approve").exists()


def test_only_assigned_reviewers_approve(policy, owner, reviewer, second_manager, user_for):
    revision = _draft(policy, owner)
    services.revision_submit(actor=owner, revision=revision, reviewers=[reviewer])
    for outsider in (second_manager, user_for("admin"), user_for("hr")):
        with pytest.raises(PermissionDenied):
            services.revision_approve(
                actor=outsider, revision=revision, content_digest=revision.content_digest
            )
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.IN_REVIEW


def test_reviewers_must_be_people_who_may_approve(policy, owner, user_for):
    revision = _draft(policy, owner)
    with pytest.raises(ValidationError) as error:
        services.revision_submit(actor=owner, revision=revision, reviewers=[user_for("social")])
    assert "reviewers" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.revision_submit(actor=owner, revision=revision, reviewers=[])
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.DRAFT


def test_only_the_owner_or_an_admin_writes_revisions(policy, user_for):
    for stranger in (user_for("social"), user_for("manager"), user_for("hr")):
        with pytest.raises(PermissionDenied):
            _draft(policy, stranger)
    revision = _draft(policy, user_for("admin"))
    assert revision.author == user_for("admin")


def test_any_rule_needs_one_approval_all_rule_needs_every_one(
    policy, owner, reviewer, second_manager
):
    revision = _draft(policy, owner)
    services.revision_submit(
        actor=owner, revision=revision, reviewers=[reviewer, second_manager], approval_rule="all"
    )
    services.revision_approve(
        actor=reviewer, revision=revision, content_digest=revision.content_digest
    )
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.IN_REVIEW
    with pytest.raises(ValidationError):
        services.revision_publish(actor=reviewer, revision=revision)
    services.revision_approve(
        actor=second_manager, revision=revision, content_digest=revision.content_digest
    )
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.APPROVED

    other = PolicyFactory(owner=owner)
    revision = _draft(other, owner)
    services.revision_submit(
        actor=owner, revision=revision, reviewers=[reviewer, second_manager], approval_rule="any"
    )
    services.revision_approve(
        actor=second_manager, revision=revision, content_digest=revision.content_digest
    )
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.APPROVED


def test_approving_twice_changes_nothing(policy, owner, reviewer):
    revision = _draft(policy, owner)
    services.revision_submit(actor=owner, revision=revision, reviewers=[reviewer])
    services.revision_approve(
        actor=reviewer, revision=revision, content_digest=revision.content_digest
    )
    services.revision_approve(
        actor=reviewer, revision=revision, content_digest=revision.content_digest
    )
    assert AuditEvent.objects.filter(verb="policy_revision.approve").count() == 1


def test_an_edit_after_approval_voids_it_and_returns_to_review(
    policy, owner, reviewer, django_capture_on_commit_callbacks
):
    revision = _draft(policy, owner)
    services.revision_submit(actor=owner, revision=revision, reviewers=[reviewer])
    services.revision_approve(
        actor=reviewer, revision=revision, content_digest=revision.content_digest
    )
    approved_digest = PolicyRevision.objects.get(pk=revision.pk).content_digest

    with django_capture_on_commit_callbacks(execute=True):
        revision = services.revision_update(
            actor=owner, revision=revision, body=BODY + "\nSneaky addition.\n"
        )

    assert revision.status == RevisionStatus.IN_REVIEW
    assert revision.content_digest != approved_digest
    review = revision.reviews.get()
    assert review.decision == ReviewDecision.PENDING
    assert not review.counts
    assert [m.to for m in mail.outbox][-1] == [reviewer.email]
    with pytest.raises(ValidationError):
        services.revision_publish(actor=reviewer, revision=revision)
    event = AuditEvent.objects.filter(verb="policy_revision.update").latest("pk")
    assert event.before["status"] == "approved"
    assert event.after["status"] == "in_review"


def test_saving_the_same_text_does_not_void_approvals(policy, owner, reviewer):
    revision = _draft(policy, owner)
    services.revision_submit(actor=owner, revision=revision, reviewers=[reviewer])
    services.revision_approve(
        actor=reviewer, revision=revision, content_digest=revision.content_digest
    )
    revision = services.revision_update(actor=owner, revision=revision, body=BODY)
    assert revision.status == RevisionStatus.APPROVED


def test_an_approval_on_other_content_does_not_count(policy, owner, reviewer):
    """Even if a row says approved, publishing checks the digest against the text."""
    revision = _draft(policy, owner)
    services.revision_submit(actor=owner, revision=revision, reviewers=[reviewer])
    services.revision_approve(
        actor=reviewer, revision=revision, content_digest=revision.content_digest
    )
    PolicyRevision.objects.filter(pk=revision.pk).update(body="Changed behind our back.")
    revision = PolicyRevision.objects.get(pk=revision.pk)
    revision.content_digest = revision.compute_digest()
    revision.save()
    with pytest.raises(ValidationError):
        services.revision_publish(actor=reviewer, revision=revision)


@pytest.mark.parametrize("stage", ["draft", "in_review"])
def test_publishing_an_unapproved_revision_is_refused(policy, owner, reviewer, stage):
    revision = _draft(policy, owner)
    if stage == "in_review":
        services.revision_submit(actor=owner, revision=revision, reviewers=[reviewer])
    with pytest.raises(ValidationError) as error:
        services.revision_publish(actor=reviewer, revision=revision)
    assert "approved" in str(error.value)
    revision.refresh_from_db()
    assert revision.status == stage
    assert Policy.objects.get(pk=policy.pk).current_revision is None
    assert not AuditEvent.objects.filter(verb="policy_revision.publish").exists()


def test_only_managers_and_admins_publish(policy, owner, reviewer, user_for):
    revision = _draft(policy, owner)
    services.revision_submit(actor=owner, revision=revision, reviewers=[reviewer])
    services.revision_approve(
        actor=reviewer, revision=revision, content_digest=revision.content_digest
    )
    for refused in (owner, user_for("social"), user_for("hr")):
        with pytest.raises(PermissionDenied):
            services.revision_publish(actor=refused, revision=revision)
    services.revision_publish(actor=user_for("admin"), revision=revision)


def test_request_changes_returns_to_draft_with_the_comment(
    policy, owner, reviewer, django_capture_on_commit_callbacks
):
    revision = _draft(policy, owner)
    services.revision_submit(actor=owner, revision=revision, reviewers=[reviewer])
    with django_capture_on_commit_callbacks(execute=True):
        services.revision_request_changes(
            actor=reviewer, revision=revision, comment="4 hours is too slow.", line=3
        )
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.DRAFT
    comment = revision.comments.get()
    assert comment.requests_changes
    assert comment.line == 3
    assert comment.line_text == "Answer within 4 hours."
    assert revision.reviews.get().decision == ReviewDecision.CHANGES_REQUESTED
    assert mail.outbox[-1].to == [owner.email]
    assert "4 hours is too slow." in mail.outbox[-1].body

    # Back in review: the reviewer starts from scratch.
    services.revision_submit(actor=owner, revision=revision, reviewers=[reviewer])
    assert revision.reviews.get().decision == ReviewDecision.PENDING


def test_request_changes_needs_a_comment_and_a_real_line(policy, owner, reviewer):
    revision = _draft(policy, owner)
    services.revision_submit(actor=owner, revision=revision, reviewers=[reviewer])
    with pytest.raises(ValidationError) as error:
        services.revision_request_changes(actor=reviewer, revision=revision, comment="  ")
    assert "body" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.revision_request_changes(actor=reviewer, revision=revision, comment="x", line=99)
    assert "line" in error.value.message_dict
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.IN_REVIEW
    assert not revision.comments.exists()


def test_comments_on_lines_or_the_whole(policy, owner, reviewer, user_for):
    revision = _draft(policy, owner)
    services.revision_comment(actor=reviewer, revision=revision, body="Looks good overall.")
    services.revision_comment(actor=owner, revision=revision, body="Check this.", line="1")
    assert list(revision.comments.values_list("line", "line_text")) == [
        (None, ""),
        (1, "# Policy"),
    ]
    with pytest.raises(PermissionDenied):  # a draft is not for everyone's eyes
        services.revision_comment(actor=user_for("social"), revision=revision, body="Hi")


def test_one_open_revision_at_a_time(policy, owner):
    _draft(policy, owner)
    with pytest.raises(ValidationError) as error:
        _draft(policy, owner)
    assert "still being written" in str(error.value)
    assert policy.revisions.count() == 1


def test_published_revisions_cannot_change(policy, owner, reviewer):
    revision = publish(policy, BODY, author=owner, reviewer=reviewer)
    with pytest.raises(ValidationError):
        services.revision_update(actor=owner, revision=revision, body="Rewritten history.")
    revision.refresh_from_db()
    assert revision.body == BODY


def test_blank_text_or_summary_is_refused(policy, owner):
    with pytest.raises(ValidationError) as error:
        services.revision_create(actor=owner, policy=policy, body="  \n", summary="")
    assert set(error.value.message_dict) == {"body", "summary"}
    assert not policy.revisions.exists()


def test_policy_create_checks_audience_title_and_role(user_for, owner):
    admin = user_for("admin")
    with pytest.raises(ValidationError) as error:
        services.policy_create(actor=admin, title="", kind="nope", owner=owner)
    assert {"title", "kind", "audience_everyone"} <= set(error.value.message_dict)
    with pytest.raises(PermissionDenied):
        services.policy_create(
            actor=user_for("manager"), title="X", kind="other", owner=owner, audience_everyone=True
        )
    policy = services.policy_create(
        actor=admin, title="Press policy", kind="other", owner=owner, audience_roles=["social"]
    )
    assert policy.slug == "press-policy"
    with pytest.raises(ValidationError) as error:
        services.policy_create(
            actor=admin, title="PRESS policy", kind="other", owner=owner, audience_everyone=True
        )
    assert "title" in error.value.message_dict
    assert AuditEvent.objects.filter(verb="policy.create").count() == 1


# --- The approval names the text read -------------------------------------------------------


def _in_review(policy, owner, reviewer):
    revision = _draft(policy, owner)
    services.revision_submit(actor=owner, revision=revision, reviewers=[reviewer])
    revision.refresh_from_db()
    return revision


def _edited_meanwhile(revision, owner) -> str:
    """The digest the reviewer read, then an edit by the author: returns what was read."""
    read = revision.content_digest
    services.revision_update(actor=owner, revision=revision, body=BODY + "\nAnd on weekends.\n")
    return read


@pytest.mark.parametrize("stale", ["read before the edit", "", "0" * 64])
def test_an_approval_on_a_stale_or_missing_digest_is_refused(policy, owner, reviewer, stale):
    revision = _in_review(policy, owner, reviewer)
    read = _edited_meanwhile(revision, owner)
    digest = read if stale == "read before the edit" else stale
    with pytest.raises(ValidationError) as error:
        services.revision_approve(actor=reviewer, revision=revision, content_digest=digest)
    assert "content_digest" in error.value.message_dict
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.IN_REVIEW
    assert revision.reviews.get().decision == ReviewDecision.PENDING
    assert not AuditEvent.objects.filter(verb="policy_revision.approve").exists()


def test_the_api_requires_the_digest_read(policy, owner, reviewer, api_client_for):
    revision = _in_review(policy, owner, reviewer)
    read = _edited_meanwhile(revision, owner)
    client = api_client_for("manager")
    url = f"/api/v1/policies/{policy.pk}/revisions/{revision.pk}/approve/"
    missing = client.post(url, {}, format="json")
    assert missing.status_code == 400
    assert "content_digest" in missing.json()
    stale = client.post(url, {"content_digest": read}, format="json")
    assert stale.status_code in (400, 409)
    assert "changed since you opened it" in str(stale.json())
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.IN_REVIEW
    current = client.post(url, {"content_digest": revision.content_digest}, format="json")
    assert current.status_code == 200, current.json()
    assert current.json()["status"] == RevisionStatus.APPROVED
    schema = client.get("/api/schema/", {"format": "json"}).json()
    assert "content_digest" in schema["components"]["schemas"]["RevisionApproveRequest"]["required"]


def test_the_page_approves_the_text_shown_and_refuses_a_stale_one(
    policy, owner, reviewer, client_for
):
    revision = _in_review(policy, owner, reviewer)
    client = client_for("manager")
    detail = reverse("policy_revision_detail", args=[policy.slug, revision.number])
    page = client.get(detail).content.decode()
    assert f'name="content_digest" value="{revision.content_digest}"' in page
    read = _edited_meanwhile(revision, owner)
    approve = reverse("policy_revision_approve", args=[policy.slug, revision.number])
    response = client.post(approve, {"content_digest": read}, follow=True)
    assert "changed since you opened it" in response.content.decode()
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.IN_REVIEW
