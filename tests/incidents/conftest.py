import pytest

from incidents.models import Playbook
from incidents.services.playbooks import playbooks_seed


@pytest.fixture(autouse=True)
def _seeded_playbooks(db):
    """The data migration's playbooks (a transactional test elsewhere may have flushed them)."""
    playbooks_seed()


@pytest.fixture
def storm_playbook(db):
    return Playbook.objects.get(scenario="review_storm")


@pytest.fixture
def impersonation_playbook(db):
    return Playbook.objects.get(scenario="impersonation")
