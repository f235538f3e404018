"""The fold of monitoring.Credential and offboarding.RevocationConnection into
ConnectedAccount (connections 0002, between monitoring 0014/0015 and offboarding 0002/0003).

The database is taken back to the migrations before the fold, rows are written with the
models of that time, and it is migrated forward: every row is a connected account with the
same ciphertext, the streams and brand accounts point at them, the old tables are gone.
Back again, the rows return to the old models, unless that would lose something.
"""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from riskdesk import crypto

BEFORE_THE_FOLD = [
    ("connections", "0001_connected_account"),
    ("monitoring", "0013_mention_parent_index"),
    ("offboarding", "0001_initial"),
]
CREATED = datetime(2025, 1, 2, 3, 4, tzinfo=UTC)
ROTATED = datetime(2025, 6, 7, 8, 9, tzinfo=UTC)


def _migrate(targets):
    """Migrate to `targets`; the models as they were there."""
    MigrationExecutor(connection).migrate(targets)
    loader = MigrationExecutor(connection).loader
    return loader.project_state(list(loader.applied_migrations)).apps


def _latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _write_old_rows(old) -> dict:
    """Two credentials and a revocation connection whose name clashes with one of them, a
    stream and a brand account using them, as main wrote them before the fold."""
    user = old.get_model("accounts", "User").objects.create(email="folder@example.com")
    Credential = old.get_model("monitoring", "Credential")
    RevocationConnection = old.get_model("offboarding", "RevocationConnection")

    def secret(model, values, **fields):
        row = model.objects.create(
            secret_encrypted=crypto.encrypt_json(values),
            secret_fields=sorted(values),
            created_by=user,
            rotated_at=ROTATED,
            **fields,
        )
        model.objects.filter(pk=row.pk).update(created_at=CREATED)
        return row

    x = secret(
        Credential,
        {"bearer_token": "x-token"},
        name="X app",
        connector="x",
        allowed_hosts=["h.example"],
    )
    meta = secret(Credential, {"app_secret": "shh"}, name="Meta page", connector="meta")
    revoking = secret(
        RevocationConnection,
        {"access_token": "sys-token", "app_secret": "proof"},
        name="x APP",
        kind="meta_business",
        business_id="1029384756",
        base_url="http://127.0.0.1:8767",
    )
    stream = old.get_model("monitoring", "Stream").objects.create(
        name="X search", connector="x", query="acme", credential=x
    )
    brand = old.get_model("offboarding", "BrandAccount").objects.create(
        platform="instagram", handle="lumora_fold", revocation_connection=revoking
    )
    return {
        "user": user.pk,
        "x": (x.pk, x.secret_encrypted),
        "meta": meta.pk,
        "revoking": (revoking.pk, revoking.secret_encrypted),
        "stream": stream.pk,
        "brand": brand.pk,
    }


@pytest.mark.django_db(transaction=True)
def test_credentials_and_revocation_connections_become_connected_accounts():
    latest = _latest()
    try:
        rows = _write_old_rows(_migrate(BEFORE_THE_FOLD))
        _migrate(latest)

        from connections.models import ConnectedAccount
        from monitoring.models import Stream
        from offboarding.models import BrandAccount
        from riskdesk.models import AuditEvent

        accounts = {a.name: a for a in ConnectedAccount.objects.all()}
        assert set(accounts) == {"X app", "Meta page", "x APP (revocation)"}
        x, meta, revoking = accounts["X app"], accounts["Meta page"], accounts["x APP (revocation)"]
        assert (x.kind, x.platform, x.method) == ("x", "x", "token")
        assert (meta.kind, meta.platform) == ("meta", "facebook")
        assert (revoking.kind, revoking.platform) == ("meta_business", "facebook")
        # The ciphertext is copied as it is and still decrypts with the same keys.
        assert x.secret_encrypted == rows["x"][1]
        assert x.secret == {"bearer_token": "x-token"}
        assert revoking.secret_encrypted == rows["revoking"][1]
        assert revoking.secret == {"access_token": "sys-token", "app_secret": "proof"}
        assert revoking.secret_fields == ["access_token", "app_secret"]
        assert (revoking.business_id, revoking.base_url) == ("1029384756", "http://127.0.0.1:8767")
        assert x.allowed_hosts == ["h.example"]
        assert (x.created_by_id, x.created_at, x.rotated_at) == (rows["user"], CREATED, ROTATED)
        assert revoking.created_at == CREATED
        # The foreign keys follow.
        assert Stream.objects.get(pk=rows["stream"]).credential == x
        assert BrandAccount.objects.get(pk=rows["brand"]).revocation_connection == revoking
        # Each new account says where it came from; the old rows' events stay theirs.
        folded = {e.target_id: e for e in AuditEvent.objects.filter(verb="connected_account.fold")}
        assert folded[str(x.pk)].before == {
            "model": "monitoring.credential",
            "id": rows["x"][0],
            "name": "X app",
        }
        assert folded[str(x.pk)].after["streams"] == [rows["stream"]]
        assert folded[str(revoking.pk)].after["revocation_for"] == [rows["brand"]]
        tables = connection.introspection.table_names()
        assert "monitoring_credential" not in tables
        assert "accounts_revocationconnection" not in tables

        # Back: the rows return to the old models and the foreign keys with them.
        old = _migrate(BEFORE_THE_FOLD)
        credential = old.get_model("monitoring", "Credential").objects.get(name="X app")
        assert credential.secret_encrypted == rows["x"][1]
        assert credential.created_at == CREATED
        stream = old.get_model("monitoring", "Stream").objects.get(pk=rows["stream"])
        assert stream.credential_id == credential.pk
        connection_row = old.get_model("offboarding", "RevocationConnection").objects.get()
        brand = old.get_model("offboarding", "BrandAccount").objects.get(pk=rows["brand"])
        assert brand.revocation_connection_id == connection_row.pk
        assert not old.get_model("connections", "ConnectedAccount").objects.exists()
    finally:
        _migrate(latest)


@pytest.mark.django_db(transaction=True)
def test_going_back_stops_rather_than_lose_what_an_account_holds():
    from connections.models import ConnectedAccount
    from tests.connections.factories import ConnectedAccountFactory

    latest = _latest()
    ConnectedAccountFactory(kind="mastodon", scopes=["read", "write"])
    try:
        with pytest.raises(RuntimeError, match=r"(?s)change them first.*its scopes"):
            _migrate(BEFORE_THE_FOLD)
    finally:
        _migrate(latest)
    assert ConnectedAccount.objects.get().scopes == ["read", "write"]
