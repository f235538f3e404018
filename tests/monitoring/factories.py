"""factory_boy factories for streams and mentions (connected accounts: tests/connections)."""

from datetime import UTC, datetime

import factory

from monitoring.models import Mention, Platform, Stream


class StreamFactory(factory.django.DjangoModelFactory):
    """A stream; point `base_url` at a fake server (tests/fakes)."""

    class Meta:
        model = Stream

    name = factory.Sequence(lambda n: f"Stream {n}")
    connector = "x"
    query = "acme"
    poll_interval = 60


class MentionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mention

    platform = Platform.X
    external_id = factory.Sequence(lambda n: str(1_000_000 + n))
    author_id = factory.Sequence(lambda n: f"u{n}")
    author_handle = factory.Sequence(lambda n: f"user{n}")
    author_name = factory.Sequence(lambda n: f"User {n}")
    text = "Talking about Acme"
    published_at = factory.LazyFunction(lambda: datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
