"""factory_boy factories of the brand's posts and their deliveries.

`BrandPostFactory(scheduled_at=…, status="scheduled")` is a row as the services leave it;
`DeliveryFactory(post=post, account=account)` is one account's outbox row."""

from datetime import timedelta

import factory
from django.utils import timezone

from inbox.models import ReplyState
from publishing.models import BrandPost, Delivery, PostStatus
from tests.accounts.factories import UserFactory


class BrandPostFactory(factory.django.DjangoModelFactory):
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
