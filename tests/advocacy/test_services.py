"""The library workflow, the training gate, legal's clearance, the disclosure, tracked links."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from advocacy import selectors, services
from advocacy.models import LibraryStatus, Share
from compliance.models import PostStatus, SponsoredPost
from riskdesk.models import AuditEvent
from tests.accounts.factories import TeamFactory, TeamMembershipFactory
from tests.advocacy.factories import (
    LINK,
    available_post,
    cleared_post,
    legal_approves,
    make_post,
)

pytestmark = pytest.mark.django_db


# --- The training gate --------------------------------------------------------------------


def test_untrained_person_is_refused_with_the_reason(smp, employee, curator):
    post = available_post(curator)
    smp.acknowledge(employee)
    with pytest.raises(services.NotReady) as refused:
        services.share_create(actor=employee, post=post, network="x", market="US")
    assert "Complete the training “Social media essentials”" in refused.value.messages[0]
    [missing] = refused.value.readiness.missing
    assert missing.code == "training"
    assert missing.url == "/training/modules/social-media-essentials/complete/"
    assert not Share.objects.exists()


def test_unacknowledged_person_is_refused_with_a_link_to_the_policy(smp, employee, curator):
    post = available_post(curator)
    smp.train(employee)
    gate = selectors.readiness(employee)
    assert [m.code for m in gate.missing] == ["acknowledge"]
    assert gate.missing[0].url == f"/policies/{smp.policy.slug}/acknowledge/"
    with pytest.raises(services.NotReady):
        services.share_create(actor=employee, post=post, network="x", market="US")


def test_acknowledged_and_trained_person_shares(ready_employee, curator):
    post = available_post(curator)
    assert selectors.readiness(ready_employee).ready
    share = services.share_create(actor=ready_employee, post=post, network="x", market="US")
    assert share.user == ready_employee
    assert AuditEvent.objects.filter(verb="share.create").count() == 1


def test_expired_training_is_refused(smp, employee, curator):
    post = available_post(curator)
    smp.acknowledge(employee)
    smp.train(employee, days_ago=400)  # valid 12 months
    gate = selectors.readiness(employee)
    assert [m.code for m in gate.missing] == ["training_expired"]
    assert "expired on" in gate.reason
    with pytest.raises(services.NotReady):
        services.share_create(actor=employee, post=post, network="x", market="US")


def test_a_new_material_revision_must_be_acknowledged_again(smp, employee, curator, user_for):
    from tests.policies.factories import publish

    smp.make_ready(employee)
    publish(smp.policy, "Be kind. Say you work here. New: no DMs.", author=user_for("legal"),
            reviewer=user_for("manager"))  # fmt: skip
    assert [m.code for m in selectors.readiness(employee).missing] == ["acknowledge"]


def test_no_policy_means_nobody_shares(employee):
    gate = selectors.readiness(employee)
    assert [m.code for m in gate.missing] == ["no_policy"]


# --- Disclosure ---------------------------------------------------------------------------


@pytest.mark.parametrize(("market", "tag"), [("US", "#employee"), ("FR", "#salarié")])
def test_the_disclosure_of_the_market_is_always_in_the_text(ready_employee, curator, market, tag):
    post = available_post(curator)
    share = services.share_create(actor=ready_employee, post=post, network="x", market=market)
    assert share.text.endswith(tag)
    assert share.text.startswith(post.text)
    assert f"/s/{share.token}" in share.text
    assert LINK not in share.text  # the tracked link replaces it
    url = services.share_url(share)
    assert url.startswith("https://twitter.com/intent/tweet?")
    assert parse_qs(urlsplit(url).query)["text"] == [share.text]


def test_disclosures_are_configurable(ready_employee, curator, settings):
    settings.ADVOCACY_DISCLOSURES = {"US": "#lumoraemployee"}
    post = available_post(curator)
    share = services.share_create(actor=ready_employee, post=post, network="bluesky", market="US")
    assert share.text.endswith("#lumoraemployee")
    assert services.share_url(share).startswith("https://bsky.app/intent/compose?text=")


def test_share_urls_by_network(ready_employee, curator):
    post = available_post(curator)
    linkedin = services.share_create(actor=ready_employee, post=post, network="linkedin",
                                     market="US")  # fmt: skip
    assert services.share_url(linkedin).startswith(
        "https://www.linkedin.com/sharing/share-offsite/?url=http"
    )
    facebook = services.share_create(actor=ready_employee, post=post, network="facebook",
                                     market="US")  # fmt: skip
    assert "facebook.com/sharer/sharer.php?u=" in services.share_url(facebook)
    mastodon = services.share_create(actor=ready_employee, post=post, network="mastodon",
                                     market="US", instance="https://Mastodon.Social/")  # fmt: skip
    assert mastodon.instance == "mastodon.social"
    assert services.share_url(mastodon).startswith("https://mastodon.social/share?text=")
    assert selectors.last_instance(ready_employee) == "mastodon.social"


def test_a_bad_mastodon_server_network_or_market_is_refused(ready_employee, curator):
    post = available_post(curator, markets=["US"], networks=["x", "mastodon"])
    for network, market, instance, field in [
        ("mastodon", "US", "javascript:alert(1)", "instance"),
        ("mastodon", "US", "", "instance"),
        ("linkedin", "US", "", "network"),
        ("x", "FR", "", "market"),
    ]:
        with pytest.raises(ValidationError) as refused:
            services.share_create(actor=ready_employee, post=post, network=network,
                                  market=market, instance=instance)  # fmt: skip
        assert field in refused.value.message_dict


def test_the_share_records_the_team_and_digest(ready_employee, curator):
    team = TeamFactory(name="Baristas")
    TeamMembershipFactory(team=team, user=ready_employee)
    post = available_post(curator)
    share = services.share_create(actor=ready_employee, post=post, network="copy", market="FR")
    assert share.team == team
    assert len(share.text_digest) == 64
    assert share.post_version == post.version


# --- Legal --------------------------------------------------------------------------------


def test_a_post_needing_legal_cannot_be_made_available_before_approval(curator):
    post = make_post(curator, needs_legal=True)
    with pytest.raises(services.Conflict) as refused:
        services.library_post_publish(actor=curator, post=post)
    assert "Legal must approve" in refused.value.messages[0]


def test_a_regulated_claim_needs_legal(curator):
    post = make_post(curator, text="Our new blend lowers cholesterol and cures anxiety.")
    assert post.claims
    assert post.requires_legal
    with pytest.raises(services.Conflict):
        services.library_post_publish(actor=curator, post=post)


def test_ask_legal_creates_and_submits_a_sponsored_post(curator):
    post = make_post(curator, needs_legal=True)
    post = services.library_post_ask_legal(actor=curator, post=post)
    sponsored = SponsoredPost.objects.get(pk=post.clearance_id)
    assert post.status == LibraryStatus.WAITING
    assert sponsored.status == PostStatus.SUBMITTED
    assert sponsored.account_kind == "partner"
    assert sponsored.partner_name == "Employees (advocacy)"
    assert sponsored.partner_handle == "employees"
    assert sponsored.text.startswith(post.text)
    assert LINK in sponsored.text
    assert "#employee" in sponsored.text
    assert "#salarié" in sponsored.text
    assert sponsored.markets == ["US", "FR"]
    assert services.library_posts_sync() == []  # still waiting


def test_approved_post_becomes_available_and_shareable(curator, lawyer, ready_employee):
    post = cleared_post(curator, lawyer)
    assert post.status == LibraryStatus.AVAILABLE
    assert selectors.legal_state(post)["cleared"]
    share = services.share_create(actor=ready_employee, post=post, network="x", market="US")
    assert share.pk


def test_not_shareable_while_waiting_for_legal(curator, ready_employee):
    post = services.library_post_ask_legal(actor=curator, post=make_post(curator, needs_legal=True))
    with pytest.raises(services.Conflict) as refused:
        services.share_create(actor=ready_employee, post=post, network="x", market="US")
    assert "waiting for legal" in refused.value.messages[0]


def test_an_edit_after_approval_voids_it(curator, lawyer, ready_employee):
    post = cleared_post(curator, lawyer)
    post = services.library_post_update(actor=curator, post=post, text="Solar roastery, 100%!")
    sponsored = SponsoredPost.objects.get(pk=post.clearance_id)
    assert sponsored.status == PostStatus.SUBMITTED
    assert sponsored.text.startswith("Solar roastery, 100%!")
    assert post.status == LibraryStatus.WAITING
    assert AuditEvent.objects.filter(verb="library_post.approval_void").exists()
    with pytest.raises(services.Conflict):
        services.share_create(actor=ready_employee, post=post, network="x", market="US")
    legal_approves(post, lawyer)
    assert services.library_posts_sync() == [post.pk]


def test_content_changed_behind_the_library_blocks_sharing(curator, lawyer, ready_employee):
    post = cleared_post(curator, lawyer)
    # The library row changes without going through compliance (an admin, a bug):
    type(post).objects.filter(pk=post.pk).update(text="Something legal never read")
    post.refresh_from_db()
    with pytest.raises(services.Conflict) as refused:
        services.share_create(actor=ready_employee, post=post, network="x", market="US")
    assert "not the content legal approved" in refused.value.messages[0]


def test_an_expired_approval_blocks_sharing_until_legal_approves_again(
    curator, lawyer, ready_employee
):
    import time_machine

    from compliance.services import approvals_expire

    post = cleared_post(curator, lawyer)
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        with pytest.raises(services.Conflict) as refused:
            services.share_create(actor=ready_employee, post=post, network="x", market="US")
        assert "expired" in refused.value.messages[0]
        approvals_expire()
        post = services.library_post_ask_legal(actor=curator, post=post)
        assert post.status == LibraryStatus.WAITING
        assert SponsoredPost.objects.get(pk=post.clearance_id).status == PostStatus.SUBMITTED
        legal_approves(post, lawyer)
        assert services.library_posts_sync() == [post.pk]
        post.refresh_from_db()
        assert services.share_create(actor=ready_employee, post=post, network="x", market="US")


def test_legal_sends_a_post_back(curator, lawyer):
    from compliance import services as compliance

    post = services.library_post_ask_legal(actor=curator, post=make_post(curator, needs_legal=True))
    sponsored = SponsoredPost.objects.get(pk=post.clearance_id)
    compliance.sponsored_post_decide(actor=lawyer, post=sponsored, outcome="changes_requested",
                                     content_digest=sponsored.content_digest,
                                     comment="Say it is Lyon only.")  # fmt: skip
    assert services.library_posts_sync() == [post.pk]
    post.refresh_from_db()
    assert post.status == LibraryStatus.DRAFT
    post = services.library_post_update(actor=curator, post=post, text="Lyon only: solar!")
    post = services.library_post_ask_legal(actor=curator, post=post)
    assert post.clearance_id == sponsored.pk
    sponsored.refresh_from_db()
    assert sponsored.status == PostStatus.SUBMITTED


def test_a_post_legal_has_seen_cannot_drop_the_legal_review(curator, lawyer):
    post = cleared_post(curator, lawyer)
    post = services.library_post_update(actor=curator, post=post, needs_legal=False,
                                        text="New text legal has not read")  # fmt: skip
    assert post.needs_legal
    assert post.status == LibraryStatus.WAITING


def test_a_manager_cannot_ask_legal_without_writing_sponsored_posts(user_for):
    manager = user_for("manager")
    post = make_post(manager, needs_legal=True)
    with pytest.raises(services.Conflict) as refused:
        services.library_post_ask_legal(actor=manager, post=post)
    assert "sponsored posts" in refused.value.messages[0]


def test_a_freeze_pauses_every_share(curator, ready_employee, frozen):
    post = available_post(curator)
    with pytest.raises(services.Conflict) as refused:
        services.share_create(actor=ready_employee, post=post, network="x", market="US")
    assert frozen.reason in refused.value.messages[0]


# --- Tracked links ------------------------------------------------------------------------


def test_the_tracked_link_redirects_to_the_post_link_and_counts(client, ready_employee, curator):
    post = available_post(curator)
    share = services.share_create(actor=ready_employee, post=post, network="x", market="US")
    response = client.get(f"/s/{share.token}")
    assert response.status_code == 302
    assert response["Location"] == LINK
    client.get(f"/s/{share.token}?next=https://evil.example/")
    share.refresh_from_db()
    assert share.clicks == 2


def test_an_unknown_token_is_a_404(client, db):
    assert client.get("/s/nope-not-a-token").status_code == 404
    assert client.get("/s/https://evil.example").status_code == 404


def test_no_open_redirect_a_post_without_link(client, ready_employee, curator):
    post = available_post(curator, link="", networks=["x"])
    share = services.share_create(actor=ready_employee, post=post, network="x", market="US")
    assert "/s/" not in share.text
    assert client.get(f"/s/{share.token}").status_code == 404


# --- Permissions --------------------------------------------------------------------------


def test_a_non_curator_cannot_create_change_or_retire(employee, curator):
    with pytest.raises(PermissionDenied):
        make_post(employee)
    post = make_post(curator)
    with pytest.raises(PermissionDenied):
        services.library_post_update(actor=employee, post=post, title="Mine")
    with pytest.raises(PermissionDenied):
        services.library_post_retire(actor=employee, post=post)


def test_other_peoples_shares_are_not_listed(ready_employee, smp, curator):
    from tests.accounts.factories import UserFactory

    other = smp.make_ready(UserFactory())
    post = available_post(curator)
    mine = services.share_create(actor=ready_employee, post=post, network="x", market="US")
    services.share_create(actor=other, post=post, network="x", market="US")
    assert list(selectors.shares_for(ready_employee)) == [mine]
    assert selectors.shares_for(curator).count() == 2


def test_retired_posts_are_not_shared(ready_employee, curator):
    post = services.library_post_retire(actor=curator, post=available_post(curator))
    with pytest.raises(services.Conflict):
        services.share_create(actor=ready_employee, post=post, network="x", market="US")


def test_validation(curator):
    with pytest.raises(ValidationError) as refused:
        make_post(curator, title="", link="ftp://x", networks=["myspace"], markets=[])
    assert set(refused.value.message_dict) == {"title", "link", "networks", "markets"}
    with pytest.raises(ValidationError) as refused:
        make_post(curator, link="", networks=["linkedin"])
    assert "link" in refused.value.message_dict


def test_the_shared_text_must_fit_the_network(curator):
    with pytest.raises(ValidationError) as refused:
        make_post(curator, text="Solar! " * 40, networks=["x", "linkedin"])
    assert "Too long for X" in refused.value.message_dict["text"][0]
    assert make_post(curator, text="Solar! " * 40, networks=["linkedin", "mastodon"]).pk


def test_reach_by_post_and_team(ready_employee, curator, client):
    team = TeamFactory(name="Baristas")
    TeamMembershipFactory(team=team, user=ready_employee)
    post = available_post(curator)
    share = services.share_create(actor=ready_employee, post=post, network="x", market="US")
    client.get(f"/s/{share.token}")
    reach = selectors.reach()
    assert reach["shares"] == 1
    assert reach["clicks"] == 1
    assert reach["by_team"][0]["team__name"] == "Baristas"
    assert reach["by_post"][0]["post__title"] == post.title
