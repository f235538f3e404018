"""Meta's webhook endpoint: handshake, signature, stored once, processed by a worker."""

import json

import pytest

from monitoring import services, tasks
from monitoring.models import Mention, StreamError, WebhookDelivery
from tests.connections.factories import ConnectedAccountFactory
from tests.fakes.meta_graph import signed_delivery
from tests.monitoring.factories import StreamFactory

pytestmark = pytest.mark.django_db

APP_SECRET = "meta-app-secret"
VERIFY_TOKEN = "our-verify-token"


@pytest.fixture
def stream():
    credential = ConnectedAccountFactory(
        kind="meta",
        secret={"app_secret": APP_SECRET, "verify_token": VERIFY_TOKEN, "page_access_token": "t"},
    )
    return StreamFactory(connector="meta", credential=credential, query="")


@pytest.fixture
def url(stream):
    return f"/api/v1/webhooks/meta/{stream.webhook_key}/"


def page_comment(comment_id: str, message: str, verb: str = "add") -> dict:
    return {
        "object": "page",
        "entry": [
            {
                "id": "1234567890",
                "time": 1772366400,
                "changes": [
                    {
                        "field": "feed",
                        "value": {
                            "item": "comment",
                            "verb": verb,
                            "comment_id": comment_id,
                            "post_id": "1234567890_111",
                            "parent_id": "1234567890_111",
                            "from": {"id": "987", "name": "Angry Customer"},
                            "created_time": 1772366400,
                            "message": message,
                        },
                    }
                ],
            }
        ],
    }


def post(client, url, payload=None, *, body=None, headers=None, secret=APP_SECRET):
    if body is None:
        body, headers = signed_delivery(payload, secret)
    return client.generic("POST", url, body, content_type="application/json", headers=headers or {})


def test_handshake_answers_the_challenge_only_with_our_token(client, url):
    ok = client.get(
        url,
        {"hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": VERIFY_TOKEN},
    )
    assert (ok.status_code, ok.content) == (200, b"1158201444")
    wrong = client.get(
        url, {"hub.mode": "subscribe", "hub.challenge": "1", "hub.verify_token": "guess"}
    )
    assert wrong.status_code == 403


def test_signed_delivery_is_stored_then_processed_into_mentions(
    client, url, stream, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(
        tasks.process_webhook_delivery,
        "delay",
        lambda delivery_id: tasks.process_webhook_delivery.run(delivery_id),
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, url, page_comment("111_222", "Your product is a scam"))
    assert response.status_code == 200
    mention = Mention.objects.get()
    assert (mention.platform, mention.external_id) == ("facebook", "111_222")
    assert mention.text == "Your product is a scam"
    assert mention.author_name == "Angry Customer"
    assert mention.stream == stream
    assert WebhookDelivery.objects.get().processed_at is not None


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Hub-Signature-256": "sha256=" + "0" * 64},
        {"X-Hub-Signature-256": "sha1=abc"},
        {"X-Hub-Signature-256": "garbage"},
    ],
    ids=["missing", "wrong", "wrong-algorithm", "garbage"],
)
def test_wrong_signature_is_401_and_stores_nothing(client, url, headers):
    body = json.dumps(page_comment("1_2", "hi")).encode()
    response = post(client, url, body=body, headers=headers)
    assert response.status_code == 401
    assert not WebhookDelivery.objects.exists()


def test_tampered_body_fails_the_signature(client, url):
    body, headers = signed_delivery(page_comment("1_2", "hi"), APP_SECRET)
    response = post(client, url, body=body.replace(b"hi", b"ho"), headers=headers)
    assert response.status_code == 401


def test_signature_with_another_apps_secret_fails(client, url):
    assert post(client, url, page_comment("1_2", "hi"), secret="other").status_code == 401


def test_replayed_delivery_is_stored_once(client, url, django_capture_on_commit_callbacks):
    body, headers = signed_delivery(page_comment("1_2", "hi"), APP_SECRET)
    with django_capture_on_commit_callbacks() as callbacks:
        for _ in range(3):
            assert post(client, url, body=body, headers=headers).status_code == 200
    assert WebhookDelivery.objects.count() == 1
    assert len(callbacks) == 1  # one processing queued


def test_same_comment_in_two_deliveries_is_one_mention(stream):
    for payload in (page_comment("1_2", "hi"), page_comment("1_2", "hi", verb="edited")):
        delivery = services.webhook_receive(stream=stream, body=json.dumps(payload).encode())
        services.webhook_process(delivery_id=delivery.pk)
    assert Mention.objects.count() == 1


def test_unknown_stream_is_404(client, stream):
    response = post(client, "/api/v1/webhooks/meta/00000000-0000-0000-0000-000000000000/", {})
    assert response.status_code == 404


def test_signed_garbage_is_accepted_then_recorded_as_a_stream_error(stream):
    body = b'{"object": "page", "entry": [{"id": "1", "changes": [{"field": "fe'
    delivery = services.webhook_receive(stream=stream, body=body)
    services.webhook_process(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.processed_at is not None
    assert delivery.error
    error = StreamError.objects.get(stream=stream)
    assert error.body == body.decode()
    assert not Mention.objects.exists()


def test_a_delivery_is_processed_once_even_if_queued_twice(stream):
    delivery = services.webhook_receive(
        stream=stream, body=json.dumps(page_comment("1_2", "hi")).encode()
    )
    services.webhook_process(delivery_id=delivery.pk)
    services.webhook_process(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert Mention.objects.count() == 1


def test_a_delivery_whose_worker_died_is_taken_again_later(stream):
    import time_machine
    from django.utils import timezone

    delivery = services.webhook_receive(
        stream=stream, body=json.dumps(page_comment("1_2", "hi")).encode()
    )
    assert services.webhook_deliveries_pending() == [delivery.pk]
    # A worker claims it, then dies before storing anything.
    type(delivery).objects.filter(pk=delivery.pk).update(
        attempts=1, next_attempt_at=timezone.now() + services.WEBHOOK_RETRY_AFTER
    )
    assert services.webhook_deliveries_pending() == []
    with time_machine.travel(timezone.now() + services.WEBHOOK_RETRY_AFTER * 2):
        assert services.webhook_deliveries_pending() == [delivery.pk]
        services.webhook_process(delivery_id=delivery.pk)
    assert Mention.objects.count() == 1
