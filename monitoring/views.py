"""The monitoring pages: streams and their live state, keyword lists and the watchlist.

Every change goes through monitoring.services, which checks the permission,
validates and writes the audit event; these views only show forms and results.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from monitoring import services
from monitoring.connectors import pushed_connectors
from monitoring.dashboard import dashboard_risk
from monitoring.filters import StreamFilter
from monitoring.forms import (
    KeywordListForm,
    KeywordTryForm,
    StreamForm,
    WatchedAuthorForm,
    connector_label,
)
from monitoring.models import Mention, Stream, WatchedAuthor
from monitoring.selectors import (
    KEYWORD_HELP,
    KEYWORD_LABELS,
    keyword_cards,
    keyword_matcher_current,
)
from monitoring.services import TERM_MAX, TERM_MIN
from riskdesk.forms import add_service_errors
from riskdesk.htmx import render_page
from riskdesk.pagination import keyset_page
from riskdesk.permissions import can, require

MENTIONS_SHOWN = 20
ERRORS_SHOWN = 20


def _describe(stream: Stream) -> Stream:
    """Attach what the templates show about the stream's connector (no queries)."""
    stream.connector_label = connector_label(stream.connector)
    stream.is_pushed = stream.connector in pushed_connectors()
    return stream


# --- Streams --------------------------------------------------------------------------


@login_required
def stream_list(request):
    require(request.user, "stream.view")
    filterset = StreamFilter(request.GET, queryset=Stream.objects.select_related("team"))
    page = keyset_page(filterset.qs, request.GET.get("before"))
    for stream in page.items:
        _describe(stream)
    return render_page(
        request,
        "monitoring/stream_list.html",
        "monitoring/_stream_rows.html",
        {
            "filter": filterset,
            "page": page,
            "now": timezone.now(),
            "can_create": can(request.user, "stream.create"),
        },
    )


@login_required
def stream_detail(request, pk):
    require(request.user, "stream.view")
    stream = _describe(
        get_object_or_404(Stream.objects.select_related("credential", "team"), pk=pk)
    )
    webhook_url = None
    if stream.is_pushed:
        webhook_url = request.build_absolute_uri(
            reverse("meta_webhook", kwargs={"key": stream.webhook_key})
        )
    user = request.user
    context = {
        "stream": stream,
        "now": timezone.now(),
        "webhook_url": webhook_url,
        # Sliced querysets: only the full page evaluates them, not the state panel's refresh.
        "errors": stream.errors.order_by("-occurred_at", "-id")[:ERRORS_SHOWN],
        "mentions": (
            Mention.objects.visible_to(user)
            .filter(stream=stream)
            .order_by("-published_at", "-id")[:MENTIONS_SHOWN]
            if can(user, "mention.view")
            else None
        ),
        "can_change": can(user, "stream.change", stream),
        "can_delete": can(user, "stream.delete", stream),
        "can_poll": can(user, "stream.poll", stream) and not stream.is_pushed,
    }
    return render_page(
        request, "monitoring/stream_detail.html", "monitoring/_stream_state.html", context
    )


@login_required
def stream_form(request, pk=None):
    stream = get_object_or_404(Stream, pk=pk) if pk else None
    require(request.user, "stream.change" if stream else "stream.create", stream)
    form = StreamForm(request.POST or None, instance=stream, user=request.user)
    if request.method == "POST" and form.is_valid():
        fields = form.stream_fields()
        try:
            if stream is None:
                saved = services.stream_create(actor=request.user, **fields)
            else:
                saved = services.stream_update(actor=request.user, stream=stream, **fields)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Stream %(name)s saved.") % {"name": saved.name})
            return redirect("stream_detail", pk=saved.pk)
    return render(request, "monitoring/stream_form.html", {"form": form, "stream": stream})


@login_required
@require_POST
def stream_poll_now(request, pk):
    require(request.user, "stream.view")
    stream = get_object_or_404(Stream, pk=pk)
    try:
        queued = services.stream_poll_now(actor=request.user, stream=stream)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if queued:
            messages.success(request, _("Poll queued: the state below updates when it is done."))
        else:
            messages.warning(request, _("A poll is already running."))
    return redirect("stream_detail", pk=stream.pk)


@login_required
def stream_delete(request, pk):
    stream = get_object_or_404(Stream, pk=pk)
    require(request.user, "stream.delete", stream)
    if request.method == "POST":
        services.stream_delete(actor=request.user, stream=stream)
        messages.success(request, _("Stream %(name)s deleted.") % {"name": stream.name})
        return redirect("stream_list")
    return render(
        request,
        "monitoring/confirm_delete.html",
        {
            "object": stream,
            "title": _("Delete the stream %(name)s?") % {"name": stream.name},
            "consequence": _(
                "It stops being polled at once. The mentions it found are kept; "
                "its error history is deleted."
            ),
            "object_url": reverse("stream_detail", kwargs={"pk": stream.pk}),
            "cancel_url": reverse("stream_detail", kwargs={"pk": stream.pk}),
            "parent_label": _("Streams"),
            "parent_url": reverse("stream_list"),
        },
    )


# --- Keyword lists and watchlist: pages -------------------------------------------------


def _language_name(code: str) -> str:
    try:
        return _(get_language_info(code)["name"])
    except KeyError:
        return code


def _keyword_context(request, *, bound: KeywordListForm | None = None, tried=None) -> dict:
    cards = []
    for card in keyword_cards():
        entries = []
        for language, keyword_list in card.lists:
            if bound is not None and (bound.data.get("code"), bound.data.get("language")) == (
                card.code,
                language,
            ):
                form = bound
            else:
                initial = {"code": card.code, "language": language}
                initial["terms"] = keyword_list.terms if keyword_list else ""
                form = KeywordListForm(initial=initial, auto_id=f"id_{card.code}_{language}_%s")
            form.fields["terms"].label = _("%(reason)s terms in %(language)s") % {
                "reason": KEYWORD_LABELS.get(card.code, card.code),
                "language": _language_name(language),
            }
            entries.append(
                {
                    "language": language,
                    "language_name": _language_name(language),
                    "list": keyword_list,
                    "count": len(keyword_list.term_list) if keyword_list else 0,
                    "form": form,
                }
            )
        cards.append(
            {
                "code": card.code,
                "label": KEYWORD_LABELS.get(card.code, card.code),
                "help": KEYWORD_HELP.get(card.code, ""),
                "entries": entries,
            }
        )
    return {
        "cards": cards,
        "can_manage": can(request.user, "keywords.manage"),
        "try_form": tried[0] if tried else KeywordTryForm(),
        "matches": tried[1] if tried else None,
        "term_min": TERM_MIN,
        "term_max": TERM_MAX,
    }


@login_required
def keyword_lists(request):
    require(request.user, "keywords.view")
    bound = None
    if request.method == "POST":
        require(request.user, "keywords.manage")
        bound = KeywordListForm(
            request.POST,
            auto_id=f"id_{request.POST.get('code', '')}_{request.POST.get('language', '')}_%s",
        )
        if bound.is_valid():
            try:
                saved = services.keyword_list_update(actor=request.user, **bound.cleaned_data)
            except ValidationError as exc:
                add_service_errors(bound, exc)
            else:
                messages.success(
                    request,
                    _("The %(code)s terms in %(language)s are saved: %(count)d terms.")
                    % {
                        "code": saved.code,
                        "language": _language_name(saved.language),
                        "count": len(saved.term_list),
                    },
                )
                return redirect(f"{request.path}#keywords-{saved.code}")
    return render(request, "monitoring/keywords_list.html", _keyword_context(request, bound=bound))


@login_required
@require_POST
def keyword_try(request):
    """Which terms of the saved lists a pasted text contains; htmx swaps in the result."""
    require(request.user, "keywords.view")
    form = KeywordTryForm(request.POST)
    matches = None
    if form.is_valid():
        matches = keyword_matcher_current().matches(form.cleaned_data["text"])
    if request.htmx:
        return render(
            request, "monitoring/keywords_try_result.html", {"try_form": form, "matches": matches}
        )
    context = _keyword_context(request, tried=(form, matches))
    return render(request, "monitoring/keywords_list.html", context)


@login_required
def watchlist(request):
    require(request.user, "watchlist.manage")
    form = WatchedAuthorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            watched = services.watched_author_add(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(author)s is on the watchlist.") % {"author": watched})
            return redirect("watchlist")
    authors = WatchedAuthor.objects.select_related("added_by").order_by("-added_at", "-id")
    return render(request, "monitoring/watchlist.html", {"form": form, "authors": authors})


@login_required
@require_POST
def watchlist_remove(request, pk):
    watched = get_object_or_404(WatchedAuthor, pk=pk)
    require(request.user, "watchlist.manage", watched)
    services.watched_author_remove(actor=request.user, watched=watched)
    messages.success(request, _("%(author)s is off the watchlist.") % {"author": watched})
    return redirect("watchlist")


@login_required
@require_GET
def dashboard_risk_fragment(request):
    """The risk cards alone, which the dashboard reloads every 30 seconds."""
    require(request.user, "mention.view")
    if not request.htmx:
        return redirect("dashboard")
    return render(request, "riskdesk/_dashboard_risk.html", {"risk": dashboard_risk(request.user)})
