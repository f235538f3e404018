# One kind of secret: every monitoring.Credential and offboarding.RevocationConnection
# becomes a ConnectedAccount; step 2 of 3 (monitoring 0014 / offboarding 0002 added the new
# foreign keys beside the old ones, monitoring 0015 / offboarding 0003 drop the old ones).
#
# The encrypted secret is copied as it is (same Fernet keys, same JSON). A credential's kind
# is its connector; a revocation connection's is meta_business. A name that another account
# already has, ignoring case, gets " (credential)" or " (revocation)" appended. Each new
# account gets an audit event naming the row it was copied from, whose own events stay
# attached to the old model's content type (audit events are append-only).
#
# Backwards, accounts of the old kinds go back to the old models and the foreign keys follow,
# unless one of them holds what the old models cannot keep (a brand account it acts as,
# scopes, an expiry, people who may act as it...): then the migration stops and says which,
# rather than dropping it silently. Accounts of other kinds stay where they are.

from django.db import migrations

# Where the network is obvious from the connector.
PLATFORM_OF_CONNECTOR = {
    "x": "x",
    "mastodon": "mastodon",
    "bluesky": "bluesky",
    "reddit": "reddit",
    "youtube": "youtube",
    "meta": "facebook",
    "rss": "news",
}
META_BUSINESS = "meta_business"
NAME_MAX = 100
FOLD_VERB = "connected_account.fold"


def _free_name(name: str, taken: set[str], suffix: str) -> str:
    """`name`, else `name (suffix)`, then `name (suffix 2)`...: the first not taken, any case."""
    candidate, n = name, 1
    while candidate.lower() in taken:
        tail = f" ({suffix})" if n == 1 else f" ({suffix} {n})"
        candidate = name[: NAME_MAX - len(tail)] + tail
        n += 1
    taken.add(candidate.lower())
    return candidate


def _copy(ConnectedAccount, source, **fields):
    """A connected account for `source`, keeping its secret, author and dates."""
    account = ConnectedAccount.objects.create(
        method="token",
        secret_encrypted=source.secret_encrypted,
        secret_fields=source.secret_fields,
        created_by_id=source.created_by_id,
        rotated_at=source.rotated_at,
        **fields,
    )
    # created_at is auto_now_add: set again once the row exists.
    ConnectedAccount.objects.filter(pk=account.pk).update(created_at=source.created_at)
    return account


def fold(apps, schema_editor):
    Credential = apps.get_model("monitoring", "Credential")
    RevocationConnection = apps.get_model("offboarding", "RevocationConnection")
    ConnectedAccount = apps.get_model("connections", "ConnectedAccount")
    Stream = apps.get_model("monitoring", "Stream")
    BrandAccount = apps.get_model("offboarding", "BrandAccount")
    ContentType = apps.get_model("contenttypes", "ContentType")
    AuditEvent = apps.get_model("riskdesk", "AuditEvent")

    if not Credential.objects.exists() and not RevocationConnection.objects.exists():
        return
    content_type, _created = ContentType.objects.get_or_create(
        app_label="connections", model="connectedaccount"
    )
    taken = {name.lower() for name in ConnectedAccount.objects.values_list("name", flat=True)}

    def record(account, model: str, source, used_by: dict) -> None:
        AuditEvent.objects.create(
            verb=FOLD_VERB,
            target_type=content_type,
            target_id=str(account.pk),
            target_label=account.name[:254],
            before={"model": model, "id": source.pk, "name": source.name},
            after={
                "name": account.name,
                "kind": account.kind,
                "platform": account.platform,
                "secret_fields": account.secret_fields,
                **used_by,
            },
        )

    for credential in Credential.objects.order_by("pk"):
        account = _copy(
            ConnectedAccount,
            credential,
            name=_free_name(credential.name, taken, "credential"),
            kind=credential.connector,
            platform=PLATFORM_OF_CONNECTOR.get(credential.connector, ""),
            allowed_hosts=credential.allowed_hosts or [],
        )
        streams = Stream.objects.filter(legacy_credential_id=credential.pk)
        stream_ids = sorted(streams.values_list("pk", flat=True))
        streams.update(credential_id=account.pk)
        record(account, "monitoring.credential", credential, {"streams": stream_ids})

    for connection in RevocationConnection.objects.order_by("pk"):
        account = _copy(
            ConnectedAccount,
            connection,
            name=_free_name(connection.name, taken, "revocation"),
            kind=META_BUSINESS,
            platform="facebook",
            business_id=connection.business_id,
            base_url=connection.base_url,
        )
        brands = BrandAccount.objects.filter(legacy_revocation_connection_id=connection.pk)
        brand_ids = sorted(brands.values_list("pk", flat=True))
        brands.update(revocation_connection_id=account.pk)
        record(
            account,
            "offboarding.revocationconnection",
            connection,
            {"revocation_for": brand_ids},
        )


def _cannot_go_back(account, *, as_credential: bool) -> list[str]:
    """What the old model (Credential or RevocationConnection) could not keep of `account`."""
    lost = {
        "the brand account it acts as": account.brand_account_id,
        "its scopes": account.scopes,
        "its expiry": account.expires_at,
        "its last refresh": account.refreshed_at,
        "its way of connecting": account.method != "token",
        "the people and teams who may act as it": (
            account.acting_people.exists() or account.acting_teams.exists()
        ),
    }
    if as_credential:
        lost |= {"its API address": account.base_url, "its business id": account.business_id}
    else:
        lost |= {"its other allowed hosts": account.allowed_hosts}
    return [what for what, present in lost.items() if present]


def unfold(apps, schema_editor):
    Credential = apps.get_model("monitoring", "Credential")
    RevocationConnection = apps.get_model("offboarding", "RevocationConnection")
    ConnectedAccount = apps.get_model("connections", "ConnectedAccount")
    Stream = apps.get_model("monitoring", "Stream")
    BrandAccount = apps.get_model("offboarding", "BrandAccount")

    credentials = ConnectedAccount.objects.filter(kind__in=list(PLATFORM_OF_CONNECTOR))
    connections = ConnectedAccount.objects.filter(kind=META_BUSINESS)
    problems = [
        f"{account.name}: {', '.join(lost)}"
        for accounts, as_credential in ((credentials, True), (connections, False))
        for account in accounts.order_by("pk")
        if (lost := _cannot_go_back(account, as_credential=as_credential))
    ]
    problems += [
        f"stream {stream.name}: its account {stream.credential.name} is no credential"
        for stream in Stream.objects.exclude(credential=None).exclude(credential__in=credentials)
    ]
    problems += [
        f"brand account {brand.handle}: {brand.revocation_connection.name} is no Meta Business "
        "connection"
        for brand in BrandAccount.objects.exclude(revocation_connection=None).exclude(
            revocation_connection__in=connections
        )
    ]
    if problems:
        raise RuntimeError(
            "Migrating back would lose what these connected accounts hold; change them "
            "first:\n" + "\n".join(problems)
        )

    for account in credentials.order_by("pk"):
        credential = Credential.objects.create(
            name=account.name,
            connector=account.kind,
            secret_encrypted=account.secret_encrypted,
            secret_fields=account.secret_fields,
            allowed_hosts=account.allowed_hosts,
            created_by_id=account.created_by_id,
            rotated_at=account.rotated_at,
        )
        Credential.objects.filter(pk=credential.pk).update(created_at=account.created_at)
        Stream.objects.filter(credential_id=account.pk).update(
            legacy_credential_id=credential.pk, credential_id=None
        )
    for account in connections.order_by("pk"):
        connection = RevocationConnection.objects.create(
            name=account.name,
            kind=META_BUSINESS,
            business_id=account.business_id,
            base_url=account.base_url,
            secret_encrypted=account.secret_encrypted,
            secret_fields=account.secret_fields,
            created_by_id=account.created_by_id,
            rotated_at=account.rotated_at,
        )
        RevocationConnection.objects.filter(pk=connection.pk).update(
            created_at=account.created_at
        )
        BrandAccount.objects.filter(revocation_connection_id=account.pk).update(
            legacy_revocation_connection_id=connection.pk, revocation_connection_id=None
        )
    ConnectedAccount.objects.filter(kind__in=[*PLATFORM_OF_CONNECTOR, META_BUSINESS]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("connections", "0001_connected_account"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("monitoring", "0014_stream_connected_account"),
        ("offboarding", "0002_brandaccount_connected_account"),
        ("riskdesk", "0002_auditevent_append_only"),
    ]

    operations = [migrations.RunPython(fold, unfold)]
