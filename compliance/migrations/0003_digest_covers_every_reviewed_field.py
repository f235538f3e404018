"""The content digest now covers every field legal reviews (compliance.content.REVIEWED).

Posts not yet approved get their digest computed again, so what a reviewer reads and
approves from now on is bound to every reviewed field. Approvals given on the narrower
digest to a post still waiting for other reviewers stop counting (they did not bind the
markets, partner or contract). Approved and scheduled posts keep the approval they have
until it expires or the post changes: any edit computes the new digest and voids it.
"""

from django.db import migrations
from django.utils import timezone

NOT_APPROVED = ["draft", "submitted", "changes_requested", "expired"]


def recompute(apps, schema_editor):
    from compliance.content import canonical_content
    from riskdesk.content_hash import content_digest

    SponsoredPost = apps.get_model("compliance", "SponsoredPost")
    Decision = apps.get_model("compliance", "Decision")
    now = timezone.now()
    posts = SponsoredPost.objects.filter(status__in=NOT_APPROVED).select_related("brand_account")
    for post in posts.iterator():
        digest = content_digest(canonical_content(post, list(post.media.order_by("pk"))))
        if digest == post.content_digest:
            continue
        Decision.objects.filter(post=post, outcome="approved", voided_at__isnull=True).update(
            voided_at=now, void_reason="the digest now covers every reviewed field"
        )
        SponsoredPost.objects.filter(pk=post.pk).update(content_digest=digest)


class Migration(migrations.Migration):
    dependencies = [("compliance", "0002_seed_rule_lists")]

    operations = [migrations.RunPython(recompute, migrations.RunPython.noop)]
