"""Automatic revocation through Meta Business Manager, against a fake Graph API and its faults."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from offboarding import services
from offboarding.models import AccessVia, CaseStatus, RevocationAttempt, TaskKind, TaskStatus
from offboarding.revocation import can_revoke
from riskdesk.models import AuditEvent
from tests.accounts.factories import UserFactory
from tests.connections.factories import ConnectedAccountFactory
from tests.fakes.base import GARBAGE, Fault
from tests.fakes.meta_business import FakeMetaBusiness, graph_error
from tests.offboarding.factories import (
    AccessGrantFactory,
    BrandAccountFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_http(settings):
    settings.MONITORING_HTTP = settings.MONITORING_HTTP | {
        "timeout": 0.5,
        "backoff_base": 0.01,
        "backoff_cap": 0.05,
        "max_wait": 0.2,
    }


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    from offboarding import tasks

    monkeypatch.setattr(tasks.revoke_access, "delay", lambda task_id: None)


@pytest.fixture
def meta():
    with FakeMetaBusiness() as server:
        yield server


@pytest.fixture
def chloe(db):
    return UserFactory(display_name="Chloé Garnier", email="chloe@example.com")


@pytest.fixture
def task(meta, chloe, hr_user):
    """An open case whose Instagram admin grant is revoked through the fake Business Manager."""
    meta.add_user("sam@example.com", "Sam Leroy", "ADMIN")
    meta.add_user("chloe@example.com", "Chloé Garnier", "ADMIN")
    connection = ConnectedAccountFactory(meta_business=True, base_url=meta.url)
    account = BrandAccountFactory(
        platform="instagram", handle="acme", revocation_connection=connection
    )
    AccessGrantFactory(person=chloe, account=account)
    case, _ = services.offboarding_case_open(
        actor=hr_user, person=chloe, departure_at=timezone.now()
    )
    return case.tasks.get(kind=TaskKind.REVOKE)


def run(task):
    outcome = services.offboarding_task_run(task_id=task.pk)
    task.refresh_from_db()
    return outcome


def test_removes_the_business_user_and_keeps_the_answer_as_evidence(meta, task):
    assert task.automatic
    assert run(task) == "done"

    assert task.status == TaskStatus.DONE
    assert task.done_by is None
    assert [u["email"] for u in meta.users.values()] == ["sam@example.com"]
    assert [r["email"] for r in meta.removed] == ["chloe@example.com"]
    delete = [r for r in meta.requests if r.method == "DELETE"]
    assert len(delete) == 1
    assert delete[0].path == f"/v21.0/{meta.removed[0]['id']}"
    assert delete[0].headers["authorization"] == "Bearer system-user-token-ok"
    assert "access_token" not in delete[0].query  # the token stays out of URLs and evidence

    grant = task.grant
    grant.refresh_from_db()
    assert not grant.is_active
    assert grant.revocation_method == "automatic"
    attempt = RevocationAttempt.objects.get(task=task)
    assert attempt.succeeded
    assert attempt.response["outcome"] == "removed"
    removal = attempt.response["exchanges"][-1]
    assert removal["response"] == {"success": True}
    assert "x-business-use-case-usage" in removal["headers"]
    listing = attempt.response["exchanges"][0]
    assert "sam@example.com" not in json.dumps(listing)  # other people's e-mails are not kept
    assert "Removed Chloé Garnier" in task.evidence
    assert '"success": true' in task.evidence
    assert AuditEvent.objects.filter(verb="access_grant.revoke", actor=None).exists()


def test_the_case_completes_once_the_rest_is_done(task, hr_user):
    run(task)
    check = task.case.tasks.get(kind=TaskKind.OTHER)
    services.offboarding_task_complete(actor=hr_user, task=check, evidence="Asked the manager.")

    task.case.refresh_from_db()
    assert task.case.status == CaseStatus.COMPLETED


def test_a_timeout_leaves_the_task_open_and_retried_never_done(meta, task):
    meta.inject(Fault(delay=1.0, times=3, match="/v21.0/"))

    assert run(task) == "transient"

    assert task.status == TaskStatus.RETRYING
    assert task.attempts == 1
    assert task.next_attempt_at > timezone.now()
    assert "did not answer within the timeout" in task.last_error
    assert task.grant.is_active
    assert meta.users  # nobody removed

    # Its time comes: the sweep finds it, and the next try succeeds.
    task.next_attempt_at = timezone.now() - timedelta(seconds=1)
    task.save()
    assert services.offboarding_tasks_due() == [task.pk]
    assert run(task) == "done"
    assert task.attempts == 2


def test_a_lost_answer_is_not_a_second_removal(meta, task):
    """The DELETE went through but its answer timed out: the retry finds nobody to remove."""
    chloe_id = next(i for i, u in meta.users.items() if u["email"] == "chloe@example.com")
    meta.users.pop(chloe_id)

    assert run(task) == "done"
    assert task.grant.revocation_method == "automatic"
    assert "not a member" in task.evidence
    assert not [r for r in meta.requests if r.method == "DELETE"]


def test_a_rate_limit_waits_for_the_time_meta_gives(meta, task):
    status, body = graph_error(17)
    usage = {
        "1029384756473829": [
            {
                "type": "business_management",
                "call_count": 100,
                "estimated_time_to_regain_access": 12,
            }
        ]
    }
    meta.inject(
        Fault(status=status, body=body, headers={"x-business-use-case-usage": json.dumps(usage)})
    )

    assert run(task) == "rate_limited"

    assert task.status == TaskStatus.RETRYING
    wait = task.next_attempt_at - timezone.now()
    assert timedelta(minutes=11) < wait <= timedelta(minutes=12)
    assert "rate limit" in task.last_error.lower()


def test_a_refused_token_fails_visibly_until_someone_fixes_it(
    meta, task, hr_user, mailoutbox, django_capture_on_commit_callbacks
):
    task.account.revocation_connection.secret = {"access_token": "expired"}
    task.account.revocation_connection.save()

    with django_capture_on_commit_callbacks(execute=True):
        assert run(task) == "permanent"

    assert task.status == TaskStatus.FAILED
    assert task.next_attempt_at is None
    assert "refused the connection's token" in task.last_error
    assert "190" in task.last_error
    assert services.offboarding_tasks_due() == []
    assert any("Automatic revocation failed" in m.subject for m in mailoutbox)
    attempt = task.calls.get()
    assert attempt.status_code == 400
    assert attempt.response["exchanges"][0]["response"]["error"]["code"] == 190

    # Fixed: a retry goes through.
    task.account.revocation_connection.secret = {"access_token": "system-user-token-ok"}
    task.account.revocation_connection.save()
    services.offboarding_task_retry(actor=hr_user, task=task)
    assert run(task) == "done"


def test_a_missing_permission_is_permanent(meta, task):
    meta.inject(Fault(*graph_error(200, status=403)))

    assert run(task) == "permanent"
    assert "business_management" in task.last_error


def test_server_errors_are_retried_within_the_call(meta, task):
    meta.inject(Fault(status=503, body={"error": {"message": "down", "code": 2}}))

    assert run(task) == "done"
    assert task.attempts == 1


def test_a_malformed_answer_is_retried_later(meta, task):
    meta.inject(Fault(status=200, body=GARBAGE, match="business_users"))

    assert run(task) == "transient"
    assert task.status == TaskStatus.RETRYING
    assert task.grant.is_active


def test_a_claimed_task_is_not_run_twice(task):
    task.claimed_until = timezone.now() + timedelta(minutes=1)
    task.save()

    assert run(task) is None
    assert not task.calls.exists()


def test_done_by_hand_instead(meta, task, hr_user):
    meta.inject(Fault(status=503, times=10))
    run(task)

    services.offboarding_task_complete(
        actor=hr_user, task=task, evidence="Removed in Business Settings > People."
    )

    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert task.grant.revocation_method == "manual"
    assert run(task) is None  # a done task is never run again


def test_what_a_connector_can_revoke(meta):
    connection = ConnectedAccountFactory(meta_business=True, base_url=meta.url)
    instagram = BrandAccountFactory(platform="instagram", revocation_connection=connection)

    assert can_revoke(AccessGrantFactory(account=instagram))
    assert not can_revoke(AccessGrantFactory(account=instagram, via=AccessVia.SHARED_CREDENTIAL))
    assert not can_revoke(AccessGrantFactory(account=BrandAccountFactory(platform="facebook")))


def test_the_business_user_id_as_login_skips_the_lookup(meta, task):
    chloe_id = next(i for i, u in meta.users.items() if u["email"] == "chloe@example.com")
    task.grant.external_login = chloe_id
    task.grant.save()

    assert run(task) == "done"
    assert [r.method for r in meta.requests] == ["DELETE"]


def test_the_person_is_found_on_a_later_page(meta, task):
    for n in range(120):
        meta.add_user(f"person{n}@example.com")
    chloe_id = next(i for i, u in meta.users.items() if u["email"] == "chloe@example.com")
    meta.users[chloe_id] = meta.users.pop(chloe_id) | {"id": "9" * 16}
    meta.users["9" * 16] = meta.users.pop(chloe_id)

    assert run(task) == "done"
    lists = [r for r in meta.requests if r.method == "GET"]
    assert len(lists) == 2
    assert lists[1].arg("after")


def test_the_token_never_follows_a_redirect_to_another_host(meta, task):
    """The connection's address (set by an admin) may get the token; a redirect from it to
    any other host is refused before it is made, and the token goes nowhere else."""
    meta.inject(
        Fault(
            status=307,
            headers={"Location": "http://169.254.169.254/latest/meta-data/"},
            match="business_users",
        )
    )

    assert run(task) == "permanent"
    assert "redirect to a non-public address refused" in task.last_error
    assert task.grant.is_active


def test_the_revoker_sends_the_token_only_to_graph_and_the_connection_host(meta, task):
    from offboarding.revocation.meta_business import MetaBusinessRevoker

    connection = task.grant.account.revocation_connection
    revoker = MetaBusinessRevoker(connection, client=None)
    assert revoker.allowed_hosts == {"graph.facebook.com", "127.0.0.1"}
