"""factory_boy factories for incidents. Services make real ones; these set up state."""

from datetime import UTC, datetime, timedelta

import factory

from alerting.models import SpikeAlert
from incidents.models import Incident, IncidentTask, Playbook, PlaybookStep, Severity
from tests.monitoring.factories import MentionFactory, StreamFactory

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class PlaybookFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Playbook

    name = factory.Sequence(lambda n: f"Playbook {n}")
    scenario = "review_storm"
    default_severity = Severity.SEV2


class PlaybookStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlaybookStep

    playbook = factory.SubFactory(PlaybookFactory)
    position = factory.Sequence(lambda n: n)
    title = factory.Sequence(lambda n: f"Step {n}")
    role = "lead"
    due_minutes = 30


class IncidentFactory(factory.django.DjangoModelFactory):
    """An incident straight in the database (no tasks, no timeline): for list tests."""

    class Meta:
        model = Incident

    title = factory.Sequence(lambda n: f"Incident {n}")
    severity = Severity.SEV3


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IncidentTask

    incident = factory.SubFactory(IncidentFactory)
    title = factory.Sequence(lambda n: f"Task {n}")


def make_spike(*, mentions=3, **fields) -> SpikeAlert:
    stream = StreamFactory()
    found = [
        MentionFactory(stream=stream, sentiment=-0.8, sentiment_label="negative", risk_score=40 + n)
        for n in range(mentions)
    ]
    return SpikeAlert.objects.create(
        stream=stream,
        window_start=NOW - timedelta(hours=1),
        window_end=NOW,
        count=len(found),
        baseline_mean=1.0,
        baseline_std=1.0,
        zscore=9.0,
        top_mention_ids=[m.pk for m in found],
        top_words=["broken"],
        **fields,
    )
