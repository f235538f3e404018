"""The monitoring pages: streams, their live state, and the dashboard's card.

Who may open and post what, forms saved through the services (with their
audit events), hostile text shown escaped, secrets never shown back, and query
counts that do not grow with the rows. The connected accounts pages (what streams sign
in with) are tested in tests/connections/test_views.py.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from connections.models import ConnectedAccount
from monitoring import tasks
from monitoring.models import Stream, StreamError, StreamErrorKind, StreamStatus
from riskdesk.models import AuditEvent
from tests.accounts.factories import TeamFactory
from tests.conftest import ANONYMOUS, NO_ROLE
from tests.connections.factories import ConnectedAccountFactory
from tests.monitoring.factories import MentionFactory, StreamFactory

pytestmark = pytest.mark.django_db

COLUMNS = ["social", "legal", "hr", "manager", "admin", NO_ROLE, ANONYMOUS]
SIGNED_IN = COLUMNS[:-1]
PAGE = 302  # anonymous: sent to /login/


def fill(form: dict, **ids) -> dict:
    """The form with its {placeholders} replaced (JSON braces left alone)."""
    filled = {}
    for key, value in form.items():
        for name, id_ in ids.items():
            value = value.replace(f"{{{name}}}", str(id_))
        filled[key] = value
    return filled


def only(allowed: dict, refused=403) -> dict:
    return dict.fromkeys(SIGNED_IN, refused) | allowed | {ANONYMOUS: PAGE}


STREAM_READERS = {"social": 200, "manager": 200, "admin": 200}
STREAM_WRITERS_GET = {"social": 200, "admin": 200}
STREAM_WRITERS_POST = {"social": 302, "admin": 302}

NEW_STREAM_FORM = {
    "name": "Acme on Mastodon",
    "connector": "mastodon",
    "query": "acme",
    "options": '{"hashtag": "acme"}',
    "credential": "",  # a public hashtag: choosing an account takes connected_account.manage
    "poll_interval": "120",
    "enabled": "on",
}
EDIT_STREAM_FORM = NEW_STREAM_FORM | {"name": "Renamed stream", "credential": "{credential}"}

# (method, path, form, expected status per column)
# {stream}: a Mastodon stream; {credential}: the connected account it signs in with.
MATRIX = [
    ("GET", "/streams/", None, only(STREAM_READERS)),
    ("GET", "/streams/new/", None, only(STREAM_WRITERS_GET)),
    ("GET", "/streams/{stream}/", None, only(STREAM_READERS)),
    ("GET", "/streams/{stream}/edit/", None, only(STREAM_WRITERS_GET)),
    ("GET", "/streams/{stream}/delete/", None, only(STREAM_WRITERS_GET)),
    ("GET", "/streams/{stream}/poll/", None, only({}, refused=405)),  # POST only
    ("POST", "/streams/new/", NEW_STREAM_FORM, only(STREAM_WRITERS_POST)),
    ("POST", "/streams/{stream}/edit/", EDIT_STREAM_FORM, only(STREAM_WRITERS_POST)),
    ("POST", "/streams/{stream}/poll/", {}, only(STREAM_WRITERS_POST)),
    ("POST", "/streams/{stream}/delete/", {}, only(STREAM_WRITERS_POST)),
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
        list(
            Stream.objects.order_by("pk").values_list(
                "name", "options", "claim_token", "next_poll_at"
            )
        ),
        list(ConnectedAccount.objects.order_by("pk").values_list("name", "secret_encrypted")),
    )


@pytest.fixture
def credential():
    return ConnectedAccountFactory(
        name="Mastodon token", kind="mastodon", secret={"access_token": "old-token"}
    )


@pytest.fixture
def stream(credential):
    return StreamFactory(
        name="Acme hashtag",
        connector="mastodon",
        credential=credential,
        options={"hashtag": "acme"},
    )


@pytest.mark.parametrize(("method", "path", "form", "role", "expected"), CASES)
def test_permission_matrix(client_for, stream, credential, method, path, form, role, expected):
    ids = {"stream": stream.pk, "credential": credential.pk}
    url = path.format(**ids)
    if form is not None:
        form = fill(form, **ids)
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
        assert response["Location"].startswith("/"), response["Location"]


# --- Navigation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "streams", "credentials"),
    [
        ("social", True, True),
        ("manager", True, False),
        ("admin", True, True),
        ("legal", False, False),
        ("hr", False, False),
        (NO_ROLE, False, False),
    ],
)
def test_navigation_offers_streams_and_credentials_to_who_may_see_them(
    client_for, role, streams, credentials
):
    items = {item["url"]: item for item in client_for(role).get("/").context["nav_items"]}

    assert ("/streams/" in items) is streams
    assert ("/connections/" in items) is credentials


def test_navigation_marks_the_streams_page_current(client_for, stream):
    response = client_for("social").get(f"/streams/{stream.pk}/")

    current = [item["url"] for item in response.context["nav_items"] if item["current"]]
    assert current == ["/streams/"]
    assert b'href="/streams/" aria-current="page"' in response.content


# --- Stream list --------------------------------------------------------------------


def test_stream_list_shows_each_streams_state(client_for, stream):
    team = TeamFactory(name="Social media", slug="social-media")
    Stream.objects.filter(pk=stream.pk).update(
        team=team,
        status=StreamStatus.FAILING,
        consecutive_failures=3,
        mentions_found=1234,
        last_polled_at=timezone.now() - timedelta(minutes=5),
    )

    response = client_for("manager").get("/streams/")

    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="/streams/{stream.pk}/"' in html
    assert "Acme hashtag" in html
    assert "Mastodon" in html
    assert "Social media" in html
    assert "badge--warning" in html  # failing
    assert "5\xa0minutes ago" in html
    assert "<time datetime=" in html
    assert ">1234<" in html
    assert "New stream" not in html  # managers only read


def test_stream_list_offers_new_stream_to_who_may_create(client_for):
    assert b'href="/streams/new/"' in client_for("social").get("/streams/").content


def test_stream_list_filters_from_the_query_string(client_for, credential):
    StreamFactory(name="Healthy one", connector="mastodon", credential=credential, status="ok")
    StreamFactory(name="Stopped one", connector="mastodon", credential=credential, status="stopped")

    response = client_for("social").get("/streams/", {"status": "stopped"})

    assert [s.name for s in response.context["page"].items] == ["Stopped one"]
    assert b'class="badge badge--danger"' in response.content


def test_stream_list_answers_htmx_with_the_rows_only(client_for, stream):
    response = client_for("social").get("/streams/", {"q": "acme"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert response.templates[0].name == "monitoring/_stream_rows.html"
    assert b"<html" not in response.content
    assert b"Acme hashtag" in response.content


def test_stream_list_pages_with_a_keyset(client_for, credential):
    streams = [
        StreamFactory(connector="mastodon", credential=credential, name=f"S{i:02}")
        for i in range(55)
    ]
    client = client_for("social")

    first = client.get("/streams/")
    second = client.get("/streams/", {"before": first.context["page"].next_before})

    assert len(first.context["page"].items) == 50
    assert [s.pk for s in second.context["page"].items] == [s.pk for s in streams[4::-1]]
    assert b"Older streams" in first.content
    assert b"Newest streams" in second.content


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_stream_list_query_count_does_not_grow_with_streams(client_for, credential):
    client = client_for("social")
    client.get("/streams/")  # warm the session and permission caches alike for both counts

    def add(n):
        for _ in range(n):
            StreamFactory(connector="mastodon", credential=credential, team=TeamFactory())

    add(3)
    few = _queries(client, "/streams/")
    add(27)
    many = _queries(client, "/streams/")

    assert many == few
    assert few <= 10


# --- Stream detail ------------------------------------------------------------------


def test_stream_detail_shows_configuration_and_state_but_no_secret(client_for, stream):
    Stream.objects.filter(pk=stream.pk).update(
        cursor={"min_id": "109"},
        last_error="401 Unauthorized: The access token is invalid",
        last_error_at=timezone.now(),
        base_url="https://mastodon.example",
        language="fr",
    )

    response = client_for("social").get(f"/streams/{stream.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Mastodon token" in html  # the credential's name
    assert "old-token" not in html  # never its secret
    assert "https://mastodon.example" in html
    assert "&quot;hashtag&quot;: &quot;acme&quot;" in html  # options as pretty JSON
    assert "&quot;min_id&quot;: &quot;109&quot;" in html  # the cursor
    assert "The access token is invalid" in html
    assert f'hx-get="/streams/{stream.pk}/"' in html
    assert 'hx-trigger="every 10s"' in html
    assert f'action="/streams/{stream.pk}/poll/"' in html
    assert f'href="/streams/{stream.pk}/edit/"' in html
    assert f'href="/streams/{stream.pk}/delete/"' in html


def test_stream_detail_offers_no_actions_to_readers(client_for, stream):
    html = client_for("manager").get(f"/streams/{stream.pk}/").content.decode()

    assert "/poll/" not in html
    assert "/edit/" not in html
    assert "/delete/" not in html


def test_stream_detail_answers_its_refresh_with_the_state_panel(client_for, stream):
    Stream.objects.filter(pk=stream.pk).update(claimed_until=timezone.now() + timedelta(minutes=1))

    response = client_for("social").get(f"/streams/{stream.pk}/", HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert response.templates[0].name == "monitoring/_stream_state.html"
    assert b"<html" not in response.content
    assert b'id="stream-state"' in response.content
    assert b"Polling now" in response.content


def test_stream_detail_of_a_missing_stream_is_404(client_for):
    assert client_for("social").get("/streams/999999/").status_code == 404


HOSTILE_TEXT = '<script>alert(1)</script> and <img src=x onerror="alert(2)">'


def test_hostile_mention_text_is_shown_escaped(client_for, stream):
    MentionFactory(
        stream=stream,
        text=HOSTILE_TEXT,
        author_name="<b>Mallory</b>",
        author_handle="@<i>mallory</i>",
        url="javascript:alert(3)",
    )

    html = client_for("social").get(f"/streams/{stream.pk}/").content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in html
    assert "&lt;b&gt;Mallory&lt;/b&gt;" in html
    assert "javascript:" not in html  # not a link: it does not start with http(s)


def test_mentions_link_to_their_post_in_a_new_tab_and_are_cut(client_for, stream):
    MentionFactory(stream=stream, text="long " * 100, url="https://mastodon.example/@a/1")

    html = client_for("social").get(f"/streams/{stream.pk}/").content.decode()

    assert (
        '<a href="https://mastodon.example/@a/1" rel="noopener noreferrer" target="_blank">' in html
    )
    assert "long " * 100 not in html
    assert "…" in html


def test_stream_detail_shows_twenty_recent_mentions_and_errors(client_for, stream):
    for i in range(25):
        MentionFactory(stream=stream, text=f"mention number {i:02}")
        StreamError.objects.create(
            stream=stream, kind=StreamErrorKind.TRANSIENT, message=f"error number {i:02}"
        )

    response = client_for("social").get(f"/streams/{stream.pk}/")

    assert len(response.context["mentions"]) == 20
    assert len(response.context["errors"]) == 20
    assert b"error number 24" in response.content
    assert b"error number 04" not in response.content


def test_hostile_stream_error_body_is_shown_escaped(client_for, stream):
    StreamError.objects.create(
        stream=stream,
        kind=StreamErrorKind.MALFORMED,
        message="Mastodon sent an unexpected payload",
        status_code=200,
        body='{"html": "<script>alert(1)</script><img src=x onerror=alert(2)>"}',
    )

    html = client_for("social").get(f"/streams/{stream.pk}/").content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "<img src=x onerror" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in html
    assert "<details>" in html
    assert "Malformed payload" in html


def test_webhook_stream_shows_its_callback_url_instead_of_polling(client_for):
    stream = StreamFactory(name="Facebook page", connector="meta")

    html = client_for("social").get(f"/streams/{stream.pk}/").content.decode()

    assert f"http://testserver/api/v1/webhooks/meta/{stream.webhook_key}/" in html
    assert "/poll/" not in html
    assert "Poll now" not in html


# --- Stream form --------------------------------------------------------------------


def test_social_creates_a_stream_through_the_form(client_for, credential, social_user):
    team = TeamFactory()
    form = fill(NEW_STREAM_FORM, credential=credential.pk)

    response = client_for("social").post("/streams/new/", form | {"team": team.pk})

    stream = Stream.objects.get(name="Acme on Mastodon")
    assert response.status_code == 302
    assert response["Location"] == f"/streams/{stream.pk}/"
    assert stream.options == {"hashtag": "acme"}
    assert stream.credential is None
    assert stream.team == team
    assert stream.enabled is True
    assert stream.created_by == social_user
    event = AuditEvent.objects.get(verb="stream.create")
    assert event.actor == social_user
    assert event.target_id == str(stream.pk)


def test_the_new_stream_form_renders_its_fields(client_for, credential):
    html = client_for("social").get("/streams/new/").content.decode()

    assert 'name="options"' in html
    assert '<option value="mastodon">Mastodon</option>' in html
    assert "Mastodon token (Mastodon)" in html  # credentials by name
    assert "old-token" not in html
    assert '{"subreddit": "acme"}' in html or "{&quot;subreddit&quot;: &quot;acme&quot;}" in html


def test_editing_a_stream_goes_through_the_service(client_for, stream):
    form = fill(EDIT_STREAM_FORM, credential=stream.credential_id)
    client = client_for("admin")

    page = client.get(f"/streams/{stream.pk}/edit/")
    response = client.post(f"/streams/{stream.pk}/edit/", form | {"enabled": ""})

    assert "Acme hashtag" in page.content.decode()
    assert "&quot;hashtag&quot;: &quot;acme&quot;" in page.content.decode()
    stream.refresh_from_db()
    assert response.status_code == 302
    assert stream.name == "Renamed stream"
    assert stream.enabled is False
    event = AuditEvent.objects.get(verb="stream.update")
    assert event.before["name"] == "Acme hashtag"
    assert event.after["name"] == "Renamed stream"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ('{"hashtag": "acme"', "not valid JSON"),
        ('["acme"]', "JSON object"),
        ('"acme"', "JSON object"),
    ],
)
def test_invalid_options_are_a_field_error_and_save_nothing(
    client_for, credential, options, message
):
    form = fill(NEW_STREAM_FORM, credential=credential.pk)

    response = client_for("social").post("/streams/new/", form | {"options": options})

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["options"]
    assert message in errors["options"][0]
    assert not Stream.objects.exists()
    assert not AuditEvent.objects.exists()
    assert 'aria-invalid="true"' in response.content.decode()


def test_a_service_error_lands_on_its_field(client_for):
    other = ConnectedAccountFactory(kind="x", secret={"bearer_token": "b"})
    form = fill(NEW_STREAM_FORM) | {"credential": other.pk}

    response = client_for("admin").post("/streams/new/", form)

    assert response.status_code == 200
    assert "another connector" in response.context["form"].errors["credential"][0]
    assert not Stream.objects.exists()


# --- Where a credential may be sent (issue 15, finding 2) ------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"credential": "{admin_credential}"},
        {"base_url": "https://attacker.example"},
        {"credential": "{admin_credential}", "base_url": "https://attacker.example"},
    ],
)
def test_only_a_credential_manager_chooses_a_credential_or_an_api_address(
    client_for, credential, stream, change
):
    """A social user may create and edit streams, but not pick an admin's credential nor
    point a stream at another host: both are field errors, and nothing is saved."""
    admin_credential = ConnectedAccountFactory(
        name="Admin token", kind="mastodon", secret={"access_token": "admin-secret"}
    )
    change = fill(change, admin_credential=admin_credential.pk)
    before = _state()

    new = client_for("social").post("/streams/new/", fill(NEW_STREAM_FORM) | change)
    edit = client_for("social").post(
        f"/streams/{stream.pk}/edit/", fill(EDIT_STREAM_FORM, credential=credential.pk) | change
    )

    for response in (new, edit):
        assert response.status_code == 200
        errors = response.context["form"].errors
        assert set(errors) == set(change)
        assert all("manages connected accounts" in errors[name][0] for name in change)
    assert _state() == before


def test_the_connection_fields_are_greyed_out_for_who_may_not_change_them(client_for, stream):
    social = client_for("social").get(f"/streams/{stream.pk}/edit/").context["form"]
    admin = client_for("admin").get(f"/streams/{stream.pk}/edit/").context["form"]

    for name in ("base_url", "credential"):
        assert "disabled" in str(social[name])
        assert "disabled" not in str(admin[name])


def test_a_credential_manager_binds_a_credential_to_an_allowed_host_only(client_for):
    x_token = ConnectedAccountFactory(kind="x", allowed_hosts=[])
    form = fill(NEW_STREAM_FORM) | {"connector": "x", "options": "{}", "credential": x_token.pk}

    elsewhere = client_for("admin").post(
        "/streams/new/", form | {"base_url": "https://evil.example"}
    )
    assert elsewhere.status_code == 200
    assert "may not be sent to evil.example" in elsewhere.context["form"].errors["base_url"][0]
    assert not Stream.objects.exists()

    own_api = client_for("admin").post("/streams/new/", form | {"base_url": "https://api.x.com"})
    assert own_api.status_code == 302
    assert Stream.objects.get().credential == x_token


def test_a_stream_needing_a_credential_says_so_on_the_field(client_for):
    form = fill(NEW_STREAM_FORM, credential="") | {"connector": "x", "options": "{}"}

    response = client_for("social").post("/streams/new/", form)

    assert response.status_code == 200
    assert "needs a connected account" in response.context["form"].errors["credential"][0]


# --- Poll now and delete -------------------------------------------------------------


def test_poll_now_queues_a_poll_then_refuses_while_it_runs(
    client_for, stream, queued_polls, django_capture_on_commit_callbacks
):
    client = client_for("social")

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(f"/streams/{stream.pk}/poll/", follow=True)
    stream.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(f"/streams/{stream.pk}/poll/", follow=True)

    assert first.redirect_chain == [(f"/streams/{stream.pk}/", 302)]
    assert "Poll queued" in first.content.decode()
    assert stream.claim_token is not None
    assert queued_polls == [(stream.pk, str(stream.claim_token))]
    assert "A poll is already running" in second.content.decode()
    assert "Polling now" in second.content.decode()
    assert len(queued_polls) == 1
    assert [e.after for e in AuditEvent.objects.filter(verb="stream.poll_now")] == [
        {"queued": False},
        {"queued": True},
    ]


def test_poll_now_on_a_webhook_stream_explains_why_not(client_for, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.poll_stream, "delay", lambda *args: queued.append(args))
    stream = StreamFactory(connector="meta")

    response = client_for("admin").post(f"/streams/{stream.pk}/poll/", follow=True)

    assert response.status_code == 200
    assert "nothing to poll" in response.content.decode()
    assert queued == []
    stream.refresh_from_db()
    assert stream.claim_token is None


def test_deleting_a_stream_asks_first_then_deletes(client_for, stream):
    client = client_for("social")

    confirm = client.get(f"/streams/{stream.pk}/delete/")
    assert Stream.objects.filter(pk=stream.pk).exists()
    response = client.post(f"/streams/{stream.pk}/delete/")

    assert confirm.status_code == 200
    assert b'method="post"' in confirm.content
    assert response.status_code == 302
    assert response["Location"] == "/streams/"
    assert not Stream.objects.filter(pk=stream.pk).exists()
    assert AuditEvent.objects.filter(verb="stream.delete").count() == 1


# --- Dashboard ----------------------------------------------------------------------


def test_dashboard_sums_up_monitoring(client_for, credential):
    def make(status, **extra):
        return StreamFactory(connector="mastodon", credential=credential, status=status, **extra)

    make(StreamStatus.OK)
    make(StreamStatus.OK)
    make(StreamStatus.RATE_LIMITED)
    failing = make(StreamStatus.FAILING, last_error="Mastodon did not answer within the timeout")
    stopped = make(
        StreamStatus.STOPPED,
        last_error="401 Unauthorized: <b>bad token</b>",
        last_error_at=timezone.now(),
    )
    make(StreamStatus.STOPPED, enabled=False, name="Switched off")
    MentionFactory()
    MentionFactory()
    MentionFactory(received_at=timezone.now() - timedelta(hours=25))

    response = client_for("manager").get("/")

    monitoring = response.context["monitoring"]
    assert [(s, n) for s, _label, n, _warn in monitoring["statuses"]] == [
        ("ok", 2),
        ("failing", 1),
        ("rate_limited", 1),
        ("stopped", 2),
    ]
    assert monitoring["mentions_24h"] == 2
    assert [s.pk for s in monitoring["attention"]] == [stopped.pk, failing.pk]
    html = response.content.decode()
    assert 'href="/streams/?status=stopped"' in html
    assert "401 Unauthorized: &lt;b&gt;bad token&lt;/b&gt;" in html
    assert "Switched off" not in html


def test_dashboard_hides_monitoring_from_who_cannot_see_streams(client_for):
    response = client_for("legal").get("/")

    assert response.context["monitoring"] is None
    assert b"card-monitoring" not in response.content


def test_dashboard_monitoring_query_count_does_not_grow(client_for, credential):
    client = client_for("social")
    client.get("/")

    def add(n):
        for _ in range(n):
            StreamFactory(connector="mastodon", credential=credential, status="stopped")
            MentionFactory()

    add(3)
    few = _queries(client, "/")
    add(27)
    many = _queries(client, "/")

    assert many == few
