import pytest
from django.db import transaction

from alerting.models import Rule
from riskdesk import ownership
from riskdesk.models import AuditEvent
from tests.accounts.factories import UserFactory


@pytest.mark.django_db
def test_rules_a_person_created_are_owned_and_transferable():
    leaver, successor, hr = UserFactory(), UserFactory(), UserFactory()
    rule = Rule.objects.create(name="Legal threats", created_by=leaver)
    Rule.objects.create(name="Complaints", created_by=successor)

    items = [(k.key, item) for k, item in ownership.owned_items(leaver)]
    assert items == [("alerting.rule", rule)]

    with transaction.atomic():
        ownership.kind("alerting.rule").transfer(actor=hr, item=rule, new_owner=successor)
    rule.refresh_from_db()
    assert rule.created_by == successor
    event = AuditEvent.objects.get(verb="rule.transfer")
    assert event.before == {"created_by": leaver.pk}
    assert event.after == {"created_by": successor.pk}
    assert event.target_type.app_label == "alerting"
