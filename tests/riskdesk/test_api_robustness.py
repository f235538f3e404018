"""The API answers odd requests with a 4xx in JSON, never a 500 or an HTML page.

Each class of server error the schemathesis fuzz (tests/riskdesk/test_api_fuzz.py)
found has a test here, run with the normal suite, over every route it concerns:
OPTIONS on detail routes, ids that are not integers, ids too large for the
database, and unexpected exceptions answered with Django's HTML pages.
"""

import re

import pytest
from django.core.management import call_command
from django.urls import URLPattern
from rest_framework import serializers

from incidents.models import Incident
from riskdesk.rest import MAX_ID
from riskdesk.urls import router
from tests.accounts.factories import TeamFactory
from tests.monitoring.factories import MentionFactory

pytestmark = pytest.mark.django_db

TOO_LARGE = 2**70  # SQLite raised OverflowError on it in `pk__in`


@pytest.fixture
def admin_api(api_client_for):
    client = api_client_for("admin")
    client.raise_request_exception = False  # a bug must show as the 500 it answers
    return client


@pytest.fixture
def demo(db):
    call_command("seed_demo", verbosity=0)


def _detail_routes():
    """(viewset name, URL regex) of every router route that takes an id."""
    for pattern in router.urls:
        if isinstance(pattern, URLPattern) and "(?P<pk>" in pattern.pattern.regex.pattern:
            if "format" in pattern.pattern.regex.pattern:
                continue  # the same route with a `.json` suffix
            yield pattern.callback.cls.__name__, pattern.pattern.regex.pattern


def _url(regex: str, pk) -> str:
    path = re.sub(r"\(\?P<pk>[^)]*\)", str(pk), regex)
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "1", path).lstrip("^").rstrip("$")  # a parent's id
    return "/api/v1/" + path.replace("\\", "")


def _first_id(client, regex: str):
    """An id that exists for this route (its list's first row), or None."""
    list_url = _url(regex, "PK").split("PK/")[0]
    response = client.get(list_url)
    if response.status_code != 200:
        return None
    body = response.json()
    rows = body.get("results", []) if isinstance(body, dict) else body
    return rows[0]["id"] if rows and isinstance(rows[0], dict) and "id" in rows[0] else None


def _assert_json_error_or_success(response, label):
    assert response.status_code < 500, f"{label}: {response.status_code}"
    if response.status_code >= 400:
        assert response["Content-Type"].startswith("application/json"), label


DETAIL_ROUTES = sorted(set(_detail_routes()))


def test_the_router_has_detail_routes():
    assert len(DETAIL_ROUTES) > 20


def test_options_on_every_detail_route_answers_json_and_no_server_error(admin_api, demo):
    """OPTIONS describes PUT by checking the object permission of a cloned request:
    it raised KeyError: 'metadata' on every detail route of an existing object."""
    failures = []
    checked = 0
    for name, regex in DETAIL_ROUTES:
        pk = _first_id(admin_api, regex) or 999_999
        checked += pk != 999_999
        response = admin_api.options(_url(regex, pk))
        json_error = response.status_code >= 400 and not response["Content-Type"].startswith(
            "application/json"
        )
        if response.status_code >= 500 or json_error:
            failures.append(f"{name} {_url(regex, pk)}: {response.status_code}")
    assert failures == []
    assert checked > 10, "the demo data should give most routes an object"


def test_options_describes_put_and_post_only_to_who_may_use_them(api_client_for, demo):
    team = api_client_for("admin").get("/api/v1/teams/").json()["results"][0]["id"]

    for url, method in ((f"/api/v1/teams/{team}/", "PUT"), ("/api/v1/teams/", "POST")):
        social = api_client_for("social").options(url)
        assert social.status_code == 200
        assert method not in social.json().get("actions", {})
        assert method in api_client_for("admin").options(url).json()["actions"]


@pytest.mark.parametrize("bad_id", ["null,null", "abc", "1.5", "-1", "%20"])
def test_an_id_that_is_not_an_integer_is_a_json_404_on_every_detail_route(admin_api, bad_id):
    """`/api/v1/mentions/null,null/` raised ValueError (a 500)."""
    failures = []
    for name, regex in DETAIL_ROUTES:
        response = admin_api.get(_url(regex, bad_id))
        if response.status_code != 404 or not response["Content-Type"].startswith(
            "application/json"
        ):
            failures.append(f"{name} {_url(regex, bad_id)}: {response.status_code}")
    assert failures == []


def test_an_id_too_large_for_the_database_is_a_json_404(admin_api):
    response = admin_api.get(f"/api/v1/mentions/{TOO_LARGE}/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/v1/incidents/{incident}/link-mentions/", {"mentions": [TOO_LARGE]}),
        ("/api/v1/incidents/", {"title": "x", "severity": 3, "mentions": [TOO_LARGE]}),
        ("/api/v1/mentions/bulk/", {"ids": [TOO_LARGE], "status": "resolved"}),
    ],
)
def test_ids_too_large_for_the_database_in_a_list_are_a_400(admin_api, demo, url, body):
    """SQLite raised OverflowError in `pk__in` for `link-mentions` (a 500)."""
    incident = Incident.objects.first()

    response = admin_api.post(url.format(incident=incident.pk), body, format="json")

    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/json")


def _project_serializers():
    """Every serializer class declared in riskdesk's own apps."""
    import accounts.api  # noqa: F401  (the URLconf imported the rest; be explicit anyway)

    seen, stack = set(), [serializers.BaseSerializer]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                stack.append(sub)
    apps = ("accounts", "compliance", "incidents", "monitoring", "policies", "riskdesk")
    return [cls for cls in seen if cls.__module__.split(".")[0] in apps]


def test_every_list_of_integers_a_serializer_takes_is_bounded_like_a_database_id():
    """A new `ListField(child=IntegerField())` of ids fails here: use riskdesk.rest.IdListField.

    (`PrimaryKeyRelatedField(many=True)` is safe: it looks each id up with `pk=`, which
    Django answers "no such row" for any integer.)
    """
    unbounded = [
        f"{cls.__module__}.{cls.__name__}.{name}"
        for cls in _project_serializers()
        for name, field in getattr(cls, "_declared_fields", {}).items()
        if isinstance(field, serializers.ListField)
        and isinstance(field.child, serializers.IntegerField)
        and not field.read_only
        and (field.child.max_value is None or field.child.max_value > MAX_ID)
    ]
    assert unbounded == []


def test_an_unexpected_exception_in_the_api_is_a_json_500_even_in_debug(
    admin_api, settings, monkeypatch
):
    """Each 500 answered with Django's HTML debug page under `make run`."""
    from riskdesk.api import AuditEventViewSet

    def broken(self, request, *args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(AuditEventViewSet, "list", broken)
    settings.DEBUG = True

    response = admin_api.get("/api/v1/audit-events/")

    assert response.status_code == 500
    assert response.json() == {"detail": "Server error."}
    assert "a bug" not in response.content.decode()


def test_an_unknown_api_path_is_a_json_404(admin_api):
    response = admin_api.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


def test_a_form_encoded_patch_is_answered_like_a_json_one(admin_api):
    mention = MentionFactory().pk

    response = admin_api.patch(
        f"/api/v1/mentions/{mention}/",
        "status=nonsense&priority=",
        content_type="application/x-www-form-urlencoded",
    )

    _assert_json_error_or_success(response, "form-encoded PATCH")


@pytest.mark.parametrize("body_format", ["json", "multipart"])
def test_a_locked_out_api_client_gets_json(api_client, admin_user, settings, body_format):
    """django-axes answered its HTML lockout page to a form posted to /api/v1/auth/token/."""
    wrong = {"username": admin_user.email, "password": "wrong password"}

    answers = [
        api_client.post("/api/v1/auth/token/", wrong, format=body_format)
        for _attempt in range(settings.AXES_FAILURE_LIMIT + 1)
    ]

    # The attempt that reaches the limit too (axes' middleware replaced its answer).
    assert [a["Content-Type"] for a in answers] == ["application/json"] * len(answers)
    assert answers[-1].status_code == 429
    assert "detail" in answers[-1].json()


def test_a_locked_out_browser_still_gets_the_page(client, admin_user, settings):
    wrong = {"username": admin_user.email, "password": "wrong password"}
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", wrong)

    response = client.post("/login/", wrong)

    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()


def test_a_form_with_too_many_fields_is_a_json_400(admin_api, settings):
    """Django's TooManyFieldsSent (a SuspiciousOperation) came out of DRF as a 500."""
    fields = "&".join(f"f{i}=1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    team = TeamFactory()

    response = admin_api.patch(
        f"/api/v1/teams/{team.pk}/", fields, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("path", ["/api/v1/mentions/null,null/", "/api/v1/no-such-thing/"])
def test_an_unknown_api_address_is_a_json_404_with_debug_on_or_off(
    admin_api, settings, debug, path
):
    """With DEBUG on (`make run`), Django's HTML debug page answered these."""
    settings.DEBUG = debug

    response = admin_api.get(path)

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_an_api_address_without_its_slash_still_redirects(admin_api):
    response = admin_api.get("/api/v1/teams")

    assert response.status_code == 301
    assert response["Location"] == "/api/v1/teams/"
