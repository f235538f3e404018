"""Link checks over real HTTP against a local fake site, with short timeouts."""

import pytest

from compliance import services
from compliance.links import check_url
from compliance.models import SponsoredPost
from tests.compliance.factories import make_post
from tests.fakes.compliance_links import FakeLinkSite


@pytest.fixture
def site():
    with FakeLinkSite() as server:
        yield server


def test_a_page_that_answers_is_ok(site):
    result = check_url(f"{site.url}/ok")
    assert (result["result"], result["status"]) == ("ok", 200)
    assert site.requests[-1].method == "HEAD"


@pytest.mark.parametrize(("path", "status"), [("/gone", 404), ("/error", 500)])
def test_error_pages_are_broken(site, path, status):
    result = check_url(f"{site.url}{path}")
    assert (result["result"], result["status"], result["detail"]) == (
        "broken",
        status,
        f"HTTP {status}",
    )


def test_servers_refusing_head_are_asked_with_get(site):
    result = check_url(f"{site.url}/no-head")
    assert result["result"] == "ok"
    assert [r.method for r in site.requests] == ["HEAD", "GET"]


def test_redirects_are_followed_and_the_destination_kept(site):
    result = check_url(f"{site.url}/short/3")
    assert result["result"] == "ok"
    assert result["final_url"] == f"{site.url}/ok"


def test_redirect_loops_end(site):
    result = check_url(f"{site.url}/loop")
    assert result["result"] == "broken"
    assert "redirects" in result["detail"]


def test_a_slow_site_times_out(site, settings):
    settings.COMPLIANCE_LINK_TIMEOUT = 0.2
    site.slow_seconds = 1.0
    result = check_url(f"{site.url}/slow")
    assert result["result"] == "broken"
    assert "no answer" in result["detail"]


def test_nothing_listening_is_broken():
    result = check_url("http://127.0.0.1:9/nothing")
    assert result["result"] == "broken"


def test_private_addresses_are_not_fetched(site, settings):
    settings.RISKDESK_OUTBOUND_ALLOW = []
    result = check_url(f"{site.url}/ok")
    assert result["result"] == "blocked"
    assert site.requests == []


@pytest.mark.parametrize(
    "target",
    ["http://169.254.169.254/latest/meta-data/", "http://[::ffff:10.0.0.1]/", "http://0x7f.1/"],
)
def test_a_redirect_to_a_private_address_is_not_followed(site, target):
    """The first hop is allowed (the test site is local, RISKDESK_OUTBOUND_ALLOW), the next not."""
    site.redirects["/to-private"] = target
    result = check_url(f"{site.url}/to-private")
    assert result["result"] == "blocked"
    assert result["detail"] == "redirect to a non-public address refused"
    assert len(site.requests) == 1


@pytest.mark.django_db
def test_the_post_checks_show_the_link_results(site, social_user):
    post = make_post(
        social_user,
        text=f"#ad Get yours at {site.url}/ok",
        links=[f"{site.url}/gone"],
    )
    assert {f["code"] for f in post.checks} >= {"links.pending"}
    services.post_check_links(post_id=post.pk)
    post = SponsoredPost.objects.get(pk=post.pk)
    by_url = {f["params"]["url"]: f["code"] for f in post.checks if f["check"] == "links"}
    assert by_url == {f"{site.url}/gone": "links.broken", f"{site.url}/ok": "links.ok"}
    assert post.check_errors == 1
    # Checked once: a second run fetches nothing.
    count = len(site.requests)
    services.post_check_links(post_id=post.pk)
    assert len(site.requests) == count
    # A link removed from the post leaves the results.
    post = services.sponsored_post_update(actor=social_user, post=post, links=[])
    assert list(post.link_status) == [f"{site.url}/ok"]
