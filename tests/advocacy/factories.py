"""Library posts, shares and a ready social media policy, made through the services."""

from datetime import timedelta

import factory
from django.utils import timezone

from advocacy import services
from advocacy.models import LibraryPost, LibraryStatus
from compliance import services as compliance
from policies import services as policy_services
from policies.models import PolicyKind
from tests.policies.factories import (
    PolicyFactory,
    TrainingModuleFactory,
    TrainingRecordFactory,
    publish,
)

TEXT = "Our Lyon roastery now runs on solar power. Proud of the team!"
LINK = "https://lumora.example/news/solar-roastery"


class LibraryPostFactory(factory.django.DjangoModelFactory):
    """A row as it is stored; tests of the workflow use `make_post` (the services)."""

    class Meta:
        model = LibraryPost

    title = factory.Sequence(lambda n: f"Brand news {n}")
    text = TEXT
    link = LINK
    networks = factory.LazyFunction(lambda: ["x", "linkedin"])
    markets = factory.LazyFunction(lambda: ["US"])
    status = LibraryStatus.AVAILABLE
    content_digest = factory.LazyAttribute(lambda post: post.compute_digest())


def make_post(curator, **fields) -> LibraryPost:
    defaults = {
        "title": "Solar roastery",
        "text": TEXT,
        "link": LINK,
        "networks": ["x", "linkedin", "facebook", "mastodon", "bluesky"],
        "markets": ["US", "FR"],
    }
    return services.library_post_create(actor=curator, **(defaults | fields))


def available_post(curator, **fields) -> LibraryPost:
    return services.library_post_publish(actor=curator, post=make_post(curator, **fields))


def legal_approves(post: LibraryPost, lawyer) -> None:
    sponsored = post.clearance
    sponsored.refresh_from_db()
    compliance.sponsored_post_decide(
        actor=lawyer,
        post=sponsored,
        outcome="approved",
        content_digest=sponsored.content_digest,
        comment="Fine for employees.",
    )


def cleared_post(curator, lawyer, **fields) -> LibraryPost:
    """A sponsored post legal approved, made available by the sync."""
    post = make_post(curator, needs_legal=True, **fields)
    post = services.library_post_ask_legal(actor=curator, post=post)
    legal_approves(post, lawyer)
    services.library_posts_sync()
    post.refresh_from_db()
    return post


class SocialMediaPolicy:
    """A published social media policy and its training module."""

    def __init__(self, owner, reviewer, *, self_service=True):
        self.policy = PolicyFactory(
            title="Social media policy", owner=owner, kind=PolicyKind.SOCIAL_MEDIA
        )
        self.revision = publish(
            self.policy, "Be kind. Say you work here.", author=owner, reviewer=reviewer
        )
        self.module = TrainingModuleFactory(
            title="Social media essentials",
            code="social-media-essentials",
            policy=self.policy,
            self_service=self_service,
        )

    def acknowledge(self, person):
        self.policy.refresh_from_db()
        policy_services.acknowledgement_record(actor=person, revision=self.policy.current_revision)

    def train(self, person, days_ago=10):
        completed_on = timezone.localdate() - timedelta(days=days_ago)
        return TrainingRecordFactory(user=person, module=self.module, completed_on=completed_on)

    def make_ready(self, person):
        self.acknowledge(person)
        self.train(person)
        return person
