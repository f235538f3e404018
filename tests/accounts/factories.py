"""factory_boy factories for people, teams, memberships and SCIM providers."""

import factory
from django.contrib.auth.models import Group
from django.utils.text import slugify

from accounts.models import ScimProvider, Team, TeamKind, TeamMembership, User

DEFAULT_PASSWORD = "password-123!"


class UserFactory(factory.django.DjangoModelFactory):
    """A person; `UserFactory(roles=["admin"])` gives them roles."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    display_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def roles(obj, create, extracted, **kwargs):
        if not create:
            return
        obj.save(update_fields=["password"])  # set by the hook above
        if extracted:
            groups = list(Group.objects.filter(name__in=extracted))
            # The role groups exist after migrate (accounts.services.roles_sync).
            assert len(groups) == len(set(extracted)), f"unknown role in {extracted}"
            obj.groups.add(*groups)
        obj.__dict__.pop("_roles_cache", None)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.LazyAttribute(lambda team: slugify(team.name))
    kind = TeamKind.SOCIAL


class TeamMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamMembership

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory)
    is_lead = False


class ScimProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScimProvider

    name = factory.Sequence(lambda n: f"Okta {n}")
    token_digest = factory.Sequence(lambda n: f"{n:064x}")
    token_hint = "rdscim_xxxxx"
