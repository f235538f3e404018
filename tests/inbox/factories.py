"""factory_boy factories for the triage inbox: templates, hours, saved views, restricted queues."""

from datetime import time

import factory

from accounts.models import TeamKind
from inbox.models import ReplyTemplate, SavedView, TeamHours
from tests.accounts.factories import TeamFactory, TeamMembershipFactory, UserFactory


class ReplyTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReplyTemplate

    name = factory.Sequence(lambda n: f"Template {n}")
    situation = "Complaint"
    language = "en"
    body = "Hi {author}, the {brand} team is on it (case {case})."
    moves_to_private = False


class TeamHoursFactory(factory.django.DjangoModelFactory):
    """Monday to Friday, 9:00 to 17:00 in Paris unless told otherwise."""

    class Meta:
        model = TeamHours

    team = factory.SubFactory(TeamFactory)
    timezone = "Europe/Paris"
    weekdays = factory.LazyFunction(lambda: [0, 1, 2, 3, 4])
    opens = time(9, 0)
    closes = time(17, 0)


class SavedViewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SavedView

    name = factory.Sequence(lambda n: f"View {n}")
    owner = factory.SubFactory(UserFactory)
    query = "status=open"


def restricted_team(kind=TeamKind.LEGAL, *, members=(), name=None):
    """A Legal (or HR) queue with these members: only they and admins see its mentions."""
    team = TeamFactory(kind=kind, name=name or f"{kind.label} queue")
    for person in members:
        TeamMembershipFactory(team=team, user=person)
    return team
