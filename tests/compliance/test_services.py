"""The workflow through the services: content binding, races, approvals, freeze, uploads, audit."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from compliance import services
from compliance.content import REVIEWED, account_key
from compliance.models import Decision, PostMedia, PostStatus, RuleList, SponsoredPost
from compliance.services import rule_list_update
from riskdesk import ownership
from riskdesk.content_hash import content_digest
from riskdesk.models import AuditEvent
from tests.compliance.factories import (
    GOOD_TEXT,
    BrandAccountFactory,
    approve,
    make_post,
    pdf,
    png,
    submitted_post,
)

pytestmark = pytest.mark.django_db


def verbs(post):
    return list(
        AuditEvent.objects.filter(target_id=str(post.pk), verb__startswith="sponsored_post.")
        .order_by("pk")
        .values_list("verb", flat=True)
    )


# --- Create and edit ------------------------------------------------------------------------


def test_create_runs_the_checks_and_records_the_digest(social_user):
    post = make_post(social_user, text="Flat white time #coffee", markets=["FR"])
    assert post.status == PostStatus.DRAFT
    assert post.author == social_user
    assert post.check_errors >= 1
    assert {f["code"] for f in post.checks} >= {"disclosure.missing_fr"}
    assert post.content_digest == content_digest(services.canonical_content(post))
    assert verbs(post) == ["sponsored_post.create"]


def test_the_digest_covers_every_field_legal_reviews(social_user):
    post = make_post(social_user)
    content = services.canonical_content(post)
    assert set(content) == {field.key for field in REVIEWED}
    assert set(content) >= {"text", "media", "links", "account", "planned_at", "markets"}
    assert content["account"] == "instagram:@baristabeth"
    # The workflow around the review is not part of what legal approves.
    before = post.content_digest
    post = services.sponsored_post_update(
        actor=social_user, post=post, approval_rule="any", review_due_at=None
    )
    assert post.content_digest == before


def _brand_account_like_the_partner():
    # Same network and handle as the partner: only "who publishes" changes.
    return {"account_kind": "brand", "brand_account": BrandAccountFactory(handle="baristabeth")}


# One change per reviewed field; the test below fails when a field is added to
# compliance.content.REVIEWED without a change here.
REVIEWED_CHANGES = {
    "title": lambda post: {"title": "Flat white launch, take two"},
    "text": lambda post: {"text": post.text + " Now 20% off."},
    "media": lambda post: {"media": [png()]},
    "links": lambda post: {"links": ["https://lumora.example/brew"]},
    "account": lambda post: {"platform": "x"},
    "account_kind": lambda post: _brand_account_like_the_partner(),
    "partner_name": lambda post: {"partner_name": "Someone else"},
    "partner_handle": lambda post: {"partner_handle": "beth2"},
    "campaign": lambda post: {"campaign": "Summer"},
    "markets": lambda post: {"markets": ["US", "FR"]},
    "planned_at": lambda post: {"planned_at": post.planned_at + timedelta(hours=1)},
    "contract": lambda post: {"contract": pdf()},
    "contract_reference": lambda post: {"contract_reference": "LUM-2025-999"},
    "contract_handle": lambda post: {"contract_handle": "beth_official"},
}


# Every field of a post is reviewed, part of a reviewed key, or outside what legal approves:
# a field added to the model fails this test until it is placed.
PART_OF_A_REVIEWED_KEY = {
    "platform": "account",
    "brand_account": "account",
    "contract_file": "contract",
    "contract_name": "contract",
    "contract_sha256": "contract",
}
NOT_WHAT_LEGAL_APPROVES = {
    # The review workflow around the content, and the state it moves through.
    *("id", "approval_rule", "reviewers", "review_due_at", "reminded_at", "author"),
    *("status", "version", "content_digest", "approved_digest", "approved_at"),
    *("approval_expires_at", "checks", "check_errors", "check_warnings", "link_status"),
    *("created_at", "updated_at", "submitted_at", "scheduled_at", "published_at"),
    "published_url",
}


def test_every_field_of_a_post_is_reviewed_or_said_not_to_be():
    fields = {
        f.name for f in SponsoredPost._meta.get_fields() if not (f.auto_created and not f.concrete)
    }
    reviewed = {field.key for field in REVIEWED}
    assert set(PART_OF_A_REVIEWED_KEY.values()) <= reviewed
    placed = (reviewed & fields) | set(PART_OF_A_REVIEWED_KEY) | NOT_WHAT_LEGAL_APPROVES
    assert fields == placed


def test_every_reviewed_field_has_a_change_in_the_test_below():
    assert set(REVIEWED_CHANGES) == {field.key for field in REVIEWED}


@pytest.mark.parametrize("field", sorted(REVIEWED_CHANGES))
def test_a_change_to_any_reviewed_field_voids_the_approval(social_user, legal_user, field):
    from compliance.selectors import clearance

    post = approve(submitted_post(social_user), legal_user)
    old = post.content_digest
    assert clearance(post, old)["cleared"] is True
    post = services.sponsored_post_update(
        actor=social_user, post=post, **REVIEWED_CHANGES[field](post)
    )
    post.refresh_from_db()
    assert post.content_digest != old
    assert services.canonical_content(post)[field] != post.decisions.get().content[field]
    assert post.status == PostStatus.SUBMITTED
    assert post.approved_digest == ""
    assert not services.is_cleared(post)
    assert post.decisions.get().voided_at is not None
    assert "sponsored_post.approval_void" in verbs(post)
    for digest in (old, post.content_digest):
        assert clearance(post, digest)["cleared"] is False
    # Legal sees what changed, with the field's label.
    from compliance.diff import content_diff

    changed = content_diff(post.decisions.get().content, services.canonical_content(post))
    assert field in {change["field"] for change in changed}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "  "}, "title"),
        ({"text": "   "}, "text"),
        ({"markets": []}, "markets"),
        ({"markets": ["XX"]}, "markets"),
        ({"account_kind": "partner", "partner_handle": ""}, "partner_handle"),
        ({"account_kind": "brand", "brand_account": None}, "brand_account"),
        ({"links": ["javascript:alert(1)"]}, "links"),
        ({"planned_at": timezone.now() - timedelta(hours=1)}, "planned_at"),
        ({"approval_rule": "all"}, "reviewers"),
    ],
)
def test_bad_input_is_refused_with_the_field_and_nothing_is_saved(social_user, fields, field):
    with pytest.raises(ValidationError) as caught:
        make_post(social_user, **fields)
    assert field in caught.value.message_dict
    assert not SponsoredPost.objects.exists()
    assert not AuditEvent.objects.filter(verb__startswith="sponsored_post.").exists()


def test_a_brand_account_must_be_on_the_post_network(social_user):
    account = BrandAccountFactory(platform="x", handle="lumora")
    with pytest.raises(ValidationError) as caught:
        make_post(social_user, account_kind="brand", brand_account=account, platform="instagram")
    assert "brand_account" in caught.value.message_dict
    post = make_post(social_user, account_kind="brand", brand_account=account, platform="x")
    assert account_key(post) == "x:@lumora"


def test_renaming_the_publishing_brand_account_voids_the_approval(
    social_user, legal_user, admin_user
):
    """The handle is part of what legal approved: renaming the account is an edit of the post."""
    from offboarding.services import brand_account_update

    account = BrandAccountFactory(platform="x", handle="lumora")
    other = approve(
        submitted_post(social_user, account_kind="brand", brand_account=account, platform="x"),
        legal_user,
    )
    post = approve(
        submitted_post(social_user, account_kind="brand", brand_account=account, platform="x"),
        legal_user,
    )
    assert services.is_cleared(post)

    brand_account_update(actor=admin_user, account=account, display_name="Lumora")
    post.refresh_from_db()
    assert services.is_cleared(post)  # the display name is not what legal approved

    brand_account_update(actor=admin_user, account=account, handle="lumora_official")
    for changed in (post, other):
        changed.refresh_from_db()
        assert services.canonical_content(changed)["account"] == "x:@lumora_official"
        assert changed.content_digest == content_digest(services.canonical_content(changed))
        assert changed.status == PostStatus.SUBMITTED
        assert not services.is_cleared(changed)
        assert changed.decisions.get().voided_at is not None
        assert verbs(changed)[-1] == "sponsored_post.approval_void"


def test_reviewers_must_be_legal_and_not_the_author(social_user, legal_user, manager_user):
    with pytest.raises(ValidationError) as caught:
        make_post(social_user, reviewers=[manager_user])
    assert "reviewers" in caught.value.message_dict
    post = make_post(social_user, reviewers=[legal_user], approval_rule="all")
    assert list(post.reviewers.all()) == [legal_user]


def test_only_the_social_team_writes_posts(legal_user, manager_user, social_user):
    for person in (legal_user, manager_user):
        with pytest.raises(PermissionDenied):
            make_post(person)
    post = make_post(social_user)
    with pytest.raises(PermissionDenied):
        services.sponsored_post_update(actor=legal_user, post=post, text="changed")


def test_a_stale_edit_is_refused(social_user):
    post = make_post(social_user)
    opened = post.version
    services.sponsored_post_update(
        actor=social_user, post=post, text=GOOD_TEXT + " v2", version=opened
    )
    with pytest.raises(services.Conflict) as caught:
        services.sponsored_post_update(actor=social_user, post=post, text="mine", version=opened)
    assert caught.value.code == "stale"
    post.refresh_from_db()
    assert post.text.endswith("v2")


def test_saving_unchanged_content_records_nothing(social_user):
    post = make_post(social_user)
    services.sponsored_post_update(actor=social_user, post=post, title=post.title)
    assert verbs(post) == ["sponsored_post.create"]


# --- Uploads ----------------------------------------------------------------------------------


def test_images_are_checked_stored_under_random_names_and_thumbnailed(social_user):
    post = make_post(social_user, media=[png("../../etc/passwd.png")], contract=pdf())
    (media,) = post.media.all()
    assert media.kind == "image"
    assert media.original_name == "passwd.png"  # Django drops the path
    assert media.file.startswith("compliance/")
    assert media.file.endswith(".png")
    assert "passwd" not in media.file
    assert default_storage.exists(media.file)
    assert default_storage.exists(media.thumbnail)
    assert (media.width, media.height) == (64, 48)
    assert services.canonical_content(post)["media"] == [media.sha256]
    assert post.contract_file.endswith(".pdf")
    assert post.contract_sha256


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("evil.png", b"<script>alert(1)</script>", "image/png"), "not an image"),
        (SimpleUploadedFile("doc.pdf", b"%PDF-1.4 not media", "application/pdf"), "not an image"),
        (SimpleUploadedFile("empty.jpg", b"", "image/jpeg"), "empty"),
    ],
)
def test_uploads_that_are_not_media_are_refused(social_user, upload, message):
    with pytest.raises(ValidationError) as caught:
        make_post(social_user, media=[upload])
    assert message in " ".join(caught.value.message_dict["media"])
    assert not SponsoredPost.objects.exists()
    assert not PostMedia.objects.exists()


def test_too_large_uploads_are_refused(social_user, settings):
    settings.COMPLIANCE_MAX_IMAGE_BYTES = 100
    with pytest.raises(ValidationError) as caught:
        make_post(social_user, media=[png(size=(400, 400))])
    assert "too large" in caught.value.message_dict["media"][0]


def test_videos_are_recognised_by_their_bytes(social_user):
    mp4 = SimpleUploadedFile("clip.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64, "video/mp4")
    webm = SimpleUploadedFile("clip.webm", b"\x1aE\xdf\xa3" + b"\x00" * 64, "video/webm")
    post = make_post(social_user, media=[mp4, webm])
    assert [(m.kind, m.content_type, m.thumbnail) for m in post.media.all()] == [
        ("video", "video/mp4", ""),
        ("video", "video/webm", ""),
    ]


def test_a_contract_must_be_a_pdf(social_user):
    fake = SimpleUploadedFile("contract.pdf", b"PK\x03\x04 a zip", "application/pdf")
    with pytest.raises(ValidationError) as caught:
        make_post(social_user, contract=fake)
    assert "not a PDF" in caught.value.message_dict["contract"][0]


def test_one_bad_file_among_good_ones_saves_nothing(social_user):
    post = make_post(social_user)
    bad = SimpleUploadedFile("x.gif", b"GIF89a broken", "image/gif")
    with pytest.raises(ValidationError):
        services.sponsored_post_update(actor=social_user, post=post, media=[png(), bad])
    assert not post.media.exists()
    assert not default_storage.exists("compliance") or not default_storage.listdir("compliance")[1]


def test_removing_media_changes_the_content_and_deletes_the_files(
    social_user, django_capture_on_commit_callbacks
):
    post = make_post(social_user, media=[png()])
    media = post.media.get()
    with django_capture_on_commit_callbacks(execute=True):
        post = services.sponsored_post_update(actor=social_user, post=post, remove_media=[media])
    assert services.canonical_content(post)["media"] == []
    assert not default_storage.exists(media.file)


# --- Submit and decide -------------------------------------------------------------------------


def test_submit_sets_a_due_date_and_tells_legal(
    social_user, legal_user, mailoutbox, django_capture_on_commit_callbacks
):
    post = make_post(social_user)
    with django_capture_on_commit_callbacks(execute=True):
        post = services.sponsored_post_submit(actor=social_user, post=post)
    assert post.status == PostStatus.SUBMITTED
    assert post.review_due_at <= post.planned_at
    assert [m.to for m in mailoutbox] == [[legal_user.email]]
    assert post.title in mailoutbox[0].subject
    with pytest.raises(services.Conflict):
        services.sponsored_post_submit(actor=social_user, post=post)  # twice: refused
    assert verbs(post) == ["sponsored_post.create", "sponsored_post.submit"]


def test_legal_approves_the_exact_content(social_user, legal_user):
    post = submitted_post(social_user)
    post = approve(post, legal_user)
    assert post.status == PostStatus.APPROVED
    assert post.approved_digest == post.content_digest
    assert services.is_cleared(post)
    decision = post.decisions.get()
    assert decision.content == services.canonical_content(post)
    assert decision.checks == post.checks
    assert decision.expires_at <= post.planned_at + timedelta(hours=1)
    event = AuditEvent.objects.get(verb="sponsored_post.approve")
    assert event.actor == legal_user
    assert event.after["digest"] == post.content_digest


def test_an_edit_after_approval_voids_it_and_sends_the_post_back(
    social_user, legal_user, mailoutbox, django_capture_on_commit_callbacks
):
    post = approve(submitted_post(social_user), legal_user)
    old = post.content_digest
    with django_capture_on_commit_callbacks(execute=True):
        post = services.sponsored_post_update(
            actor=social_user, post=post, text=post.text + " Now 20% off!"
        )
    assert post.status == PostStatus.SUBMITTED
    assert not services.is_cleared(post)
    assert post.approved_digest == ""
    decision = post.decisions.get()
    assert decision.voided_at is not None
    assert decision.content_digest == old
    assert "sponsored_post.approval_void" in verbs(post)
    assert any("Changed after approval" in m.subject for m in mailoutbox)


def test_a_decision_on_a_stale_digest_is_refused(social_user, legal_user):
    """Legal opened version 1; the author edited before legal clicked approve."""
    post = submitted_post(social_user)
    read = post.content_digest
    services.sponsored_post_update(actor=social_user, post=post, text=post.text + " edited")
    with pytest.raises(services.Conflict) as caught:
        services.sponsored_post_decide(
            actor=legal_user, post=post, outcome="approved", content_digest=read
        )
    assert caught.value.code == "stale"
    post.refresh_from_db()
    assert post.status == PostStatus.SUBMITTED
    assert not Decision.objects.exists()


def test_the_author_cannot_approve_their_own_post(user_for):
    from tests.accounts.factories import UserFactory

    both = UserFactory(email="both@example.com", roles=["social", "legal"])
    post = submitted_post(both)
    with pytest.raises(PermissionDenied):
        approve(post, both)
    assert not Decision.objects.exists()


def test_people_without_the_legal_role_cannot_decide(social_user, user_for):
    post = submitted_post(social_user)
    for role in ("social", "manager", "admin", "hr"):
        with pytest.raises(PermissionDenied):
            approve(post, user_for(role))
    assert not Decision.objects.exists()


def test_request_changes_and_reject_need_a_comment(social_user, legal_user):
    post = submitted_post(social_user)
    for outcome in ("changes_requested", "rejected"):
        with pytest.raises(ValidationError) as caught:
            services.sponsored_post_decide(
                actor=legal_user, post=post, outcome=outcome, content_digest=post.content_digest
            )
        assert "comment" in caught.value.message_dict
    services.sponsored_post_decide(
        actor=legal_user,
        post=post,
        outcome="changes_requested",
        content_digest=post.content_digest,
        comment="Put #ad first.",
    )
    post.refresh_from_db()
    assert post.status == PostStatus.CHANGES_REQUESTED
    # The author fixes it and submits again; the second decision is a rejection.
    post = services.sponsored_post_update(actor=social_user, post=post, text="#ad " + post.text)
    post = services.sponsored_post_submit(actor=social_user, post=post)
    services.sponsored_post_decide(
        actor=legal_user,
        post=post,
        outcome="rejected",
        content_digest=post.content_digest,
        comment="The partner's contract ended.",
    )
    post.refresh_from_db()
    assert post.status == PostStatus.REJECTED
    with pytest.raises(services.Conflict):
        services.sponsored_post_update(actor=social_user, post=post, text="again")


def test_approving_despite_failing_checks_needs_a_reason(social_user, legal_user):
    post = submitted_post(social_user, text="No disclosure at all here")
    assert post.check_errors
    with pytest.raises(ValidationError) as caught:
        approve(post, legal_user)
    assert "comment" in caught.value.message_dict
    post = approve(post, legal_user, comment="The platform's paid partnership label is on.")
    assert post.status == PostStatus.APPROVED


def test_decisions_need_a_post_waiting_for_legal(social_user, legal_user):
    post = make_post(social_user)
    with pytest.raises(services.Conflict) as caught:
        approve(post, legal_user)
    assert caught.value.code == "state"


def test_a_second_approval_of_the_same_version_is_refused(social_user, legal_user, legal2):
    post = submitted_post(social_user, approval_rule="all", reviewers=[legal_user, legal2])
    post = approve(post, legal_user)
    with pytest.raises(services.Conflict) as caught:
        approve(post, legal_user)
    assert caught.value.code == "duplicate"


def test_all_named_reviewers_must_approve(social_user, legal_user, legal2):
    post = submitted_post(social_user, approval_rule="all", reviewers=[legal_user, legal2])
    post = approve(post, legal_user)
    assert post.status == PostStatus.SUBMITTED
    assert not services.is_cleared(post)
    post = approve(post, legal2)
    assert post.status == PostStatus.APPROVED


def test_with_all_an_edit_between_approvals_starts_over(social_user, legal_user, legal2):
    post = submitted_post(social_user, approval_rule="all", reviewers=[legal_user, legal2])
    post = approve(post, legal_user)
    post = services.sponsored_post_update(actor=social_user, post=post, text=post.text + " edit")
    post = approve(post, legal2)
    assert post.status == PostStatus.SUBMITTED  # the first approval was on other content
    post = approve(post, legal_user)
    assert post.status == PostStatus.APPROVED


def test_only_named_reviewers_decide(social_user, legal_user, legal2):
    post = submitted_post(social_user, reviewers=[legal2])
    with pytest.raises(PermissionDenied):
        approve(post, legal_user)
    assert approve(post, legal2).status == PostStatus.APPROVED


# --- Freeze, schedule, publish, expiry ------------------------------------------------------


def test_a_freeze_blocks_approval_with_its_reason(social_user, legal_user, frozen):
    post = submitted_post(social_user)
    with pytest.raises(services.Conflict) as caught:
        approve(post, legal_user)
    assert caught.value.code == "frozen"
    assert frozen.reason in caught.value.messages[0]
    assert not Decision.objects.exists()
    # Asking for changes is still possible during a freeze.
    services.sponsored_post_decide(
        actor=legal_user,
        post=post,
        outcome="changes_requested",
        content_digest=post.content_digest,
        comment="Wait for the recall to end; then soften the tone.",
    )


def test_a_freeze_blocks_scheduling(social_user, legal_user, monkeypatch):
    post = approve(submitted_post(social_user), legal_user)
    from incidents import freeze
    from tests.compliance.conftest import FakeFreeze

    monkeypatch.setattr(freeze, "current_freeze", lambda: FakeFreeze(reason="Data breach"))
    with pytest.raises(services.Conflict) as caught:
        services.sponsored_post_schedule(actor=social_user, post=post)
    assert "Data breach" in caught.value.messages[0]
    post.refresh_from_db()
    assert post.status == PostStatus.APPROVED


def test_schedule_then_publish(social_user, legal_user):
    post = approve(submitted_post(social_user), legal_user)
    with pytest.raises(PermissionDenied):
        services.sponsored_post_schedule(actor=legal_user, post=post)
    post = services.sponsored_post_schedule(actor=social_user, post=post)
    assert post.status == PostStatus.SCHEDULED
    assert services.is_cleared(post)
    post = services.sponsored_post_publish(
        actor=social_user, post=post, url="https://instagram.com/p/abc"
    )
    assert post.status == PostStatus.PUBLISHED
    assert post.published_at
    assert verbs(post)[-2:] == ["sponsored_post.schedule", "sponsored_post.publish"]


def test_an_unapproved_post_cannot_be_published(social_user):
    post = submitted_post(social_user)
    with pytest.raises(services.Conflict):
        services.sponsored_post_publish(actor=social_user, post=post)


def test_approvals_expire_at_the_planned_time(social_user, legal_user, settings):
    settings.COMPLIANCE_PUBLISH_WINDOW_MINUTES = 60
    post = approve(submitted_post(social_user), legal_user)
    with time_machine.travel(post.planned_at + timedelta(minutes=30)):
        assert services.is_cleared(post)
        assert services.approvals_expire() == []
    with time_machine.travel(post.planned_at + timedelta(minutes=61)):
        assert not services.is_cleared(post)
        assert services.approvals_expire() == [post.pk]
    post.refresh_from_db()
    assert post.status == PostStatus.EXPIRED
    assert "sponsored_post.approval_expire" in verbs(post)


def test_approvals_expire_after_a_number_of_days(social_user, legal_user, settings):
    settings.COMPLIANCE_APPROVAL_DAYS = 2
    post = approve(
        submitted_post(social_user, planned_at=timezone.now() + timedelta(days=20)), legal_user
    )
    assert post.approval_expires_at < timezone.now() + timedelta(days=2, minutes=1)


# --- Reminders and comments -------------------------------------------------------------------


def test_reviews_due_soon_or_overdue_remind_legal_once_a_day(
    social_user, legal_user, mailoutbox, django_capture_on_commit_callbacks
):
    post = submitted_post(social_user, review_due_at=timezone.now() + timedelta(hours=30))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reviews_remind() == []  # due in 30 h: not yet
    in_8h = time_machine.travel(timezone.now() + timedelta(hours=8))
    with in_8h, django_capture_on_commit_callbacks(execute=True):
        assert services.reviews_remind() == [post.pk]
        assert services.reviews_remind() == []  # once
    in_40h = time_machine.travel(timezone.now() + timedelta(hours=40))
    with in_40h, django_capture_on_commit_callbacks(execute=True):
        assert services.reviews_remind() == [post.pk]  # a day later, overdue
    subjects = [m.subject for m in mailoutbox]
    assert any(s.startswith("Legal review due soon") for s in subjects)
    assert any(s.startswith("Overdue legal review") for s in subjects)


def test_comments_notify_the_people_mentioned(
    social_user, legal_user, manager_user, mailoutbox, django_capture_on_commit_callbacks
):
    post = make_post(social_user)
    with django_capture_on_commit_callbacks(execute=True):
        comment = services.comment_add(
            actor=social_user,
            post=post,
            body="@legal can you look today? cc @manager@example.com @nobody",
        )
    assert set(comment.mentioned.all()) == {legal_user, manager_user}
    assert sorted(m.to[0] for m in mailoutbox) == [legal_user.email, manager_user.email]
    with pytest.raises(ValidationError):
        services.comment_add(actor=social_user, post=post, body="   ")
    assert "sponsored_post.comment" in verbs(post)


# --- Links, rule lists, ownership ------------------------------------------------------------


def test_saving_queues_a_link_check_after_commit(
    social_user, queued_link_checks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post = make_post(social_user, links=["https://lumora.example/brew"])
    assert queued_link_checks == [post.pk]
    assert "links.pending" in {f["code"] for f in post.checks}


def test_legal_edits_a_rule_list_and_the_checks_follow(
    social_user, legal_user, queued_link_checks, django_capture_on_commit_callbacks
):
    post = make_post(social_user, text="#ad This espresso is a jetlag killer")
    assert post.check_errors == 0
    with pytest.raises(PermissionDenied):
        rule_list_update(
            actor=social_user, kind="claim", category="health", language="en", terms="x"
        )
    current = RuleList.objects.get(kind="claim", category="health", language="en").terms
    with django_capture_on_commit_callbacks(execute=True):
        rule_list_update(
            actor=legal_user,
            kind="claim",
            category="health",
            language="en",
            terms=current + "\njetlag killer\nJetlag killer\n",
        )
    assert queued_link_checks == ["recheck"]
    services.posts_recheck()
    post.refresh_from_db()
    assert [f["params"]["term"] for f in post.checks if f["code"] == "claims.found"] == [
        "jetlag killer"
    ]
    event = AuditEvent.objects.get(verb="compliance_rules.update")
    assert event.after["terms"].count("jetlag killer") == 1  # duplicates dropped


def test_rule_lists_are_seeded_in_english_and_french(db):
    languages = set(RuleList.objects.filter(kind="disclosure").values_list("language", flat=True))
    assert languages == {"en", "fr"}
    fr = RuleList.objects.get(kind="disclosure", language="fr").term_list
    assert "publicité" in fr
    assert "collaboration commerciale" in fr


def test_unknown_rule_lists_are_refused(legal_user):
    with pytest.raises(ValidationError):
        rule_list_update(actor=legal_user, kind="claim", category="nope", language="en", terms="x")


def test_open_posts_are_handed_over_when_their_author_leaves(social_user, user_for, admin_user):
    from tests.accounts.factories import UserFactory

    post = make_post(social_user)
    kind = ownership.kind("compliance.sponsoredpost")
    assert list(kind.owned_by(social_user)) == [post]
    colleague = UserFactory(roles=["social"])
    from django.db import transaction

    with transaction.atomic():
        kind.transfer(actor=admin_user, item=post, new_owner=colleague)
    post.refresh_from_db()
    assert post.author == colleague
    assert "sponsored_post.transfer" in verbs(post)


def test_the_migration_binds_posts_not_yet_approved_to_every_reviewed_field(
    social_user, legal_user
):
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "compliance.migrations.0003_digest_covers_every_reviewed_field"
    )
    narrow = {"text", "media", "links", "account", "planned_at"}  # the digest before #15

    def old_digest(post):
        content = services.canonical_content(post)
        return content_digest({k: v for k, v in content.items() if k in narrow})

    waiting = submitted_post(social_user)
    approved = approve(submitted_post(social_user), legal_user)
    for post in (waiting, approved):
        SponsoredPost.objects.filter(pk=post.pk).update(
            content_digest=old_digest(post),
            approved_digest=old_digest(post) if post.approved_digest else "",
        )
    migration.recompute(apps, None)
    waiting.refresh_from_db()
    approved.refresh_from_db()
    assert waiting.content_digest == content_digest(services.canonical_content(waiting))
    # An approval keeps its digest until it expires or the post changes.
    assert approved.content_digest == approved.approved_digest == old_digest(approved)
    assert services.is_cleared(approved)
