"""Only an admin deactivates, re-roles or edits someone with admin rights; HR does not."""

import pytest
from django.core.exceptions import PermissionDenied

from accounts import services
from accounts.models import EmploymentStatus
from riskdesk.models import AuditEvent
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["admin_role", "superuser"])
def an_admin(request):
    return UserFactory(
        email="boss@example.com",
        display_name="Boss",
        roles=["admin"] if request.param == "admin_role" else [],
        is_superuser=request.param == "superuser",
    )


def assert_unchanged(person):
    person.refresh_from_db()
    assert person.is_active
    assert person.employment_status == EmploymentStatus.ACTIVE
    assert person.display_name == "Boss"
    assert not AuditEvent.objects.filter(verb="user.update").exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"employment_status": EmploymentStatus.DEPARTED},
        {"is_active": False},
        {"display_name": "Renamed"},
        {"email": "boss@evil.example"},
        {"roles": []},
    ],
    ids=["depart", "deactivate", "rename", "email", "roles"],
)
def test_hr_cannot_change_an_admin_through_the_service(hr_user, an_admin, changes):
    with pytest.raises(PermissionDenied):
        services.user_update(actor=hr_user, user=an_admin, **changes)

    assert_unchanged(an_admin)


def test_hr_cannot_depart_an_admin_on_the_page(client_for, an_admin):
    client = client_for("hr")

    assert client.get(f"/people/{an_admin.pk}/edit/").status_code == 403
    response = client.post(f"/people/{an_admin.pk}/edit/", {"employment_status": "departed"})

    assert response.status_code == 403
    assert_unchanged(an_admin)
    page = client.get(f"/people/{an_admin.pk}/").content.decode()
    assert f"/people/{an_admin.pk}/edit/" not in page


@pytest.mark.parametrize(
    "body",
    [{"employment_status": "departed"}, {"is_active": False}, {"roles": ["social"]}],
    ids=["depart", "deactivate", "roles"],
)
def test_hr_cannot_change_an_admin_through_the_api(api_client_for, an_admin, body):
    response = api_client_for("hr").patch(f"/api/v1/users/{an_admin.pk}/", body)

    assert response.status_code == 403
    assert "detail" in response.json()
    assert_unchanged(an_admin)


def test_hr_still_records_the_departure_of_anyone_else(api_client_for):
    person = UserFactory(roles=["legal"])

    response = api_client_for("hr").patch(
        f"/api/v1/users/{person.pk}/", {"employment_status": "departed"}
    )

    assert response.status_code == 200
    person.refresh_from_db()
    assert not person.is_active


def test_an_admin_departs_another_admin(admin_user, an_admin):
    services.user_update(
        actor=admin_user, user=an_admin, employment_status=EmploymentStatus.DEPARTED
    )

    an_admin.refresh_from_db()
    assert not an_admin.is_active


def test_hr_cannot_deactivate_an_admin_by_opening_an_offboarding_case(hr_user, an_admin):
    from django.utils import timezone

    from offboarding import services

    with pytest.raises(PermissionDenied):
        services.offboarding_case_open(actor=hr_user, person=an_admin, departure_at=timezone.now())

    an_admin.refresh_from_db()
    assert an_admin.is_active
    assert not an_admin.offboarding_cases.exists()
