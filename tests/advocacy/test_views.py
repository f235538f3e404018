"""The library page, the share button, curators' pages."""

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from advocacy.models import LibraryPost, LibraryStatus, Share
from tests.advocacy.factories import available_post, cleared_post, make_post
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_the_library_shows_the_gate_with_links(client, smp, employee, curator):
    available_post(curator)
    sign_in(client, employee)
    page = client.get("/advocacy/")
    assert page.status_code == 200
    assert "Before you can share" in page.text
    assert f"/policies/{smp.policy.slug}/acknowledge/?next=/advocacy/" in page.text
    assert "/training/modules/social-media-essentials/complete/?next=/advocacy/" in page.text
    assert "Share on X" not in page.text


def test_a_refused_share_says_why(client, smp, employee, curator):
    post = available_post(curator)
    sign_in(client, employee)
    response = client.post(f"/advocacy/posts/{post.pk}/share/", {"network": "x", "market": "US"},
                           follow=True)  # fmt: skip
    assert response.status_code == 200
    assert "Read and acknowledge the current Social media policy" in response.text
    assert not Share.objects.exists()


def test_one_click_share_on_x_goes_to_the_intent_with_the_disclosure(
    client, ready_employee, curator
):
    post = available_post(curator)
    sign_in(client, ready_employee)
    page = client.get("/advocacy/")
    assert "Share on X" in page.text
    assert "Copy text" in page.text
    response = client.post(f"/advocacy/posts/{post.pk}/share/", {"network": "x", "market": "FR"})
    share = Share.objects.get()
    assert response["Location"] == f"/advocacy/shares/{share.pk}/?open=1"
    page = client.get(response["Location"])
    intent = re.search(
        r'href="(https://twitter\.com/intent/tweet\?[^"]+)" [^>]*data-open-now', page.text
    )
    target = urlsplit(html.unescape(intent.group(1)))
    text = parse_qs(target.query)["text"][0]
    assert text.endswith("#salarié")
    assert text == share.text
    # The person never sends the text: anything extra in the form is ignored.
    client.post(f"/advocacy/posts/{post.pk}/share/",
                {"network": "x", "market": "US", "text": "no disclosure"})  # fmt: skip
    assert all(s.text.endswith(("#employee", "#salarié")) for s in Share.objects.all())


def test_linkedin_and_copy_show_the_text_to_copy(client, ready_employee, curator):
    post = available_post(curator)
    sign_in(client, ready_employee)
    response = client.post(f"/advocacy/posts/{post.pk}/share/",
                           {"network": "linkedin", "market": "US"}, follow=True)  # fmt: skip
    assert "linkedin.com/sharing/share-offsite/?url=" in response.text
    assert "#employee" in response.text
    assert "data-copy=" in response.text
    share = Share.objects.get()
    other = sign_in_other(client, share)
    assert other.status_code == 404


def sign_in_other(client, share):
    from tests.accounts.factories import UserFactory

    sign_in(client, UserFactory())
    return client.get(f"/advocacy/shares/{share.pk}/")


def test_during_a_freeze_the_library_says_why(client, ready_employee, curator, frozen):
    available_post(curator)
    sign_in(client, ready_employee)
    page = client.get("/advocacy/")
    assert frozen.reason in page.text
    assert "Share on X" not in page.text


def test_curators_create_ask_legal_and_see_shares(client, curator, lawyer, ready_employee):
    sign_in(client, curator)
    assert client.get("/advocacy/manage/").status_code == 200
    assert client.get("/advocacy/posts/new/").status_code == 200
    response = client.post("/advocacy/posts/new/", {
        "title": "Partner blend", "text": "Our partner blend is here.",
        "link": "https://lumora.example/blend", "networks": ["x", "bluesky"],
        "markets": ["US"], "needs_legal": "on",
    })  # fmt: skip
    post = LibraryPost.objects.get()
    assert response["Location"] == f"/advocacy/posts/{post.pk}/"
    client.post(f"/advocacy/posts/{post.pk}/publish/")
    post.refresh_from_db()
    assert post.status == LibraryStatus.DRAFT  # needs legal first
    client.post(f"/advocacy/posts/{post.pk}/ask-legal/")
    post.refresh_from_db()
    assert post.status == LibraryStatus.WAITING
    detail = client.get(f"/advocacy/posts/{post.pk}/")
    assert "Waiting for legal" in detail.text
    assert f"/compliance/posts/{post.clearance_id}/" in detail.text


def test_curators_edit_with_errors_and_retire(client, curator):
    post = make_post(curator)
    sign_in(client, curator)
    bad = client.post(f"/advocacy/posts/{post.pk}/edit/", {"title": "", "text": "x",
                      "networks": ["x"], "markets": ["US"], "version": post.version})  # fmt: skip
    assert bad.status_code == 400
    client.post(f"/advocacy/posts/{post.pk}/retire/")
    post.refresh_from_db()
    assert post.status == LibraryStatus.RETIRED


def test_non_curators_do_not_reach_the_management_pages(client, employee, curator):
    post = make_post(curator)
    sign_in(client, employee)
    assert client.get("/advocacy/manage/").status_code == 403
    assert client.get("/advocacy/posts/new/").status_code == 403
    assert client.get(f"/advocacy/posts/{post.pk}/").status_code == 403
    assert client.post(f"/advocacy/posts/{post.pk}/retire/").status_code == 403


def test_the_library_needs_a_sign_in(client, db):
    assert client.get("/advocacy/").status_code == 302


def test_a_post_cleared_by_legal_is_in_the_library(client, curator, lawyer, ready_employee):
    post = cleared_post(curator, lawyer, title="Partner blend")
    sign_in(client, ready_employee)
    page = client.get("/advocacy/")
    assert "Partner blend" in page.text
    assert f'action="/advocacy/posts/{post.pk}/share/"' in page.text


def test_the_dashboard_card_shows_reach_by_post_and_team(client, curator, ready_employee):
    from advocacy import services
    from tests.accounts.factories import TeamFactory, TeamMembershipFactory

    TeamMembershipFactory(team=TeamFactory(name="Baristas"), user=ready_employee)
    post = available_post(curator, title="Solar roastery")
    share = services.share_create(actor=ready_employee, post=post, network="x", market="US")
    client.get(f"/s/{share.token}")
    sign_in(client, curator)
    page = client.get("/")
    assert "Employee advocacy" in page.text
    assert "Solar roastery" in page.text
    assert "Baristas" in page.text
    sign_in(client, ready_employee)
    assert "card-advocacy" not in client.get("/").text


def test_the_library_query_count_does_not_grow_with_posts(
    client, ready_employee, curator, django_assert_max_num_queries
):
    available_post(curator, title="One")
    sign_in(client, ready_employee)
    client.get("/advocacy/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert client.get("/advocacy/").status_code == 200
    for n in range(5):
        available_post(curator, title=f"More {n}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get("/advocacy/").status_code == 200
