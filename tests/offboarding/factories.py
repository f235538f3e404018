"""factory_boy factories for brand accounts and access grants.

The connections riskdesk revokes through: tests.connections.factories (meta_business=True).
"""

import factory
from django.utils import timezone

from offboarding.models import (
    AccessGrant,
    AccessLevel,
    AccessVia,
    BrandAccount,
)
from tests.accounts.factories import UserFactory


class BrandAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BrandAccount

    platform = "x"
    handle = factory.Sequence(lambda n: f"brand{n}")
    display_name = "Acme"
    mfa_enabled = True


class AccessGrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccessGrant

    person = factory.SubFactory(UserFactory)
    account = factory.SubFactory(BrandAccountFactory)
    level = AccessLevel.ADMIN
    via = AccessVia.NATIVE_ROLE
    granted_at = factory.LazyFunction(timezone.now)
