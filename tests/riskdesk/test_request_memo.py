"""A request reads the organisation once, however often its page asks (riskdesk.request_memo)."""

import pytest

from accounts.roles import Role
from riskdesk.request_memo import request_memo
from workspace import selectors, services

pytestmark = pytest.mark.django_db


@pytest.fixture
def reads(monkeypatch):
    """How many times the shared copy of the organisation was read."""
    counted = []
    shared = selectors._shared_organisation

    def counting():
        counted.append(1)
        return shared()

    monkeypatch.setattr(selectors, "_shared_organisation", counting)
    return counted


def test_a_page_reads_the_organisation_once(client_for, reads):
    client = client_for(Role.MANAGER)
    reads.clear()  # signing in read it into the shared cache

    assert client.get("/reports/").status_code == 200
    assert len(reads) == 1  # the reports ask for its time zone at every step
    client.get("/reports/")
    assert len(reads) == 2  # the next request reads it again


def test_outside_a_request_every_call_reads(reads):
    selectors.organisation()
    selectors.organisation()

    assert len(reads) == 2


def test_a_request_that_changes_the_organisation_reads_the_change(admin_user):
    with request_memo():
        assert selectors.organisation().brand_name != "Brevio"
        services.organisation_update(
            actor=admin_user, brand_name="Brevio", timezone="Europe/Paris", languages=["en"]
        )
        assert selectors.organisation().brand_name == "Brevio"
