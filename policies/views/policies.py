"""Policy pages: list, detail, revisions and their review, differences, acknowledgements."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Team
from accounts.roles import Role
from policies import selectors, services
from policies.diff import diff_texts
from policies.filters import PolicyFilter
from policies.forms import (
    CommentForm,
    DiffForm,
    PolicyForm,
    RequestChangesForm,
    RevisionForm,
    SubmitForm,
)
from policies.markdown import render_markdown
from policies.models import OPEN_STATUSES, Acknowledgement, PolicyRevision, RevisionStatus
from riskdesk import csv_export
from riskdesk.forms import add_service_errors
from riskdesk.htmx import render_page
from riskdesk.permissions import can, require
from riskdesk.redirects import next_url

# --- Lookups ------------------------------------------------------------------------------


def _policy(slug: str):
    return get_object_or_404(selectors.policies_for_list(), slug=slug)


def _revision(user, slug: str, number: int) -> PolicyRevision:
    revision = get_object_or_404(
        selectors.revision_with_reviews(), policy__slug=slug, number=number
    )
    if not can(user, "revision.view", revision):
        raise Http404  # drafts are not shown to people who may not read them
    return revision


def audience_label(target) -> list[str]:
    if target.audience_everyone:
        return [_("Everyone")]
    teams = [team.name for team in target.audience_teams.all()]
    roles = [Role(role).label for role in target.audience_roles if role in Role.values]
    return teams + [_("Role: %(role)s") % {"role": role} for role in roles]


# --- Policies -----------------------------------------------------------------------------


@login_required
def policy_list(request):
    require(request.user, "policy.view")
    open_revisions = PolicyRevision.objects.filter(policy=OuterRef("pk"), status__in=OPEN_STATUSES)
    queryset = selectors.policies_for_list().annotate(
        open_number=Subquery(open_revisions.values("number")[:1]),
        open_status=Subquery(open_revisions.values("status")[:1]),
    )
    filterset = PolicyFilter(request.GET, queryset=queryset)
    policies = list(filterset.qs.order_by("title"))
    pending = {p.pk for p in selectors.pending_acknowledgements(request.user)}
    completion = {}
    if can(request.user, "compliance.view") and policies:
        completion = selectors.acknowledgement_completion(policies, selectors.directory())
    for policy in policies:
        policy.must_acknowledge = policy.pk in pending
        policy.completion = completion.get(policy.pk)
        policy.open_status_label = (
            RevisionStatus(policy.open_status).label if policy.open_status else ""
        )
    return render_page(
        request,
        "policies/policy_list.html",
        "policies/_policy_rows.html",
        {
            "filter": filterset,
            "policies": policies,
            "can_manage": can(request.user, "policy.manage"),
            "can_see_compliance": can(request.user, "compliance.view"),
        },
    )


@login_required
def policy_detail(request, slug):
    require(request.user, "policy.view")
    policy = _policy(slug)
    revisions = list(policy.revisions.select_related("author").order_by("-number"))
    visible = [r for r in revisions if can(request.user, "revision.view", r)]
    open_revision = next((r for r in revisions if r.is_open), None)
    current = policy.current_revision
    must_acknowledge = policy in selectors.pending_acknowledgements(request.user)
    completion = None
    if can(request.user, "compliance.view") and policy.acknowledgement_revision_id:
        completion = selectors.acknowledgement_completion([policy], selectors.directory()).get(
            policy.pk
        )
    return render(
        request,
        "policies/policy_detail.html",
        {
            "policy": policy,
            "audience": audience_label(policy),
            "current": current,
            "current_html": render_markdown(current.body) if current else "",
            "revisions": visible,
            "open_revision": open_revision
            if open_revision and can(request.user, "revision.view", open_revision)
            else None,
            "must_acknowledge": must_acknowledge,
            "completion": completion,
            "can_manage": can(request.user, "policy.manage", policy),
            "can_write": can(request.user, "revision.write", policy) and open_revision is None,
            "can_see_compliance": can(request.user, "compliance.view"),
            "modules": policy.training_modules.filter(is_active=True),
        },
    )


def _policy_form_values(form) -> dict:
    return dict(form.cleaned_data)


@login_required
def policy_create(request):
    require(request.user, "policy.manage")
    form = PolicyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            policy = services.policy_create(actor=request.user, **_policy_form_values(form))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Policy %(policy)s created. Write its first revision.") % {"policy": policy},
            )
            return redirect("policy_revision_create", slug=policy.slug)
    return render(request, "policies/policy_form.html", {"form": form, "policy": None})


@login_required
def policy_edit(request, slug):
    policy = _policy(slug)
    require(request.user, "policy.manage", policy)
    form = PolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        try:
            policy = services.policy_update(
                actor=request.user, policy=policy, **_policy_form_values(form)
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Policy %(policy)s saved.") % {"policy": policy})
            return redirect("policy_detail", slug=policy.slug)
    return render(request, "policies/policy_form.html", {"form": form, "policy": policy})


# --- Revisions ----------------------------------------------------------------------------


@login_required
def revision_create(request, slug):
    policy = _policy(slug)
    require(request.user, "revision.write", policy)
    first = not policy.revisions.exists()
    base = policy.current_revision
    initial = {"body": base.body if base else "", "material_change": first}
    form = RevisionForm(request.POST or None, initial=initial, first=first)
    if request.method == "POST" and form.is_valid():
        try:
            revision = services.revision_create(
                actor=request.user, policy=policy, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Draft revision %(number)s saved. Send it for review when it is ready.")
                % {"number": revision.number},
            )
            return redirect("policy_revision_detail", slug=policy.slug, number=revision.number)
    return render(
        request,
        "policies/revision_form.html",
        {"form": form, "policy": policy, "revision": None, "base": base},
    )


@login_required
def revision_edit(request, slug, number):
    revision = _revision(request.user, slug, number)
    require(request.user, "revision.write", revision)
    if not revision.is_open:
        messages.error(request, _("A published revision cannot change: start a new revision."))
        return redirect("policy_revision_detail", slug=slug, number=number)
    form = RevisionForm(
        request.POST or None,
        initial={
            "body": revision.body,
            "summary": revision.summary,
            "material_change": revision.material_change,
        },
        first=revision.number == 1,
    )
    if request.method == "POST" and form.is_valid():
        was_reviewed = revision.status != RevisionStatus.DRAFT
        try:
            revision = services.revision_update(
                actor=request.user, revision=revision, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if was_reviewed:
                messages.warning(
                    request,
                    _("Saved. The text changed, so earlier approvals no longer count: "
                      "it is back in review."),
                )  # fmt: skip
            else:
                messages.success(request, _("Draft saved."))
            return redirect("policy_revision_detail", slug=slug, number=number)
    return render(
        request,
        "policies/revision_form.html",
        {"form": form, "policy": revision.policy, "revision": revision, "base": None},
    )


def _base_for(revision: PolicyRevision) -> PolicyRevision | None:
    """What a revision is compared with: the published one, or the one before it."""
    policy = revision.policy
    if revision.is_open and policy.current_revision_id:
        return PolicyRevision.objects.get(pk=policy.current_revision_id)
    return policy.revisions.filter(number__lt=revision.number).order_by("-number").first()


def _revision_context(request, revision, **forms) -> dict:
    user = request.user
    base = _base_for(revision)
    my_review = next((r for r in revision.reviews.all() if r.reviewer_id == user.pk), None)
    can_write = can(user, "revision.write", revision) and revision.is_open
    can_review = can(user, "revision.review", revision) and revision.status in (
        RevisionStatus.IN_REVIEW,
        RevisionStatus.APPROVED,
    )
    context = {
        "policy": revision.policy,
        "revision": revision,
        "base": base,
        "diff": diff_texts(base.body, revision.body) if base else None,
        "body_html": render_markdown(revision.body),
        "reviews": list(revision.reviews.all()),
        "comments": list(revision.comments.select_related("author")),
        "my_review": my_review,
        "can_write": can_write,
        "can_submit": can_write and revision.status == RevisionStatus.DRAFT,
        "can_review": can_review,
        "can_approve": can_review and not (my_review and my_review.counts),
        "can_publish": can(user, "revision.publish", revision)
        and revision.status == RevisionStatus.APPROVED
        and services.approval_satisfied(revision),
        "can_comment": can(user, "revision.comment", revision) and revision.is_open,
        "numbered_lines": list(enumerate(revision.body.splitlines(), start=1)),
    }
    if context["can_submit"]:
        context["submit_form"] = forms.get("submit_form") or SubmitForm(revision=revision)
    if can_review:
        context["changes_form"] = forms.get("changes_form") or RequestChangesForm(
            revision=revision, prefix="changes"
        )
    if context["can_comment"]:
        context["comment_form"] = forms.get("comment_form") or CommentForm(
            revision=revision, prefix="comment"
        )
    return context


@login_required
def revision_detail(request, slug, number):
    revision = _revision(request.user, slug, number)
    return render(request, "policies/revision_detail.html", _revision_context(request, revision))


def _invalid(request, revision, status=400, **forms):
    context = _revision_context(request, revision, **forms)
    return render(request, "policies/revision_detail.html", context, status=status)


@login_required
@require_POST
def revision_submit(request, slug, number):
    revision = _revision(request.user, slug, number)
    require(request.user, "revision.write", revision)
    form = SubmitForm(request.POST, revision=revision)
    if form.is_valid():
        try:
            services.revision_submit(actor=request.user, revision=revision, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Sent for review. The reviewers have been told by e-mail."))
            return redirect("policy_revision_detail", slug=slug, number=number)
    return _invalid(request, revision, submit_form=form)


@login_required
@require_POST
def revision_approve(request, slug, number):
    revision = _revision(request.user, slug, number)
    require(request.user, "revision.review", revision)
    try:
        revision = services.revision_approve(
            actor=request.user,
            revision=revision,
            content_digest=request.POST.get("content_digest", ""),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if revision.status == RevisionStatus.APPROVED:
            messages.success(request, _("Approved. The revision can now be published."))
        else:
            messages.success(
                request, _("Your approval is recorded. The other reviewers still have to approve.")
            )
    return redirect("policy_revision_detail", slug=slug, number=number)


@login_required
@require_POST
def revision_request_changes(request, slug, number):
    revision = _revision(request.user, slug, number)
    require(request.user, "revision.review", revision)
    form = RequestChangesForm(request.POST, revision=revision, prefix="changes")
    if form.is_valid():
        try:
            services.revision_request_changes(
                actor=request.user,
                revision=revision,
                comment=form.cleaned_data["body"],
                line=form.cleaned_data["line"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Sent back to the author as a draft, with your comment."))
            return redirect("policy_revision_detail", slug=slug, number=number)
    return _invalid(request, revision, changes_form=form)


@login_required
@require_POST
def revision_comment(request, slug, number):
    revision = _revision(request.user, slug, number)
    require(request.user, "revision.comment", revision)
    form = CommentForm(request.POST, revision=revision, prefix="comment")
    if form.is_valid():
        try:
            services.revision_comment(
                actor=request.user,
                revision=revision,
                body=form.cleaned_data["body"],
                line=form.cleaned_data["line"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Comment added."))
            return redirect("policy_revision_detail", slug=slug, number=number)
    return _invalid(request, revision, comment_form=form)


@login_required
@require_POST
def revision_publish(request, slug, number):
    revision = _revision(request.user, slug, number)
    require(request.user, "revision.publish", revision)
    try:
        revision = services.revision_publish(actor=request.user, revision=revision)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("policy_revision_detail", slug=slug, number=number)
    if revision.material_change:
        messages.success(
            request,
            _("Revision %(number)s is published. Its audience has been asked to acknowledge it.")
            % {"number": revision.number},
        )
    else:
        messages.success(
            request, _("Revision %(number)s is published.") % {"number": revision.number}
        )
    return redirect("policy_detail", slug=slug)


# --- Differences --------------------------------------------------------------------------


@login_required
def policy_diff(request, slug):
    require(request.user, "policy.view")
    policy = _policy(slug)
    revisions = [
        r
        for r in policy.revisions.select_related("policy").order_by("-number")
        if can(request.user, "revision.view", r)
    ]
    if not revisions:
        raise Http404
    by_number = {r.number: r for r in revisions}
    newest = revisions[0]
    default_old = revisions[1].number if len(revisions) > 1 else newest.number
    data = {"old": default_old, "new": newest.number, "view": "side"} | request.GET.dict()
    form = DiffForm(data, revisions=revisions)
    diff = old = new = None
    view = "side"
    if form.is_valid():
        view = form.cleaned_data["view"] or "side"
        old, new = by_number[form.cleaned_data["old"]], by_number[form.cleaned_data["new"]]
        diff = diff_texts(old.body, new.body)
    return render(
        request,
        "policies/policy_diff.html",
        {
            "policy": policy,
            "form": form,
            "diff": diff,
            "old": old,
            "new": new,
            "view": view,
        },
    )


# --- Acknowledgements ---------------------------------------------------------------------


@login_required
def policy_acknowledge(request, slug):
    require(request.user, "policy.acknowledge")
    policy = _policy(slug)
    current = policy.current_revision
    if current is None:
        raise Http404
    if request.method == "POST":
        try:
            _ack, created = services.acknowledgement_record(actor=request.user, revision=current)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if created:
                messages.success(
                    request,
                    _("Thank you: you acknowledged revision %(number)s of %(policy)s.")
                    % {"number": current.number, "policy": policy},
                )
            else:
                messages.info(request, _("You had already acknowledged this revision."))
            return redirect(next_url(request) or reverse("policy_detail", kwargs={"slug": slug}))
    last = selectors.last_acknowledged(request.user, policy)
    already = last is not None and last.number >= current.number
    in_audience = selectors.audience_of(policy).filter(pk=request.user.pk).exists()
    return render(
        request,
        "policies/acknowledge.html",
        {
            "policy": policy,
            "current": current,
            "last": last,
            "already": already,
            "in_audience": in_audience,
            "diff": diff_texts(last.body, current.body) if last and not already else None,
            "body_html": render_markdown(current.body),
            "next": next_url(request) or "",
            "acknowledged_at": Acknowledgement.objects.filter(user=request.user, revision=current)
            .values_list("acknowledged_at", flat=True)
            .first(),
        },
    )


@login_required
def policy_acknowledgements(request, slug):
    require(request.user, "compliance.view")
    policy = _policy(slug)
    people = selectors.directory()
    completion = selectors.acknowledgement_completion([policy], people).get(policy.pk)
    if request.GET.get("format") == "csv":
        return _acknowledgements_csv(policy, completion)
    team_names = {team.pk: team.name for team in people.teams}
    for person in completion.required if completion else []:
        person.team_names = sorted(team_names[t] for t in person.team_ids)
        person.acknowledged_at = completion.acknowledged_at.get(person.pk)
    acknowledged = [p for p in completion.required if p.acknowledged_at] if completion else []
    acknowledged.sort(key=lambda person: person.acknowledged_at, reverse=True)
    return render(
        request,
        "policies/acknowledgements.html",
        {
            "policy": policy,
            "completion": completion,
            "teams": selectors.team_completion(people, completion) if completion else [],
            "acknowledged": acknowledged,
        },
    )


def _acknowledgements_csv(policy, completion) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="acknowledgements-{policy.slug}-{stamp}.csv"'
    )
    writer = csv_export.writer(response)
    writer.writerow(["name", "email", "teams", "revision", "acknowledged", "acknowledged_at"])
    if completion is None:
        return response
    teams = {team.pk: team.name for team in Team.objects.all()}
    for person in completion.required:
        when = completion.acknowledged_at.get(person.pk)
        writer.writerow(
            [
                person.name,
                person.email,
                "; ".join(sorted(teams[t] for t in person.team_ids)),
                policy.acknowledgement_revision.number,
                "yes" if when else "no",
                when.isoformat() if when else "",
            ]
        )
    return response
