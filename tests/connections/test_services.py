"""connections.services: one save for every kind of account, checked and audited; and who
may act as an account (`connected_account.act`)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from connections.services import connected_account_delete, connected_account_save
from monitoring.models import StreamStatus
from riskdesk.models import AuditEvent
from riskdesk.permissions import can
from tests.accounts.factories import TeamFactory, TeamMembershipFactory
from tests.connections.factories import ConnectedAccountFactory
from tests.monitoring.factories import StreamFactory
from tests.offboarding.factories import BrandAccountFactory

pytestmark = pytest.mark.django_db


def _save(actor, **fields):
    fields.setdefault("secrets", {"access_token": "t0k3n"})
    return connected_account_save(actor=actor, **{"name": "Ours", "kind": "mastodon"} | fields)


def test_the_social_team_may_not_connect_nor_change_an_account(social_user):
    account = ConnectedAccountFactory(kind="mastodon", secret={"access_token": "old"})

    with pytest.raises(PermissionDenied):
        _save(social_user)
    with pytest.raises(PermissionDenied):
        connected_account_save(actor=social_user, account=account, secrets={"access_token": "x"})
    with pytest.raises(PermissionDenied):
        connected_account_delete(actor=social_user, account=account)

    account.refresh_from_db()
    assert account.secret == {"access_token": "old"}
    assert not AuditEvent.objects.exists()


def test_connecting_and_changing_are_audited_without_the_secret(admin_user):
    account = _save(admin_user, scopes=["read", " read ", "write"], allowed_hosts=["A.example"])
    connected_account_save(actor=admin_user, account=account, name="Ours again")

    created, updated = AuditEvent.objects.order_by("pk")
    assert (created.verb, created.actor, created.before) == (
        "connected_account.create",
        admin_user,
        None,
    )
    assert created.after["secret_fields"] == ["access_token"]
    assert created.after["secret_changed"] == ["access_token"]
    assert created.after["scopes"] == ["read", "write"]
    assert created.after["allowed_hosts"] == ["a.example"]
    assert "t0k3n" not in str(created.after)
    assert updated.verb == "connected_account.update"
    assert (updated.before["name"], updated.after["name"]) == ("Ours", "Ours again")
    assert updated.after["secret_changed"] == []


def test_an_unchanged_save_writes_no_event(admin_user):
    account = _save(admin_user)

    connected_account_save(actor=admin_user, account=account, name="Ours", secrets={})

    assert AuditEvent.objects.count() == 1


def test_empty_secret_values_keep_the_stored_ones(admin_user):
    account = ConnectedAccountFactory(
        kind="reddit", secret={"client_id": "id-1", "client_secret": "old"}
    )
    rotated = account.rotated_at

    connected_account_save(
        actor=admin_user, account=account, secrets={"client_id": "", "client_secret": "  "}
    )
    account.refresh_from_db()
    assert account.secret == {"client_id": "id-1", "client_secret": "old"}
    assert account.rotated_at == rotated

    connected_account_save(actor=admin_user, account=account, secrets={"client_secret": "new"})
    account.refresh_from_db()
    assert account.secret == {"client_id": "id-1", "client_secret": "new"}
    assert account.rotated_at > rotated


def test_the_name_is_unique_whatever_its_case(admin_user):
    ConnectedAccountFactory(name="Lumora on Mastodon")

    with pytest.raises(ValidationError) as refused:
        _save(admin_user, name="LUMORA ON MASTODON")

    assert "already exists" in refused.value.message_dict["name"][0]


def test_the_kind_is_fixed_and_its_secret_fields_only(admin_user):
    account = ConnectedAccountFactory(kind="x")

    with pytest.raises(ValidationError) as kind:
        connected_account_save(actor=admin_user, account=account, kind="mastodon")
    with pytest.raises(ValidationError) as field:
        _save(admin_user, secrets={"password": "x"})
    with pytest.raises(ValidationError) as no_secret:
        _save(admin_user, name="RSS", kind="rss", secrets={})

    assert "cannot change kind" in kind.value.message_dict["kind"][0]
    assert "password" in field.value.message_dict["secret"][0]
    assert "needs no connected account" in no_secret.value.message_dict["kind"][0]


def test_a_meta_business_account_needs_its_token_and_business_id(admin_user):
    with pytest.raises(ValidationError) as refused:
        connected_account_save(
            actor=admin_user,
            name="Meta",
            kind="meta_business",
            business_id="not a number",
            secrets={"app_secret": "s"},
        )
    assert set(refused.value.message_dict) == {"business_id"}

    with pytest.raises(ValidationError) as no_token:
        connected_account_save(
            actor=admin_user,
            name="Meta",
            kind="meta_business",
            business_id="1029384756",
            secrets={"app_secret": "s"},
        )
    assert "access_token" in no_token.value.message_dict["secret"][0]

    account = connected_account_save(
        actor=admin_user,
        name="Meta",
        kind="meta_business",
        business_id="1029384756",
        secrets={"access_token": "t", "app_secret": "s"},
    )
    assert (account.platform, account.secret_fields) == ("facebook", ["access_token", "app_secret"])


def test_an_account_acts_only_as_a_brand_account_of_its_network(admin_user):
    instagram = BrandAccountFactory(platform="instagram")

    with pytest.raises(ValidationError) as refused:
        _save(admin_user, brand_account=instagram)
    account = _save(
        admin_user,
        name="Meta page",
        kind="meta",
        brand_account=instagram,
        secrets={"page_access_token": "p"},
    )

    assert "cannot act as it" in refused.value.message_dict["brand_account"][0]
    assert account.brand_account == instagram  # a Meta token acts for Instagram too


def test_a_new_secret_restarts_the_streams_it_stopped(admin_user):
    account = ConnectedAccountFactory(kind="x", secret={"bearer_token": "old"})
    stream = StreamFactory(
        connector="x", credential=account, status=StreamStatus.STOPPED, consecutive_failures=3
    )

    connected_account_save(actor=admin_user, account=account, secrets={"bearer_token": "new"})

    stream.refresh_from_db()
    assert (stream.status, stream.consecutive_failures) == (StreamStatus.NEW, 0)


def test_an_account_in_use_is_not_deleted(admin_user):
    account = ConnectedAccountFactory(meta_business=True)
    BrandAccountFactory(platform="facebook", revocation_connection=account)

    with pytest.raises(ValidationError):
        connected_account_delete(actor=admin_user, account=account)

    assert not AuditEvent.objects.exists()


def test_an_account_posts_were_published_as_is_not_deleted(admin_user):
    from tests.publishing.factories import DeliveryFactory

    account = ConnectedAccountFactory(kind="mastodon")
    DeliveryFactory(account=account)

    with pytest.raises(ValidationError, match="keep it as their record"):
        connected_account_delete(actor=admin_user, account=account)

    assert not AuditEvent.objects.exists()


# --- Who may act as an account --------------------------------------------------------------


def test_a_listed_person_may_act_as_the_account(user_for):
    account = ConnectedAccountFactory(kind="mastodon")
    social = user_for("social")
    account.acting_people.add(social)

    assert can(social, "connected_account.act", account)


def test_a_member_of_a_listed_team_may_act_as_the_account(user_for):
    account = ConnectedAccountFactory(kind="mastodon")
    social = user_for("social")
    team = TeamFactory()
    TeamMembershipFactory(team=team, user=social)
    account.acting_teams.add(team)

    assert can(social, "connected_account.act", account)


def test_who_is_not_listed_may_not_act_as_the_account(user_for):
    account = ConnectedAccountFactory(kind="mastodon")
    account.acting_teams.add(TeamFactory())  # a team they are not in

    assert not can(user_for("social"), "connected_account.act", account)
    assert not can(user_for("admin"), "connected_account.act", account)  # admins too
    assert not can(user_for("social"), "connected_account.act", None)


def test_a_listed_person_whose_role_does_not_act_may_not(user_for):
    account = ConnectedAccountFactory(kind="mastodon")
    legal = user_for("legal")
    account.acting_people.add(legal)

    assert not can(legal, "connected_account.act", account)


def test_a_kind_takes_the_secret_fields_of_every_class_using_it(admin_user):
    """An X account reads with a bearer token (the connector) and replies with a user token
    (the publisher); a Facebook account exists for the publisher alone."""
    x = _save(admin_user, kind="x", secrets={"bearer_token": "read", "access_token": "act"})
    page = _save(
        admin_user, name="Page", kind="facebook", secrets={"page_access_token": "p", "page_id": "1"}
    )

    assert x.secret_fields == ["access_token", "bearer_token"]
    assert (page.platform, page.secret_fields) == ("facebook", ["page_access_token", "page_id"])
