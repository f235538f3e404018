"""Publishing at a post's time: once, whatever fails between, with what was sent kept."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from compliance.models import PostStatus as LegalStatus
from inbox.models import ReplyState
from incidents.freeze import freeze_lift, freeze_start
from monitoring.connectors.base import http_client
from publishing import selectors, services
from publishing.models import BrandPost, Delivery, PostStatus
from publishing.services import sending
from respond.publishers import get_publisher
from riskdesk.models import AuditEvent
from tests.compliance.factories import approve, make_post, submitted_post
from tests.fakes.base import Fault
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def _posted(mastodon, text):
    return [s for s in mastodon.statuses if text in s.get("text", "")]


def test_a_post_goes_out_at_its_minute_once_and_the_sweep_finds_it(write, mastodon):
    post = write(schedule=True)
    assert selectors.deliveries_due() == []  # not yet
    with time_machine.travel(post.scheduled_at + timedelta(seconds=20)):
        [delivery_id] = selectors.deliveries_due()
        delivery = services.delivery_send(delivery_id)
        assert services.delivery_send(delivery_id) is None  # sent: nothing more to do
        assert selectors.deliveries_due() == []
    [status] = _posted(mastodon, "spring menu")
    assert status["in_reply_to_id"] is None
    assert status["visibility"] == "public"
    assert delivery.state == ReplyState.SENT
    assert delivery.network_id == status["uri"]
    assert (delivery.sent_text, delivery.sent_version) == (post.body, post.version)
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    assert AuditEvent.objects.filter(verb="brand_post.sent", target_id=str(post.pk)).exists()


def test_a_worker_killed_after_the_network_answered_does_not_post_twice(write, mastodon):
    """The worker restarted at the scheduled minute: the lease runs out, the sweep sends
    again with the same Idempotency-Key, and the network gives back the first post."""
    post = write(schedule=True)
    [delivery] = post.deliveries.all()
    with time_machine.travel(post.scheduled_at + timedelta(seconds=1)):
        claimed, _uncertain = sending._start(delivery.pk)
        with http_client() as client:  # the network takes the post; the worker dies here
            publisher = get_publisher("mastodon")(claimed.account, client)
            publisher.publish(body=claimed.sent_text, key=str(claimed.key))
        assert services.delivery_send(delivery.pk) is None  # the lease still holds
    delivery.refresh_from_db()
    assert delivery.state == ReplyState.SENDING
    with time_machine.travel(post.scheduled_at + timedelta(minutes=3)):
        assert selectors.deliveries_due() == [delivery.pk]  # the lease is over
        services.delivery_send(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.state == ReplyState.SENT
    assert len(_posted(mastodon, "spring menu")) == 1


def test_a_timeout_backs_off_and_a_refusal_fails_with_the_networks_words(
    write, mastodon, social_user, queued
):
    post = write(schedule=True)
    [delivery] = post.deliveries.all()
    mastodon.inject(Fault(status=503, body="down", times=5, match="/statuses"))
    with time_machine.travel(post.scheduled_at + timedelta(seconds=1)):
        delivery = services.delivery_send(delivery.pk)
        assert delivery.state == ReplyState.QUEUED
        assert delivery.next_attempt_at > timezone.now()
        assert "503" in delivery.error
    mastodon.clear_faults()
    mastodon.inject(Fault(status=422, body='{"error":"Validation failed: Text too long"}'))
    with time_machine.travel(delivery.next_attempt_at + timedelta(seconds=1)):
        delivery = services.delivery_send(delivery.pk)
    assert delivery.state == ReplyState.FAILED
    assert "Mastodon refused the post (422: Validation failed: Text too long)" in delivery.error
    post.refresh_from_db()
    assert post.status == PostStatus.FAILED
    services.delivery_retry(actor=social_user, delivery=delivery)
    assert queued == [delivery.pk]
    mastodon.clear_faults()
    with time_machine.travel(post.scheduled_at + timedelta(hours=1)):
        delivery = services.delivery_send(delivery.pk)
    assert delivery.state == ReplyState.SENT
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED


def test_an_edit_while_it_is_sent_keeps_the_version_sent_and_records_it(
    write, mastodon, social_user
):
    post = write(schedule=True)
    taken = post.version
    [delivery] = post.deliveries.all()
    with time_machine.travel(post.scheduled_at + timedelta(seconds=1)):
        sending._start(delivery.pk)  # claimed: the content is taken
        services.post_update(actor=social_user, post=post, text="Edited during the send.")
    with time_machine.travel(post.scheduled_at + timedelta(minutes=5)):  # the lease is over
        delivery = services.delivery_send(delivery.pk)
    assert delivery.state == ReplyState.SENT
    assert _posted(mastodon, "spring menu")
    assert not _posted(mastodon, "Edited during")
    post.refresh_from_db()
    assert (delivery.sent_version, post.version) == (taken, taken + 1)


def test_a_person_removed_from_the_account_cannot_publish_through_it(write, lumora, social_user):
    post = write(schedule=True)
    lumora.acting_people.remove(social_user)
    with time_machine.travel(post.scheduled_at + timedelta(seconds=1)):
        delivery = services.delivery_send(post.deliveries.get().pk)
    assert delivery.state == ReplyState.FAILED
    assert "may no longer publish" in delivery.error


def test_a_sponsored_post_held_by_a_freeze_goes_out_after_release_with_its_clearance(
    write, mastodon, social_user, legal_user, manager_user, queued
):
    text = "Publicité : notre menu de printemps avec Café Sol."
    post = write(text=text, sponsored=True, markets=["FR"], schedule=True)
    approve(post.clearance, legal_user)
    incident = IncidentFactory(severity=1)
    freeze_start(actor=manager_user, incident=incident, reason="Firmware recall")
    with time_machine.travel(post.scheduled_at + timedelta(seconds=1)):
        assert services.delivery_send(post.deliveries.get().pk) is None
    post.refresh_from_db()
    assert post.status == PostStatus.HELD
    assert not _posted(mastodon, "Café Sol")
    freeze_lift(actor=manager_user, incident=incident)
    with time_machine.travel(post.scheduled_at + timedelta(minutes=30)):
        services.post_release(actor=social_user, post=post, decision="publish")
        [delivery_id] = queued
        delivery = services.delivery_send(delivery_id)
    assert delivery.state == ReplyState.SENT
    assert len(_posted(mastodon, "Café Sol")) == 1
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    assert post.clearance.status == LegalStatus.PUBLISHED
    assert post.clearance.published_url == delivery.network_url


def test_two_accounts_each_get_the_post_once(write, mastodon, lumora, social_user):
    from tests.publishing.factories import connected_account

    other = connected_account(mastodon, handle="lumora_uk", people=[social_user])
    post = write(accounts=[lumora, other], schedule=True)
    with time_machine.travel(post.scheduled_at + timedelta(seconds=1)):
        for delivery_id in selectors.deliveries_due():
            services.delivery_send(delivery_id)
    assert set(Delivery.objects.values_list("state", flat=True)) == {ReplyState.SENT}
    assert BrandPost.objects.get().status == PostStatus.PUBLISHED


def test_a_sponsored_post_from_compliance_goes_out_through_the_calendar(
    mastodon, lumora, social_user, legal_user
):
    review = submitted_post(
        social_user,
        platform="mastodon",
        account_kind="brand",
        brand_account=lumora.brand_account,
        partner_name="Café Sol",
        partner_handle="",
        links=["https://cafesol.example/spring"],
    )
    review = approve(review, legal_user, "Fine.")
    post = services.post_from_review(actor=social_user, review=review, account=lumora)
    assert (post.status, post.scheduled_at, post.clearance) == (
        PostStatus.SCHEDULED,
        review.planned_at,
        review,
    )
    with pytest.raises(ValidationError):
        services.post_from_review(actor=social_user, review=review, account=lumora)
    with time_machine.travel(post.scheduled_at + timedelta(seconds=1)):
        delivery = services.delivery_send(post.deliveries.get().pk)
    assert delivery.state == ReplyState.SENT
    assert delivery.sent_text.endswith("\n\nhttps://cafesol.example/spring")
    review.refresh_from_db()
    assert review.status == LegalStatus.PUBLISHED


def test_a_partners_post_or_one_with_media_is_not_published_by_riskdesk(lumora, social_user):
    partner = make_post(social_user)  # the partner publishes it from their own account
    with pytest.raises(ValidationError) as caught:
        services.post_from_review(actor=social_user, review=partner, account=lumora)
    assert "another account" in caught.value.messages[0]
