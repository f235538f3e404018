"""Writing the audit trail.

Services call `audit_record` inside the transaction that makes the change, so
the event and the change commit or roll back together. The IP address and the
user agent come from the request being served (set by
`riskdesk.middleware.RequestContextMiddleware`); a Celery task has neither.
"""

import json
from contextvars import ContextVar
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction

from riskdesk.models import AuditEvent


@dataclass(frozen=True)
class RequestMeta:
    ip_address: str | None
    user_agent: str


current_request_meta: ContextVar[RequestMeta | None] = ContextVar(
    "current_request_meta", default=None
)


def snapshot(obj: models.Model, fields: list[str]) -> dict:
    """The JSON-safe values of `fields` on `obj`, for an event's before/after.

    Foreign keys are stored by id, many-to-many fields as sorted lists of ids.
    """
    data = {}
    for name in fields:
        field = obj._meta.get_field(name)
        if field.many_to_many:
            data[name] = sorted(getattr(obj, name).values_list("pk", flat=True))
        elif field.is_relation:
            data[name] = getattr(obj, field.attname)
        else:
            data[name] = getattr(obj, name)
    # Round-trip through the encoder so dates and decimals compare like stored values.
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def audit_record(
    *,
    actor,
    verb: str,
    target: models.Model | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    """Append one event. Must run inside the transaction of the change it records."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must be called inside the change's transaction")
    meta = current_request_meta.get()
    actor = actor if actor is not None and actor.is_authenticated else None
    return AuditEvent.objects.create(
        actor=actor,
        actor_label=actor.get_username() if actor else "",
        verb=verb,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target)[:254] if target is not None else "",
        before=before,
        after=after,
        ip_address=meta.ip_address if meta else None,
        user_agent=meta.user_agent[:512] if meta else "",
    )
