"""The pages: legal's queue, the list, the form with uploads, the post, evidence, files, rules."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from compliance import services
from compliance.models import PostStatus, RuleList, SponsoredPost
from riskdesk.models import AuditEvent
from tests.compliance.factories import approve, make_post, pdf, png, submitted_post
from tests.conftest import ANONYMOUS, NO_ROLE, sign_in

pytestmark = pytest.mark.django_db

PAGES = ["compliance_queue", "sponsored_post_list", "compliance_rule_lists"]


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize(
    ("role", "status"),
    [("social", 200), ("legal", 200), ("manager", 200), ("admin", 200), ("hr", 403),
     (NO_ROLE, 403), (ANONYMOUS, 302)],
)  # fmt: skip
def test_who_sees_the_pages(client_for, name, role, status):
    assert client_for(role).get(reverse(name)).status_code == status


def test_only_the_social_team_opens_the_form(client_for):
    url = reverse("sponsored_post_create")
    assert client_for("social").get(url).status_code == 200
    for role in ("legal", "manager", "admin"):
        assert client_for(role).get(url).status_code == 403


def form_data(**overrides):
    planned = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    data = {
        "title": "Iced cortado recipe",
        "text": "Iced cortado time on the Lumora Brew #coffee #latte #ad #barista",
        "platform": "instagram",
        "account_kind": "partner",
        "partner_name": "Beth",
        "partner_handle": "baristabeth",
        "markets": ["US", "FR"],
        "planned_at": planned,
        "links": "",
        "approval_rule": "any",
    }
    return data | overrides


def test_social_creates_a_post_with_files_and_sees_the_checks(client_for, social_user):
    client = client_for("social")
    data = form_data(media=[png("a.png"), png("b.png")], contract=pdf())
    response = client.post(reverse("sponsored_post_create"), data)
    post = SponsoredPost.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("sponsored_post_detail", args=[post.pk])
    assert post.media.count() == 2
    assert post.contract_file
    page = client.get(response["Location"]).content.decode()
    assert "disclosure" not in page or "Disclosure" in page
    assert "Collaboration commerciale" in page  # the French rule, explained
    assert "post-text__mark--error" in page  # the buried #ad is marked in the text
    assert "Submit to legal" in page


def test_a_bad_upload_shows_on_the_form_and_saves_nothing(client_for):
    client = client_for("social")
    bad = SimpleUploadedFile("virus.jpg", b"MZ\x90\x00 not an image", "image/jpeg")
    response = client.post(reverse("sponsored_post_create"), form_data(media=[bad]))
    assert response.status_code == 200
    assert "virus.jpg is not an image" in response.content.decode()
    assert not SponsoredPost.objects.exists()


def test_a_missing_field_shows_on_the_form(client_for):
    response = client_for("social").post(reverse("sponsored_post_create"), form_data(text=""))
    assert response.status_code == 200
    assert "field--invalid" in response.content.decode()


def test_edit_after_approval_warns_and_legal_sees_the_diff(client_for, social_user, legal_user):
    post = approve(submitted_post(social_user), legal_user)
    client = client_for("social")
    page = client.get(reverse("sponsored_post_edit", args=[post.pk])).content.decode()
    assert "voids the approval" in page
    data = form_data(
        title=post.title,
        text=post.text.replace("flat white", "flat white and a free croissant"),
        markets=["US"],
        planned_at=timezone.localtime(post.planned_at).strftime("%Y-%m-%dT%H:%M"),
        contract_reference=post.contract_reference,
        version=post.version,
    )
    response = client.post(reverse("sponsored_post_edit", args=[post.pk]), data, follow=True)
    assert "the approval no longer counts" in response.content.decode()
    post.refresh_from_db()
    assert post.status == PostStatus.SUBMITTED
    page = (
        client_for("legal").get(reverse("sponsored_post_detail", args=[post.pk])).content.decode()
    )
    assert "Changed since the last decision" in page
    assert '<ins class="diff-ins">and a free croissant </ins>' in page or (
        'class="diff-ins">' in page and "croissant" in page
    )


def test_legal_decides_from_the_queue(client_for, social_user, legal_user):
    post = submitted_post(social_user)
    client = client_for("legal")
    queue = client.get(reverse("compliance_queue")).content.decode()
    assert post.title in queue
    assert f'value="{post.content_digest}"' in queue
    response = client.post(
        reverse("sponsored_post_decide", args=[post.pk]),
        {"outcome": "rejected", "content_digest": post.content_digest, "comment": "",
         "next": reverse("compliance_queue")},
    )  # fmt: skip
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.status == PostStatus.SUBMITTED  # no comment: refused
    message = client.get(reverse("compliance_queue")).content.decode()
    assert "why the post is rejected" in message
    client.post(
        reverse("sponsored_post_decide", args=[post.pk]),
        {"outcome": "approved", "content_digest": post.content_digest, "comment": ""},
    )
    post.refresh_from_db()
    assert post.status == PostStatus.APPROVED


def test_a_stale_decision_from_the_page_is_refused(client_for, social_user):
    post = submitted_post(social_user)
    client = client_for("legal")
    response = client.post(
        reverse("sponsored_post_decide", args=[post.pk]),
        {"outcome": "approved", "content_digest": "0" * 64},
        follow=True,
    )
    assert "changed after you opened it" in response.content.decode()
    post.refresh_from_db()
    assert post.status == PostStatus.SUBMITTED


def test_the_approve_form_names_the_digest_read_and_a_missing_one_is_refused(
    client_for, social_user
):
    post = submitted_post(social_user)
    client = client_for("legal")
    page = client.get(reverse("sponsored_post_detail", args=[post.pk])).content.decode()
    assert f'type="hidden" name="content_digest" value="{post.content_digest}"' in page
    response = client.post(
        reverse("sponsored_post_decide", args=[post.pk]), {"outcome": "approved"}, follow=True
    )
    assert "does not name the version you read" in response.content.decode()
    # Read, then the markets change: the decision taken on what was read is refused.
    read = post.content_digest
    services.sponsored_post_update(actor=social_user, post=post, markets=["US", "FR"])
    response = client.post(
        reverse("sponsored_post_decide", args=[post.pk]),
        {"outcome": "approved", "content_digest": read},
        follow=True,
    )
    assert "changed after you opened it" in response.content.decode()
    post.refresh_from_db()
    assert post.status == PostStatus.SUBMITTED
    assert not post.decisions.exists()


def test_a_freeze_shows_and_blocks_approval(client_for, social_user, frozen):
    post = submitted_post(social_user)
    client = client_for("legal")
    assert frozen.reason in client.get(reverse("compliance_queue")).content.decode()
    response = client.post(
        reverse("sponsored_post_decide", args=[post.pk]),
        {"outcome": "approved", "content_digest": post.content_digest},
        follow=True,
    )
    assert frozen.reason in response.content.decode()
    post.refresh_from_db()
    assert post.status == PostStatus.SUBMITTED


def test_social_cannot_decide_and_authors_are_told(client_for, social_user):
    post = submitted_post(social_user)
    response = client_for("social").post(
        reverse("sponsored_post_decide", args=[post.pk]),
        {"outcome": "approved", "content_digest": post.content_digest},
    )
    assert response.status_code == 403
    assert not post.decisions.exists()


def test_comments_on_the_page(client_for, social_user, legal_user):
    post = make_post(social_user)
    client = client_for("legal")
    client.post(reverse("sponsored_post_comment", args=[post.pk]), {"body": "@social <b>hi</b>"})
    page = client.get(reverse("sponsored_post_detail", args=[post.pk])).content.decode()
    assert "@social &lt;b&gt;hi&lt;/b&gt;" in page
    assert "Told:" in page


def test_media_is_served_only_to_people_who_may_see_posts(client_for, social_user):
    post = make_post(social_user, media=[png("cup.png")], contract=pdf("deal.pdf"))
    media = post.media.get()
    response = client_for("manager").get(reverse("sponsored_post_media", args=[media.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert 'filename="cup.png"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    thumb = client_for("legal").get(reverse("sponsored_post_thumbnail", args=[media.pk]))
    assert thumb["Content-Type"] == "image/jpeg"
    contract = client_for("legal").get(reverse("sponsored_post_contract", args=[post.pk]))
    assert contract["Content-Disposition"].startswith("attachment")
    for role in ("hr", NO_ROLE):
        assert (
            client_for(role).get(reverse("sponsored_post_media", args=[media.pk])).status_code
            == 403
        )
    assert (
        client_for(ANONYMOUS).get(reverse("sponsored_post_media", args=[media.pk])).status_code
        == 302
    )
    assert client_for("legal").get(reverse("sponsored_post_media", args=[999])).status_code == 404


def test_the_evidence_record(client_for, social_user, legal_user):
    post = approve(submitted_post(social_user), legal_user)
    client = client_for("manager")
    page = client.get(reverse("sponsored_post_evidence", args=[post.pk])).content.decode()
    assert post.content_digest in page
    assert "sponsored_post.approve" in page
    assert "Print or save as PDF" in page
    data = client.get(reverse("sponsored_post_evidence", args=[post.pk]) + "?format=json").json()
    assert data["decisions"][0]["content_digest"] == post.content_digest
    assert data["cleared_now"] is True


def test_list_filters(client_for, social_user):
    make_post(social_user, title="French one", text="Publicité · café", markets=["FR"])
    make_post(social_user, title="No disclosure", text="just coffee")
    client = client_for("social")
    page = client.get(reverse("sponsored_post_list") + "?market=FR").content.decode()
    assert "French one" in page
    assert "No disclosure" not in page
    page = client.get(reverse("sponsored_post_list") + "?failing=true").content.decode()
    assert "No disclosure" in page
    assert "French one" not in page
    fragment = client.get(reverse("sponsored_post_list"), headers={"HX-Request": "true"})
    assert "<html" not in fragment.content.decode()


def test_queue_query_count_does_not_grow(client_for, social_user, legal_user, legal2,
                                         django_assert_max_num_queries):  # fmt: skip
    client = client_for("legal")
    submitted_post(social_user, approval_rule="all", reviewers=[legal_user, legal2])
    client.get(reverse("compliance_queue"))
    with django_assert_max_num_queries(12) as first:
        client.get(reverse("compliance_queue"))
    for n in range(5):
        submitted_post(social_user, title=f"Post {n}", media=[png()])
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = client.get(reverse("compliance_queue"))
    assert response.content.decode().count("queue__item") >= 6


def test_list_query_count_does_not_grow(client_for, social_user, django_assert_max_num_queries):
    client = client_for("social")
    make_post(social_user)
    client.get(reverse("sponsored_post_list"))
    with django_assert_max_num_queries(8) as first:
        client.get(reverse("sponsored_post_list"))
    for n in range(5):
        make_post(social_user, title=f"Post {n}")
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(reverse("sponsored_post_list"))


def test_detail_query_count_does_not_grow(client_for, social_user, legal_user,
                                          django_assert_max_num_queries):  # fmt: skip
    from compliance import services

    post = submitted_post(social_user, media=[png()])
    services.comment_add(actor=legal_user, post=post, body="first @social")
    client = client_for("legal")
    url = reverse("sponsored_post_detail", args=[post.pk])
    client.get(url)
    with django_assert_max_num_queries(25) as first:
        client.get(url)
    for n in range(4):
        services.comment_add(actor=legal_user, post=post, body=f"note {n} @social")
    post = services.sponsored_post_update(actor=social_user, post=post, media=[png(), png()])
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(url)


def test_legal_edits_rule_lists_on_the_page(client_for, legal_user):
    client = client_for("legal")
    page = client.get(reverse("compliance_rule_lists")).content.decode()
    assert "Regulated claims" in page
    assert "collaboration commerciale" in page
    response = client.post(
        reverse("compliance_rule_lists"),
        {"kind": "claim", "category": "health", "language": "fr", "terms": "guérit\nanti-fatigue"},
    )
    assert response.status_code == 302
    rule_list = RuleList.objects.get(kind="claim", category="health", language="fr")
    assert rule_list.term_list == ["guérit", "anti-fatigue"]
    assert AuditEvent.objects.filter(verb="compliance_rules.update", actor=legal_user).exists()


def test_others_cannot_edit_rule_lists(client_for):
    for role in ("social", "manager"):
        client = client_for(role)
        page = client.get(reverse("compliance_rule_lists")).content.decode()
        assert "<textarea" not in page
        response = client.post(
            reverse("compliance_rule_lists"),
            {"kind": "claim", "category": "health", "language": "en", "terms": ""},
        )
        assert response.status_code == 403
    assert RuleList.objects.get(kind="claim", category="health", language="en").term_list


def test_the_dashboard_card(social_user, legal_user, user_for):
    from compliance.dashboard import dashboard_card

    submitted_post(social_user, review_due_at=timezone.now() + timedelta(hours=1))
    card = dashboard_card(legal_user)
    assert card["waiting"] == 1
    assert len(card["next"]) == 1
    assert dashboard_card(user_for("hr")) is None
    assert dashboard_card(social_user)["next"] == []


def test_the_post_page_shows_the_checks_fragment_while_links_are_checked(client_for, social_user):
    post = make_post(social_user, links=["https://lumora.example/brew"])
    client = client_for("social")
    page = client.get(reverse("sponsored_post_detail", args=[post.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in page
    fragment = client.get(reverse("sponsored_post_checks", args=[post.pk])).content.decode()
    assert fragment.lstrip().startswith('<div class="post-review"')
    assert re.search(r"is being checked", fragment)


def test_signed_in_without_rights_gets_403_on_actions(client, social_user, user_for):
    post = submitted_post(social_user)
    sign_in(client, user_for("hr"))
    for name in ("sponsored_post_submit", "sponsored_post_schedule", "sponsored_post_publish"):
        assert client.post(reverse(name, args=[post.pk])).status_code == 403
