"""The brand accounts inventory: its services, page and API.

Who may see and change which account is checked by the lists' permission matrix
(tests/monitoring/test_lists.py), with the keyword lists and the watchlist.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from offboarding.models import BrandAccount
from offboarding.services import brand_account_create, brand_account_update
from riskdesk.models import AuditEvent
from tests.accounts.factories import TeamFactory
from tests.conftest import NO_ROLE
from tests.monitoring.factories import MentionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def account():
    return BrandAccount.objects.create(platform="x", handle="acme", display_name="Acme")


def test_brand_account_create_strips_the_at_and_audits(admin_user):
    team = TeamFactory()

    account = brand_account_create(
        actor=admin_user, platform="x", handle=" @Acme ", platform_id="123", team=team
    )

    assert account.handle == "Acme"
    event = AuditEvent.objects.get(verb="brand_account.create")
    assert event.after["handle"] == "Acme"
    assert event.after["team"] == team.pk


def test_brand_account_handles_are_unique_per_network_whatever_the_case(admin_user, account):
    with pytest.raises(ValidationError) as caught:
        brand_account_create(actor=admin_user, platform="x", handle="@ACME")
    assert "handle" in caught.value.message_dict
    with pytest.raises(ValidationError):
        brand_account_create(actor=admin_user, platform="x", handle="two words")

    brand_account_create(actor=admin_user, platform="bluesky", handle="acme")  # another network
    assert BrandAccount.objects.count() == 2


def test_brand_account_update_and_deactivation_are_audited(admin_user, account):
    brand_account_update(actor=admin_user, account=account, display_name="Acme Inc.")
    brand_account_update(actor=admin_user, account=account, is_active=False)
    brand_account_update(actor=admin_user, account=account, is_active=False)  # no change

    events = AuditEvent.objects.filter(verb="brand_account.update").order_by("pk")
    assert (events[0].before["display_name"], events[0].after["display_name"]) == (
        "Acme",
        "Acme Inc.",
    )
    assert [e.after["is_active"] for e in events] == [True, False]
    account.refresh_from_db()
    assert account.is_active is False


@pytest.mark.parametrize("role", ["social", "manager", NO_ROLE])
def test_only_brand_account_managers_change_them(user_for, account, role):
    with pytest.raises(PermissionDenied):
        brand_account_create(actor=user_for(role), platform="x", handle="other")
    with pytest.raises(PermissionDenied):
        brand_account_update(actor=user_for(role), account=account, is_active=False)


def test_brand_account_page_explains_and_counts_impostors(client_for, account):
    MentionFactory(impersonates=account)
    MentionFactory(impersonates=account)
    BrandAccount.objects.create(platform="x", handle="<b>acme_support</b>")

    response = client_for("manager").get("/brand-accounts/")

    html = response.content.decode()
    assert "Impersonation detection compares" in html
    assert "@&lt;b&gt;acme_support&lt;/b&gt;" in html
    counts = {a.handle: a.impostor_count for a in response.context["accounts"]}
    assert counts == {"acme": 2, "<b>acme_support</b>": 0}
    assert "New brand account" not in html  # managers only read


def test_brand_account_form_shows_service_errors(client_for, account):
    response = client_for("admin").post(
        "/brand-accounts/new/", {"platform": "x", "handle": "@ACME", "is_active": "on"}
    )

    assert response.status_code == 200
    assert "already has a brand account with this handle" in response.content.decode()


# --- API ---------------------------------------------------------------------------------


def test_api_social_accounts_show_the_impostor_count(api_client_for, account):
    MentionFactory(impersonates=account)

    listed = api_client_for("manager").get("/api/v1/social-accounts/").json()
    created = api_client_for("admin").post(
        "/api/v1/social-accounts/", {"platform": "x", "handle": "@Acme"}, format="json"
    )

    assert listed["results"][0]["impostor_count"] == 1
    assert created.status_code == 400  # same handle, another case
    assert "handle" in created.json()
