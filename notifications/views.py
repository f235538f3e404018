"""The notification centre, the bell's count, and each person's preferences."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from notifications import selectors, services
from notifications.forms import PreferencesForm
from riskdesk.forms import add_service_errors
from riskdesk.htmx import render_page
from riskdesk.redirects import next_url


@login_required
def notification_list(request):
    """Mine: unread first, then read, newest first in each; each list pages on its own."""
    centre = selectors.centre(
        request.user,
        before=request.GET.get("before"),
        read_before=request.GET.get("read_before"),
    )
    return render_page(
        request,
        "notifications/list.html",
        "notifications/_list.html",
        {"centre": centre},
    )


@login_required
def notification_open(request, pk):
    """Following a notification marks it read and goes where it points."""
    notification = get_object_or_404(selectors.notifications_of(request.user), pk=pk)
    services.notification_read(user=request.user, notification=notification)
    target = notification.path
    ours = target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return redirect(target if ours else "notification_list")


def notification_bell(request):
    """The top bar's bell: the unread count, polled by htmx (no query on other pages).

    Signed out (a session that expired under an open page): 204, which htmx leaves alone,
    rather than the sign-in page swapped into the bar.
    """
    if not request.user.is_authenticated:
        return HttpResponse(status=204)
    return render(
        request,
        "notifications/_bell.html",
        {
            "unread": selectors.unread_count(request.user),
            "poll_seconds": settings.NOTIFICATIONS_POLL_SECONDS,
        },
    )


@login_required
@require_POST
def notifications_read_all(request):
    count = services.notifications_read_all(user=request.user)
    if count:
        messages.success(request, _("All notifications are marked read."))
    return redirect(next_url(request, default=None) or "notification_list")


@login_required
def preferences(request):
    """Which events reach me, in riskdesk and by e-mail (at once or in the daily digest)."""
    current = selectors.preferences_of(request.user)
    form = PreferencesForm(request.POST or None, preferences=current)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                for kind, in_app, email in form.choices():
                    services.preference_set(
                        actor=request.user, kind=kind, in_app=in_app, email=email
                    )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your notification preferences are saved."))
            return redirect("notification_preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"form": form, "digest_hour": settings.NOTIFICATIONS_DIGEST_HOUR},
    )
