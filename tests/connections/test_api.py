"""/api/v1/connected-accounts/: secrets write-only, permission-checked, audited; and the
streams and brand accounts that refer to an account by its id."""

import pytest

from connections.models import ConnectedAccount
from riskdesk.models import AuditEvent
from tests.connections.factories import ConnectedAccountFactory
from tests.monitoring.factories import StreamFactory
from tests.offboarding.factories import BrandAccountFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/connected-accounts/"
SECRET = "s3cr3t-bearer-token-value"


@pytest.fixture
def x_account():
    return ConnectedAccountFactory(name="X app", kind="x", secret={"bearer_token": SECRET})


def test_admin_connects_an_account_whose_secret_is_never_returned(api_client_for):
    client = api_client_for("admin")
    response = client.post(
        URL,
        {"name": "X app", "kind": "x", "secret": {"bearer_token": SECRET}, "scopes": ["read"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert SECRET not in response.content.decode()
    body = response.json()
    assert body["secret_fields"] == ["bearer_token"]
    assert "secret" not in body
    assert (body["platform"], body["method"], body["scopes"]) == ("x", "token", ["read"])

    account = ConnectedAccount.objects.get()
    assert account.secret == {"bearer_token": SECRET}
    assert SECRET not in account.secret_encrypted  # encrypted at rest
    for path in (URL, f"{URL}{account.pk}/"):
        assert SECRET not in client.get(path).content.decode()
    event = AuditEvent.objects.get(verb="connected_account.create")
    assert SECRET not in str(event.after)


def test_secret_fields_unknown_to_the_kind_are_refused(api_client_for):
    response = api_client_for("admin").post(
        URL, {"name": "X app", "kind": "x", "secret": {"password": "x"}}, format="json"
    )
    assert response.status_code == 400
    assert "secret" in response.json()
    assert not ConnectedAccount.objects.exists()


def test_a_new_account_needs_its_secret(api_client_for):
    response = api_client_for("admin").post(
        URL, {"name": "Meta", "kind": "meta_business", "business_id": "123456"}, format="json"
    )
    assert response.status_code == 400
    assert "access_token" in str(response.json()["secret"])


def test_rotating_a_secret_keeps_the_other_fields(api_client_for):
    account = ConnectedAccountFactory(
        kind="reddit", secret={"client_id": "id-1", "client_secret": "old"}
    )
    response = api_client_for("admin").patch(
        f"{URL}{account.pk}/", {"secret": {"client_secret": "new", "client_id": ""}}, format="json"
    )
    assert response.status_code == 200, response.content
    account.refresh_from_db()
    assert account.secret == {"client_id": "id-1", "client_secret": "new"}
    event = AuditEvent.objects.get(verb="connected_account.update")
    assert event.after["secret_changed"] == ["client_secret"]
    assert "new" not in str(event.after.values())


def test_the_kind_cannot_change(api_client_for, x_account):
    response = api_client_for("admin").patch(
        f"{URL}{x_account.pk}/", {"kind": "mastodon"}, format="json"
    )
    assert response.status_code == 400
    assert "kind" in response.json()


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        ("admin", 200, 201),
        ("social", 200, 403),
        ("manager", 403, 403),
        ("legal", 403, 403),
        ("hr", 403, 403),
    ],
)
def test_connected_account_permissions(api_client_for, role, read, write):
    client = api_client_for(role)
    assert client.get(URL).status_code == read
    response = client.post(
        URL, {"name": "c", "kind": "x", "secret": {"bearer_token": "t"}}, format="json"
    )
    assert response.status_code == write
    assert ConnectedAccount.objects.exists() == (write == 201)


def test_anonymous_gets_401(api_client):
    assert api_client.get(URL).status_code == 401


def test_an_account_in_use_cannot_be_deleted(api_client_for, x_account):
    StreamFactory(connector="x", credential=x_account)
    revoking = ConnectedAccountFactory(meta_business=True)
    BrandAccountFactory(platform="facebook", revocation_connection=revoking)
    client = api_client_for("admin")

    for account in (x_account, revoking):
        response = client.delete(f"{URL}{account.pk}/")
        assert response.status_code == 400
        assert ConnectedAccount.objects.filter(pk=account.pk).exists()
    unused = ConnectedAccountFactory()
    assert client.delete(f"{URL}{unused.pk}/").status_code == 204
    assert AuditEvent.objects.filter(verb="connected_account.delete").count() == 1


def test_allowed_hosts_are_set_by_who_manages_accounts_only(api_client_for):
    data = {
        "name": "Instance token",
        "kind": "mastodon",
        "secret": {"access_token": "t"},
        "allowed_hosts": ["Social.Example.org"],
    }
    assert api_client_for("social").post(URL, data, format="json").status_code == 403
    response = api_client_for("admin").post(URL, data, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["allowed_hosts"] == ["social.example.org"]
    pk = response.json()["id"]
    bad = api_client_for("admin").patch(
        f"{URL}{pk}/", {"allowed_hosts": ["http://x/"]}, format="json"
    )
    assert bad.status_code == 400
    assert "allowed_hosts" in bad.json()


def test_a_taken_name_is_refused_whatever_its_case(api_client_for, x_account):
    response = api_client_for("admin").post(
        URL, {"name": "x APP", "kind": "x", "secret": {"bearer_token": "t"}}, format="json"
    )
    assert response.status_code == 400
    assert "already exists" in response.json()["name"][0]


def test_who_may_act_and_as_which_brand_account(api_client_for, user_for):
    brand = BrandAccountFactory(platform="mastodon", handle="lumora")
    social = user_for("social")
    response = api_client_for("admin").post(
        URL,
        {
            "name": "Lumora on Mastodon",
            "kind": "mastodon",
            "secret": {"access_token": "t"},
            "brand_account": brand.pk,
            "acting_people": [social.pk],
            "expires_at": "2030-01-01T00:00:00Z",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["brand_account"], body["acting_people"], body["expired"]) == (
        brand.pk,
        [social.pk],
        False,
    )
    x_brand = BrandAccountFactory(platform="x")
    wrong = api_client_for("admin").patch(
        f"{URL}{body['id']}/", {"brand_account": x_brand.pk}, format="json"
    )
    assert wrong.status_code == 400
    assert "brand_account" in wrong.json()


def test_brand_accounts_refer_to_a_meta_business_account_by_id(api_client_for, x_account):
    brand = BrandAccountFactory(platform="instagram")
    revoking = ConnectedAccountFactory(meta_business=True)
    client = api_client_for("admin")

    wrong = client.patch(
        f"/api/v1/social-accounts/{brand.pk}/", {"revocation_connection": x_account.pk}
    )
    right = client.patch(
        f"/api/v1/social-accounts/{brand.pk}/", {"revocation_connection": revoking.pk}
    )

    assert wrong.status_code == 400
    assert "revocation_connection" in wrong.json()
    assert right.status_code == 200, right.content
    assert right.json()["revocation_connection"] == revoking.pk


def test_key_rotation_re_encrypts_secrets(settings, x_account):
    from cryptography.fernet import Fernet

    from riskdesk import crypto

    old_key = settings.RISKDESK_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.RISKDESK_ENCRYPTION_KEYS = [new_key, old_key]
    token = crypto.rotate(x_account.secret_encrypted)
    settings.RISKDESK_ENCRYPTION_KEYS = [new_key]
    assert crypto.decrypt_json(token) == {"bearer_token": SECRET}
    with pytest.raises(crypto.SecretUnreadable):
        crypto.decrypt_json(x_account.secret_encrypted)
