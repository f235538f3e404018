import pytest
from django.db import transaction

from riskdesk import ownership
from riskdesk.models import AuditEvent
from tests.accounts.factories import UserFactory
from tests.monitoring.factories import StreamFactory


@pytest.mark.django_db
def test_streams_a_person_created_are_owned_and_transferable():
    leaver, successor, hr = UserFactory(), UserFactory(), UserFactory()
    stream = StreamFactory(created_by=leaver)
    StreamFactory(created_by=successor)

    items = [(k.key, item) for k, item in ownership.owned_items(leaver)]
    assert items == [("monitoring.stream", stream)]

    with transaction.atomic():
        ownership.kind("monitoring.stream").transfer(actor=hr, item=stream, new_owner=successor)
    stream.refresh_from_db()
    assert stream.created_by == successor
    event = AuditEvent.objects.get(verb="stream.transfer")
    assert event.before == {"created_by": leaver.pk}
    assert event.actor == hr
