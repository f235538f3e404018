"""factory_boy factories for policies and training, and a helper that publishes through services."""

import factory
from django.utils.text import slugify

from policies import services
from policies.models import Policy, PolicyKind, TrainingModule, TrainingRecord
from tests.accounts.factories import UserFactory


class PolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Policy
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Policy {n}")
    slug = factory.LazyAttribute(lambda policy: slugify(policy.title))
    kind = PolicyKind.SOCIAL_MEDIA
    owner = factory.SubFactory(UserFactory)
    audience_everyone = True
    review_interval_months = 6

    @factory.post_generation
    def teams(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.audience_everyone = False
            obj.save(update_fields=["audience_everyone"])
            obj.audience_teams.set(extracted)


class TrainingModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingModule
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Module {n}")
    code = factory.Sequence(lambda n: f"module-{n}")
    validity_months = 12
    audience_everyone = True

    @factory.post_generation
    def teams(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.audience_everyone = False
            obj.save(update_fields=["audience_everyone"])
            obj.audience_teams.set(extracted)


class TrainingRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingRecord

    user = factory.SubFactory(UserFactory)
    module = factory.SubFactory(TrainingModuleFactory)
    completed_on = factory.Faker("past_date", start_date="-100d")
    expires_on = factory.LazyAttribute(lambda r: r.module.expiry_after(r.completed_on))
    source = "manual"


def publish(policy, body, *, author, reviewer, summary="Changes.", material=True):
    """A revision written by `author`, approved and published by `reviewer` (a manager)."""
    revision = services.revision_create(
        actor=author, policy=policy, body=body, summary=summary, material_change=material
    )
    services.revision_submit(actor=author, revision=revision, reviewers=[reviewer])
    services.revision_approve(
        actor=reviewer, revision=revision, content_digest=revision.content_digest
    )
    return services.revision_publish(actor=reviewer, revision=revision)
