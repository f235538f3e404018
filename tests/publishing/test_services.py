"""Writing and scheduling the brand's posts; what legal must approve; the gates at their time."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from compliance.models import PostStatus as LegalStatus
from incidents.freeze import freeze_lift, freeze_start
from publishing import services
from publishing.models import BrandPost, HoldReason, PostStatus
from riskdesk.models import AuditEvent
from tests.accounts.factories import TeamFactory
from tests.compliance.factories import approve
from tests.incidents.factories import IncidentFactory
from tests.publishing.factories import connected_account

pytestmark = pytest.mark.django_db

# A sponsored post that passes the disclosure checks for France.
SPONSORED = {
    "sponsored": True,
    "markets": ["FR"],
    "text": "Publicité : notre menu de printemps avec Café Sol.",
}


def _at_its_time(post):
    """The sweep at the post's minute: the gates decide, nothing is sent when held."""
    post.refresh_from_db()
    with time_machine.travel(post.scheduled_at + timedelta(seconds=5)):
        services.posts_hold_frozen()
        for delivery in post.deliveries.all():
            services.delivery_send(delivery.pk)
    post.refresh_from_db()
    return post


# --- Writing --------------------------------------------------------------------------


def test_a_draft_is_saved_with_one_delivery_per_account_and_audited(write, lumora):
    post = write(link="https://lumora.example/spring")
    assert post.status == PostStatus.DRAFT
    assert post.body == "Our spring menu is here.\n\nhttps://lumora.example/spring"
    assert [d.account for d in post.deliveries.all()] == [lumora]
    assert post.legal_reasons == []
    assert AuditEvent.objects.filter(verb="brand_post.create").count() == 1


def test_scheduling_in_the_past_is_refused_with_the_reason(write):
    with pytest.raises(ValidationError) as caught:
        write(scheduled_at=timezone.now() - timedelta(minutes=1))
    assert "future" in str(caught.value.message_dict["scheduled_at"])
    assert not BrandPost.objects.exists()


def test_an_account_the_person_may_not_act_as_is_refused(write, mastodon):
    other = connected_account(mastodon, handle="lumora_fr")  # nobody listed
    with pytest.raises(ValidationError) as caught:
        write(accounts=[other])
    assert "may not publish as @lumora_fr" in str(caught.value.message_dict["accounts"])


def test_a_text_over_the_networks_limit_is_refused_naming_the_limit(write):
    with pytest.raises(ValidationError) as caught:
        write(text="x" * 501)
    assert "Mastodon takes at most 500 characters" in str(caught.value.message_dict["accounts"])


def test_a_network_riskdesk_cannot_publish_on_is_refused(write, mastodon, social_user):
    youtube = connected_account(mastodon, kind="youtube", handle="lumoratv", people=[social_user])
    with pytest.raises(ValidationError) as caught:
        write(accounts=[youtube])
    assert "cannot publish posts on YouTube" in str(caught.value.message_dict["accounts"])


def test_only_the_social_team_writes_posts(legal_user, lumora, soon):
    with pytest.raises(PermissionDenied):
        services.post_create(
            actor=legal_user, accounts=[lumora], title="t", text="x", scheduled_at=soon
        )


def test_a_stale_version_is_refused(write, social_user):
    post = write()
    services.post_update(actor=social_user, post=post, text="First change.")
    with pytest.raises(ValidationError) as caught:
        services.post_update(actor=social_user, post=post, version=1, text="Second change.")
    assert caught.value.code == "stale"


# --- What legal must approve ----------------------------------------------------------


def test_legal_must_approve_sponsored_posts_regulated_claims_and_posts_asked_for(write):
    assert write(sponsored=True, markets=["FR"]).legal_reasons == ["sponsored"]
    assert write(text="Our tea cures colds.", markets=["US"]).legal_reasons == ["claim"]
    assert write(ask_legal=True, markets=["US"]).legal_reasons == ["asked"]
    assert write(text="Our tea tastes of spring.").legal_reasons == []


def test_a_post_for_legal_has_one_account_and_its_markets(write, mastodon, social_user, lumora):
    second = connected_account(mastodon, handle="lumora_uk", people=[social_user])
    with pytest.raises(ValidationError) as caught:
        write(accounts=[lumora, second], sponsored=True, markets=["FR"])
    assert "one post per account" in str(caught.value.message_dict["accounts"])
    with pytest.raises(ValidationError) as caught:
        write(sponsored=True)
    assert "markets" in caught.value.message_dict


def test_scheduling_a_post_for_legal_sends_its_exact_content_to_legal(write, social_user):
    post = write(sponsored=True, markets=["FR"], link="https://lumora.example/p")
    services.post_schedule(actor=social_user, post=post)
    post.refresh_from_db()
    review = post.clearance
    assert post.status == PostStatus.SCHEDULED
    assert review.status == LegalStatus.SUBMITTED
    assert (review.text, review.links, review.planned_at) == (
        post.text,
        ["https://lumora.example/p"],
        post.scheduled_at,
    )
    assert review.brand_account == post.deliveries.get().account.brand_account


def test_a_post_legal_has_not_approved_is_held_at_its_time(write, social_user, queued):
    post = write(**SPONSORED, schedule=True)
    post = _at_its_time(post)
    assert (post.status, post.held_reason) == (PostStatus.HELD, HoldReason.NOT_APPROVED)
    assert post.deliveries.get().attempts == 0  # nothing was sent


def test_an_edit_after_approval_sends_it_back_to_legal_and_the_old_approval_is_void(
    write, social_user, legal_user
):
    post = write(**SPONSORED, schedule=True)
    review = approve(post.clearance, legal_user)
    assert review.status == LegalStatus.APPROVED
    services.post_update(actor=social_user, post=post, text="Our spring menu, now with tea.")
    review.refresh_from_db()
    assert review.status == LegalStatus.SUBMITTED
    assert review.text == "Our spring menu, now with tea."
    post = _at_its_time(post)
    assert post.held_reason == HoldReason.NOT_APPROVED


def test_content_changed_behind_the_posts_back_no_longer_matches_the_approval(
    write, social_user, legal_user
):
    post = write(**SPONSORED, schedule=True)
    approve(post.clearance, legal_user)
    BrandPost.objects.filter(pk=post.pk).update(text="Something legal never read.")
    post = _at_its_time(post)
    assert post.held_reason == HoldReason.CONTENT_MISMATCH


def test_an_expired_approval_holds_the_post(write, social_user, legal_user):
    post = write(
        sponsored=True,
        markets=["FR"],
        schedule=True,
        scheduled_at=timezone.now() + timedelta(days=40),
    )
    review = approve(post.clearance, legal_user, "Checked by hand.")
    assert review.approval_expires_at < post.scheduled_at
    post = _at_its_time(post)
    assert post.held_reason == HoldReason.EXPIRED
    assert post.deliveries.get().attempts == 0


# --- The freeze -----------------------------------------------------------------------


def test_a_freeze_holds_every_scheduled_post_with_its_incident(write, manager_user):
    post = write(schedule=True)
    draft = write(scheduled_at=None)
    incident = IncidentFactory(severity=1)
    freeze = freeze_start(actor=manager_user, incident=incident, reason="Firmware recall")
    assert services.posts_hold_frozen() == [post.pk]
    post.refresh_from_db()
    assert (post.status, post.held_reason, post.held_freeze) == (
        PostStatus.HELD,
        HoldReason.FROZEN,
        freeze,
    )
    assert "Firmware recall" in post.held_detail
    draft.refresh_from_db()
    assert draft.status == PostStatus.DRAFT


def test_a_held_post_cannot_be_published_while_the_freeze_lasts(write, social_user, manager_user):
    post = write(schedule=True)
    incident = IncidentFactory(severity=1)
    freeze_start(actor=manager_user, incident=incident, reason="Firmware recall")
    post = _at_its_time(post)
    assert post.held_reason == HoldReason.FROZEN
    with pytest.raises(ValidationError) as caught:
        services.post_release(actor=social_user, post=post, decision="publish")
    assert "still held" in caught.value.messages[0]
    freeze_lift(actor=manager_user, incident=incident)
    post = services.post_release(actor=social_user, post=post, decision="drop")
    assert post.status == PostStatus.DROPPED


def test_releasing_a_held_post_to_a_new_time_schedules_it_again(write, social_user, manager_user):
    post = write(schedule=True)
    incident = IncidentFactory(severity=1)
    freeze_start(actor=manager_user, incident=incident, reason="Firmware recall")
    services.posts_hold_frozen()
    freeze_lift(actor=manager_user, incident=incident)
    post.refresh_from_db()
    with pytest.raises(ValidationError):
        services.post_release(actor=social_user, post=post, decision="reschedule")
    later = timezone.now() + timedelta(days=1)
    post = services.post_release(actor=social_user, post=post, decision="reschedule", when=later)
    assert (post.status, post.scheduled_at, post.held_reason) == (PostStatus.SCHEDULED, later, "")
    assert post.deliveries.get().next_attempt_at == later
    verbs = list(AuditEvent.objects.values_list("verb", flat=True))
    assert "brand_post.hold" in verbs
    assert "brand_post.release_reschedule" in verbs


# --- Teams' rules ---------------------------------------------------------------------


def test_a_teams_rule_sends_matching_posts_to_legal(write, legal_user, lumora, mastodon):
    team = TeamFactory(name="Investor relations")
    services.legal_rule_save(
        actor=legal_user, name="Results", team=team, terms="quarterly results\nprofit*"
    )
    assert write(text="Our quarterly results are out.", markets=["US"]).legal_reasons == ["rule"]
    assert write(text="Profits rose.", markets=["US"]).legal_reasons == ["rule"]
    assert write(text="Spring menu.").legal_reasons == []
    only_uk = connected_account(mastodon, handle="lumora_uk")
    services.legal_rule_save(actor=legal_user, name="UK account", team=team, accounts=[only_uk])
    assert write(text="Spring menu.").legal_reasons == []


def test_a_rule_added_after_scheduling_holds_the_post_at_its_time(write, legal_user):
    post = write(text="Our quarterly results are out.", markets=["US"], schedule=True)
    assert post.legal_reasons == []
    services.legal_rule_save(
        actor=legal_user, name="Results", team=TeamFactory(), terms="quarterly results"
    )
    post = _at_its_time(post)
    assert (post.status, post.held_reason) == (PostStatus.HELD, HoldReason.NOT_APPROVED)


def test_only_legal_and_admins_keep_the_rules(social_user):
    with pytest.raises(PermissionDenied):
        services.legal_rule_save(actor=social_user, name="Mine", team=TeamFactory())


def test_a_post_held_before_its_time_is_released_to_its_time(
    write, social_user, manager_user, queued
):
    post = write(schedule=True)
    incident = IncidentFactory(severity=1)
    freeze_start(actor=manager_user, incident=incident, reason="Firmware recall")
    services.posts_hold_frozen()
    freeze_lift(actor=manager_user, incident=incident)
    post.refresh_from_db()
    post = services.post_release(actor=social_user, post=post, decision="publish")
    assert post.status == PostStatus.SCHEDULED
    assert post.deliveries.get().next_attempt_at == post.scheduled_at  # legal's time kept
    assert queued == []  # the sweep sends it at its minute


def test_unticking_sponsored_after_legal_has_it_does_not_take_it_past_legal(write, social_user):
    post = write(**SPONSORED, schedule=True)
    post = services.post_update(
        actor=social_user, post=post, sponsored=False, text="Not sponsored any more, honest."
    )
    assert post.legal_reasons == ["reviewed"]
    post = _at_its_time(post)
    assert (post.status, post.held_reason) == (PostStatus.HELD, HoldReason.NOT_APPROVED)
