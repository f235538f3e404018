"""Training records, statuses and the CSV import with row-level errors."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import (
    InMemoryUploadedFile,
    SimpleUploadedFile,
    TemporaryUploadedFile,
)
from django.core.files.utils import FileProxyMixin

from policies import selectors
from policies.models import TrainingAssignment, TrainingRecord
from policies.selectors import TrainingState
from policies.services import csv_import, training
from policies.services.csv_import import training_records_import
from riskdesk.models import AuditEvent
from tests.policies.factories import TrainingModuleFactory, TrainingRecordFactory

pytestmark = pytest.mark.django_db

TODAY = date(2025, 6, 1)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def module():
    return TrainingModuleFactory(title="Social media essentials", code="sm-101")


def test_record_expiry_comes_from_the_module(module, user_for):
    record, outcome = training.training_record_create(
        actor=user_for("hr"), user=user_for("social"), module=module, completed_on=date(2025, 1, 31)
    )
    assert outcome == "created"
    assert record.expires_on == date(2026, 1, 31)
    assert AuditEvent.objects.filter(verb="training_record.create").count() == 1


def test_recording_the_same_completion_twice_does_not_duplicate(module, user_for):
    hr, social = user_for("hr"), user_for("social")
    values = {"user": social, "module": module, "completed_on": date(2025, 5, 1), "score": 90}
    training.training_record_create(actor=hr, **values)
    _record, outcome = training.training_record_create(actor=hr, **values)
    assert outcome == "unchanged"
    _record, outcome = training.training_record_create(actor=hr, **values | {"score": 95})
    assert outcome == "updated"
    assert TrainingRecord.objects.get().score == Decimal("95.00")
    assert TrainingRecord.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"completed_on": TODAY + timedelta(days=1)}, "completed_on"),
        ({"score": 101}, "score"),
        ({"score": "abc"}, "score"),
        ({"expires_on": date(2024, 1, 1)}, "expires_on"),
    ],
)
def test_bad_records_are_refused(module, user_for, changes, field):
    values = {"user": user_for("social"), "module": module, "completed_on": date(2025, 5, 1)}
    with pytest.raises(ValidationError) as error:
        training.training_record_create(actor=user_for("hr"), **values | changes)
    assert field in error.value.message_dict
    assert not TrainingRecord.objects.exists()


def test_only_hr_and_admins_manage_training(module, user_for):
    for role in ("social", "manager", "legal"):
        with pytest.raises(PermissionDenied):
            training.training_record_create(
                actor=user_for(role), user=user_for(role), module=module, completed_on=TODAY
            )


def test_statuses_current_expiring_expired_missing_and_overdue(module, user_for, team_with):
    social, legal, hr, manager = (user_for(r) for r in ("social", "legal", "hr", "manager"))
    TrainingRecordFactory(user=social, module=module, completed_on=date(2025, 1, 1))
    TrainingRecordFactory(user=legal, module=module, completed_on=date(2024, 6, 20))
    TrainingRecordFactory(user=hr, module=module, completed_on=date(2023, 1, 1))
    TrainingRecordFactory(user=hr, module=module, completed_on=date(2024, 1, 1))  # latest wins
    TrainingAssignment.objects.create(user=manager, module=module, due_on=TODAY - timedelta(1))
    statuses = {
        s.person.pk: s for s in selectors.training_statuses([module], selectors.directory())
    }
    assert statuses[social.pk].state == TrainingState.CURRENT
    assert statuses[legal.pk].state == TrainingState.EXPIRING
    assert statuses[hr.pk].state == TrainingState.EXPIRED
    assert statuses[hr.pk].expires_on == date(2025, 1, 1)
    assert statuses[hr.pk].overdue
    assert statuses[manager.pk].state == TrainingState.MISSING
    assert statuses[manager.pk].overdue
    assert not statuses[legal.pk].overdue


def test_assigning_mails_people_and_a_completion_closes_it(
    module, user_for, django_capture_on_commit_callbacks
):
    from django.core import mail

    hr, social = user_for("hr"), user_for("social")
    with django_capture_on_commit_callbacks(execute=True):
        training.training_assign(
            actor=hr, module=module, people=[social], due_on=TODAY + timedelta(days=14)
        )
    assert mail.outbox[0].to == [social.email]
    with pytest.raises(ValidationError):
        training.training_assign(actor=hr, module=module, people=[social], due_on=date(2020, 1, 1))
    training.training_record_create(actor=hr, user=social, module=module, completed_on=TODAY)
    assert TrainingAssignment.objects.get().completed_on == TODAY


# --- CSV import -------------------------------------------------------------------------


def test_import_keeps_good_rows_and_reports_bad_ones(module, user_for):
    social, legal = user_for("social"), user_for("legal")
    content = (
        "Learner email,Course code,Completion date,Score,Certificate URL\n"
        f"{social.email},sm-101,2025-05-02,88,https://lms.example/cert/1\n"
        "ghost@example.com,sm-101,2025-05-02,70,\n"
        f"{legal.email},unknown-module,2025-05-02,,\n"
        f"{legal.email},SM-101,02/05/2025,,\n"
        f"{legal.email},Social media essentials,2025-05-03,150,\n"
        f"{legal.email.upper()},Social media essentials,2025-05-04T09:30:00Z,75.5,\n"
        ",,,,\n"
    ).encode()
    report = training_records_import(actor=user_for("hr"), content=content)
    assert report.rows == 6
    assert report.created == 2
    assert report.rejected_rows == 4
    problems = [(e.row, e.field) for e in report.errors]
    assert problems == [
        (3, "email"),
        (4, "module"),
        (5, "completed_on"),
        (6, "score"),
    ]
    assert report.errors[0].value == "ghost@example.com"
    records = TrainingRecord.objects.order_by("completed_on")
    assert [(r.user, r.completed_on, r.score) for r in records] == [
        (social, date(2025, 5, 2), Decimal("88.00")),
        (legal, date(2025, 5, 4), Decimal("75.50")),
    ]
    assert records[0].evidence == "https://lms.example/cert/1"
    assert records[0].source == "import"
    event = AuditEvent.objects.get(verb="training_record.import")
    assert event.after["rejected_rows"] == 4


def test_importing_the_same_file_twice_adds_nothing(module, user_for):
    content = f"email;module;completed_on\n{user_for('social').email};sm-101;2025-05-02\n"
    first = training_records_import(actor=user_for("hr"), content=content.encode("utf-8-sig"))
    again = training_records_import(actor=user_for("hr"), content=content.encode())
    assert (first.created, again.created, again.unchanged) == (1, 0, 1)
    assert TrainingRecord.objects.count() == 1


def test_repeated_rows_in_one_file_are_written_once(module, user_for):
    email = user_for("social").email
    content = (
        "email,module,completed_on,score\n"
        f"{email},sm-101,2025-05-02,80\n"
        f"{email},sm-101,2025-05-02,85\n"
    )
    report = training_records_import(actor=user_for("hr"), content=content.encode())
    assert (report.created, report.unchanged) == (1, 1)
    assert TrainingRecord.objects.get().score == Decimal("85.00")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"name,when\nx,y\n", "Missing columns"),
        ("email,module,completed_on\nzoé,x,2025\n".encode("utf-16"), "UTF-8"),
    ],
)
def test_unreadable_files_are_refused_whole(module, user_for, content, message):
    with pytest.raises(ValidationError) as error:
        training_records_import(actor=user_for("hr"), content=content)
    assert message in str(error.value)
    assert not TrainingRecord.objects.exists()


def test_import_needs_the_training_permission(module, user_for):
    with pytest.raises(PermissionDenied):
        training_records_import(actor=user_for("manager"), content=b"email,module,completed_on\n")


class _UnreadableUpload(SimpleUploadedFile):
    """An upload that fails the test when read past `limit` bytes."""

    limit = 0

    def read(self, size=-1):
        if size is None or size < 0 or size > self.limit:
            raise AssertionError(f"read({size}) of an upload over the limit")
        return super().read(size)


def test_an_upload_over_the_limit_is_refused_before_it_is_read(module, user_for):
    upload = _UnreadableUpload("records.csv", b"x" * (csv_import.MAX_BYTES + 1))

    with pytest.raises(ValidationError, match="larger than 2 MB"):
        training_records_import(actor=user_for("hr"), content=upload)


def test_an_upload_that_understates_its_size_is_read_only_up_to_the_limit(module, user_for):
    upload = _UnreadableUpload("records.csv", b"x" * (csv_import.MAX_BYTES + 10))
    upload.limit = csv_import.MAX_BYTES + 1
    upload.size = 10  # what a client declared

    with pytest.raises(ValidationError, match="larger than 2 MB"):
        training_records_import(actor=user_for("hr"), content=upload)


@pytest.mark.parametrize("through", ["page", "api"])
def test_the_import_page_and_api_refuse_a_large_upload_without_reading_it_all(
    module, client_for, monkeypatch, through
):
    reads = []
    original = FileProxyMixin.read

    def read(self):  # records the reads of the file the server received
        if type(self) in (InMemoryUploadedFile, TemporaryUploadedFile):  # not the test's own
            return lambda *args: reads.append(args) or original.fget(self)(*args)
        return original.fget(self)

    monkeypatch.setattr(FileProxyMixin, "read", property(read))
    upload = SimpleUploadedFile("records.csv", b"x" * (csv_import.MAX_BYTES + 1))

    if through == "page":
        response = client_for("hr").post("/training/import/", {"file": upload})
    else:
        response = client_for("hr", api=True).post(
            "/api/v1/training-records/import/", {"file": upload}, format="multipart"
        )

    assert response.status_code == 400
    assert "larger than 2 MB" in response.content.decode()
    assert reads == []  # refused on its size alone
