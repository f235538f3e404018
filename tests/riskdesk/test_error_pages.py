"""`make run` serves friendly 404 and 500 pages (DEBUG off), and static files by WhiteNoise."""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import include, path
from django.utils import translation

from riskdesk import views

MAKEFILE = Path(django_settings.BASE_DIR) / "Makefile"


def _boom(request):
    raise RuntimeError("a bug in a view")


# This module is the URLconf of the 500 test: the project's pages plus a view that raises.
urlpatterns = [path("boom/", _boom), path("", include("riskdesk.urls"))]
handler404 = "riskdesk.views.page_not_found"
handler500 = "riskdesk.views.server_error"


def _run_recipe() -> str:
    text = MAKEFILE.read_text()
    return re.search(r"^run:.*?(?=^\S)", text, re.S | re.M).group(0)


def test_make_run_turns_debug_off_and_collects_the_static_files():
    recipe = _run_recipe()
    assert "DEBUG=$${DEBUG:-false}" in recipe
    assert re.search(r"^run:.*\bstatic\b", recipe, re.M)
    assert "collectstatic --no-input" in MAKEFILE.read_text()


@pytest.mark.parametrize("role", [None, "social", "hr"])
def test_an_unknown_address_is_the_friendly_404(settings, client_for, role):
    settings.DEBUG = False  # as `make run`
    response = client_for(role).get("/nope/<b>x</b>/")

    body = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in body
    assert "URL patterns" not in body
    assert "urlpatterns" not in body
    assert "<b>x</b>" not in body  # the address is shown escaped
    if role is None:
        assert 'href="/login/"' in body
    else:
        assert 'href="/"' in body
        assert ('href="/inbox/"' in body) == (role == "social")  # only for who may search


def test_a_view_that_raises_gives_the_friendly_500(settings, db):
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__
    response = Client(raise_request_exception=False).get("/boom/")

    body = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in body
    assert "RuntimeError" not in body
    assert "a bug in a view" not in body
    assert 'href="/"' in body


def test_the_500_page_needs_no_database_nor_request_context():
    """No `db` fixture: any query here fails the test."""
    with translation.override("en"):
        response = views.server_error(RequestFactory().get("/anything/"))

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def test_whitenoise_serves_the_collected_static_files_with_debug_off(settings, tmp_path, db):
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "static"
    call_command("collectstatic", interactive=False, verbosity=0)

    # A new client, so a new WhiteNoise that reads this STATIC_ROOT.
    response = Client().get("/static/css/riskdesk.css")

    assert response.status_code == 200
    assert b"error-page" in b"".join(response.streaming_content)
