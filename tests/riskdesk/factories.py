"""factory_boy factories for the riskdesk core."""

import factory
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from riskdesk.models import AuditEvent, WorkerHeartbeat
from tests.accounts.factories import UserFactory


class AuditEventFactory(factory.django.DjangoModelFactory):
    """An audit event on a person. Services write real ones; this is for list tests."""

    class Meta:
        model = AuditEvent

    actor = factory.SubFactory(UserFactory)
    actor_label = factory.LazyAttribute(lambda event: event.actor.email if event.actor else "")
    verb = "user.update"
    target_type = factory.LazyAttribute(
        lambda event: ContentType.objects.get_for_model(event.actor) if event.actor else None
    )
    target_id = factory.LazyAttribute(lambda event: str(event.actor.pk) if event.actor else "")
    target_label = factory.LazyAttribute(lambda event: str(event.actor) if event.actor else "")
    before = factory.LazyFunction(lambda: {"display_name": "Before"})
    after = factory.LazyFunction(lambda: {"display_name": "After"})
    ip_address = "192.0.2.10"
    user_agent = "pytest"


class WorkerHeartbeatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkerHeartbeat

    worker = factory.Sequence(lambda n: f"celery@worker{n}")
    seen_at = factory.LazyFunction(timezone.now)
