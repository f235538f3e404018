"""Comments on a post; the people they @mention are told by mail."""

import re

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from compliance.models import Comment, SponsoredPost
from compliance.services.mail import _mail
from riskdesk.audit import audit_record
from riskdesk.permissions import require

MENTION_RE = re.compile(r"(?<![\w@])@([\w.+-]+(?:@[\w-]+(?:\.[\w-]+)+)?)")


def mentioned_people(body: str):
    User = get_user_model()
    people = {}
    for name in MENTION_RE.findall(body or ""):
        name = name.rstrip(".").lower()
        if "@" in name:
            person = User.objects.filter(email__iexact=name, is_active=True).first()
        else:
            found = list(User.objects.filter(email__istartswith=f"{name}@", is_active=True)[:2])
            person = found[0] if len(found) == 1 else None
        if person is not None:
            people[person.pk] = person
    return list(people.values())


@transaction.atomic
def comment_add(*, actor, post: SponsoredPost, body: str) -> Comment:
    require(actor, "sponsored_post.comment", post)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write a comment.")})
    if len(body) > 5000:
        raise ValidationError({"body": _("At most 5,000 characters.")})
    comment = Comment.objects.create(post=post, author=actor, author_label=str(actor), body=body)
    mentioned = [p for p in mentioned_people(body) if p.pk != actor.pk]
    comment.mentioned.set(mentioned)
    audit_record(
        actor=actor,
        verb="sponsored_post.comment",
        target=post,
        after={"comment": comment.pk, "body": body, "mentioned": [p.pk for p in mentioned]},
    )
    if mentioned:
        _mail(
            mentioned,
            _("%(person)s mentioned you on “%(title)s”") % {"person": actor, "title": post.title},
            [body],
            post,
        )
    return comment
