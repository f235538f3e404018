"""The connected accounts pages: who may open and post what, the list's facts, the form's
fields per kind, saving through the service, and secrets never shown back."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from connections.models import ConnectedAccount
from riskdesk.models import AuditEvent
from tests.accounts.factories import TeamFactory
from tests.conftest import ANONYMOUS, NO_ROLE
from tests.connections.factories import ConnectedAccountFactory
from tests.monitoring.factories import StreamFactory
from tests.offboarding.factories import BrandAccountFactory

pytestmark = pytest.mark.django_db

COLUMNS = ["social", "legal", "hr", "manager", "admin", NO_ROLE, ANONYMOUS]
SIGNED_IN = COLUMNS[:-1]
PAGE = 302  # anonymous: sent to /login/
SECRET = "sup3r-s3cret-VALUE-never-shown"


def only(allowed: dict, refused=403) -> dict:
    return dict.fromkeys(SIGNED_IN, refused) | allowed | {ANONYMOUS: PAGE}


# (method, path, form, expected status per column); {account}: used by a stream,
# {spare}: used by nothing.
MATRIX = [
    ("GET", "/connections/", None, only({"social": 200, "admin": 200})),
    ("GET", "/connections/new/", None, only({"admin": 200})),
    ("GET", "/connections/new/?kind=meta_business", None, only({"admin": 200})),
    ("GET", "/connections/{account}/edit/", None, only({"admin": 200})),
    ("GET", "/connections/{spare}/delete/", None, only({"admin": 200})),
    (
        "POST",
        "/connections/new/",
        {"name": "New token", "kind": "mastodon", "secret_access_token": "t0k3n"},
        only({"admin": 302}),
    ),
    (
        "POST",
        "/connections/{account}/edit/",
        {"name": "Renamed account", "secret_access_token": "n3w"},
        only({"admin": 302}),
    ),
    ("POST", "/connections/{spare}/delete/", {}, only({"admin": 302})),
]
CASES = [
    pytest.param(method, path, form, role, expected[role], id=f"{method} {path} as {role}")
    for method, path, form, expected in MATRIX
    for role in COLUMNS
]


def _state():
    """What a refused request must leave as it was."""
    return (
        AuditEvent.objects.count(),
        list(ConnectedAccount.objects.order_by("pk").values_list("name", "secret_encrypted")),
    )


@pytest.fixture
def account():
    return ConnectedAccountFactory(
        name="Mastodon token", kind="mastodon", secret={"access_token": "old-token"}
    )


@pytest.fixture
def stream(account):
    return StreamFactory(
        name="Acme hashtag", connector="mastodon", credential=account, options={"hashtag": "acme"}
    )


@pytest.mark.parametrize(("method", "path", "form", "role", "expected"), CASES)
def test_permission_matrix(client_for, stream, account, method, path, form, role, expected):
    spare = ConnectedAccountFactory(name="Spare", kind="mastodon", secret={"access_token": "x"})
    url = path.format(account=account.pk, spare=spare.pk)
    client = client_for(role)
    before = _state()

    response = client.get(url) if method == "GET" else client.post(url, form)

    assert response.status_code == expected, response.content[:500]
    if role == ANONYMOUS:
        assert response["Location"].startswith("/login/?next=")
    if expected >= 400 or role == ANONYMOUS:
        assert _state() == before, "a refused request changed something"
    elif method == "POST":
        assert _state() != before, "an allowed write changed nothing"
        assert response["Location"] == "/connections/"


@pytest.mark.parametrize(
    ("role", "shown"),
    [("social", True), ("admin", True), ("manager", False), ("legal", False), ("hr", False)],
)
def test_navigation_offers_the_list_to_who_may_see_it(client_for, role, shown):
    items = {item["url"] for item in client_for(role).get("/").context["nav_items"]}

    assert ("/connections/" in items) is shown


# --- The list -----------------------------------------------------------------------------


def test_the_list_says_what_each_account_is_and_who_uses_it(client_for, stream, account, user_for):
    brand = BrandAccountFactory(platform="instagram", handle="lumora_ig")
    revoking = ConnectedAccountFactory(
        meta_business=True,
        name="Business Manager",
        scopes=["business_management"],
        expires_at=timezone.now() + timedelta(days=3, hours=1),
        created_by=user_for("admin"),
    )
    brand.revocation_connection = revoking
    brand.save()
    ConnectedAccountFactory(
        name="Old X token", kind="x", expires_at=timezone.now() - timedelta(days=1)
    )

    html = client_for("social").get("/connections/").content.decode()

    assert "Mastodon token" in html
    assert "<code>access_token</code>" in html
    assert "old-token" not in html
    assert f'href="/streams/{stream.pk}/"' in html  # the stream using it
    assert "@lumora_ig (Instagram)" in html  # the brand account revoked through it
    assert "Meta Business Manager" in html  # its kind
    assert "<code>business_management</code>" in html
    assert "Expires in 3 days" in html
    assert "Expired" in html
    assert "Admin Person" in html  # who connected it
    assert "Token pasted by an admin" in html
    assert "/connections/new/" not in html  # social may look, not manage
    assert "/edit/" not in html


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_the_list_query_count_does_not_grow_with_accounts(client_for, user_for):
    client = client_for("admin")

    def add(n):
        for _ in range(n):
            account = ConnectedAccountFactory(
                kind="mastodon",
                secret={"access_token": "t"},
                created_by=user_for("admin"),
                brand_account=BrandAccountFactory(platform="mastodon"),
            )
            StreamFactory(connector="mastodon", credential=account)
            revoking = ConnectedAccountFactory(meta_business=True)
            BrandAccountFactory(platform="facebook", revocation_connection=revoking)

    add(2)
    client.get("/connections/")  # warm: the freeze banner cached, as after any first page
    few = _queries(client, "/connections/")
    add(10)
    many = _queries(client, "/connections/")

    assert many == few
    assert few <= 10


# --- The form -----------------------------------------------------------------------------


def test_the_new_form_shows_the_chosen_kinds_fields(client_for):
    client = client_for("admin")
    TeamFactory(name="Community")

    empty = client.get("/connections/new/")
    chosen = client.get("/connections/new/", {"kind": "meta_business"})
    fragment = client.get("/connections/new/", {"kind": "mastodon"}, HTTP_HX_REQUEST="true")

    assert 'name="secret_access_token"' not in empty.content.decode()
    assert "Choose a kind" in empty.content.decode()
    html = chosen.content.decode()
    assert '<input type="password" name="secret_access_token"' in html
    assert "System user access token" in html
    assert 'name="secret_app_secret"' in html
    assert 'name="business_id"' in html
    assert 'hx-get="/connections/new/"' in html
    assert 'name="choose_kind"' in html  # the no-JavaScript way
    for name in ("base_url", "allowed_hosts", "brand_account", "scopes", "expires_at"):
        assert f'name="{name}"' in html, name
    assert 'name="acting_people"' in html
    assert 'name="acting_teams"' in html
    assert fragment.templates[0].name == "connections/_kind_fields.html"
    assert b"<html" not in fragment.content
    assert b'name="secret_access_token"' in fragment.content
    assert b'name="business_id"' not in fragment.content  # not a Meta Business account


def test_choosing_the_kind_without_javascript_saves_nothing(client_for):
    response = client_for("admin").post(
        "/connections/new/", {"name": "Half done", "kind": "mastodon", "choose_kind": "1"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="secret_access_token"' in html
    assert 'value="Half done"' in html
    assert not response.context["form"].errors
    assert not ConnectedAccount.objects.exists()


def test_admin_connects_an_account_through_the_form(client_for, admin_user):
    brand = BrandAccountFactory(platform="mastodon", handle="lumora")
    team = TeamFactory(name="Community")
    response = client_for("admin").post(
        "/connections/new/",
        {
            "name": "Our Mastodon",
            "kind": "mastodon",
            "secret_access_token": " s3cret ",
            "base_url": "https://social.example.org",
            "allowed_hosts": "social.example.org\nMastodon.Example.NET",
            "brand_account": brand.pk,
            "scopes": "read, write:statuses",
            "expires_at": "2030-05-01T12:00",
            "acting_people": [admin_user.pk],
            "acting_teams": [team.pk],
        },
    )

    assert response.status_code == 302, response.context["form"].errors
    assert response["Location"] == "/connections/"
    account = ConnectedAccount.objects.get()
    assert account.secret == {"access_token": "s3cret"}
    assert (account.kind, account.platform, account.method) == ("mastodon", "mastodon", "token")
    assert account.allowed_hosts == ["social.example.org", "mastodon.example.net"]
    assert account.scopes == ["read", "write:statuses"]
    assert account.brand_account == brand
    assert account.expires_at.year == 2030
    assert list(account.acting_people.all()) == [admin_user]
    assert list(account.acting_teams.all()) == [team]
    event = AuditEvent.objects.get(verb="connected_account.create")
    assert event.actor == admin_user
    assert event.after["acting_people"] == [admin_user.pk]
    assert "s3cret" not in json.dumps(event.after)


def test_admin_connects_a_meta_business_account(client_for):
    client = client_for("admin")

    bad = client.post(
        "/connections/new/",
        {"name": "Meta", "kind": "meta_business", "business_id": "acme"},
    )
    good = client.post(
        "/connections/new/",
        {
            "name": "Meta",
            "kind": "meta_business",
            "business_id": "1029384756",
            "secret_access_token": "sys-token",
        },
    )

    errors = bad.context["form"].errors
    assert "A Business Manager id is a number." in errors["business_id"]
    assert "secret_access_token" in errors  # required for a new one
    assert good.status_code == 302
    account = ConnectedAccount.objects.get()
    assert (account.kind, account.platform) == ("meta_business", "facebook")
    assert account.secret == {"access_token": "sys-token"}


def test_a_new_account_needs_its_secret(client_for):
    response = client_for("admin").post("/connections/new/", {"name": "Empty", "kind": "x"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not ConnectedAccount.objects.exists()


def test_a_taken_name_is_a_field_error_whatever_its_case(client_for, account):
    response = client_for("admin").post(
        "/connections/new/",
        {"name": "MASTODON TOKEN", "kind": "mastodon", "secret_access_token": "t"},
    )

    assert response.status_code == 200
    assert "already exists" in response.context["form"].errors["name"][0]
    assert ConnectedAccount.objects.count() == 1


def test_bad_hosts_and_a_brand_account_of_another_network_are_field_errors(client_for, account):
    x_brand = BrandAccountFactory(platform="x")

    response = client_for("admin").post(
        f"/connections/{account.pk}/edit/",
        {
            "name": "Mastodon token",
            "allowed_hosts": "https://evil.example/path",
            "brand_account": x_brand.pk,
        },
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "not a host name" in errors["allowed_hosts"][0]
    account.refresh_from_db()
    assert account.allowed_hosts == ["127.0.0.1"]


def test_editing_keeps_empty_secrets_and_the_kind(client_for, account):
    client = client_for("admin")
    rotated = account.rotated_at

    page = client.get(f"/connections/{account.pk}/edit/")
    renamed = client.post(
        f"/connections/{account.pk}/edit/",
        {"name": "Renamed", "kind": "x", "secret_access_token": ""},
    )
    account.refresh_from_db()
    kept = account.secret
    client.post(
        f"/connections/{account.pk}/edit/", {"name": "Renamed", "secret_access_token": "new"}
    )
    account.refresh_from_db()

    assert page.status_code == 200
    assert "Leave empty to keep the current value" in page.content.decode()
    assert 'name="kind"' not in page.content.decode()  # the kind is fixed
    assert "cannot change kind" in page.content.decode()
    assert renamed.status_code == 302
    assert kept == {"access_token": "old-token"}
    assert account.kind == "mastodon"
    assert account.name == "Renamed"
    assert account.secret == {"access_token": "new"}
    assert account.rotated_at > rotated
    assert AuditEvent.objects.filter(verb="connected_account.update").count() == 2


def test_an_account_in_use_cannot_be_deleted(client_for, stream, account):
    revoking = ConnectedAccountFactory(meta_business=True)
    BrandAccountFactory(platform="facebook", handle="lumora_fb", revocation_connection=revoking)
    client = client_for("admin")

    confirm = client.get(f"/connections/{account.pk}/delete/")
    response = client.post(f"/connections/{account.pk}/delete/", follow=True)
    revoking_confirm = client.get(f"/connections/{revoking.pk}/delete/")

    assert "Acme hashtag" in confirm.content.decode()
    assert b'type="submit" class="button button--danger"' not in confirm.content
    assert "change them first" in response.content.decode()
    assert "@lumora_fb" in revoking_confirm.content.decode()
    assert ConnectedAccount.objects.filter(pk=account.pk).exists()


def test_an_unused_account_is_deleted_after_confirming(client_for, account):
    response = client_for("admin").post(f"/connections/{account.pk}/delete/")

    assert response.status_code == 302
    assert not ConnectedAccount.objects.exists()
    assert AuditEvent.objects.filter(verb="connected_account.delete").count() == 1


def test_a_saved_secret_never_appears_in_any_page_nor_the_api(client_for, api_client_for):
    admin = client_for("admin")
    admin.post(
        "/connections/new/",
        {"name": "Shown nowhere", "kind": "mastodon", "secret_access_token": SECRET},
    )
    account = ConnectedAccount.objects.get()
    assert account.secret == {"access_token": SECRET}
    stream = StreamFactory(connector="mastodon", credential=account)
    event = AuditEvent.objects.get(verb="connected_account.create")
    pages = [
        "/connections/",
        f"/connections/{account.pk}/edit/",
        f"/connections/{account.pk}/delete/",
        "/streams/",
        "/streams/new/",
        f"/streams/{stream.pk}/",
        f"/streams/{stream.pk}/edit/",
        "/audit/",
        f"/audit/{event.pk}/",
        "/",
    ]
    api = api_client_for("admin")
    endpoints = [
        "/api/v1/connected-accounts/",
        f"/api/v1/connected-accounts/{account.pk}/",
        f"/api/v1/streams/{stream.pk}/",
    ]

    for url in pages:
        response = admin.get(url)
        assert response.status_code == 200, url
        assert SECRET not in response.content.decode(), url
    for url in endpoints:
        response = api.get(url)
        assert response.status_code == 200, url
        assert SECRET not in response.content.decode(), url


def test_a_rejected_form_does_not_echo_the_secret_back(client_for, account):
    response = client_for("admin").post(
        "/connections/new/",
        {"name": "Mastodon token", "kind": "mastodon", "secret_access_token": SECRET},
    )

    assert response.status_code == 200  # the name is taken
    assert SECRET not in response.content.decode()
