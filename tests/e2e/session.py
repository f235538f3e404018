"""Signing the demo people in and out of a browser page, as a person does it."""

import re

from accounts.demo import demo_email


def submit_sign_in(page, live_server, login: str, password: str) -> None:
    """Fill and send the sign-in form (a fresh session: cookies of the last person gone)."""
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("E-mail address").fill(demo_email(login))
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_in(page, live_server, login: str, password: str) -> None:
    submit_sign_in(page, live_server, login, password)
    page.wait_for_url(f"{live_server.url}/")


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r".*/login/.*"))
