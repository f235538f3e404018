"""/api/v1/streams/ and /api/v1/mentions/ (connected accounts: tests/connections/test_api.py)."""

import pytest
from django.utils import timezone

from monitoring.models import Stream, StreamStatus, Tag
from riskdesk.models import AuditEvent
from tests.connections.factories import ConnectedAccountFactory
from tests.monitoring.factories import MentionFactory, StreamFactory

pytestmark = pytest.mark.django_db

SECRET = "s3cr3t-bearer-token-value"


@pytest.fixture
def x_credential():
    return ConnectedAccountFactory(name="X app", kind="x", secret={"bearer_token": SECRET})


# --- Streams ------------------------------------------------------------------------------


def test_admin_creates_a_stream_with_a_credential(api_client_for, x_credential):
    response = api_client_for("admin").post(
        "/api/v1/streams/",
        {
            "name": "Brand on X",
            "connector": "x",
            "query": "acme -is:retweet",
            "language": "en",
            "credential": x_credential.pk,
            "poll_interval": 60,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == StreamStatus.NEW
    assert body["webhook_url"] is None
    assert AuditEvent.objects.filter(verb="stream.create").count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"connector": "myspace"}, "connector"),
        ({"poll_interval": 1}, "poll_interval"),
        ({"options": ["not", "an", "object"]}, "options"),
        ({"credential": None}, "credential"),  # X needs one
        ({"base_url": "not a url"}, "base_url"),
    ],
)
def test_invalid_stream_is_refused_with_field_errors(api_client_for, x_credential, payload, field):
    data = {"name": "s", "connector": "x", "query": "acme", "credential": x_credential.pk}
    response = api_client_for("admin").post("/api/v1/streams/", data | payload)
    assert response.status_code == 400
    assert field in response.json()
    assert not Stream.objects.exists()


def test_credential_of_another_connector_is_refused(api_client_for):
    reddit = ConnectedAccountFactory(kind="reddit", secret={"client_id": "a", "client_secret": "b"})
    response = api_client_for("admin").post(
        "/api/v1/streams/", {"name": "s", "connector": "x", "query": "a", "credential": reddit.pk}
    )
    assert response.status_code == 400
    assert "credential" in response.json()


# --- Where a credential may be sent (issue 15, finding 2) ------------------------------


def test_social_creates_a_stream_without_a_credential(api_client_for):
    response = api_client_for("social").post(
        "/api/v1/streams/",
        {"name": "Public tag", "connector": "mastodon", "options": {"hashtag": "acme"}},
    )
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    "payload",
    [
        {"credential": "{credential}"},
        {"credential": "{credential}", "base_url": "https://attacker.example"},
    ],
)
def test_social_cannot_create_a_stream_with_a_credential_or_an_address(
    api_client_for, x_credential, payload
):
    payload = {k: x_credential.pk if v == "{credential}" else v for k, v in payload.items()}
    data = {"name": "s", "connector": "x", "query": "acme"}
    response = api_client_for("social").post("/api/v1/streams/", data | payload, format="json")
    assert response.status_code == 403
    assert not Stream.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"base_url": "https://attacker.example"},
        {"credential": "{other}"},
        {"credential": None},
    ],
)
def test_social_cannot_change_a_streams_credential_or_address(api_client_for, x_credential, change):
    stream = StreamFactory(connector="x", credential=x_credential, query="acme")
    other = ConnectedAccountFactory(kind="x", secret={"bearer_token": "admin-token"})
    change = {k: other.pk if v == "{other}" else v for k, v in change.items()}
    response = api_client_for("social").patch(
        f"/api/v1/streams/{stream.pk}/", change, format="json"
    )
    assert response.status_code == 403
    stream.refresh_from_db()
    assert (stream.base_url, stream.credential_id) == ("", x_credential.pk)
    assert not AuditEvent.objects.filter(verb="stream.update").exists()
    # What does not touch the connection stays theirs to change.
    same = {"credential": x_credential.pk, "base_url": "", "query": "acme lamp"}
    response = api_client_for("social").patch(f"/api/v1/streams/{stream.pk}/", same, format="json")
    assert response.status_code == 200, response.content


def test_a_credential_is_refused_for_a_host_not_allowed_on_it(api_client_for):
    token = ConnectedAccountFactory(kind="x", allowed_hosts=[])
    data = {"name": "s", "connector": "x", "query": "a", "credential": token.pk}
    client = api_client_for("admin")

    response = client.post("/api/v1/streams/", data | {"base_url": "https://evil.example"})
    assert response.status_code == 400
    assert "evil.example" in response.json()["base_url"][0]
    assert (
        client.post("/api/v1/streams/", data | {"base_url": "https://api.twitter.com"}).status_code
        == 201
    )


def test_moving_a_stream_to_another_host_unbinds_its_credential(api_client_for):
    token = ConnectedAccountFactory(kind="mastodon", secret={"access_token": "t"}, allowed_hosts=[])
    stream = StreamFactory(connector="mastodon", credential=token, options={"hashtag": "acme"})

    response = api_client_for("admin").patch(
        f"/api/v1/streams/{stream.pk}/", {"base_url": "https://other.example"}, format="json"
    )

    assert response.status_code == 200, response.content
    stream.refresh_from_db()
    assert stream.base_url == "https://other.example"
    assert stream.credential is None
    event = AuditEvent.objects.get(verb="stream.update")
    assert event.before["credential"] == token.pk
    assert event.after["credential"] is None


def test_a_host_allowed_on_the_credential_keeps_it(api_client_for):
    token = ConnectedAccountFactory(
        kind="mastodon", secret={"access_token": "t"}, allowed_hosts=["social.example.org"]
    )
    stream = StreamFactory(connector="mastodon", credential=token, options={"hashtag": "acme"})
    response = api_client_for("admin").patch(
        f"/api/v1/streams/{stream.pk}/", {"base_url": "https://social.example.org"}, format="json"
    )
    assert response.status_code == 200, response.content
    stream.refresh_from_db()
    assert stream.credential == token


def test_malformed_json_body_is_a_clear_400(api_client_for):
    response = api_client_for("social").generic(
        "POST", "/api/v1/streams/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


def test_meta_stream_shows_its_webhook_url(api_client_for):
    meta = ConnectedAccountFactory(kind="meta", secret={"app_secret": "shh", "verify_token": "v"})
    response = api_client_for("admin").post(
        "/api/v1/streams/", {"name": "Page", "connector": "meta", "credential": meta.pk}
    )
    assert response.status_code == 201, response.content
    stream = Stream.objects.get()
    assert response.json()["webhook_url"].endswith(f"/api/v1/webhooks/meta/{stream.webhook_key}/")


def test_poll_action_queues_once(api_client_for, x_credential, queued_polls):
    stream = StreamFactory(connector="x", credential=x_credential)
    client = api_client_for("social")
    with_callbacks = client.post(f"/api/v1/streams/{stream.pk}/poll/")
    assert with_callbacks.status_code == 202
    assert with_callbacks.json() == {"queued": True}
    again = client.post(f"/api/v1/streams/{stream.pk}/poll/")
    assert again.status_code == 409
    assert api_client_for("manager").post(f"/api/v1/streams/{stream.pk}/poll/").status_code == 403


def test_stream_state_is_read_only(api_client_for, x_credential):
    stream = StreamFactory(connector="x", credential=x_credential)
    response = api_client_for("social").patch(
        f"/api/v1/streams/{stream.pk}/",
        {"status": "ok", "cursor": {"since_id": "1"}, "mentions_found": 99, "query": "new"},
    )
    assert response.status_code == 200
    stream.refresh_from_db()
    assert (stream.status, stream.cursor, stream.mentions_found) == ("new", {}, 0)
    assert stream.query == "new"


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        ("admin", 200, 201),
        ("social", 200, 201),
        ("manager", 200, 403),
        ("legal", 403, 403),
        ("hr", 403, 403),
    ],
)
def test_stream_permissions(api_client_for, role, read, write):
    client = api_client_for(role)
    assert client.get("/api/v1/streams/").status_code == read
    response = client.post(
        "/api/v1/streams/",
        {"name": "RSS", "connector": "rss", "options": {"url": "https://example.org/feed"}},
    )
    assert response.status_code == write


def test_anonymous_gets_401(api_client):
    for path in ("/api/v1/streams/", "/api/v1/connected-accounts/", "/api/v1/mentions/"):
        assert api_client.get(path).status_code == 401


# --- Mentions -------------------------------------------------------------------------------


def test_mentions_list_newest_first_with_filters(api_client_for, django_assert_max_num_queries):
    old = MentionFactory(platform="x", published_at=timezone.now() - timezone.timedelta(days=2))
    new = MentionFactory(platform="mastodon", external_id="m1", published_at=timezone.now())
    client = api_client_for("legal")
    with django_assert_max_num_queries(12) as few:
        body = client.get("/api/v1/mentions/").json()
    assert [m["id"] for m in body["results"]] == [new.pk, old.pk]
    billing = Tag.objects.create(name="billing")
    for mention in MentionFactory.create_batch(5, platform="reddit"):
        mention.tags.add(billing)
    with django_assert_max_num_queries(len(few.captured_queries)):  # no query per row
        assert len(client.get("/api/v1/mentions/").json()["results"]) == 7
    only_x = client.get("/api/v1/mentions/?platform=x").json()["results"]
    assert [m["id"] for m in only_x] == [old.pk]
    assert api_client_for("hr").get("/api/v1/mentions/").status_code == 403


def test_rotate_secrets_command_re_encrypts_with_the_newest_key(settings, x_credential):
    from io import StringIO

    from cryptography.fernet import Fernet
    from django.core.management import call_command

    from alerting.models import NotificationChannel
    from tests.accounts.factories import TeamFactory

    connection = ConnectedAccountFactory(meta_business=True, secret={"access_token": "meta-token"})
    channel = NotificationChannel(team=TeamFactory(), name="Hook", kind="webhook", target="x")
    channel.secret = "hmac-key"
    channel.save()
    old_key = settings.RISKDESK_ENCRYPTION_KEYS[0]
    settings.RISKDESK_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), old_key]
    out = StringIO()
    call_command("rotate_secrets", stdout=out)
    assert "2 connected account(s) encrypted" in out.getvalue()
    assert "1 notification channel(s) encrypted" in out.getvalue()

    settings.RISKDESK_ENCRYPTION_KEYS = settings.RISKDESK_ENCRYPTION_KEYS[:1]
    x_credential.refresh_from_db()
    assert x_credential.secret == {"bearer_token": SECRET}
    connection.refresh_from_db()
    assert connection.secret == {"access_token": "meta-token"}
    channel.refresh_from_db()
    assert channel.secret == "hmac-key"
