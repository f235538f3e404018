"""Access grants: the inventory, its CSV import, the API, the access review and its notices."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import EmploymentStatus, TeamKind
from offboarding import selectors, services
from offboarding.models import AccessFinding, AccessGrant, AccessVia
from riskdesk.models import AuditEvent
from tests.accounts.factories import TeamFactory, TeamMembershipFactory, UserFactory
from tests.offboarding.factories import AccessGrantFactory, BrandAccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts(db):
    team = TeamFactory(name="Social")
    return {
        "ig": BrandAccountFactory(platform="instagram", handle="acme", team=team),
        "x": BrandAccountFactory(platform="x", handle="acme", team=team),
    }


@pytest.fixture
def sam(db):
    return UserFactory(email="sam@example.com", display_name="Sam Leroy")


def test_admin_records_access_with_an_audit_event(admin_user, sam, accounts):
    grant = services.access_grant_create(
        actor=admin_user, person=sam, account=accounts["ig"], level="admin", via="native_role"
    )

    assert grant.granted_by == admin_user
    assert grant.is_active
    event = AuditEvent.objects.get(verb="access_grant.create")
    assert event.actor == admin_user
    assert event.after["level"] == "admin"


def test_hr_records_imports_and_revokes_access_of_employees(client_for, user_for, sam, accounts):
    """HR runs offboarding, so it keeps the access inventory (README's roles table)."""
    hr = user_for("hr")
    client = client_for("hr")

    assert client.get("/access-grants/new/").status_code == 200
    response = client.post(
        "/access-grants/new/",
        {"person": sam.pk, "account": accounts["ig"].pk, "level": "editor", "via": "tool_seat"},
    )
    assert response.status_code == 302
    grant = AccessGrant.objects.get(person=sam, account=accounts["ig"], via="tool_seat")
    assert grant.granted_by == hr
    assert AuditEvent.objects.get(verb="access_grant.create").actor == hr

    upload = SimpleUploadedFile("inventory.csv", CSV.encode(), content_type="text/csv")
    response = client.post("/access-grants/import/", {"file": upload, "mode": "keep_good"})
    assert b"2 grants imported" in response.content

    services.access_grant_revoke(actor=hr, grant=grant, evidence="Removed in Meta Business.")
    grant.refresh_from_db()
    assert not grant.is_active


def test_hr_still_cannot_change_the_brand_accounts(client_for, user_for, accounts):
    hr = user_for("hr")

    assert client_for("hr").get("/brand-accounts/new/").status_code == 403
    assert client_for("hr").get(f"/brand-accounts/{accounts['x'].pk}/edit/").status_code == 403
    with pytest.raises(PermissionDenied):
        services.brand_account_update(actor=hr, account=accounts["x"], handle="other")


def test_the_same_active_access_is_not_recorded_twice(admin_user, sam, accounts):
    AccessGrantFactory(person=sam, account=accounts["ig"])

    with pytest.raises(ValidationError) as error:
        services.access_grant_create(
            actor=admin_user, person=sam, account=accounts["ig"], level="editor", via="native_role"
        )
    assert "account" in error.value.message_dict
    assert AccessGrant.objects.count() == 1


@pytest.mark.parametrize("role", ["social", "manager", "legal"])
def test_only_admins_hr_and_security_record_access(role, user_for, sam, accounts):
    with pytest.raises(PermissionDenied):
        services.access_grant_create(
            actor=user_for(role), person=sam, account=accounts["x"], level="admin", via="tool_seat"
        )


def test_a_security_team_member_manages_access(sam, accounts):
    security = UserFactory()
    TeamMembershipFactory(team=TeamFactory(kind=TeamKind.SECURITY), user=security)

    grant = services.access_grant_create(
        actor=security,
        person=sam,
        account=accounts["x"],
        level="editor",
        via="tool_seat",
        tool="Hootsuite",
    )
    assert grant.tool == "Hootsuite"


def test_revoking_by_hand_needs_evidence(admin_user, sam, accounts):
    grant = AccessGrantFactory(person=sam, account=accounts["x"])

    with pytest.raises(ValidationError):
        services.access_grant_revoke(actor=admin_user, grant=grant, evidence="")
    services.access_grant_revoke(actor=admin_user, grant=grant, evidence="Removed in X settings.")

    grant.refresh_from_db()
    assert not grant.is_active
    assert grant.revoked_by == admin_user
    assert grant.revocation_method == "manual"
    assert grant.revocation_evidence == "Removed in X settings."
    with pytest.raises(ValidationError):
        services.access_grant_revoke(actor=admin_user, grant=grant, evidence="again")


# --- CSV import ----------------------------------------------------------------------------------

CSV = """person_email,network,handle,level,via,tool,external_login,granted_at,note
sam@example.com,instagram,@acme,admin,native_role,,sam.l@example.com,2024-03-01,
sam@example.com,x,acme,editor,Management tool seat,Hootsuite,,2023-11-15,Team seat
nobody@example.com,x,acme,admin,tool_seat,,,,
sam@example.com,myspace,acme,admin,native_role,,,,
sam@example.com,x,unknown,admin,native_role,,,,
sam@example.com,x,acme,boss,telepathy,,,yesterday,
sam@example.com,instagram,acme,admin,native_role,,,,
"""


def test_import_keeps_good_rows_and_lists_bad_ones(admin_user, sam, accounts):
    result = services.access_grants_import(actor=admin_user, data=CSV.encode())

    assert result.applied
    assert [(g.account.platform, g.level, g.via) for g in result.created] == [
        ("instagram", "admin", "native_role"),
        ("x", "editor", "tool_seat"),
    ]
    assert result.created[0].external_login == "sam.l@example.com"
    assert result.created[0].granted_at.date().isoformat() == "2024-03-01"
    assert result.duplicates == [8]  # the same Instagram access again, in the same file
    errors = dict(result.errors)
    assert sorted(errors) == [4, 5, 6, 7]
    assert "nobody in riskdesk" in errors[4][0]
    assert "unknown network" in errors[5][0]
    assert "no brand account @unknown" in errors[6][0]
    assert len(errors[7]) == 3  # level, via and date: every reason at once, not the first
    assert AccessGrant.objects.count() == 2
    assert AuditEvent.objects.filter(verb="access_grant.import").count() == 1


def test_import_all_or_nothing_imports_nothing_when_a_row_is_bad(admin_user, sam, accounts):
    result = services.access_grants_import(actor=admin_user, data=CSV, all_or_nothing=True)

    assert not result.applied
    assert result.created == []
    assert len(result.errors) == 4
    assert not AccessGrant.objects.exists()
    assert not AuditEvent.objects.filter(verb__startswith="access_grant").exists()


def test_importing_the_same_file_twice_creates_nothing_the_second_time(admin_user, sam, accounts):
    services.access_grants_import(actor=admin_user, data=CSV)
    again = services.access_grants_import(actor=admin_user, data=CSV)

    assert again.created == []
    assert again.duplicates == [2, 3, 8]
    assert AccessGrant.objects.count() == 2


@pytest.mark.parametrize(
    "data",
    [b"", b"\xff\xfe\x00bad", "name,email\nx,y\n", "person_email,network,handle,level,via\n"],
)
def test_unreadable_files_are_refused_whole(admin_user, data):
    with pytest.raises(ValidationError) as error:
        services.access_grants_import(actor=admin_user, data=data)
    assert "file" in error.value.message_dict


def test_semicolons_and_a_byte_order_mark(admin_user, sam, accounts):
    data = "\ufeffperson_email;network;handle;level;via\nsam@example.com;x;acme;admin;api_token\n"
    result = services.access_grants_import(actor=admin_user, data=data.encode())
    assert [g.via for g in result.created] == [AccessVia.API_TOKEN]


def test_import_page_shows_the_bad_lines(client_for, sam, accounts):
    upload = SimpleUploadedFile("inventory.csv", CSV.encode(), content_type="text/csv")
    response = client_for("admin").post(
        "/access-grants/import/", {"file": upload, "mode": "keep_good"}
    )

    assert response.status_code == 200
    assert b"2 grants imported" in response.content
    assert b"nobody in riskdesk has the e-mail nobody@example.com" in response.content


def test_import_api(api_client_for, sam, accounts):
    response = api_client_for("admin").post(
        "/api/v1/access-grants/import/", {"csv": CSV, "all_or_nothing": False}, format="json"
    )
    body = response.json()
    assert response.status_code == 200
    assert body["applied"]
    assert len(body["ids"]) == 2
    assert [e["line"] for e in body["errors"]] == [4, 5, 6, 7]
    assert (
        api_client_for("manager").post("/api/v1/access-grants/import/", {"csv": CSV}).status_code
        == 403
    )


# --- Pages and API -------------------------------------------------------------------------------


def test_grant_list_query_count_and_filters(client_for, accounts, django_assert_max_num_queries):
    for n in range(6):
        AccessGrantFactory(account=accounts["x" if n % 2 else "ig"], granted_by=UserFactory())
    AccessGrantFactory(account=accounts["x"], revoked_at=timezone.now(), revocation_method="manual")
    client = client_for("hr")

    with django_assert_max_num_queries(10):
        response = client.get("/access-grants/")
    assert len(response.context["page"].items) == 7
    active_x = client.get("/access-grants/", {"account": accounts["x"].pk, "state": "active"})
    assert len(active_x.context["page"].items) == 3
    assert client_for("social").get("/access-grants/").status_code == 403


def test_grant_api_round_trip(api_client_for, sam, accounts):
    api = api_client_for("admin")
    created = api.post(
        "/api/v1/access-grants/",
        {
            "person": sam.pk,
            "account": accounts["x"].pk,
            "level": "editor",
            "via": "tool_seat",
            "tool": "Sprout",
        },
    )
    assert created.status_code == 201, created.json()
    grant_id = created.json()["id"]

    bad = api.post(
        "/api/v1/access-grants/",
        {"person": sam.pk, "account": accounts["x"].pk, "level": "god", "via": "x"},
    )
    assert bad.status_code == 400
    assert {"level", "via"} <= set(bad.json())
    moved = api.patch(f"/api/v1/access-grants/{grant_id}/", {"account": accounts["ig"].pk})
    assert moved.status_code == 400
    revoked = api.post(f"/api/v1/access-grants/{grant_id}/revoke/", {"evidence": "Seat removed."})
    assert revoked.status_code == 200
    assert revoked.json()["is_active"] is False
    listed = api_client_for("hr").get("/api/v1/access-grants/", {"state": "revoked"}).json()
    assert [g["id"] for g in listed["results"]] == [grant_id]


def test_brand_accounts_api_shows_access_details_to_security_only(api_client_for, accounts, sam):
    accounts["x"].recovery_phone_owner = sam
    accounts["x"].save()

    admin = api_client_for("admin").get(f"/api/v1/social-accounts/{accounts['x'].pk}/").json()
    social = api_client_for("social").get(f"/api/v1/social-accounts/{accounts['x'].pk}/").json()

    assert admin["recovery_phone_owner"] == sam.pk
    assert "mfa_enabled" in admin
    assert "recovery_phone_owner" not in social
    assert "mfa_enabled" not in social
    changed = api_client_for("admin").patch(
        f"/api/v1/social-accounts/{accounts['x'].pk}/",
        {
            "access_method": "shared_credential",
            "mfa_enabled": False,
            "credential_location": "1Password",
        },
    )
    assert changed.status_code == 200
    assert changed.json()["access_method"] == "shared_credential"


# --- Access review -------------------------------------------------------------------------------


@pytest.fixture
def risky(accounts, sam):
    departed = UserFactory(
        display_name="Jules Moreau",
        employment_status=EmploymentStatus.DEPARTED,
        departed_at=timezone.now(),
        is_active=False,
    )
    AccessGrantFactory(person=departed, account=accounts["x"], level="editor", via="tool_seat")
    AccessGrantFactory(person=sam, account=accounts["ig"])  # the only admin
    accounts["x"].mfa_enabled = False
    accounts["x"].save()
    shared = BrandAccountFactory(
        platform="mastodon",
        handle="acme",
        access_method="shared_credential",
        credential_rotated_at=timezone.now() - timedelta(days=120),
    )
    return {"departed": departed, "shared": shared}


def test_access_review_finds_the_risks(risky, accounts):
    codes = {(f.code, f.account.pk) for f in selectors.access_review()}

    assert codes == {
        ("departed_access", accounts["x"].pk),
        ("no_mfa", accounts["x"].pk),
        ("single_admin", accounts["ig"].pk),
        ("stale_credential", risky["shared"].pk),
        ("no_owner", risky["shared"].pk),
    }


def test_access_review_page_and_csv(client_for, risky):
    page = client_for("hr").get("/access-review/")
    csv_response = client_for("hr").get("/access-review/", {"format": "csv"})

    assert b"Jules Moreau" in page.content
    assert csv_response["Content-Type"] == "text/csv"
    lines = csv_response.content.decode().splitlines()
    assert lines[0] == "code,finding,network,handle,person,detail"
    assert len(lines) == 6
    assert client_for("social").get("/access-review/").status_code == 403


def test_security_hears_of_each_finding_once(risky, mailoutbox, django_capture_on_commit_callbacks):
    security = UserFactory(email="security@example.com")
    TeamMembershipFactory(team=TeamFactory(kind=TeamKind.SECURITY), user=security)

    with django_capture_on_commit_callbacks(execute=True):
        first = services.access_review_notify()
    with django_capture_on_commit_callbacks(execute=True):
        second = services.access_review_notify()

    assert len(first) == 5
    assert second == []
    assert [m.to for m in mailoutbox] == [["security@example.com"]]
    assert "5 new finding" in mailoutbox[0].subject

    risky["shared"].credential_rotated_at = timezone.now()  # fixed: resolved, not reported
    risky["shared"].save()
    assert services.access_review_notify() == []
    assert AccessFinding.objects.filter(code="stale_credential", resolved_at__isnull=False).exists()
