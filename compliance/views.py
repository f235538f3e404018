"""Pages of sponsored posts: legal's queue, the list, the form, the post and its evidence,
and the rule lists legal edits."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from compliance import selectors, services
from compliance.checks import FOLD, FOLDED_PLATFORMS, describe, highlight
from compliance.diff import content_diff
from compliance.filters import SponsoredPostFilter
from compliance.forms import (
    CommentForm,
    DecisionForm,
    PublishForm,
    RuleListForm,
    SponsoredPostForm,
)
from compliance.models import AccountKind, PostMedia, PostStatus, RuleList, SponsoredPost
from compliance.rulebook import KINDS, LANGUAGES
from incidents import freeze
from riskdesk.forms import add_service_errors
from riskdesk.htmx import render_page
from riskdesk.models import AuditEvent
from riskdesk.pagination import keyset_page
from riskdesk.permissions import can, require
from riskdesk.redirects import next_url

QUEUE_SIZE = 200


def _error_text(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return " ".join(m for messages_ in exc.message_dict.values() for m in messages_)
    return " ".join(exc.messages)


# --- Lists ---------------------------------------------------------------------------------


@login_required
def queue(request):
    """Legal's queue: what waits for a decision, failing checks first, then the soonest out."""
    require(request.user, "sponsored_post.view")
    items = list(selectors.legal_queue()[:QUEUE_SIZE])
    now = timezone.now()
    for post in items:
        post.findings = [f for f in describe(post.checks, post.text) if f["severity"] == "error"]
        post.can_decide = services.may_decide(request.user, post)
        post.overdue = post.review_due_at is not None and post.review_due_at < now
    return render(
        request,
        "compliance/queue.html",
        {
            "posts": items,
            "limit": QUEUE_SIZE,
            "counts": selectors.queue_counts(request.user),
            "freeze": freeze.current_freeze(),
            "can_create": can(request.user, "sponsored_post.create"),
            "decision_form": DecisionForm(),
        },
    )


@login_required
def post_list(request):
    require(request.user, "sponsored_post.view")
    filterset = SponsoredPostFilter(request.GET, queryset=selectors.posts(), request=request)
    page = keyset_page(filterset.qs, request.GET.get("before"))
    return render_page(
        request,
        "compliance/post_list.html",
        "compliance/_post_rows.html",
        {
            "filter": filterset,
            "page": page,
            "can_create": can(request.user, "sponsored_post.create"),
        },
    )


# --- Create and edit -----------------------------------------------------------------------


@login_required
def post_create(request):
    require(request.user, "sponsored_post.create")
    form = SponsoredPostForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.service_kwargs()
        try:
            post = services.sponsored_post_create(actor=request.user, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Draft saved. Check the results, then submit it to legal."))
            return redirect("sponsored_post_detail", pk=post.pk)
    return render(request, "compliance/post_form.html", {"form": form, "post": None})


@login_required
def post_edit(request, pk):
    post = get_object_or_404(SponsoredPost.objects.select_related("brand_account"), pk=pk)
    require(request.user, "sponsored_post.change", post)
    if post.is_final:
        messages.error(
            request,
            _("A %(status)s post cannot be changed.")
            % {"status": post.get_status_display().lower()},
        )
        return redirect("sponsored_post_detail", pk=post.pk)
    form = SponsoredPostForm(request.POST or None, request.FILES or None, instance=post)
    if request.method == "POST" and form.is_valid():
        data = form.service_kwargs()
        was_cleared = post.status in (PostStatus.APPROVED, PostStatus.SCHEDULED)
        try:
            post = services.sponsored_post_update(actor=request.user, post=post, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if was_cleared and post.status == PostStatus.SUBMITTED:
                messages.warning(
                    request,
                    _(
                        "The content changed after approval: the approval no longer counts and "
                        "the post is back with legal."
                    ),
                )
            else:
                messages.success(request, _("Changes saved; the checks ran again."))
            return redirect("sponsored_post_detail", pk=post.pk)
    return render(request, "compliance/post_form.html", {"form": form, "post": post})


# --- The post ------------------------------------------------------------------------------


def _timeline(post) -> list[dict]:
    entries = [{"kind": "decision", "at": d.decided_at, "item": d} for d in post.decisions.all()]
    entries += [{"kind": "comment", "at": c.created_at, "item": c} for c in post.comments.all()]
    return sorted(entries, key=lambda e: e["at"])


def _approvals(post) -> list[dict]:
    """Named reviewers and whether each approved the current content."""
    now = timezone.now()
    approved = {
        d.reviewer_id
        for d in post.decisions.all()
        if d.outcome == "approved"
        and d.content_digest == post.content_digest
        and d.voided_at is None
        and d.expires_at
        and d.expires_at > now
    }
    return [{"person": r, "approved": r.pk in approved} for r in post.reviewers.all()]


def _checks_context(post) -> dict:
    findings = describe(post.checks, post.text)
    fold = FOLD if post.platform in FOLDED_PLATFORMS else None
    return {
        "findings": findings,
        "segments": highlight(post.text, post.checks, fold=fold),
        "fold": fold,
        "checking_links": any(f["code"] == "links.pending" for f in post.checks),
    }


@login_required
def post_detail(request, pk):
    require(request.user, "sponsored_post.view")
    try:
        post = selectors.post_detail(pk)
    except SponsoredPost.DoesNotExist:
        raise Http404 from None
    decisions = list(post.decisions.all())
    last = decisions[-1] if decisions else None
    diff = None
    if last is not None and last.content_digest != post.content_digest:
        diff = content_diff(last.content, services.canonical_content(post, list(post.media.all())))
    may_change = can(request.user, "sponsored_post.change", post) and not post.is_final
    context = {
        "post": post,
        **_checks_context(post),
        "timeline": _timeline(post),
        "last_decision": last,
        "diff": diff,
        "approvals": _approvals(post),
        "cleared": services.is_cleared(post),
        "freeze": freeze.current_freeze(),
        "can_edit": may_change,
        "can_submit": may_change
        and post.status in (PostStatus.DRAFT, PostStatus.CHANGES_REQUESTED, PostStatus.EXPIRED),
        "can_decide": services.may_decide(request.user, post),
        "is_author_reviewer": (
            post.status == PostStatus.SUBMITTED
            and request.user.has_perm("compliance.review_sponsoredpost")
            and post.author_id == request.user.pk
        ),
        "can_schedule": post.status == PostStatus.APPROVED
        and can(request.user, "sponsored_post.publish", post),
        "can_publish": post.status in (PostStatus.APPROVED, PostStatus.SCHEDULED)
        and can(request.user, "sponsored_post.publish", post),
        "can_comment": can(request.user, "sponsored_post.comment", post),
        # The publishing calendar (its own home) can publish a brand account's post.
        "can_calendar": post.account_kind == AccountKind.BRAND
        and not post.is_final
        and can(request.user, "brand_post.write"),
        "decision_form": DecisionForm(initial={"content_digest": post.content_digest}),
        "comment_form": CommentForm(),
        "publish_form": PublishForm(),
    }
    return render(request, "compliance/post_detail.html", context)


@login_required
def post_checks(request, pk):
    """The checks beside the text (htmx polls it while links are being checked)."""
    require(request.user, "sponsored_post.view")
    post = get_object_or_404(SponsoredPost, pk=pk)
    return render(request, "compliance/_checks.html", {"post": post, **_checks_context(post)})


def _run(request, post, action, success: str, **kwargs):
    try:
        action(actor=request.user, post=post, **kwargs)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, success)


@login_required
@require_POST
def post_submit(request, pk):
    post = get_object_or_404(SponsoredPost, pk=pk)
    require(request.user, "sponsored_post.submit", post)
    _run(request, post, services.sponsored_post_submit, _("Submitted: legal has been told."))
    return redirect("sponsored_post_detail", pk=post.pk)


@login_required
@require_POST
def post_decide(request, pk):
    post = get_object_or_404(SponsoredPost, pk=pk)
    require(request.user, "sponsored_post.review", post)
    form = DecisionForm(request.POST)
    back = next_url(request, reverse("sponsored_post_detail", args=[post.pk]))
    if not form.is_valid():
        if "content_digest" in form.errors:
            messages.error(
                request,
                _("The decision does not name the version you read: reload the post and decide."),
            )
        else:
            messages.error(request, _("Choose a decision."))
        return redirect(back)
    done = {
        "approved": _("Approved: “%(title)s”."),
        "changes_requested": _("Changes requested on “%(title)s”."),
        "rejected": _("Rejected: “%(title)s”."),
    }[form.cleaned_data["outcome"]] % {"title": post.title}
    try:
        decision = services.sponsored_post_decide(
            actor=request.user, post=post, **form.cleaned_data
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        post.refresh_from_db()
        if decision.outcome == "approved" and post.status == PostStatus.SUBMITTED:
            done = _("Your approval is recorded; the post waits for the other reviewers.")
        messages.success(request, done)
    return redirect(back)


@login_required
@require_POST
def post_schedule(request, pk):
    post = get_object_or_404(SponsoredPost, pk=pk)
    require(request.user, "sponsored_post.publish", post)
    _run(request, post, services.sponsored_post_schedule, _("Scheduled."))
    return redirect("sponsored_post_detail", pk=post.pk)


@login_required
@require_POST
def post_publish(request, pk):
    post = get_object_or_404(SponsoredPost, pk=pk)
    require(request.user, "sponsored_post.publish", post)
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the http:// or https:// address of the post."))
    else:
        _run(
            request,
            post,
            services.sponsored_post_publish,
            _("Publication recorded."),
            url=form.cleaned_data["url"],
        )
    return redirect("sponsored_post_detail", pk=post.pk)


@login_required
@require_POST
def comment_add(request, pk):
    post = get_object_or_404(SponsoredPost, pk=pk)
    require(request.user, "sponsored_post.comment", post)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_add(actor=request.user, post=post, body=form.cleaned_data["body"])
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("Comment added."))
    else:
        messages.error(request, _("Write a comment (at most 5,000 characters)."))
    return redirect(reverse("sponsored_post_detail", args=[post.pk]) + "#comments")


# --- Files ---------------------------------------------------------------------------------


def _file_response(path: str, *, content_type: str, filename: str, attachment: bool):
    if not path or not default_storage.exists(path):
        raise Http404
    response = FileResponse(
        default_storage.open(path, "rb"),
        content_type=content_type,
        as_attachment=attachment,
        filename=filename,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
def media_file(request, pk):
    require(request.user, "sponsored_post.view")
    media = get_object_or_404(PostMedia, pk=pk)
    return _file_response(
        media.file,
        content_type=media.content_type,
        filename=media.original_name,
        attachment=request.GET.get("download") == "1",
    )


@login_required
def media_thumbnail(request, pk):
    require(request.user, "sponsored_post.view")
    media = get_object_or_404(PostMedia, pk=pk)
    return _file_response(
        media.thumbnail,
        content_type="image/jpeg",
        filename=f"thumbnail-{media.pk}.jpg",
        attachment=False,
    )


@login_required
def contract_file(request, pk):
    require(request.user, "sponsored_post.view")
    post = get_object_or_404(SponsoredPost, pk=pk)
    return _file_response(
        post.contract_file,
        content_type="application/pdf",
        filename=post.contract_name or "contract.pdf",
        attachment=True,
    )


# --- Evidence ------------------------------------------------------------------------------


@login_required
def evidence(request, pk):
    """The full decision record, printable (and saved as PDF from the browser) or as JSON."""
    require(request.user, "sponsored_post.view")
    try:
        post = selectors.post_detail(pk)
    except SponsoredPost.DoesNotExist:
        raise Http404 from None
    if request.GET.get("format") == "json":
        response = JsonResponse(
            selectors.evidence_record(post), json_dumps_params={"ensure_ascii": False, "indent": 2}
        )
        response["Content-Disposition"] = (
            f'attachment; filename="sponsored-post-{post.pk}-evidence.json"'
        )
        return response
    events = AuditEvent.objects.filter(
        target_type__app_label="compliance",
        target_type__model="sponsoredpost",
        target_id=str(post.pk),
    ).order_by("created_at", "pk")
    decisions = []
    for decision in post.decisions.all():
        decision.findings = describe(decision.checks, decision.content.get("text", ""))
        decisions.append(decision)
    return render(
        request,
        "compliance/evidence.html",
        {
            "post": post,
            "content": services.canonical_content(post, list(post.media.all())),
            "findings": describe(post.checks, post.text),
            "decisions": decisions,
            "events": events,
            "cleared": services.is_cleared(post),
            "generated_at": timezone.now(),
        },
    )


# --- Rule lists ------------------------------------------------------------------------------


@dataclass
class Entry:
    language: str
    language_name: str
    list: RuleList | None
    form: RuleListForm

    @property
    def count(self) -> int:
        return len(self.list.term_list) if self.list else 0


def _cards(bound: RuleListForm | None) -> list[dict]:
    stored = {(r.kind, r.category, r.language): r for r in RuleList.objects.all()}
    cards = []
    for kind in KINDS:
        groups = []
        for category, category_label in kind.categories.items():
            entries = []
            for language in kind.languages:
                key = (kind.code, category, language)
                rule_list = stored.get(key)
                prefix = f"{kind.code}-{category or 'all'}-{language.replace('*', 'any')}"
                if (
                    bound is not None
                    and (
                        bound.data.get("kind"),
                        bound.data.get("category", ""),
                        bound.data.get("language"),
                    )
                    == key
                ):
                    form = bound
                else:
                    form = RuleListForm(
                        initial={
                            "kind": kind.code,
                            "category": category,
                            "language": language,
                            "terms": "\n".join(rule_list.term_list) if rule_list else "",
                        },
                        auto_id=f"id_{prefix}_%s",
                    )
                entries.append(Entry(language, str(LANGUAGES[language]), rule_list, form))
            groups.append({"code": category, "label": category_label, "entries": entries})
        cards.append({"kind": kind, "groups": groups})
    return cards


@login_required
def rule_lists(request):
    require(request.user, "compliance_rules.view")
    bound = None
    if request.method == "POST":
        require(request.user, "compliance_rules.manage")
        prefix = "{}-{}-{}".format(
            request.POST.get("kind", ""),
            request.POST.get("category") or "all",
            request.POST.get("language", "").replace("*", "any"),
        )
        bound = RuleListForm(request.POST, auto_id=f"id_{prefix}_%s")
        if bound.is_valid():
            try:
                saved = services.rule_list_update(actor=request.user, **bound.cleaned_data)
            except ValidationError as exc:
                add_service_errors(bound, exc)
            else:
                messages.success(
                    request,
                    _("Saved: %(count)s terms. Open posts are being checked again.")
                    % {"count": len(saved.term_list)},
                )
                return redirect("compliance_rule_lists")
    return render(
        request,
        "compliance/rule_lists.html",
        {"cards": _cards(bound), "can_manage": can(request.user, "compliance_rules.manage")},
    )
