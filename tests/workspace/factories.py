"""factory_boy factories for the workspace's settings (the inbox's SLA rows included)."""

from datetime import date, timedelta

import factory

from inbox.models import Holiday, SlaTarget
from monitoring.models import Priority
from tests.accounts.factories import TeamFactory


class SlaTargetFactory(factory.django.DjangoModelFactory):
    """A team's own target (the defaults for every team come from the migrations)."""

    class Meta:
        model = SlaTarget

    team = factory.SubFactory(TeamFactory)
    priority = Priority.NORMAL
    first_response = timedelta(hours=1)
    resolution = timedelta(days=1)
    business_hours = False


class HolidayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Holiday

    team = factory.SubFactory(TeamFactory)
    date = date(2026, 5, 1)
    name = "Labour Day"
