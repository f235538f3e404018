"""The demo library: what a visitor sees, and who may share."""

import pytest
from django.core.management import call_command

from accounts.demo import demo_email
from accounts.models import User
from advocacy import demo, selectors
from advocacy.models import LibraryPost, LibraryStatus, Share
from compliance.models import PostStatus

pytestmark = pytest.mark.django_db


def test_the_demo_library(settings):
    call_command("seed_demo", verbosity=0)
    posts = {p.title: p for p in LibraryPost.objects.select_related("clearance")}
    assert posts[demo.SOLAR_TITLE].status == LibraryStatus.AVAILABLE
    partner = posts[demo.PARTNER_TITLE]
    assert partner.status == LibraryStatus.AVAILABLE
    assert partner.clearance.status == PostStatus.APPROVED
    assert selectors.legal_state(partner)["cleared"]
    draft = posts[demo.DRAFT_TITLE]
    assert draft.status == LibraryStatus.DRAFT
    assert draft.requires_legal  # "miracle" is a health claim
    assert Share.objects.count() == 3
    people = {login: User.objects.get(email=demo_email(login)) for login in ("social", "hr")}
    assert selectors.readiness(people["social"]).ready
    hr = selectors.readiness(people["hr"])
    assert {m.code for m in hr.missing} == {"acknowledge", "training"}
    assert "/training/modules/social-media-essentials/complete/" in [m.url for m in hr.missing]
    call_command("seed_demo", verbosity=0)  # idempotent
    assert LibraryPost.objects.count() == 3
    assert Share.objects.count() == 3
