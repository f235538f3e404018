"""The audit trail: written with the change, in its transaction, and never rewritten."""

import json

import pytest
from django.contrib import admin
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError
from django.test import RequestFactory

from accounts import services
from accounts.models import Team, TeamKind
from riskdesk.audit import audit_record
from riskdesk.models import AuditEvent, AuditEventImmutable
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.riskdesk.factories import AuditEventFactory

pytestmark = pytest.mark.django_db


# --- Written with the change -------------------------------------------------


def test_a_service_records_who_did_what_to_which_object(admin_user):
    team = services.team_create(actor=admin_user, name="Crisis cell", kind=TeamKind.PR)

    event = AuditEvent.objects.get(verb="team.create")
    assert event.actor == admin_user
    assert event.actor_label == admin_user.email
    assert event.target_type.model_class() is Team
    assert event.target_id == str(team.pk)
    assert event.target_label == "Crisis cell"
    assert event.before is None
    assert event.after["name"] == "Crisis cell"
    assert event.after["kind"] == "pr"
    assert AuditEvent.objects.for_target(team).get() == event


def test_a_failing_transaction_rolls_back_the_change_and_its_event(admin_user):
    def create_then_fail():
        with transaction.atomic():
            services.team_create(actor=admin_user, name="Doomed team", kind=TeamKind.PR)
            assert AuditEvent.objects.filter(verb="team.create").exists()  # written inside...
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        create_then_fail()

    assert not Team.objects.filter(name="Doomed team").exists()  # ...and gone with the change
    assert not AuditEvent.objects.filter(verb="team.create").exists()


def test_a_refused_change_writes_no_event(social_user):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.team_create(actor=social_user, name="Rogue team", kind=TeamKind.PR)

    assert not Team.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_audit_record_outside_a_transaction_is_refused():
    actor = UserFactory()

    with pytest.raises(RuntimeError, match="inside the change's transaction"):
        audit_record(actor=actor, verb="team.create", target=actor)

    assert not AuditEvent.objects.exists()


def test_the_event_records_the_request_ip_address_and_user_agent(api_client_for):
    client = api_client_for("admin")

    response = client.post(
        "/api/v1/teams/",
        {"name": "Night shift", "kind": "customer_service"},
        REMOTE_ADDR="203.0.113.7",
        HTTP_USER_AGENT="riskdesk-tests/1.0",
        HTTP_X_FORWARDED_FOR="198.51.100.99",  # not trusted without a configured proxy
    )

    assert response.status_code == 201, response.content
    event = AuditEvent.objects.get(verb="team.create")
    assert event.ip_address == "203.0.113.7"
    assert event.user_agent == "riskdesk-tests/1.0"


def test_behind_a_configured_proxy_the_forwarded_address_is_recorded(api_client_for, settings):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    client = api_client_for("admin")

    response = client.post(
        "/api/v1/teams/",
        {"name": "Night shift", "kind": "customer_service"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.50",
    )

    assert response.status_code == 201, response.content
    assert AuditEvent.objects.get(verb="team.create").ip_address == "203.0.113.50"


def test_a_change_outside_a_request_has_no_ip_address(admin_user):
    services.team_create(actor=admin_user, name="Batch team", kind=TeamKind.PR)

    event = AuditEvent.objects.get(verb="team.create")
    assert event.ip_address is None
    assert event.user_agent == ""


# --- Sign-in events ------------------------------------------------------------


def test_a_sign_in_is_recorded(client):
    user = UserFactory(email="ana@example.com")

    response = client.post(
        "/login/",
        {"username": "ana@example.com", "password": DEFAULT_PASSWORD},
        REMOTE_ADDR="192.0.2.44",
    )

    assert response.status_code == 302
    event = AuditEvent.objects.get(verb="auth.login")
    assert event.actor == user
    assert event.ip_address == "192.0.2.44"


def test_a_failed_sign_in_is_recorded_without_the_password(client):
    UserFactory(email="ana@example.com")

    client.post("/login/", {"username": "ana@example.com", "password": "guessed-wrong-1"})

    event = AuditEvent.objects.get(verb="auth.login_failed")
    assert event.actor is None
    assert event.after == {"username": "ana@example.com"}
    assert "guessed-wrong-1" not in json.dumps([event.before, event.after, event.target_label])


def test_a_sign_out_is_recorded(client_for, social_user):
    client = client_for("social")

    response = client.post("/logout/")

    assert response.status_code == 302
    assert AuditEvent.objects.filter(verb="auth.logout", actor=social_user).count() == 1


# --- Immutable -------------------------------------------------------------------


@pytest.fixture
def event():
    return AuditEventFactory(verb="team.update")


def _unchanged(event):
    stored = AuditEvent.objects.get(pk=event.pk)
    return stored.verb == "team.update" and stored.after == {"display_name": "After"}


def test_queryset_update_is_refused(event):
    with pytest.raises(AuditEventImmutable):
        AuditEvent.objects.filter(pk=event.pk).update(verb="tampered")
    assert _unchanged(event)


def test_queryset_delete_is_refused(event):
    with pytest.raises(AuditEventImmutable):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AuditEventImmutable):
        AuditEvent.objects.all().delete()
    assert _unchanged(event)


def test_bulk_update_is_refused(event):
    event.verb = "tampered"
    with pytest.raises(AuditEventImmutable):
        AuditEvent.objects.bulk_update([event], ["verb"])
    assert _unchanged(event)


def test_saving_a_recorded_event_again_is_refused(event):
    event.after = {"display_name": "Rewritten"}
    with pytest.raises(AuditEventImmutable):
        event.save()
    assert _unchanged(event)


def test_deleting_a_recorded_event_is_refused(event):
    with pytest.raises(AuditEventImmutable):
        event.delete()
    assert _unchanged(event)


def test_deleting_the_actor_cannot_cascade_into_the_trail(event):
    with pytest.raises(ProtectedError):
        event.actor.delete()
    assert _unchanged(event)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE riskdesk_auditevent SET verb = 'tampered' WHERE id = %s",
        "DELETE FROM riskdesk_auditevent WHERE id = %s",
    ],
)
def test_postgresql_refuses_raw_sql_changes_to_the_trail(event, statement):
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL only")

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, [event.pk])

    assert _unchanged(event)


# --- Django admin ------------------------------------------------------------------


@pytest.fixture
def superuser():
    return UserFactory(is_staff=True, is_superuser=True)


def test_the_admin_grants_nobody_add_change_or_delete(superuser, event):
    model_admin = admin.site._registry[AuditEvent]
    request = RequestFactory().get("/admin/riskdesk/auditevent/")
    request.user = superuser

    assert model_admin.has_add_permission(request) is False
    assert model_admin.has_change_permission(request, event) is False
    assert model_admin.has_delete_permission(request, event) is False
    assert model_admin.has_view_permission(request, event) is True


def test_the_admin_shows_an_event_read_only(client, superuser, event):
    client.force_login(superuser)

    response = client.get(f"/admin/riskdesk/auditevent/{event.pk}/change/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "team.update" in content
    assert 'name="_save"' not in content
    assert "deletelink" not in content


def test_the_admin_refuses_to_save_delete_or_add_events(client, superuser, event):
    client.force_login(superuser)

    change = client.post(
        f"/admin/riskdesk/auditevent/{event.pk}/change/", {"verb": "tampered", "_save": "Save"}
    )
    delete = client.post(f"/admin/riskdesk/auditevent/{event.pk}/delete/", {"post": "yes"})
    add = client.get("/admin/riskdesk/auditevent/add/")

    assert change.status_code == 403
    assert delete.status_code == 403
    assert add.status_code == 403
    assert _unchanged(event)
