"""factory_boy factories for streams, credentials and mentions."""

from datetime import UTC, datetime

import factory

from monitoring.models import Credential, Mention, Platform, Stream


class CredentialFactory(factory.django.DjangoModelFactory):
    """`CredentialFactory(connector="x", secret={"bearer_token": "..."})`."""

    class Meta:
        model = Credential

    name = factory.Sequence(lambda n: f"Credential {n}")
    connector = "x"
    secret = factory.LazyFunction(lambda: {"bearer_token": "test-token"})
    # The fake servers (tests/fakes) run on 127.0.0.1: an admin allowed it on the credential.
    allowed_hosts = factory.LazyFunction(lambda: ["127.0.0.1"])


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
