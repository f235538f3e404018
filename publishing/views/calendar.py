"""The calendar (month and week), moving a post to another day, and the held posts."""

import calendar as calendar_module
from datetime import date, datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from incidents import freeze as freezes
from policies.models import add_months
from publishing import selectors, services
from publishing.forms import MoveForm, ReleaseForm
from publishing.models import BrandPost, PostStatus
from publishing.views.display import decorate
from riskdesk.permissions import can, require

VIEWS = ("month", "week")
SIDE = 50  # drafts and held posts listed beside the calendar


def _day(value: str | None) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return timezone.localdate()


def period(view: str, day: date) -> dict:
    """The days a view shows around `day` (whole weeks, Monday first), and its neighbours."""
    if view == "week":
        start = day - timedelta(days=day.weekday())
        return {
            "start": start,
            "days": 7,
            "previous": start - timedelta(days=7),
            "next": start + timedelta(days=7),
            "title": _("Week of %(day)s") % {"day": formats.date_format(start, "DATE_FORMAT")},
            "month": None,
        }
    first = day.replace(day=1)
    last = first.replace(day=calendar_module.monthrange(first.year, first.month)[1])
    start = first - timedelta(days=first.weekday())
    end = last + timedelta(days=6 - last.weekday())
    return {
        "start": start,
        "days": (end - start).days + 1,
        "previous": add_months(first, -1),
        "next": add_months(first, 1),
        "title": formats.date_format(first, "YEAR_MONTH_FORMAT"),
        "month": first.month,
    }


def movable(post: BrandPost) -> bool:
    return post.scheduled_at is not None and post.status in (
        PostStatus.DRAFT,
        PostStatus.SCHEDULED,
    )


@login_required
def calendar(request):
    require(request.user, "brand_post.view")
    view = request.GET.get("view") if request.GET.get("view") in VIEWS else "month"
    day = _day(request.GET.get("date"))
    shown = period(view, day)
    by_day = selectors.calendar(shown["start"], shown["days"])
    today = timezone.localdate()
    can_write = can(request.user, "brand_post.write")
    days = []
    for current, posts in by_day.items():
        for post in posts:
            decorate(post).movable = can_write and movable(post)
        days.append(
            {
                "date": current,
                "posts": posts,
                "is_today": current == today,
                "outside": shown["month"] is not None and current.month != shown["month"],
                "is_past": current < today,
            }
        )
    weeks = [days[i : i + 7] for i in range(0, len(days), 7)]
    return render(
        request,
        "publishing/calendar.html",
        {
            "view": view,
            "day": day,
            "today": today,
            "period": shown,
            "weeks": weeks,
            "weekdays": [days[i]["date"] for i in range(7)],
            "unscheduled": [decorate(p) for p in selectors.unscheduled()[:SIDE]],
            "held": [decorate(p) for p in selectors.held()[:SIDE]],
            "held_count": selectors.held().count(),
            "freeze": freezes.current_freeze(),
            "can_write": can_write,
            "can_see_rules": can(request.user, "legal_rule.view"),
        },
    )


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
@require_POST
def move(request, pk):
    """Drag and drop (or Alt+arrows): the same time of day, on another day."""
    post = get_object_or_404(BrandPost, pk=pk)
    require(request.user, "brand_post.write", post)
    form = MoveForm(request.POST)
    status, answer = 400, {"ok": False}
    if not form.is_valid() or post.scheduled_at is None or not movable(post):
        answer["error"] = (
            _("Only a draft or scheduled post with a time can be moved.")
            if form.is_valid()
            else _("Choose the day to move it to.")
        )
    else:
        zone = timezone.get_current_timezone()
        at = timezone.localtime(post.scheduled_at, zone)
        when = timezone.make_aware(datetime.combine(form.cleaned_data["date"], at.time()), zone)
        try:
            post = services.post_update(
                actor=request.user,
                post=post,
                version=form.cleaned_data["version"],
                scheduled_at=when,
            )
        except ValidationError as exc:
            status = 409 if getattr(exc, "code", None) == "stale" else 400
            answer["error"] = _error_text(exc)
        else:
            local = timezone.localtime(post.scheduled_at, zone)
            status = 200
            answer = {
                "ok": True,
                "date": local.date().isoformat(),
                "version": post.version,
                "message": _("“%(title)s” moved to %(when)s.")
                % {
                    "title": post.title,
                    "when": formats.date_format(local, "DATETIME_FORMAT"),
                },
            }
            if post.needs_legal and post.status != PostStatus.DRAFT:
                answer["message"] += " " + _("It went back to legal for the new time.")
    if _wants_json(request):
        return JsonResponse(answer, status=status)
    if answer["ok"]:
        messages.success(request, answer["message"])
    else:
        messages.error(request, answer["error"])
    return redirect("publishing_post", pk=post.pk)


def _error_text(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return " ".join(m for found in exc.message_dict.values() for m in found)
    return " ".join(exc.messages)


@login_required
def held(request):
    """Every held post and the three choices: where a lead lands after lifting a freeze."""
    require(request.user, "brand_post.view")
    return render(
        request,
        "publishing/held.html",
        {
            "posts": [decorate(p) for p in selectors.held()],
            "freeze": freezes.current_freeze(),
            "can_write": can(request.user, "brand_post.write"),
            "release_form": ReleaseForm(),
        },
    )
