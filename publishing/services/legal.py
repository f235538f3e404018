"""What legal must approve, the content it approves, and what holds a post at its time."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from compliance import services as compliance
from compliance.content import planned_iso
from compliance.models import AccountKind, Market
from compliance.models import PostStatus as LegalStatus
from compliance.rulebook import Matcher
from compliance.selectors import clearance, regulated_claims
from connections.models import ConnectedAccount
from incidents import freeze as freezes
from publishing.models import BrandPost, HoldReason, LegalRule
from publishing.selectors import accounts_of


def rules_matching(text: str, accounts) -> list[LegalRule]:
    """The active team rules a post of `text`, published as `accounts`, falls under."""
    account_ids = {a.pk for a in accounts}
    matched = []
    for rule in LegalRule.objects.filter(is_active=True).prefetch_related("accounts"):
        on = {a.pk for a in rule.accounts.all()}
        if on and not on & account_ids:
            continue
        if rule.term_list and not Matcher(rule.term_list).find(text):
            continue
        matched.append(rule)
    return matched


@dataclass
class LegalNeeds:
    """Why legal must approve a post, with what the checks and the rules found."""

    sponsored: bool
    claims: list[dict]  # compliance findings, with their term and category
    rules: list[LegalRule]
    asked: bool
    reviewed: bool  # legal has it: unticking "sponsored" does not take it past legal

    @property
    def codes(self) -> list[str]:
        found = [
            code
            for code, present in (
                ("sponsored", self.sponsored),
                ("claim", self.claims),
                ("rule", self.rules),
                ("asked", self.asked),
            )
            if present
        ]
        return found or (["reviewed"] if self.reviewed else [])


def legal_needs(post: BrandPost, accounts) -> LegalNeeds:
    return LegalNeeds(
        sponsored=post.sponsored,
        claims=regulated_claims(post.text, post.markets or list(Market.values)),
        rules=rules_matching(post.text, accounts),
        asked=post.ask_legal,
        reviewed=post.clearance_id is not None,
    )


def legal_reasons(post: BrandPost, accounts) -> list[str]:
    """Why legal must approve `post` (codes: sponsored, claim, rule, asked; reviewed, once
    legal has it, whatever the edits since), or []."""
    return legal_needs(post, accounts).codes


def legal_content(post: BrandPost, account: ConnectedAccount) -> dict:
    """What legal approves of `post` sent as `account`, as compliance's clearance compares
    it (compliance.content.PUBLISHED)."""
    brand = account.brand_account
    return {
        "text": post.text,
        "media": [],
        "links": [post.link] if post.link else [],
        "account": f"{brand.platform}:@{brand.handle.casefold()}",
        "planned_at": planned_iso(post.scheduled_at) if post.scheduled_at else None,
    }


def clearance_sync(actor, post: BrandPost) -> None:
    """Legal reviews this post's current content: a new review, or the open one updated
    (which voids an approval of other content and sends it back to legal)."""
    (account,) = accounts_of(post)
    fields = {
        "title": post.title,
        "text": post.text,
        "links": [post.link] if post.link else [],
        "platform": account.brand_account.platform,
        "account_kind": AccountKind.BRAND,
        "brand_account": account.brand_account,
        "markets": post.markets,
        "planned_at": post.scheduled_at,
    }
    review = post.clearance
    if review is not None and not review.is_final:
        if clearance(review, None, legal_content(post, account))["reason"] != "content_mismatch":
            return
        review = compliance.sponsored_post_update(actor=actor, post=review, **fields)
        if review.status in (LegalStatus.DRAFT, LegalStatus.CHANGES_REQUESTED):
            compliance.sponsored_post_submit(actor=actor, post=review)
        return
    review = compliance.sponsored_post_create(actor=actor, **fields)
    compliance.sponsored_post_submit(actor=actor, post=review)
    post.clearance = review
    post.save(update_fields=["clearance"])


def hold_for(post: BrandPost, account: ConnectedAccount, freeze=None) -> tuple[str, str]:
    """Why `post` may not go out as `account` right now: (HoldReason, detail), or ("", "")."""
    freeze = freeze if freeze is not None else freezes.current_freeze()
    if freeze is not None:
        return HoldReason.FROZEN, frozen_detail(freeze)
    if not (post.legal_reasons or legal_reasons(post, [account])):  # a rule added since
        return "", ""
    if post.clearance is None:
        return HoldReason.NOT_APPROVED, _("It was never sent to legal.")
    answer = clearance(post.clearance, None, legal_content(post, account))
    if answer["cleared"]:
        return "", ""
    reason = answer["reason"] if answer["reason"] in HoldReason.values else HoldReason.NOT_APPROVED
    return reason, str(answer["detail"])


def frozen_detail(freeze) -> str:
    return _("Incident %(incident)s: %(reason)s") % {
        "incident": freeze.incident,
        "reason": freeze.reason,
    }
