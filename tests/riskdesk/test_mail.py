import pytest
from django.core import mail

from riskdesk.mail import mail_people
from tests.accounts.factories import UserFactory


@pytest.mark.django_db(transaction=True)
def test_mail_people_sends_after_commit_to_active_people_only():
    active = UserFactory(email="a@example.com")
    gone = UserFactory(email="b@example.com", is_active=False)
    assert mail_people(people=[active, gone, active], subject="Due", body="Review it") == 1
    assert [m.to for m in mail.outbox] == [["a@example.com"]]
    assert mail.outbox[0].subject == "Due"
