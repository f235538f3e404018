from datetime import timedelta

import factory
from django.utils import timezone

from connections.models import ConnectedAccount
from inbox.models import ReplyState
from publishing.models import BrandPost, Delivery, PostStatus
from tests.accounts.factories import UserFactory
from tests.offboarding.factories import BrandAccountFactory


def connected_account(fake, *, kind="mastodon", handle="lumora", people=(), teams=()):
    """A connected account of the brand on `fake`'s network, listing who may act as it."""
    brand = BrandAccountFactory(platform=kind, handle=handle)
    account = ConnectedAccount(
        name=f"@{handle} on {kind}",
        kind=kind,
        platform=kind,
        base_url=fake.url,
        brand_account=brand,
    )
    account.secret = {"access_token": "good-token"}
    account.save()
    account.acting_people.add(*people)
    account.acting_teams.add(*teams)
    return account


class BrandPostFactory(factory.django.DjangoModelFactory):
    """A post row as the services leave it (no deliveries: add them with DeliveryFactory)."""

    class Meta:
        model = BrandPost

    title = factory.Sequence(lambda n: f"Post {n}")
    text = "The Lumora Brew 3.2 update is out."
    status = PostStatus.SCHEDULED
    scheduled_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
    author = factory.SubFactory(UserFactory)
    markets = factory.LazyFunction(list)
    legal_reasons = factory.LazyFunction(list)


class DeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delivery

    post = factory.SubFactory(BrandPostFactory)
    state = ReplyState.QUEUED
    next_attempt_at = factory.LazyAttribute(lambda o: o.post.scheduled_at)
