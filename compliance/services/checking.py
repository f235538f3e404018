"""The automatic checks on a post: run on every save, again when links answer or rules change."""

from django.db import transaction

from compliance import checks as checks_module
from compliance.content import canonical_content
from compliance.models import PostStatus, SponsoredPost
from compliance.rulebook import current_rulebook
from riskdesk.content_hash import content_digest
from riskdesk.jobs import enqueue_on_commit

OPEN_STATUSES = [
    PostStatus.DRAFT,
    PostStatus.SUBMITTED,
    PostStatus.CHANGES_REQUESTED,
    PostStatus.APPROVED,
    PostStatus.SCHEDULED,
    PostStatus.EXPIRED,
]


def post_content(post: SponsoredPost, media_count: int | None = None) -> checks_module.PostContent:
    return checks_module.PostContent(
        text=post.text,
        platform=post.platform,
        markets=list(post.markets),
        links=list(post.links),
        account_kind=post.account_kind,
        partner_handle=post.partner_handle,
        contract_handle=post.contract_handle,
        has_contract=bool(post.contract_file or post.contract_reference),
        media_count=post.media.count() if media_count is None else media_count,
        link_status=post.link_status,
    )


def _refresh(post: SponsoredPost) -> list[str]:
    """Recompute the digest and the checks; returns the links still waiting for a check."""
    media = list(post.media.all()) if post.pk else []
    post.content_digest = content_digest(canonical_content(post, media))
    rules = current_rulebook()
    links = checks_module.all_links(post_content(post, len(media)), rules.terms("shortener"))
    post.link_status = {k: v for k, v in post.link_status.items() if k in links}
    post.checks = checks_module.run_checks(post_content(post, len(media)), rules)
    post.check_errors, post.check_warnings = checks_module.counts(post.checks)
    return [link for link in links if link not in post.link_status]


def _queue_link_check(post: SponsoredPost, pending: list[str]) -> None:
    if pending:
        enqueue_on_commit("compliance.tasks.check_post_links", (post.pk,))


def post_check_links(*, post_id: int) -> SponsoredPost | None:
    """Fetch the links of a post that were not checked yet, then run the checks again."""
    from compliance.links import check_url

    post = SponsoredPost.objects.filter(pk=post_id).first()
    if post is None or post.is_final:
        return None
    rules = current_rulebook()
    links = checks_module.all_links(post_content(post), rules.terms("shortener"))
    results = {
        link: check_url(checks_module.link_url(link))
        for link in links
        if link not in post.link_status
    }
    if not results:
        return post
    with transaction.atomic():
        post = SponsoredPost.objects.select_for_update(of=("self",)).get(pk=post_id)
        post.link_status = {**post.link_status, **results}
        _refresh(post)
        post.save(update_fields=["link_status", "checks", "check_errors", "check_warnings"])
    return post


def posts_recheck(*, post_ids=None) -> int:
    """Run the checks again on open posts (after a rule list changed)."""
    queryset = SponsoredPost.objects.filter(status__in=OPEN_STATUSES)
    if post_ids is not None:
        queryset = queryset.filter(pk__in=post_ids)
    count = 0
    for post_id in queryset.values_list("pk", flat=True):
        with transaction.atomic():
            post = SponsoredPost.objects.select_for_update(of=("self",)).get(pk=post_id)
            _refresh(post)
            post.save(update_fields=["link_status", "checks", "check_errors", "check_warnings"])
            count += 1
    return count
