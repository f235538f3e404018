"""factory_boy factories for brand accounts, revocation connections and access grants."""

import factory
from django.utils import timezone

from offboarding.models import (
    AccessGrant,
    AccessLevel,
    AccessVia,
    BrandAccount,
    RevocationConnection,
)
from tests.accounts.factories import UserFactory


class BrandAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BrandAccount

    platform = "x"
    handle = factory.Sequence(lambda n: f"brand{n}")
    display_name = "Acme"
    mfa_enabled = True


class RevocationConnectionFactory(factory.django.DjangoModelFactory):
    """A Meta Business connection; `base_url` points at a fake, `token` sets its secret."""

    class Meta:
        model = RevocationConnection
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Business Manager {n}")
    kind = RevocationConnection.Kind.META_BUSINESS
    business_id = "1029384756473829"

    @factory.post_generation
    def token(obj, create, extracted, **kwargs):
        obj.secret = {"access_token": extracted or "system-user-token-ok"}
        if create:
            obj.save()


class AccessGrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccessGrant

    person = factory.SubFactory(UserFactory)
    account = factory.SubFactory(BrandAccountFactory)
    level = AccessLevel.ADMIN
    via = AccessVia.NATIVE_ROLE
    granted_at = factory.LazyFunction(timezone.now)
