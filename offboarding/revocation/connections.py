"""Services for revocation connections: the admin APIs riskdesk revokes access through."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from offboarding.models import RevocationConnection
from riskdesk.audit import audit_record, snapshot

FIELDS = ["name", "kind", "business_id", "base_url", "secret_fields", "rotated_at"]
SECRET_NAMES = ("access_token", "app_secret")


def _check(connection: RevocationConnection) -> None:
    connection.name = connection.name.strip()
    if not connection.name:
        raise ValidationError({"name": _("Give the connection a name.")})
    taken = RevocationConnection.objects.filter(name__iexact=connection.name).exclude(
        pk=connection.pk
    )
    if taken.exists():
        raise ValidationError({"name": _("A connection with this name already exists.")})
    if connection.kind not in RevocationConnection.Kind.values:
        raise ValidationError({"kind": _("Unknown kind of connection.")})


@transaction.atomic
def revocation_connection_save(
    *, actor, connection: RevocationConnection | None = None, secrets: dict | None = None, **fields
) -> RevocationConnection:
    """Create (connection=None) or change a connection; empty secret values keep the stored ones."""
    from riskdesk.permissions import require

    require(actor, "revocation_connection.manage", connection)
    creating = connection is None
    if creating:
        connection = RevocationConnection(created_by=actor)
        before = None
    else:
        connection = RevocationConnection.objects.select_for_update(of=("self",)).get(
            pk=connection.pk
        )
        before = snapshot(connection, FIELDS)
    for name, value in fields.items():
        setattr(connection, name, value or "")
    _check(connection)
    given = {k: v for k, v in (secrets or {}).items() if k in SECRET_NAMES and v}
    if creating and not given.get("access_token"):
        raise ValidationError({"access_token": _("The connection needs a token.")})
    if given:
        connection.secret = (connection.secret if not creating else {}) | given
        connection.rotated_at = timezone.now()
    connection.save()
    after = snapshot(connection, FIELDS)
    if after != before:
        audit_record(
            actor=actor,
            verb="revocation_connection.create" if creating else "revocation_connection.update",
            target=connection,
            before=before,
            after=after,
        )
    return connection
