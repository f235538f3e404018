"""Writing a post (with its live preview per network), the post's page and its actions."""

from datetime import date, datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from compliance.models import SponsoredPost
from inbox.models import ReplyState
from publishing import selectors, services
from publishing.forms import (
    BrandPostForm,
    PreviewForm,
    ReleaseForm,
    RescheduleForm,
    one_newline,
)
from publishing.models import BrandPost, Delivery, PostStatus
from publishing.views.calendar import _error_text, movable
from publishing.views.display import (
    STATUS_BADGES,
    history_label,
    legal_labels,
    post_legal_labels,
    previews,
)
from riskdesk.forms import add_service_errors
from riskdesk.models import AuditEvent
from riskdesk.permissions import can, require
from riskdesk.redirects import next_url

DEFAULT_TIME = time(10, 0)


def _get(pk) -> BrandPost:
    return get_object_or_404(selectors.posts(), pk=pk)


# --- Write ----------------------------------------------------------------------------------


def _form_context(form, post, accounts) -> dict:
    """The preview and legal's reasons, from what the form holds (bound or initial)."""
    if form.is_bound:
        data = form.data
        text, link = one_newline(data.get("text", "")), data.get("link", "")
        chosen = {str(v) for v in data.getlist("accounts")}
        sponsored, ask_legal = bool(data.get("sponsored")), bool(data.get("ask_legal"))
        markets = data.getlist("markets")
    else:
        initial = form.initial
        text, link = initial.get("text", ""), initial.get("link", "")
        chosen = {str(a.pk) for a in initial.get("accounts", [])}
        sponsored, ask_legal = initial.get("sponsored", False), initial.get("ask_legal", False)
        markets = initial.get("markets", [])
    chosen_accounts = [a for a in accounts if str(a.pk) in chosen]
    return {
        "form": form,
        "post": post,
        "preview": previews(chosen_accounts, text, link),
        "legal": legal_labels(
            text=text,
            sponsored=sponsored,
            ask_legal=ask_legal,
            markets=markets,
            accounts=chosen_accounts,
        ),
        "has_accounts": bool(accounts),
    }


def _initial_time(value: str | None):
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        return None
    return timezone.make_aware(datetime.combine(day, DEFAULT_TIME))


@login_required
def post_create(request):
    require(request.user, "brand_post.write")
    accounts = selectors.publishing_accounts(request.user)
    initial = {"scheduled_at": _initial_time(request.GET.get("date"))}
    if len(accounts) == 1:
        initial["accounts"] = accounts
    form = BrandPostForm(request.POST or None, initial=initial, accounts=accounts)
    if request.method == "POST" and form.is_valid():
        schedule = request.POST.get("action") == "schedule"
        try:
            post = services.post_create(
                actor=request.user, schedule=schedule, **form.service_kwargs()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("Scheduled.") if schedule else _("Draft saved: it is not scheduled.")
            )
            return redirect("publishing_post", pk=post.pk)
    return render(request, "publishing/post_form.html", _form_context(form, None, accounts))


def _unchanged_time_kept(post, fields: dict) -> dict:
    """The form's time has minutes only: the same minute keeps the post's exact time, so an
    edit of the title does not move the post (nor send it back to legal)."""
    at, kept = fields.get("scheduled_at"), post.scheduled_at
    if at and kept and at == kept.replace(second=0, microsecond=0):
        fields["scheduled_at"] = kept
    return fields


@login_required
def post_edit(request, pk):
    post = _get(pk)
    require(request.user, "brand_post.write", post)
    if not post.is_editable:
        messages.error(
            request,
            _("A %(status)s post cannot be changed.")
            % {"status": post.get_status_display().lower()},
        )
        return redirect("publishing_post", pk=post.pk)
    current = selectors.accounts_of(post)
    accounts = selectors.publishing_accounts(request.user)
    accounts += [a for a in current if a.pk not in {b.pk for b in accounts}]
    initial = {
        "title": post.title,
        "text": post.text,
        "link": post.link,
        "accounts": current,
        "scheduled_at": post.scheduled_at,
        "sponsored": post.sponsored,
        "ask_legal": post.ask_legal,
        "markets": post.markets,
        "version": post.version,
    }
    form = BrandPostForm(request.POST or None, initial=initial, accounts=accounts)
    if request.method == "POST" and form.is_valid():
        schedule = request.POST.get("action") == "schedule"
        try:
            with transaction.atomic():
                saved = services.post_update(
                    actor=request.user,
                    post=post,
                    version=form.cleaned_data["version"],
                    **_unchanged_time_kept(post, form.service_kwargs()),
                )
                if schedule and saved.status in (PostStatus.DRAFT, PostStatus.FAILED):
                    saved = services.post_schedule(actor=request.user, post=saved)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Scheduled.") if schedule else _("Changes saved."))
            return redirect("publishing_post", pk=saved.pk)
    return render(request, "publishing/post_form.html", _form_context(form, post, accounts))


@login_required
@require_POST
def preview(request):
    """The live preview of the form: per chosen account, and legal's reasons."""
    require(request.user, "brand_post.write")
    accounts = selectors.publishing_accounts(request.user)
    form = PreviewForm(request.POST, accounts=accounts)
    if not form.is_valid():
        if "accounts" in form.errors:
            error = _("You may not publish as one of these accounts.")
            return JsonResponse({"ok": False, "error": error}, status=403)
        return JsonResponse(
            {"ok": False, "error": _error_text(ValidationError(form.errors))}, status=400
        )
    data = form.cleaned_data
    chosen = [a for a in accounts if a.pk in set(data["accounts"])]
    shown = previews(chosen, data["text"], data["link"])
    legal = legal_labels(
        text=data["text"],
        sponsored=data["sponsored"],
        ask_legal=data["ask_legal"],
        markets=data["markets"],
        accounts=chosen,
    )
    html = render_to_string(
        "publishing/_preview.html", {"preview": shown, "legal": legal}, request=request
    )
    return JsonResponse({"ok": True, **shown, "legal": legal, "html": html})


# --- The post -------------------------------------------------------------------------------


def _history(post) -> list[AuditEvent]:
    events = list(
        AuditEvent.objects.for_target(post).select_related("actor").order_by("created_at", "pk")
    )
    for event in events:
        event.label = history_label(event.verb)
    return events


@login_required
def post_detail(request, pk):
    require(request.user, "brand_post.view")
    post = _get(pk)
    can_write = can(request.user, "brand_post.write", post)
    deliveries = list(post.deliveries.all())
    for delivery in deliveries:
        delivery.sent = delivery.state == ReplyState.SENT
        delivery.edited_since = (
            delivery.sent_version is not None and post.version > delivery.sent_version
        )
    zone_time = timezone.localtime(post.scheduled_at) if post.scheduled_at else None
    context = {
        "post": post,
        "badge": STATUS_BADGES.get(post.status, "badge--muted"),
        "legal": post_legal_labels(post) if post.needs_legal else [],
        "deliveries": deliveries,
        "history": _history(post),
        "can_write": can_write,
        "can_edit": can_write and post.is_editable,
        "can_schedule": can_write
        and post.status in (PostStatus.DRAFT, PostStatus.FAILED)
        and post.scheduled_at is not None,
        "can_unschedule": can_write and post.status in (PostStatus.SCHEDULED, PostStatus.HELD),
        "can_reschedule": can_write and movable(post),
        "can_release": can_write and post.status == PostStatus.HELD,
        "can_see_legal": can(request.user, "sponsored_post.view"),
        "reschedule_form": RescheduleForm(
            initial={"when": zone_time, "version": post.version}, auto_id="reschedule-%s"
        ),
        "release_form": ReleaseForm(auto_id=f"release-{post.pk}-%s"),
    }
    return render(request, "publishing/post_detail.html", context)


def _act(request, pk, call, success: str):
    post = get_object_or_404(BrandPost, pk=pk)
    require(request.user, "brand_post.write", post)
    try:
        call(post)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, success)
    return redirect(next_url(request, reverse("publishing_post", args=[post.pk])))


@login_required
@require_POST
def post_schedule(request, pk):
    return _act(
        request,
        pk,
        lambda post: services.post_schedule(actor=request.user, post=post),
        _("Scheduled."),
    )


@login_required
@require_POST
def post_unschedule(request, pk):
    return _act(
        request,
        pk,
        lambda post: services.post_unschedule(actor=request.user, post=post),
        _("Back to draft: nothing goes out until it is scheduled again."),
    )


@login_required
@require_POST
def post_reschedule(request, pk):
    post = get_object_or_404(BrandPost, pk=pk)
    require(request.user, "brand_post.write", post)
    form = RescheduleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the new date and time."))
        return redirect("publishing_post", pk=post.pk)
    return _act(
        request,
        pk,
        lambda post: services.post_update(
            actor=request.user,
            post=post,
            version=form.cleaned_data["version"],
            scheduled_at=form.cleaned_data["when"],
        ),
        _("Rescheduled."),
    )


RELEASED = {
    services.Release.PUBLISH: gettext_lazy("Released: it is being published now."),
    "at_its_time": gettext_lazy("Released: it goes out at its time."),
    services.Release.RESCHEDULE: gettext_lazy("Released: it is scheduled at the new time."),
    services.Release.DROP: gettext_lazy("Dropped: it will not be published."),
}


@login_required
@require_POST
def post_release(request, pk):
    post = get_object_or_404(BrandPost, pk=pk)
    require(request.user, "brand_post.write", post)
    form = ReleaseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose publish now, reschedule or drop."))
        return redirect(next_url(request, reverse("publishing_post", args=[post.pk])))
    decision = form.cleaned_data["decision"]
    if decision == services.Release.PUBLISH and not post.is_due:
        decision_message = RELEASED["at_its_time"]
    else:
        decision_message = RELEASED[decision]
    return _act(
        request,
        pk,
        lambda post: services.post_release(
            actor=request.user, post=post, decision=decision, when=form.cleaned_data["when"]
        ),
        str(decision_message),
    )


@login_required
@require_POST
def delivery_retry(request, pk, delivery_pk):
    post = get_object_or_404(BrandPost, pk=pk)
    require(request.user, "brand_post.write", post)
    delivery = get_object_or_404(Delivery, pk=delivery_pk, post=post)
    return _act(
        request,
        pk,
        lambda post: services.delivery_retry(actor=request.user, delivery=delivery),
        _("Sent again: it goes out in a moment."),
    )


# --- From compliance ------------------------------------------------------------------------


@login_required
def post_from_review(request, review_pk):
    """Put a sponsored post written in compliance on the calendar, as one of the accounts
    of its brand account the person may publish as."""
    require(request.user, "brand_post.write")
    review = get_object_or_404(SponsoredPost.objects.select_related("brand_account"), pk=review_pk)
    existing = BrandPost.objects.filter(clearance=review).first()
    if existing is not None:
        return redirect("publishing_post", pk=existing.pk)
    accounts = [
        a
        for a in selectors.publishing_accounts(request.user)
        if review.brand_account_id and a.brand_account_id == review.brand_account_id
    ]
    error = ""
    if request.method == "POST":
        chosen = next((a for a in accounts if str(a.pk) == request.POST.get("account")), None)
        if chosen is None:
            error = _("Choose an account you may publish as.")
        else:
            try:
                post = services.post_from_review(actor=request.user, review=review, account=chosen)
            except ValidationError as exc:
                error = _error_text(exc)
            else:
                messages.success(request, _("On the calendar: it goes out at its planned time."))
                return redirect("publishing_post", pk=post.pk)
    return render(
        request,
        "publishing/from_review.html",
        {"review": review, "accounts": accounts, "error": error},
        status=400 if error else 200,
    )
