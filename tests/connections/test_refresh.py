"""Keeping signed-in tokens fresh: the refresh per network over HTTP to the fakes, a refused
refresh kept in last_error and audited, the beat sweep's choice, and "Refresh now"."""

from datetime import timedelta

import pytest
from django.utils import timezone

from connections import services
from connections.models import ConnectedAccount
from riskdesk.models import AuditEvent
from tests.connections.factories import ConnectedAccountFactory
from tests.connections.signin import approve, callback, start

pytestmark = pytest.mark.django_db


def connected(admin, fake) -> ConnectedAccount:
    _, params = start(admin, fake.kind, fake.url)
    assert callback(admin, code=approve(fake, params), state=params["state"]).status_code == 302
    return ConnectedAccount.objects.get()


@pytest.fixture
def admin(client_for):
    return client_for("admin")


@pytest.mark.parametrize("fake", ["x", "youtube", "reddit", "facebook"], indirect=True)
def test_refresh_gets_a_new_token(fake, admin):
    account = connected(admin, fake)
    old = account.secret
    ConnectedAccount.objects.filter(pk=account.pk).update(expires_at=timezone.now())
    account = services.connected_account_refresh(account)
    assert account.last_error == ""
    assert account.refreshed_at is not None
    assert account.expires_at > timezone.now() + timedelta(minutes=30)
    secret = account.secret
    if fake.kind == "facebook":
        assert secret["user_access_token"] != old["user_access_token"]
        assert secret["access_token"] == old["access_token"]  # the Page token stays
    else:
        assert secret["access_token"] != old["access_token"]
        assert secret["refresh_token"]
    if fake.kind == "youtube":
        assert secret["refresh_token"] == old["refresh_token"]  # Google keeps it
    event = AuditEvent.objects.get(verb="connected_account.refresh")
    assert event.actor is None
    assert secret["access_token"] not in str(event.after)


@pytest.mark.parametrize("fake", ["x", "youtube"], indirect=True)
def test_refused_refresh_kept_and_audited(fake, admin):
    account = connected(admin, fake)
    fake.refreshes.clear()  # revoked on the network
    expires = account.expires_at
    account = services.connected_account_refresh(account)
    assert "invalid_grant" in account.last_error
    assert account.last_error_at is not None
    assert account.expires_at == expires
    assert AuditEvent.objects.filter(verb="connected_account.refresh_failed").count() == 1
    page = admin.get("/connections/").content.decode()
    assert "Refresh failed" in page
    assert "invalid_grant" in page


@pytest.mark.parametrize("fake", ["x"], indirect=True)
def test_refresh_now_button(fake, admin, client_for):
    account = connected(admin, fake)
    assert "Refresh now" in admin.get("/connections/").content.decode()
    url = f"/connections/{account.pk}/refresh/"
    assert client_for("social").post(url).status_code == 403
    assert admin.get(url).status_code == 405
    assert admin.post(url).status_code == 302
    account.refresh_from_db()
    assert account.refreshed_at is not None
    event = AuditEvent.objects.get(verb="connected_account.refresh")
    assert event.actor.email == "admin@example.com"


def test_sweep_picks_only_those_expiring_soon(monkeypatch):
    now = timezone.now()
    soon = ConnectedAccountFactory(kind="x", method="oauth", expires_at=now + timedelta(minutes=10))
    gone = ConnectedAccountFactory(kind="youtube", method="oauth", expires_at=now - timedelta(1))
    ConnectedAccountFactory(kind="x", method="oauth", expires_at=now + timedelta(hours=1))
    ConnectedAccountFactory(kind="x", method="token", expires_at=now + timedelta(minutes=5))
    ConnectedAccountFactory(kind="mastodon", method="oauth", expires_at=None)
    queued = []
    monkeypatch.setattr(
        services, "enqueue_on_commit", lambda name, *calls: queued.append((name, calls))
    )
    assert sorted(services.connected_accounts_refresh_due()) == sorted([soon.pk, gone.pk])
    assert queued[0][0] == "connections.tasks.refresh_connected_account"
    assert sorted(queued[0][1]) == sorted([(soon.pk,), (gone.pk,)])


def test_beat_schedule_has_the_sweep(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["refresh-connected-accounts"]
    assert entry["task"] == "connections.tasks.refresh_due_connected_accounts"
    assert entry["schedule"] == 300.0


def test_mastodon_token_is_not_refreshed(admin):
    account = ConnectedAccountFactory(kind="mastodon", method="oauth", secret={"access_token": "t"})
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.connected_account_refresh(account)


@pytest.mark.parametrize("fake", ["reddit"], indirect=True)
def test_task_refreshes_through_the_service(fake, admin):
    from connections.tasks import refresh_connected_account

    account = connected(admin, fake)
    refresh_connected_account(account.pk)
    account.refresh_from_db()
    assert account.refreshed_at is not None
    assert account.last_error == ""
    refresh_connected_account(account.pk + 1000)  # gone since: nothing to do


@pytest.mark.parametrize("fake", ["x"], indirect=True)
def test_tokens_never_shown(fake, admin):
    account = connected(admin, fake)
    secret = account.secret
    for url in ("/connections/", f"/connections/{account.pk}/edit/"):
        page = admin.get(url).content.decode()
        assert secret["access_token"] not in page
        assert secret["refresh_token"] not in page
