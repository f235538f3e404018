"""Employees complete self-service training modules themselves."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from policies.models import RecordSource, TrainingAssignment, TrainingRecord
from policies.services import training
from riskdesk.models import AuditEvent
from tests.accounts.factories import UserFactory
from tests.conftest import sign_in
from tests.policies.factories import TrainingModuleFactory

pytestmark = pytest.mark.django_db

TODAY = date(2025, 6, 1)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def module():
    return TrainingModuleFactory(
        title="Social media essentials",
        code="sm-101",
        self_service=True,
        description="Forty minutes on who speaks for Lumora.",
    )


@pytest.fixture
def person():
    return UserFactory(display_name="Emma Employee")


def test_a_person_completes_a_self_service_module(module, person, user_for):
    TrainingAssignment.objects.create(
        user=person, module=module, due_on=date(2025, 7, 1), assigned_by=user_for("hr")
    )
    record, outcome = training.training_self_complete(actor=person, module=module)
    assert outcome == "created"
    assert record.user == person
    assert record.source == RecordSource.SELF
    assert record.get_source_display() == "Completed by the person"
    assert record.completed_on == TODAY
    assert record.expires_on == date(2026, 6, 1)
    assert record.recorded_by == person
    assert TrainingAssignment.objects.get(user=person).completed_on == TODAY
    event = AuditEvent.objects.get(verb="training_record.self_complete")
    assert event.actor == person
    assert training.training_self_complete(actor=person, module=module)[1] == "unchanged"


def test_only_self_service_active_modules(person):
    managed = TrainingModuleFactory(self_service=False)
    with pytest.raises(PermissionDenied):
        training.training_self_complete(actor=person, module=managed)
    retired = TrainingModuleFactory(self_service=True, is_active=False)
    with pytest.raises(PermissionDenied):
        training.training_self_complete(actor=person, module=retired)
    assert not TrainingRecord.objects.exists()


def test_the_page_reads_the_module_and_records_on_confirmation(client, module, person):
    sign_in(client, person)
    url = f"/training/modules/{module.code}/complete/"
    page = client.get(url + "?next=/advocacy/")
    assert page.status_code == 200
    assert "Forty minutes on who speaks for Lumora." in page.text
    assert 'name="next" value="/advocacy/"' in page.text
    unconfirmed = client.post(url, {})
    assert unconfirmed.status_code == 200
    assert not TrainingRecord.objects.exists()
    done = client.post(url, {"confirm": "yes", "next": "/advocacy/"})
    assert done.status_code == 302
    assert done["Location"] == "/advocacy/"
    assert TrainingRecord.objects.get(user=person).source == RecordSource.SELF


def test_the_page_never_redirects_elsewhere(client, module, person):
    sign_in(client, person)
    done = client.post(
        f"/training/modules/{module.code}/complete/",
        {"confirm": "yes", "next": "https://evil.example/"},
    )
    assert done["Location"] == "/training/"


def test_a_managed_module_has_no_self_completion_page(client, person):
    sign_in(client, person)
    managed = TrainingModuleFactory(self_service=False)
    assert client.get(f"/training/modules/{managed.code}/complete/").status_code == 403


def test_managers_flag_a_module_self_service(user_for):
    module = training.training_module_create(
        actor=user_for("hr"), title="Basics", code="basics", self_service=True,
        audience_everyone=True,
    )  # fmt: skip
    assert module.self_service
    module = training.training_module_update(
        actor=user_for("hr"), module=module, self_service=False
    )
    assert not module.self_service


def test_acknowledging_returns_to_the_page_that_asked(client, person, user_for):
    from tests.policies.factories import PolicyFactory, publish

    policy = PolicyFactory(title="Social media policy", owner=user_for("legal"))
    publish(policy, "Be kind.", author=user_for("legal"), reviewer=user_for("manager"))
    sign_in(client, person)
    url = f"/policies/{policy.slug}/acknowledge/"
    page = client.get(url + "?next=/advocacy/")
    assert 'name="next" value="/advocacy/"' in page.text
    assert client.post(url, {"next": "/advocacy/"})["Location"] == "/advocacy/"
    again = client.post(url, {"next": "https://evil.example/"})
    assert again["Location"] == f"/policies/{policy.slug}/"
