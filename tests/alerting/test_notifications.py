"""Notification channels and their outbox.

Channels are validated, audited without their secret, and never show it back;
rows are written in the ingest transaction, grouped into digests in a storm,
sent over real HTTP to a local sink (signed, escaped), retried with backoff
when the sink fails, and claimed so they are never sent twice.
"""

import hashlib
import hmac
import json
import socket
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alerting.models import Notification, NotificationChannel
from alerting.selectors import notifications_due
from alerting.services import (
    channel_create,
    channel_delete,
    channel_test,
    channel_update,
    notification_send,
    notifications,
    notify_team,
    queue_for_stored,
    sending,
    verify_signature,
)
from monitoring import pipeline
from monitoring.connectors.base import NormalizedMention
from monitoring.models import Mention
from riskdesk.models import AuditEvent
from tests.accounts.factories import TeamFactory
from tests.accounts.test_api import assert_matches_schema, openapi_schema  # noqa: F401
from tests.conftest import ANONYMOUS, NO_ROLE
from tests.fakes.base import FakeServer, Fault, Reply

pytestmark = pytest.mark.django_db

SECRET = "hmac-key-never-shown-7f3a"
SLACK_TOKEN = "T0000/B0000/slack-token-never-shown"


class Sink(FakeServer):
    """A webhook receiver that answers 200 to every POST."""

    def handle(self, request):
        return Reply(200, {"ok": True})


@pytest.fixture
def sink():
    with Sink() as server:
        yield server


@pytest.fixture
def queued(monkeypatch):
    """Ids handed to the Celery task after commit, captured instead of sent to the broker."""
    from alerting import tasks

    ids: list[int] = []
    monkeypatch.setattr(tasks.send_notification, "delay", ids.append)
    return ids


@pytest.fixture(autouse=True)
def _outbox_only(monkeypatch, queued):
    """The pipeline with no enrichment or rules (mentions keep the team and risk built here)
    and the outbox hook registered as monitoring.apps does."""
    monkeypatch.setattr(pipeline, "_steps", [])
    monkeypatch.setattr(pipeline, "_on_store", [queue_for_stored])


@pytest.fixture
def admin(user_for):
    return user_for("admin")


@pytest.fixture
def legal():
    return TeamFactory(name="Legal", slug="legal")


def webhook(team, url, **kwargs) -> NotificationChannel:
    channel = NotificationChannel(team=team, name=kwargs.pop("name", "Hook"), kind="webhook")
    channel.target = url
    channel.secret = SECRET
    for name, value in kwargs.items():
        setattr(channel, name, value)
    channel.save()
    return channel


def make(
    n: int, team=None, *, risk: int = 90, notify: bool = False, text: str = ""
) -> NormalizedMention:
    return NormalizedMention(
        platform="x",
        external_id=str(n),
        text=text or f"We will sue Acme, post {n}",
        published_at=datetime(2026, 3, 1, 12, tzinfo=UTC),
        author_handle=f"user{n}",
        url=f"https://x.com/user{n}/status/{n}",
        risk_score=risk,
        risk_reasons=[{"code": "legal", "detail": "sue"}],
        team_id=team.pk if team else None,
        notify=notify,
    )


def ingest(mentions) -> pipeline.IngestResult:
    return pipeline.ingest(mentions)


# --- Channel services ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "target", "field"),
    [
        ("slack", "not a url", "target"),
        ("slack", "ftp://example.com/hook", "target"),
        ("webhook", "javascript:alert(1)", "target"),
        ("email", "legal-at-example.com", "target"),
        ("email", "", "target"),
        ("pager", "https://example.com/", "kind"),
    ],
)
def test_channel_create_refuses_bad_targets(admin, legal, kind, target, field):
    with pytest.raises(ValidationError) as caught:
        channel_create(actor=admin, team=legal, name="X", kind=kind, target=target, secret="s")
    assert field in caught.value.message_dict
    assert not NotificationChannel.objects.exists()
    assert not AuditEvent.objects.filter(verb="channel.create").exists()


def test_private_addresses_are_refused_unless_the_setting_allows_them(admin, legal, settings):
    settings.RISKDESK_OUTBOUND_ALLOW = []
    for url in ("http://127.0.0.1:8766/hook", "https://10.1.2.3/hook", "http://[::1]/x"):
        with pytest.raises(ValidationError) as caught:
            channel_create(actor=admin, team=legal, name="Sink", kind="slack", target=url)
        assert "RISKDESK_OUTBOUND_ALLOW" in caught.value.message_dict["target"][0]

    settings.RISKDESK_OUTBOUND_ALLOW = ["127.0.0.1/32"]
    channel = channel_create(
        actor=admin, team=legal, name="Sink", kind="slack", target="http://127.0.0.1:8766/hook"
    )
    assert channel.pk


def test_webhook_needs_a_secret_and_names_are_unique_per_team(admin, legal):
    with pytest.raises(ValidationError) as caught:
        channel_create(
            actor=admin, team=legal, name="Hook", kind="webhook", target="https://e.org/"
        )
    assert "secret" in caught.value.message_dict
    channel_create(actor=admin, team=legal, name="Mail", kind="email", target="legal@example.com")
    with pytest.raises(ValidationError) as caught:
        channel_create(actor=admin, team=legal, name="mail", kind="email", target="x@example.com")
    assert "name" in caught.value.message_dict
    # Another team may use the name.
    channel_create(
        actor=admin, team=TeamFactory(), name="Mail", kind="email", target="x@example.com"
    )


def test_secret_is_write_only_and_never_audited(admin, legal):
    channel = channel_create(
        actor=admin,
        team=legal,
        name="Hook",
        kind="webhook",
        target="https://e.org/h",
        secret=SECRET,
    )
    assert channel.secret == SECRET
    assert SECRET not in channel.secret_encrypted

    channel_update(actor=admin, channel=channel, min_risk=50, secret="")  # empty keeps
    channel.refresh_from_db()
    assert (channel.secret, channel.min_risk) == (SECRET, 50)

    channel_update(actor=admin, channel=channel, secret="rotated-secret-abc")
    channel.refresh_from_db()
    assert channel.secret == "rotated-secret-abc"

    slack = channel_create(
        actor=admin,
        team=legal,
        name="Slack",
        kind="slack",
        target=f"https://hooks.slack.com/services/{SLACK_TOKEN}",
    )
    # Sending the masked URL back (an API round trip) keeps the saved one.
    channel_update(actor=admin, channel=slack, target="https://hooks.slack.com/…", min_risk=40)
    slack.refresh_from_db()
    assert SLACK_TOKEN in slack.target
    channel_test(actor=admin, channel=slack)
    channel_delete(actor=admin, channel=slack)

    events = list(AuditEvent.objects.filter(verb__startswith="channel."))
    assert [e.verb for e in events].count("channel.update") == 3
    assert {"channel.create", "channel.test", "channel.delete"} <= {e.verb for e in events}
    trail = json.dumps([[e.before, e.after] for e in events])
    for secret in (SECRET, "rotated-secret-abc", SLACK_TOKEN):
        assert secret not in trail
    rotated = next(e for e in events if (e.after or {}).get("secret_changed"))
    assert rotated.after["secret_set"] is True


def test_only_channel_managers_change_channels(user_for, legal):
    social = user_for("social")
    with pytest.raises(PermissionDenied):
        channel_create(actor=social, team=legal, name="M", kind="email", target="a@example.com")
    channel = channel_create(
        actor=user_for("admin"), team=legal, name="M", kind="email", target="a@example.com"
    )
    for call in (
        lambda: channel_update(actor=social, channel=channel, min_risk=1),
        lambda: channel_test(actor=social, channel=channel),
        lambda: channel_delete(actor=social, channel=channel),
    ):
        with pytest.raises(PermissionDenied):
            call()


# --- The outbox ------------------------------------------------------------------------


def test_rows_are_written_in_the_ingest_transaction_and_queued_after_commit(
    legal, sink, queued, django_capture_on_commit_callbacks
):
    channel = webhook(legal, sink.url)
    with django_capture_on_commit_callbacks(execute=True):
        result = ingest([make(1, legal), make(2, legal, risk=95)])
    row = Notification.objects.get()
    assert row.channel == channel
    assert sorted(row.mention_ids) == sorted(result.ids)
    assert row.subject == "2 risky mentions for Legal"
    assert queued == [row.pk]

    def fails_after_ingest():
        with transaction.atomic():
            ingest([make(3, legal)])
            raise RuntimeError("the batch's transaction fails")

    with pytest.raises(RuntimeError):
        fails_after_ingest()
    assert Notification.objects.count() == 1
    assert not Mention.objects.filter(external_id="3").exists()


def test_what_is_routed_decides_who_is_told(admin, legal, queued):
    security = TeamFactory(name="Security")
    low = webhook(legal, "http://127.0.0.1:9/", name="Everything", min_risk=0)
    high = webhook(legal, "http://127.0.0.1:9/", name="Critical", min_risk=80)
    webhook(legal, "http://127.0.0.1:9/", name="Off", enabled=False)
    result = ingest(
        [
            make(1, legal, risk=30),
            make(2, legal, risk=30, notify=True),  # a rule said notify
            make(3, legal, risk=85),
            make(4, security, risk=99),  # another team: none of Legal's channels
            make(5, None, risk=99),  # routed nowhere
        ]
    )
    ids = dict(zip(result.stored, result.ids, strict=True))
    by_channel = {n.channel_id: sorted(n.mention_ids) for n in Notification.objects.all()}
    assert by_channel == {
        low.pk: sorted([ids["x", "1"], ids["x", "2"], ids["x", "3"]]),
        high.pk: sorted([ids["x", "2"], ids["x", "3"]]),
    }


def test_a_storm_of_500_mentions_sends_a_handful_of_digests(
    legal, queued, settings, django_capture_on_commit_callbacks
):
    settings.MONITORING_NOTIFY_MAX_PER_WINDOW = 5
    webhook(legal, "http://127.0.0.1:9/")
    stored_ids = []
    with django_capture_on_commit_callbacks(execute=True):
        for batch in range(25):  # 25 polls of 20 mentions
            stored_ids += ingest([make(batch * 20 + i, legal, risk=70 + i) for i in range(20)]).ids

    rows = list(Notification.objects.order_by("id"))
    assert len(rows) == 5  # the window's allowance; the rest folded into the newest
    assert len(queued) == 5
    assert sum(row.payload["count"] for row in rows) == len(stored_ids) == 500
    digest = rows[-1]
    assert digest.subject == "420 risky mentions for Legal"
    assert digest.payload["count"] == 420
    # The ids the digest lists are bounded: the first ones folded in, not all 420.
    assert digest.mention_ids == stored_ids[80 : 80 + notifications.MENTION_IDS_KEPT]
    assert [i for row in rows[:4] for i in row.mention_ids] == stored_ids[:80]
    assert digest.payload["reasons"] == {"legal": 420}
    top = digest.payload["mentions"]
    assert len(top) == 10
    assert [m["risk_score"] for m in top] == sorted((m["risk_score"] for m in top), reverse=True)
    assert top[0]["risk_score"] == 89


def test_a_digest_stops_rewriting_its_ids_once_it_holds_enough(
    legal, queued, settings, monkeypatch
):
    settings.MONITORING_NOTIFY_MAX_PER_WINDOW = 1
    monkeypatch.setattr(notifications, "MENTION_IDS_KEPT", 5)
    webhook(legal, "http://127.0.0.1:9/")
    ingest([make(1, legal)])  # the window's one row, taken by a worker
    Notification.objects.update(attempts=1)
    first = ingest([make(n, legal) for n in range(2, 5)]).ids  # a digest of 3
    second = ingest([make(n, legal) for n in range(5, 9)]).ids  # 2 of 4 more fit
    digest = Notification.objects.order_by("-id").first()
    assert digest.mention_ids == [*first, *second[:2]]
    assert digest.payload["count"] == 7

    # Full: a further batch changes the count and the subject, never the list.
    with CaptureQueriesContext(connection) as queries:
        ingest([make(n, legal) for n in range(9, 12)])
    digest.refresh_from_db()
    assert digest.mention_ids == [*first, *second[:2]]
    assert digest.payload["count"] == 10
    assert digest.subject == "10 risky mentions for Legal"
    updates = [
        q["sql"] for q in queries if q["sql"].startswith("UPDATE") and "notification" in q["sql"]
    ]
    assert len(updates) == 1
    assert "mention_ids" not in updates[0]
    assert Notification.objects.count() == 2


def test_a_throttled_channel_gets_a_digest_at_the_end_of_its_window(legal, queued, settings):
    settings.MONITORING_NOTIFY_MAX_PER_WINDOW = 2
    webhook(legal, "http://127.0.0.1:9/")
    ingest([make(1, legal)])
    ingest([make(2, legal)])
    # Both taken by a worker: nothing unsent to fold into.
    first = Notification.objects.order_by("id").first()
    Notification.objects.update(attempts=1)

    ingest([make(3, legal)])
    ingest([make(4, legal)])

    delayed = Notification.objects.order_by("-id").first()
    assert Notification.objects.count() == 3
    assert len(delayed.mention_ids) == 2
    assert delayed.subject == "2 risky mentions for Legal"
    assert delayed.next_attempt_at == first.created_at + notifications.WINDOW
    assert delayed.pk not in queued  # the beat sweep sends it when due
    assert delayed.pk not in notifications_due()


def test_notify_team_writes_a_row_per_enabled_channel(
    legal, queued, django_capture_on_commit_callbacks
):
    on = webhook(legal, "http://127.0.0.1:9/", name="On")
    webhook(legal, "http://127.0.0.1:9/", name="Off", enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        rows = notify_team(
            team=legal,
            subject="Spike: 120 negative mentions on Acme stream",
            payload={"event": "spike", "summary": "z=6.1"},
            mention_ids=[7, 8],
        )
    assert [row.channel_id for row in rows] == [on.pk]
    assert rows[0].payload["event"] == "spike"
    assert rows[0].mention_ids == [7, 8]
    assert queued == [rows[0].pk]


# --- Sending --------------------------------------------------------------------------


def test_webhook_is_posted_with_a_valid_hmac_signature(legal, sink):
    channel = webhook(legal, sink.url + "/riskdesk")
    ids = ingest([make(1, legal, text="Lawsuit coming <b>now</b>")]).ids
    row = Notification.objects.get()

    assert notification_send(row.pk) == "sent"

    request = sink.requests[-1]
    assert request.path == "/riskdesk"
    timestamp = request.headers["x-riskdesk-timestamp"]
    assert abs(int(timestamp) - time.time()) < 60
    signed = timestamp.encode() + b"." + request.body
    expected = hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest()
    signature = request.headers["x-riskdesk-signature"]
    assert hmac.compare_digest(signature, f"t={timestamp},v1={expected}")
    assert verify_signature(request.body, signature, SECRET)
    assert request.headers["x-riskdesk-event"] == "mentions.risky"
    body = request.json()
    assert body["mention_ids"] == ids
    assert body["team"] == {"id": legal.pk, "name": "Legal"}
    assert body["payload"]["mentions"][0]["text"] == "Lawsuit coming <b>now</b>"  # data, not HTML
    row.refresh_from_db()
    channel.refresh_from_db()
    assert (row.status, row.attempts, row.sent_at is not None) == ("sent", 1, True)
    assert channel.last_sent_at is not None
    assert channel.consecutive_failures == 0


def test_a_webhook_signature_binds_its_time_so_a_replay_is_refused(legal, sink):
    webhook(legal, sink.url + "/riskdesk")
    ingest([make(1, legal, text="Lawsuit coming")])
    notification_send(Notification.objects.get().pk)
    request = sink.requests[-1]
    signature = request.headers["x-riskdesk-signature"]
    sent = int(request.headers["x-riskdesk-timestamp"])

    assert verify_signature(request.body, signature, SECRET, now=sent + 60)
    assert not verify_signature(request.body, signature, SECRET, now=sent + 3600)  # replayed
    later = f"t={sent + 3600},{signature.split(',', 1)[1]}"  # a fresh time on the old MAC
    assert not verify_signature(request.body, later, SECRET, now=sent + 3600)
    assert not verify_signature(request.body + b" ", signature, SECRET, now=sent)
    assert not verify_signature(request.body, None, SECRET)


def test_slack_text_escapes_hostile_mention_text(admin, legal, sink):
    channel_create(actor=admin, team=legal, name="Slack", kind="slack", target=sink.url + "/slack")
    ingest([make(1, legal, text="<script>alert(1)</script> & <!channel> <https://evil|click>")])
    notification_send(Notification.objects.get().pk)

    text = sink.requests[-1].json()["text"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;!channel&gt;" in text
    assert "<" not in text.replace("&lt;", "")
    assert ">" not in text.replace("&gt;", "")


def test_email_goes_out_as_plain_text(admin, legal):
    channel = channel_create(
        actor=admin, team=legal, name="Mail", kind="email", target="legal@example.com"
    )
    ingest([make(1, legal, text="<img src=x onerror=alert(1)> we will sue")])
    assert notification_send(Notification.objects.get().pk) == "sent"

    (message,) = mail.outbox
    assert message.to == ["legal@example.com"]
    assert message.subject == "Risky mention for Legal: risk 90 from @user1"
    assert "<img src=x onerror=alert(1)> we will sue" in message.body
    assert not message.alternatives  # no HTML part built from hostile text
    channel.refresh_from_db()
    assert channel.last_sent_at is not None


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("failure", ["500", "timeout", "refused"])
def test_a_failing_endpoint_is_retried_later_with_its_error_visible(
    legal, sink, failure, client_for
):
    url = f"http://127.0.0.1:{closed_port()}/" if failure == "refused" else sink.url
    channel = webhook(legal, url)
    if failure == "500":
        sink.inject(Fault(status=500, body="<b>upstream broke</b>", content_type="text/html"))
    elif failure == "timeout":
        sink.inject(Fault(delay=1.0))  # the tests' HTTP timeout is 0.5 s
    result = ingest([make(1, legal)])
    assert result.ids  # ingestion does not wait on the channel
    row = Notification.objects.get()
    before = timezone.now()

    assert notification_send(row.pk) == "pending"

    row.refresh_from_db()
    channel.refresh_from_db()
    assert row.status == "pending"
    assert row.attempts == 1
    assert row.next_attempt_at >= before + timedelta(seconds=14)
    assert row.last_error
    assert channel.last_error == row.last_error
    assert channel.consecutive_failures == 1
    assert channel.last_error_at is not None
    assert notification_send(row.pk) is None  # not due yet

    page = client_for("admin").get("/notifications/channels/").content.decode()
    assert "Failing" in page
    if failure == "500":
        assert "HTTP 500" in row.last_error
        assert "&lt;b&gt;upstream broke&lt;/b&gt;" in page
        assert "<b>upstream" not in page

    # Later the endpoint answers again.
    channel.target = sink.url
    channel.save()
    sink.clear_faults()
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert row.pk in notifications_due()
    assert notification_send(row.pk) == "sent"
    channel.refresh_from_db()
    assert channel.consecutive_failures == 0


def test_backoff_grows_and_gives_up_after_eight_attempts(legal, sink):
    channel = webhook(legal, sink.url)
    sink.inject(Fault(status=503, times=20))
    ingest([make(1, legal)])
    row = Notification.objects.get()
    delays = []
    for _ in range(8):
        Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
        started = timezone.now()
        notification_send(row.pk)
        row.refresh_from_db()
        delays.append((row.next_attempt_at - started).total_seconds())
    assert row.status == "failed"
    assert row.attempts == 8
    assert all(15 <= d <= 3600 for d in delays[:7])
    assert delays[6] > delays[0] * 8
    channel.refresh_from_db()
    assert channel.consecutive_failures == 8
    assert sending.retry_delay(30) <= timedelta(hours=1)


def test_a_permanent_refusal_fails_at_once(legal, sink):
    webhook(legal, sink.url)
    sink.inject(Fault(status=404, body={"error": "no_service"}))
    ingest([make(1, legal)])
    row = Notification.objects.get()
    assert notification_send(row.pk) == "failed"
    row.refresh_from_db()
    assert row.attempts == 1
    assert "HTTP 404" in row.last_error


def test_a_claimed_row_is_sent_once(legal, sink):
    webhook(legal, sink.url)
    ingest([make(1, legal)])
    row = Notification.objects.get()

    assert notification_send(row.pk) == "sent"
    assert notification_send(row.pk) is None  # the task and the beat sweep both ran
    assert len(sink.requests) == 1

    # A row a worker holds (its next attempt pushed forward) is not taken by another.
    ingest([make(2, legal)])
    held = Notification.objects.exclude(pk=row.pk).get()
    Notification.objects.filter(pk=held.pk).update(
        next_attempt_at=timezone.now() + sending.CLAIM, attempts=1
    )
    assert notification_send(held.pk) is None
    assert held.pk not in notifications_due()
    assert len(sink.requests) == 1


def test_rows_of_a_channel_disabled_meanwhile_are_dropped(legal, sink):
    channel = webhook(legal, sink.url)
    ingest([make(1, legal)])
    NotificationChannel.objects.filter(pk=channel.pk).update(enabled=False)
    assert notification_send(Notification.objects.get().pk) == "failed"
    assert not sink.requests


def test_channel_test_reaches_the_sink(
    admin, legal, sink, queued, django_capture_on_commit_callbacks
):
    channel = webhook(legal, sink.url, enabled=False)  # tried before being turned on
    with django_capture_on_commit_callbacks(execute=True):
        row = channel_test(actor=admin, channel=channel)
    assert queued == [row.pk]
    assert notification_send(row.pk) == "sent"
    assert sink.requests[-1].headers["x-riskdesk-event"] == "channel.test"


# --- Pages and API ------------------------------------------------------------------------

READERS = {"social": 200, "manager": 200, "admin": 200}
COLUMNS = ["social", "legal", "hr", "manager", "admin", NO_ROLE]


@pytest.mark.parametrize("role", [*COLUMNS, ANONYMOUS])
def test_who_sees_and_changes_channels_in_the_browser(role, client_for, legal, queued):
    channel = webhook(legal, "https://example.org/hook")
    client = client_for(role)
    expected_read = READERS.get(role, 302 if role == ANONYMOUS else 403)
    manage_get = 200 if role == "admin" else expected_read if role == ANONYMOUS else 403
    manage_post = 302 if role == "admin" else manage_get

    assert client.get("/notifications/channels/").status_code == expected_read
    assert client.get("/notifications/channels/new/").status_code == manage_get
    assert client.get(f"/notifications/channels/{channel.pk}/edit/").status_code == manage_get
    assert client.post(f"/notifications/channels/{channel.pk}/test/").status_code == manage_post
    assert Notification.objects.exists() == (role == "admin")


def test_create_edit_and_delete_through_the_pages(client_for, legal, queued):
    client = client_for("admin")
    form = {
        "team": legal.pk,
        "name": "Legal hook",
        "kind": "webhook",
        "target": "https://example.org/hook",
        "secret": SECRET,
        "min_risk": "60",
        "enabled": "on",
    }
    response = client.post("/notifications/channels/new/", form | {"target": "nope"})
    assert response.status_code == 200
    assert "Enter an http:// or https:// URL." in response.content.decode()

    assert client.post("/notifications/channels/new/", form).status_code == 302
    channel = NotificationChannel.objects.get()
    assert (channel.secret, channel.min_risk) == (SECRET, 60)

    edit = client.get(f"/notifications/channels/{channel.pk}/edit/").content.decode()
    assert SECRET not in edit
    response = client.post(
        f"/notifications/channels/{channel.pk}/edit/", form | {"secret": "", "min_risk": "75"}
    )
    assert response.status_code == 302
    channel.refresh_from_db()
    assert (channel.secret, channel.min_risk) == (SECRET, 75)

    assert client.get(f"/notifications/channels/{channel.pk}/delete/").status_code == 200
    assert client.post(f"/notifications/channels/{channel.pk}/delete/").status_code == 302
    assert not NotificationChannel.objects.exists()


def test_secrets_never_show_in_pages_or_api(admin, client_for, api_client_for, legal):
    hook = channel_create(
        actor=admin,
        team=legal,
        name="Hook",
        kind="webhook",
        target="https://e.org/h",
        secret=SECRET,
    )
    slack = channel_create(
        actor=admin,
        team=legal,
        name="Slack",
        kind="slack",
        target=f"https://hooks.slack.com/services/{SLACK_TOKEN}",
    )
    browser, api = client_for("admin"), api_client_for("admin")
    answers = [
        browser.get("/notifications/channels/"),
        browser.get(f"/notifications/channels/{hook.pk}/edit/"),
        browser.get(f"/notifications/channels/{slack.pk}/edit/"),
        api.get("/api/v1/notification-channels/"),
        api.get(f"/api/v1/notification-channels/{hook.pk}/"),
        browser.get("/audit/"),
    ]
    for answer in answers:
        assert answer.status_code == 200
        body = answer.content.decode()
        assert SECRET not in body
        assert SLACK_TOKEN not in body
    item = api.get(f"/api/v1/notification-channels/{slack.pk}/").json()
    assert item["target"] == "https://hooks.slack.com/…"
    assert "secret" not in item
    assert item["secret_set"] is False


def test_api_round_trip_and_permissions(api_client_for, legal, queued, openapi_schema):  # noqa: F811
    payload = {
        "team": legal.pk,
        "name": "Hook",
        "kind": "webhook",
        "target": "https://example.org/hook",
        "secret": SECRET,
        "min_risk": 80,
    }
    assert (
        api_client_for("social").post("/api/v1/notification-channels/", payload).status_code == 403
    )
    assert api_client_for("legal").get("/api/v1/notification-channels/").status_code == 403
    assert api_client_for("manager").get("/api/v1/notification-channels/").status_code == 200

    api = api_client_for("admin")
    bad = api.post("/api/v1/notification-channels/", payload | {"target": "http://"})
    assert bad.status_code == 400
    assert "target" in bad.json()
    created = api.post("/api/v1/notification-channels/", payload)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert_matches_schema(openapi_schema, "NotificationChannel", body)
    assert body["secret_set"] is True
    assert "secret" not in body
    channel = NotificationChannel.objects.get()
    assert channel.secret == SECRET

    patched = api.patch(f"/api/v1/notification-channels/{body['id']}/", {"enabled": False})
    assert patched.status_code == 200
    assert patched.json()["enabled"] is False
    tested = api.post(f"/api/v1/notification-channels/{body['id']}/test/")
    assert tested.status_code == 202
    assert Notification.objects.filter(pk=tested.json()["notification"]).exists()
    assert api.delete(f"/api/v1/notification-channels/{body['id']}/").status_code == 204


def test_channel_list_query_count_does_not_grow(client_for, legal):
    client = client_for("admin")
    webhook(legal, "https://example.org/1", name="One")
    ingest([make(1, legal)])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/notifications/channels/").status_code == 200
        return len(queries)

    client.get("/notifications/channels/")  # warm: the freeze banner cached, as after a first
    few = count()
    for n in range(2, 8):
        webhook(TeamFactory(), f"https://example.org/{n}", name=f"Hook {n}")
        ingest([make(100 + n, legal)])
    assert count() == few
