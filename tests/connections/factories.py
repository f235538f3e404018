"""factory_boy factory for connected accounts.

`ConnectedAccountFactory(kind="x", secret={"bearer_token": "..."})` reads with a connector;
`ConnectedAccountFactory(meta_business=True, base_url=fake.url)` revokes through Meta
Business Manager with a working token.
"""

import factory

from connections.models import ConnectedAccount

PLATFORMS = {"meta": "facebook", "rss": "news", "meta_business": "facebook"}


class ConnectedAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConnectedAccount

    class Params:
        meta_business = factory.Trait(
            kind="meta_business",
            name=factory.Sequence(lambda n: f"Business Manager {n}"),
            business_id="1029384756473829",
            secret=factory.LazyFunction(lambda: {"access_token": "system-user-token-ok"}),
            allowed_hosts=factory.LazyFunction(list),
        )

    name = factory.Sequence(lambda n: f"Connected account {n}")
    kind = "x"
    platform = factory.LazyAttribute(lambda o: PLATFORMS.get(o.kind, o.kind))
    secret = factory.LazyFunction(lambda: {"bearer_token": "test-token"})
    # The fake servers (tests/fakes) run on 127.0.0.1: an admin allowed it on the account.
    allowed_hosts = factory.LazyFunction(lambda: ["127.0.0.1"])
