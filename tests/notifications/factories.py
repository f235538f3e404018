"""factory_boy factories for people's notifications and their preferences."""

import factory

from notifications.models import EmailMode, Notification, NotificationKind, NotificationPreference
from tests.accounts.factories import UserFactory


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    kind = NotificationKind.ASSIGNED
    title = factory.Sequence(lambda n: f"Something happened {n}")
    path = "/inbox/"
    in_app = True
    email = EmailMode.OFF


class NotificationPreferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NotificationPreference

    user = factory.SubFactory(UserFactory)
    kind = NotificationKind.ASSIGNED
    in_app = True
    email = EmailMode.OFF
