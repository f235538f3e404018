"""Offboarding cases: opening ends riskdesk access, tasks cover every access, completion rules."""

import io
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from accounts.models import ApiToken, EmploymentStatus, TeamKind
from accounts.services import api_token_create
from offboarding import services
from offboarding.dashboard import dashboard_card
from offboarding.models import AccessVia, CaseStatus, OffboardingCase, TaskKind, TaskStatus
from riskdesk.models import AuditEvent
from tests.accounts.factories import TeamFactory, TeamMembershipFactory, UserFactory
from tests.conftest import sign_in
from tests.connections.factories import ConnectedAccountFactory
from tests.monitoring.factories import StreamFactory
from tests.offboarding.factories import (
    AccessGrantFactory,
    BrandAccountFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def queued(monkeypatch):
    """Automatic revocations queued after commit, captured instead of sent to the broker."""
    from offboarding import tasks

    runs = []
    monkeypatch.setattr(tasks.revoke_access, "delay", lambda task_id: runs.append(task_id))
    return runs


@pytest.fixture
def leaver(db):
    return UserFactory(display_name="Chloé Garnier", email="chloe@example.com", roles=["social"])


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "PNG")
    return out.getvalue()


def open_case(hr, person, **kwargs):
    kwargs.setdefault("departure_at", timezone.now())
    return services.offboarding_case_open(actor=hr, person=person, **kwargs)


# --- Opening -------------------------------------------------------------------------------------


def test_opening_ends_riskdesk_access_at_once(hr_user, leaver, queued):
    api_token_create(actor=leaver, user=leaver)
    browser = Client()
    sign_in(browser, leaver)
    assert browser.get("/").status_code == 200

    case, created = open_case(hr_user, leaver)

    leaver.refresh_from_db()
    assert created
    assert case.status == CaseStatus.OPEN
    assert leaver.is_active is False
    assert leaver.employment_status == EmploymentStatus.DEPARTED
    assert not leaver.has_usable_password()
    assert not ApiToken.objects.filter(user=leaver).usable().exists()
    assert not [
        s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(leaver.pk)
    ]
    assert browser.get("/").status_code == 302  # back to the sign-in page
    event = AuditEvent.objects.get(verb="offboarding.open")
    assert event.actor == hr_user
    assert event.after["sessions_ended"] == 1
    assert AuditEvent.objects.filter(verb="user.update", target_id=str(leaver.pk)).exists()


def test_deadline_defaults_to_departure_plus_the_window(hr_user, leaver, settings, queued):
    settings.OFFBOARDING_WINDOW_HOURS = 48
    departure = timezone.now() - timedelta(hours=1)

    case, _ = open_case(hr_user, leaver, departure_at=departure)

    assert case.deadline == departure + timedelta(hours=48)


def test_a_deadline_before_the_departure_is_refused_and_nothing_changes(hr_user, leaver):
    now = timezone.now()
    with pytest.raises(ValidationError) as error:
        open_case(hr_user, leaver, departure_at=now, deadline=now - timedelta(hours=1))

    assert "deadline" in error.value.message_dict
    leaver.refresh_from_db()
    assert leaver.is_active
    assert not OffboardingCase.objects.exists()


def test_a_second_case_for_the_same_person_is_the_open_one(hr_user, leaver, queued):
    first, created = open_case(hr_user, leaver)
    again, created_again = open_case(hr_user, leaver)

    assert created
    assert not created_again
    assert again.pk == first.pk
    assert OffboardingCase.objects.count() == 1


def test_tasks_cover_grants_credentials_recovery_and_ownership(hr_user, leaver, queued):
    meta = BrandAccountFactory(
        platform="instagram",
        handle="acme",
        revocation_connection=ConnectedAccountFactory(meta_business=True),
    )
    x = BrandAccountFactory(platform="x", handle="acme", recovery_phone_owner=leaver)
    mastodon = BrandAccountFactory(
        platform="mastodon", handle="acme", credential_location="1Password"
    )
    automatic = AccessGrantFactory(person=leaver, account=meta)
    seat = AccessGrantFactory(person=leaver, account=x, via=AccessVia.TOOL_SEAT, tool="Hootsuite")
    shared = AccessGrantFactory(person=leaver, account=mastodon, via=AccessVia.SHARED_CREDENTIAL)
    AccessGrantFactory(
        person=leaver, account=x, revoked_at=timezone.now(), revocation_method="manual"
    )
    stream = StreamFactory(created_by=leaver)

    case, _ = open_case(hr_user, leaver)

    tasks = {(t.kind, t.grant_id or t.account_id or t.owned_id): t for t in case.tasks.all()}
    assert set(tasks) == {
        (TaskKind.REVOKE, automatic.pk),
        (TaskKind.REVOKE, seat.pk),
        (TaskKind.REVOKE, shared.pk),
        (TaskKind.ROTATE, mastodon.pk),
        (TaskKind.RECOVERY, x.pk),
        (TaskKind.TRANSFER, str(stream.pk)),
        (TaskKind.OTHER, ""),
    }
    assert tasks[(TaskKind.REVOKE, automatic.pk)].automatic is True
    assert tasks[(TaskKind.REVOKE, automatic.pk)].assignee is None
    assert tasks[(TaskKind.REVOKE, seat.pk)].automatic is False
    assert tasks[(TaskKind.REVOKE, seat.pk)].assignee == hr_user
    assert "1Password" in tasks[(TaskKind.ROTATE, mastodon.pk)].title
    assert queued == [tasks[(TaskKind.REVOKE, automatic.pk)].pk] or queued == []


def test_automatic_revocations_are_queued_after_commit(
    hr_user, leaver, queued, django_capture_on_commit_callbacks
):
    account = BrandAccountFactory(
        platform="facebook", revocation_connection=ConnectedAccountFactory(meta_business=True)
    )
    AccessGrantFactory(person=leaver, account=account)

    with django_capture_on_commit_callbacks(execute=True):
        case, _ = open_case(hr_user, leaver)

    assert queued == [case.tasks.get(automatic=True).pk]


def test_a_case_always_asks_someone_to_confirm_nothing_is_missing(hr_user, leaver, queued):
    leaver.manager = UserFactory(display_name="Morgane Dubois")
    leaver.save()

    case, _ = open_case(hr_user, leaver)

    (task,) = case.tasks.all()  # nothing in the inventory: the case still waits for a person
    assert task.kind == TaskKind.OTHER
    assert "Morgane Dubois" in task.title
    assert task.assignee == hr_user
    assert case.status == CaseStatus.OPEN


def test_a_grant_found_while_the_case_is_open_joins_it(hr_user, admin_user, leaver, queued):
    case, _ = open_case(hr_user, leaver)
    grant = AccessGrantFactory(person=leaver)  # found later, in an inventory import say

    services.tasks_for_new_grant(actor=admin_user, grant=grant)

    assert case.tasks.filter(grant=grant, kind=TaskKind.REVOKE).exists()


# --- Permissions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["social", "legal", "manager"])
def test_only_hr_and_security_see_cases(role, client_for, hr_user, leaver, queued):
    case, _ = open_case(hr_user, leaver)
    client = client_for(role)

    assert client.get("/offboarding/").status_code == 403
    assert client.get(f"/offboarding/{case.pk}/").status_code == 403
    assert client_for(role, api=True).get("/api/v1/offboarding-cases/").status_code == 403


def test_security_team_members_see_and_work_cases(hr_user, leaver, queued):
    case, _ = open_case(hr_user, leaver)
    AccessGrantFactory(person=leaver)
    security = UserFactory(roles=["social"])
    TeamMembershipFactory(team=TeamFactory(kind=TeamKind.SECURITY), user=security)
    client = Client()
    sign_in(client, security)

    assert client.get(f"/offboarding/{case.pk}/").status_code == 200
    assert client.get("/offboarding/new/").status_code == 403  # HR opens cases


def test_social_cannot_open_a_case_and_nothing_changes(social_user, leaver):
    with pytest.raises(PermissionDenied):
        services.offboarding_case_open(
            actor=social_user, person=leaver, departure_at=timezone.now()
        )
    leaver.refresh_from_db()
    assert leaver.is_active
    assert not OffboardingCase.objects.exists()


def test_hr_cannot_offboard_themselves(hr_user):
    with pytest.raises(ValidationError):
        open_case(hr_user, hr_user)


# --- Working the tasks ---------------------------------------------------------------------------


@pytest.fixture
def case_with_manual_tasks(hr_user, leaver, queued):
    x = BrandAccountFactory(platform="x", handle="acme")
    mastodon = BrandAccountFactory(platform="mastodon", handle="acme")
    AccessGrantFactory(person=leaver, account=x, via=AccessVia.TOOL_SEAT, tool="Hootsuite")
    AccessGrantFactory(person=leaver, account=mastodon, via=AccessVia.SHARED_CREDENTIAL)
    case, _ = open_case(hr_user, leaver)
    return case


def test_a_manual_task_needs_an_evidence_note(hr_user, case_with_manual_tasks):
    task = case_with_manual_tasks.tasks.filter(kind=TaskKind.REVOKE).first()

    with pytest.raises(ValidationError) as error:
        services.offboarding_task_complete(actor=hr_user, task=task, evidence="  ")

    assert "evidence" in error.value.message_dict
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN
    assert task.grant.is_active


def test_the_case_completes_only_when_every_task_is_done(
    hr_user, case_with_manual_tasks, mailoutbox, django_capture_on_commit_callbacks
):
    case = case_with_manual_tasks
    tasks = list(case.tasks.order_by("pk"))
    assert len(tasks) == 4  # two revocations, the rotation and the final check

    for task in tasks[:-1]:
        services.offboarding_task_complete(
            actor=hr_user, task=task, evidence="Removed in the admin."
        )
        case.refresh_from_db()
        assert case.status == CaseStatus.OPEN
    with django_capture_on_commit_callbacks(execute=True):
        services.offboarding_task_complete(
            actor=hr_user, task=tasks[-1], evidence="Rotated in 1Password."
        )

    case.refresh_from_db()
    assert case.status == CaseStatus.COMPLETED
    assert case.completed_at is not None
    grants = case.person.access_grants.all()
    assert all(not g.is_active and g.revocation_method == "manual" for g in grants)
    assert all(g.revocation_evidence for g in grants)
    rotated = case.tasks.get(kind=TaskKind.ROTATE).account
    assert rotated.credential_rotated_at is not None
    assert AuditEvent.objects.filter(verb="offboarding.complete", target_id=str(case.pk)).exists()
    assert any("complete" in m.subject for m in mailoutbox)


def test_a_done_task_cannot_be_done_twice(hr_user, case_with_manual_tasks):
    task = case_with_manual_tasks.tasks.first()
    services.offboarding_task_complete(actor=hr_user, task=task, evidence="Done.")

    with pytest.raises(ValidationError):
        services.offboarding_task_complete(actor=hr_user, task=task, evidence="Again.")
    assert AuditEvent.objects.filter(verb="offboarding.task_done").count() == 1


def test_screenshot_is_verified_and_served_only_to_case_readers(
    hr_user, case_with_manual_tasks, client_for
):
    task = case_with_manual_tasks.tasks.first()
    fake = SimpleUploadedFile("shot.png", b"<script>alert(1)</script>", content_type="image/png")

    with pytest.raises(ValidationError) as error:
        services.offboarding_task_complete(
            actor=hr_user, task=task, evidence="Done.", screenshot=fake
        )
    assert "screenshot" in error.value.message_dict
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN

    real = SimpleUploadedFile("my-screenshot.png", png_bytes(), content_type="image/png")
    services.offboarding_task_complete(actor=hr_user, task=task, evidence="Done.", screenshot=real)
    task.refresh_from_db()
    assert task.evidence_file.name.startswith("offboarding/")
    assert "my-screenshot" not in task.evidence_file.name  # a random name

    response = client_for("hr").get(f"/offboarding/tasks/{task.pk}/screenshot/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == png_bytes()
    assert client_for("social").get(f"/offboarding/tasks/{task.pk}/screenshot/").status_code == 403


def test_transfer_hands_the_stream_over(hr_user, leaver, manager_user, queued):
    stream = StreamFactory(created_by=leaver)
    case, _ = open_case(hr_user, leaver)
    task = case.tasks.get(kind=TaskKind.TRANSFER)

    with pytest.raises(ValidationError):
        services.offboarding_task_complete(actor=hr_user, task=task)
    with pytest.raises(ValidationError):
        services.offboarding_task_complete(actor=hr_user, task=task, new_owner=leaver)
    services.offboarding_task_complete(actor=hr_user, task=task, new_owner=manager_user)
    check = case.tasks.get(kind=TaskKind.OTHER)
    services.offboarding_task_complete(actor=hr_user, task=check, evidence="Asked the team.")

    stream.refresh_from_db()
    assert stream.created_by == manager_user
    assert AuditEvent.objects.filter(verb="stream.transfer").exists()
    case.refresh_from_db()
    assert case.status == CaseStatus.COMPLETED


def test_assigning_a_task_mails_the_assignee(
    hr_user, admin_user, case_with_manual_tasks, mailoutbox, django_capture_on_commit_callbacks
):
    task = case_with_manual_tasks.tasks.first()
    with django_capture_on_commit_callbacks(execute=True):
        services.offboarding_task_assign(actor=hr_user, task=task, assignee=admin_user)

    task.refresh_from_db()
    assert task.assignee == admin_user
    assert [m.to for m in mailoutbox] == [[admin_user.email]]
    with pytest.raises(ValidationError):
        services.offboarding_task_assign(
            actor=hr_user, task=task, assignee=UserFactory(roles=["legal"])
        )


# --- Pages and API -------------------------------------------------------------------------------


def test_hr_opens_a_case_in_the_browser(client_for, leaver, queued):
    client = client_for("hr")
    response = client.post(
        "/offboarding/new/",
        {
            "person": leaver.pk,
            "departure_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "note": "",
        },
    )
    case = OffboardingCase.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/offboarding/{case.pk}/"

    # The person is no longer in the list; asking again by URL shows the form error.
    again = client.post(
        "/offboarding/new/", {"person": leaver.pk, "departure_at": "2026-01-01T10:00"}
    )
    assert again.status_code == 200
    assert "person" in again.context["form"].errors


def test_opening_twice_through_the_api_answers_the_open_case(api_client_for, leaver, queued):
    api = api_client_for("hr")
    first = api.post(
        "/api/v1/offboarding-cases/",
        {"person": leaver.pk, "departure_at": timezone.now().isoformat()},
    )
    second = api.post(
        "/api/v1/offboarding-cases/",
        {"person": leaver.pk, "departure_at": timezone.now().isoformat()},
    )

    assert first.status_code == 201
    assert second.status_code == 200, second.json()
    assert first.json()["id"] == second.json()["id"]


def test_api_bad_input_is_a_400_with_field_errors(api_client_for, leaver):
    response = api_client_for("hr").post(
        "/api/v1/offboarding-cases/", {"person": leaver.pk, "departure_at": "soon"}
    )

    assert response.status_code == 400
    assert "departure_at" in response.json()
    assert not OffboardingCase.objects.exists()


def test_api_completes_a_task_with_evidence(api_client_for, case_with_manual_tasks):
    task = case_with_manual_tasks.tasks.first()
    api = api_client_for("hr")

    refused = api.post(f"/api/v1/offboarding-tasks/{task.pk}/complete/", {"evidence": ""})
    done = api.post(
        f"/api/v1/offboarding-tasks/{task.pk}/complete/", {"evidence": "Removed the seat."}
    )

    assert refused.status_code == 400
    assert "evidence" in refused.json()
    assert done.status_code == 200
    assert done.json()["status"] == "done"
    assert (
        api_client_for("manager").post(f"/api/v1/offboarding-tasks/{task.pk}/retry/").status_code
        == 403
    )


def test_browser_completion_with_screenshot(client_for, case_with_manual_tasks):
    task = case_with_manual_tasks.tasks.first()
    response = client_for("hr").post(
        f"/offboarding/tasks/{task.pk}/complete/",
        {
            "evidence": "Removed.",
            "screenshot": SimpleUploadedFile("s.png", png_bytes(), "image/png"),
        },
    )
    task.refresh_from_db()
    assert response.status_code == 302
    assert task.status == TaskStatus.DONE
    assert task.evidence_file


def test_a_refused_completion_keeps_the_evidence_typed_in_the_row(
    client_for, case_with_manual_tasks
):
    task = case_with_manual_tasks.tasks.first()
    client = client_for("hr")
    typed = "Removed <her> from Business Settings > People."
    response = client.post(
        f"/offboarding/tasks/{task.pk}/complete/",
        {"evidence": typed, "screenshot": SimpleUploadedFile("s.png", b"not a png", "image/png")},
        follow=True,
    )

    task.refresh_from_db()
    assert task.status != TaskStatus.DONE
    row = response.content.decode().split(f'id="task-{task.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "not a PNG, JPEG, WebP or GIF" in row
    assert "Removed &lt;her&gt; from Business Settings &gt; People.</textarea>" in row
    assert '<details class="task-done" data-task' in row
    assert " open>" in row
    again = client.get(f"/offboarding/{task.case_id}/").content.decode()
    assert "not a PNG" not in again  # shown once


def test_case_list_and_detail_query_counts(
    client_for, hr_user, django_assert_max_num_queries, queued
):
    for _ in range(5):
        person = UserFactory()
        AccessGrantFactory(person=person)
        AccessGrantFactory(person=person, via=AccessVia.SHARED_CREDENTIAL)
        open_case(hr_user, person)
    client = client_for("hr")
    api = client_for("hr", api=True)
    case = OffboardingCase.objects.first()

    with django_assert_max_num_queries(12):
        response = client.get("/offboarding/")
    assert len(response.context["page"].items) == 5
    with django_assert_max_num_queries(16):
        assert client.get(f"/offboarding/{case.pk}/").status_code == 200
    with django_assert_max_num_queries(10):
        assert api.get("/api/v1/offboarding-cases/").status_code == 200


def test_overdue_filter_and_dashboard_card(hr_user, leaver, social_user, client_for, queued):
    AccessGrantFactory(person=leaver)
    late, _ = open_case(hr_user, leaver, departure_at=timezone.now() - timedelta(days=3))
    AccessGrantFactory(person=(other := UserFactory()))
    open_case(hr_user, other)

    overdue = client_for("hr").get("/offboarding/", {"state": "overdue"})
    card = dashboard_card(hr_user)

    assert [c.pk for c in overdue.context["page"].items] == [late.pk]
    assert card["open"] == 2
    assert card["overdue"] == 1
    assert card["cases"][0].pk == late.pk
    assert dashboard_card(social_user) is None
