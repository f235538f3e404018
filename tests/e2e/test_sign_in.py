"""Each demo role signs in through a real Chromium and sees its dashboard."""

import pytest

from accounts.demo import DEMO_PEOPLE, demo_email

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What each role's navigation must and must not offer.
AUDIT_VISIBLE = {"admin"}


@pytest.mark.parametrize(("login", "role"), [(p[0], p[2]) for p in DEMO_PEOPLE])
def test_demo_role_signs_in_and_sees_dashboard(live_server, page, demo, tmp_path, login, role):
    page.goto(f"{live_server.url}/")
    assert "/login/" in page.url

    page.get_by_label("E-mail address").fill(demo_email(login))
    page.get_by_label("Password").fill(demo)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")

    main = page.get_by_role("main")
    assert main.is_visible()
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Dashboard").is_visible()
    assert nav.get_by_role("link", name="Teams").is_visible()
    audit_link = nav.get_by_role("link", name="Audit log")
    assert audit_link.count() == (1 if role in AUDIT_VISIBLE else 0)
    if role in AUDIT_VISIBLE:
        assert main.get_by_text("auth.login").first.is_visible()

    page.screenshot(path=str(tmp_path / f"dashboard-{role}.png"), full_page=True)
    assert (tmp_path / f"dashboard-{role}.png").stat().st_size > 10_000
    assert page.csp_violations == []

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login/**")


def test_wrong_password_shows_error_in_browser(live_server, page, demo):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("E-mail address").fill(demo_email("social"))
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").first.is_visible()
    assert "/login/" in page.url
