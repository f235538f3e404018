"""The people a post's workflow tells, and the mail it sends them."""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse

from compliance.models import SponsoredPost
from riskdesk.mail import absolute_url, mail_people


def reviewers_for(post: SponsoredPost):
    named = list(post.reviewers.all())
    if named:
        return named
    return list(
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(groups__permissions__codename="review_sponsoredpost")
            | Q(user_permissions__codename="review_sponsoredpost")
        )
        .exclude(pk=post.author_id)
        .distinct()
    )


def _post_url(post) -> str:
    return absolute_url(reverse("sponsored_post_detail", args=[post.pk]))


def _mail(people, subject: str, lines: list[str], post) -> None:
    body = "\n\n".join([*lines, _post_url(post)])
    mail_people(people=people, subject=subject, body=body)
