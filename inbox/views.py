"""The triage inbox pages: the list, its live poll, the mention panel and the actions."""

from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from inbox import page as page_parts
from inbox import selectors, services
from inbox.filters import InboxFilter
from inbox.forms import FILTER_BAR_RENDERER, BulkActionForm, NoteForm, ReplyForm, SavedViewForm
from inbox.models import ReplyTemplate, SavedView, SlaTarget
from inbox.selectors import (
    builtin_views,
    inbox_page,
    list_queryset,
    page_of_matches,
    render_rows,
    viewers_of,
    visible_teams,
)
from inbox.services import viewing_mark
from monitoring.dashboard import risk_band
from monitoring.models import Mention, MentionStatus, Priority
from monitoring.reasons import display_reasons, reason_label, sentiment_text
from respond import selectors as respond
from riskdesk.permissions import can, require

CHANGED_SHOWN = 100
POLL_OVERLAP = timedelta(seconds=5)


def decorate(mentions, user, now=None, *, shown=True) -> list[Mention]:
    """What a row shows beyond the model: SLA timer and who is viewing (both in the row's cache
    key: inbox.selectors.render_rows), and unless `shown` is False, risk band, top reasons and
    sentiment (for a row rendered anew: `_shown`)."""
    now = now or timezone.now()
    mentions = list(mentions)
    viewers = viewers_of([m.pk for m in mentions], except_user=user)
    for m in mentions:
        m.timer = selectors.timer(m, now)
        m.viewers = viewers.get(m.pk, [])
    return _shown(mentions) if shown else mentions


def _shown(mentions: list[Mention]) -> list[Mention]:
    for m in mentions:
        m.band = risk_band(m.risk_score)
        m.top_reasons = [
            reason_label(r.get("code")) for r in (m.risk_reasons or [])[:2] if isinstance(r, dict)
        ]
        m.sentiment_text = sentiment_text(m.sentiment_label)
    return mentions


def _read_in_full(user, rows: list[Mention]) -> list[Mention]:
    """A page's rows not in the cache, read in full (the page read only ROW_KEY_FIELDS) and
    decorated as `rows` were."""
    full = Mention.objects.visible_to(user).defer("raw", "rule_trace").in_bulk([m.pk for m in rows])
    found = []
    for m in rows:
        if m.pk in full:
            full[m.pk].timer, full[m.pk].viewers = m.timer, m.viewers
            found.append(full[m.pk])
    return _shown(found)


def _history(mention: Mention) -> list:
    """The mention's events, a status or priority they set named in the reader's language."""
    events = list(mention.events.select_related("actor")[:50])
    statuses, priorities = dict(MentionStatus.choices), dict(Priority.choices)
    for event in events:
        data = event.data if isinstance(event.data, dict) else {}
        if "status" in data:
            event.status_text = statuses.get(data["status"], data["status"])
        if "priority" in data:
            event.priority_text = priorities.get(data["priority"], data["priority"])
    return events


def _filterset(request, data=None, *, for_page=False):
    return InboxFilter(
        data if data is not None else request.GET,
        queryset=Mention.objects.visible_to(request.user),
        user=request.user,
        for_page=for_page,
    )


def _filter_query(request) -> str:
    """The filter part of the query string (no paging or polling keys), for links and views."""
    query = request.GET.copy()
    for key in ("cursor", "top", "changed_since", "ids"):
        query.pop(key, None)
    return query.urlencode()


@login_required
@require_GET
def inbox(request):
    require(request.user, "mention.view")
    filterset = _filterset(request, for_page=True)
    now = timezone.now()
    if filterset.is_valid():
        found, cursor, sort = filterset.qs, request.GET.get("cursor"), filterset.order
        if filterset.search_matches is None:
            page = inbox_page(found, sort=sort, cursor=cursor)
        else:  # a search's matches are in hand: the page is cut from them
            visible = Mention.objects.visible_to(request.user)
            page = page_of_matches(filterset.search_matches, visible, sort=sort, cursor=cursor)
    else:
        page = inbox_page(Mention.objects.none())
    rows = decorate(page.items, request.user, now, shown=False)
    can_triage = can(request.user, "mention.triage")
    render_rows(rows, can_triage=can_triage, read=lambda some: _read_in_full(request.user, some))
    context = {
        "filter": filterset,
        "rows": rows,
        "next_cursor": page.next_cursor,
        # "New" in the live bar means stored after this page was served, whatever its order.
        "top": (
            Mention.objects.visible_to(request.user)
            .order_by("-pk")
            .values_list("pk", flat=True)
            .first()
            or 0
        ),
        "since": now.isoformat(),
        "filter_query": _filter_query(request),
        "poll_seconds": settings.RISKDESK_INBOX_POLL_SECONDS,
        "can_triage": can_triage,
    }
    if request.htmx and not request.htmx.boosted:  # the list only: the page around it stays
        template = "inbox/inbox_more.html" if request.GET.get("cursor") else "inbox/inbox_list.html"
        return render(request, template, context)
    teams = page_parts.team_choices(request.user)
    _filter_bar(filterset, teams)
    context |= {
        "filter_fields": page_parts.filter_fields(filterset.form),
        "views": builtin_views(request.user, teams=teams),
        "saved_views": page_parts.saved_views(request.user),
        "statuses": MentionStatus.choices,
        "priorities": Priority.choices,
        "can_declare": can(request.user, "incident.declare"),
        # The pickers' choices load when the toolbar is first used (inbox_toolbar).
        "can_escalate": can(request.user, "incident.view"),
        "breached": page_parts.breach_count(request.user),
        "density": _density(request),
    }
    return render(request, "inbox/inbox.html", context)


def _filter_bar(filterset, teams) -> None:
    """The filter bar's team and stream choices from the cache, its selects written fast.

    The fields keep their querysets: a submitted team or stream is still checked against the
    database. Only the options shown come from inbox.page.
    """
    form = filterset.form
    form.renderer = FILTER_BAR_RENDERER
    for name, choices in (("team", teams), ("stream", page_parts.stream_choices())):
        field = form.fields[name]
        empty = [("", field.empty_label)] if field.empty_label is not None else []
        field.widget.choices = empty + list(choices)


@login_required
@require_GET
def inbox_toolbar(request):
    """The toolbar's pickers (people, teams, open incidents), asked for when it is first used."""
    require(request.user, "mention.triage")
    return render(
        request,
        "inbox/_toolbar_choices.html",
        {
            "people": page_parts.assignable_people(),
            "teams": page_parts.team_choices(request.user),
            "open_incidents": _open_incidents(request.user),
            "can_escalate": can(request.user, "incident.view"),
        },
    )


DENSITY_COOKIE = "riskdesk_inbox_density"


def _density(request) -> str:
    """Compact rows unless this browser chose comfortable ones (inbox.js sets the cookie).

    Compact by default: triage is scanning a queue for what is risky, and the panel beside the
    list shows the whole mention, so a dozen rows on screen serve better than three long ones.
    """
    return "comfortable" if request.COOKIES.get(DENSITY_COOKIE) == "comfortable" else "compact"


def _open_incidents(user) -> list:
    if not can(user, "incident.view"):
        return []
    from incidents.selectors import open_incidents  # incidents builds on monitoring

    return list(open_incidents(user)[:50])


@login_required
@require_GET
def inbox_poll(request):
    """Every few seconds: how many new mentions match the view, and the rows others changed."""
    require(request.user, "mention.view")
    filterset = _filterset(request)
    top = request.GET.get("top", "")
    new_count = 0
    if filterset.is_valid() and top.isdigit():
        new_count = filterset.qs.filter(pk__gt=int(top)).count()
    ids = [int(p) for p in request.GET.get("ids", "").split(",") if p.isdigit()][:500]
    visible = Mention.objects.visible_to(request.user)
    # Who is viewing a mention, or that it changed, is news only of the mentions one may see.
    if ids:
        seen = set(visible.filter(pk__in=ids).values_list("pk", flat=True))
        ids = [pk for pk in ids if pk in seen]
    since = _parse_time(request.GET.get("changed_since"))
    now = timezone.now()
    changed = []
    if ids and since:
        changed = decorate(
            list_queryset(visible.filter(pk__in=ids, updated_at__gt=since))[:CHANGED_SHOWN],
            request.user,
            now,
        )
    viewers = viewers_of(ids, except_user=request.user)
    return render(
        request,
        "inbox/inbox_poll.html",
        {
            "new_count": new_count,
            "changed": changed,
            "viewers": [(pk, viewers.get(pk, [])) for pk in ids],
            # A change is stamped before its transaction commits: ask again for the last few
            # seconds so one still committing now is not skipped (rows are swapped by id).
            "since": (now - POLL_OVERLAP).isoformat(),
            "top": top,
            "filter_query": _filter_query(request),
            "poll_seconds": settings.RISKDESK_INBOX_POLL_SECONDS,
            "can_triage": can(request.user, "mention.triage"),
        },
    )


def _parse_time(value: str | None):
    try:
        moment = datetime.fromisoformat(value or "")
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def _mention_or_404(request, pk) -> Mention:
    require(request.user, "mention.view")
    visible = list_queryset(Mention.objects.visible_to(request.user)).select_related("owned_by")
    return get_object_or_404(visible, pk=pk)


def _panel_context(request, mention: Mention, **extra) -> dict:
    from incidents.selectors import incidents_for_mention

    user = request.user
    visible = Mention.objects.visible_to(user)
    author_mentions = []
    if mention.author_id:
        author_mentions = list(
            visible.filter(platform=mention.platform, author_id=mention.author_id)
            .exclude(pk=mention.pk)
            .order_by("-published_at", "-id")[:10]
        )
    decorate([mention], user)
    templates = list(ReplyTemplate.objects.filter(is_active=True))
    templates.sort(key=lambda t: (t.language != mention.language, t.language, t.name))
    return {
        "mention": mention,
        # Label and detail in the reader's language; "stored_detail" as enrichment wrote it.
        "reasons": display_reasons(mention.risk_reasons),
        "events": _history(mention),
        "replies": mention.replies.select_related("sent_by", "account")[:20],
        "send_as": respond.accounts_for(user, mention) if can(user, "mention.triage") else [],
        "statements": respond.cleared_statements() if can(user, "mention.triage") else [],
        "can_moderate": can(user, "mention.moderate"),
        "author_mentions": author_mentions,
        "thread": selectors.thread_of(mention, visible),
        "incidents": incidents_for_mention([mention.pk]).get(mention.pk, []),
        "open_incidents": _open_incidents(user) if can(user, "mention.triage") else [],
        "templates": templates,
        "note_form": NoteForm(),
        "reply_form": ReplyForm(),
        "can_triage": can(user, "mention.triage"),
        "teams": visible_teams(user),
        "people": page_parts.assignable_people(),
        "statuses": MentionStatus.choices,
        "priorities": Priority.choices,
        "case": services.case_number(mention),
        **extra,
    }


@login_required
@require_GET
def mention_panel(request, pk):
    mention = _mention_or_404(request, pk)
    viewing_mark(mention.pk, request.user)
    context = _panel_context(request, mention)
    if request.htmx:
        return render(request, "inbox/inbox_panel.html", context)
    return render(request, "inbox/mention_page.html", context)


@login_required
@require_POST
def mention_viewing(request, pk):
    """The panel says "still open" every few seconds; answers who else has it open."""
    mention = _mention_or_404(request, pk)
    viewing_mark(mention.pk, request.user)
    names = viewers_of([mention.pk], except_user=request.user).get(mention.pk, [])
    return render(request, "inbox/_viewers.html", {"names": names, "mention": mention})


def _back(request, fallback: str):
    target = request.POST.get("next") or fallback
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = fallback
    return redirect(target)


def _after_action(request, mention: Mention, *, error=None):
    """The panel again (with the row refreshed out of band), or back to the page."""
    mention = _mention_or_404(request, mention.pk)
    if request.htmx:
        context = _panel_context(request, mention, error=error, changed=[mention])
        return render(request, "inbox/inbox_panel.html", context)
    if error:
        messages.error(request, error)
    return _back(request, f"/inbox/{mention.pk}/")


def _error_text(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


@login_required
@require_POST
def mention_action(request, pk):
    """One action from the panel: the same services as the bulk toolbar."""
    mention = _mention_or_404(request, pk)
    data = request.POST.copy()
    data["ids"] = str(mention.pk)
    form = BulkActionForm(data)
    error = _run_bulk(request, form, [mention])
    return _after_action(request, mention, error=error)


def _run_bulk(request, form: BulkActionForm, mentions) -> str | None:
    if not form.is_valid():
        return " ".join(str(e) for errors in form.errors.values() for e in errors)
    data = form.cleaned_data
    actor = request.user
    action = data["action"]
    try:
        if action == "assign":
            services.mentions_assign(actor=actor, mentions=mentions, assignee=data["assignee"])
        elif action == "unassign":
            services.mentions_unassign(actor=actor, mentions=mentions)
        elif action == "team":
            team = visible_teams(actor).filter(pk=data["team"]).first()
            if team is None:
                return _("Unknown team.")
            services.mentions_assign(actor=actor, mentions=mentions, team=team)
        elif action == "tag":
            services.mentions_tag(actor=actor, mentions=mentions, add=form.tag_names)
        elif action == "untag":
            services.mentions_tag(actor=actor, mentions=mentions, remove=form.tag_names)
        elif action == "status":
            services.mentions_set_status(actor=actor, mentions=mentions, status=data["status"])
        elif action == "priority":
            services.mentions_set_priority(
                actor=actor, mentions=mentions, priority=data["priority"]
            )
        elif action == "escalate":
            from incidents.selectors import open_incidents

            incident = open_incidents(actor).filter(pk=data["incident"]).first()
            if incident is None:
                return _("That incident is not open or not yours to see.")
            services.mentions_escalate(actor=actor, mentions=mentions, incident=incident)
    except ValidationError as exc:
        return _error_text(exc)
    return None


@login_required
@require_POST
def inbox_bulk(request):
    """An action on the selected rows; answers the refreshed rows (htmx) or goes back."""
    require(request.user, "mention.triage")
    data = request.POST.copy()
    data["ids"] = ",".join(request.POST.getlist("id")) or request.POST.get("ids", "")
    form = BulkActionForm(data)
    mentions = []
    if form.is_valid():
        mentions = list(
            Mention.objects.visible_to(request.user).filter(pk__in=form.cleaned_data["ids"])
        )
        if len(mentions) != len(form.cleaned_data["ids"]):
            raise Http404
    if form.is_valid() and form.cleaned_data["action"] == "declare":
        return _declare_from(request, mentions)
    error = _run_bulk(request, form, mentions)
    if request.htmx:
        rows = decorate(
            list_queryset(
                Mention.objects.visible_to(request.user).filter(pk__in=[m.pk for m in mentions])
            ),
            request.user,
        )
        return render(
            request,
            "inbox/inbox_bulk_result.html",
            {"changed": rows, "error": error, "count": len(mentions), "can_triage": True},
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Done for %(n)d mention(s).") % {"n": len(mentions)})
    return _back(request, "/inbox/")


def _declare_from(request, mentions):
    """To the declare page, the selection ready to link (it asks for the rest)."""
    require(request.user, "incident.declare")
    ids = ",".join(str(pk) for pk in sorted(m.pk for m in mentions))
    url = f"{reverse('incident_declare')}?{urlencode({'mentions': ids})}"
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@login_required
@require_POST
def mention_note(request, pk):
    mention = _mention_or_404(request, pk)
    form = NoteForm(request.POST)
    error = None
    if form.is_valid():
        try:
            services.mention_note_add(
                actor=request.user, mention=mention, text=form.cleaned_data["text"]
            )
        except ValidationError as exc:
            error = _error_text(exc)
    else:
        error = _("Write the note.")
    return _after_action(request, mention, error=error)


@login_required
@require_POST
def mention_reply(request, pk):
    """Send a reply as a connected account (queued, then sent), or record one sent by hand."""
    mention = _mention_or_404(request, pk)
    form = ReplyForm(request.POST)
    error = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.mention_reply(
                actor=request.user,
                mention=mention,
                body=data["body"],
                template=data["template"],
                account=chosen_account(request.user, mention, data["account"]),
                private=data["private"],
                statement=respond.cleared_statements().filter(pk=data["statement"]).first()
                if data["statement"]
                else None,
            )
        except ValidationError as exc:
            error = _error_text(exc)
    else:
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    return _after_action(request, mention, error=error)


def chosen_account(user, mention, account_id):
    """The account picked in the form, among those the person may act as; None: by hand."""
    if not account_id:
        return None
    for account in respond.accounts_for(user, mention):
        if account.pk == account_id:
            return account
    raise ValidationError(_("You may not send as this account."))


@login_required
@require_GET
def mention_reply_draft(request, pk):
    """The chosen template filled in for this mention, into the reply box."""
    mention = _mention_or_404(request, pk)
    template = ReplyTemplate.objects.filter(
        pk=request.GET.get("template") if str(request.GET.get("template", "")).isdigit() else None,
        is_active=True,
    ).first()
    body = services.template_render(template, mention) if template else ""
    return render(request, "inbox/_reply_body.html", {"body": body, "mention": mention})


@login_required
@require_POST
def mention_watch(request, pk):
    mention = _mention_or_404(request, pk)
    error = None
    try:
        services.mention_watch_author(
            actor=request.user,
            mention=mention,
            impersonator=request.POST.get("impersonator") == "1",
        )
    except ValidationError as exc:
        error = _error_text(exc)
    return _after_action(request, mention, error=error)


@login_required
@require_POST
def saved_view_create(request):
    require(request.user, "mention.view")
    form = SavedViewForm(request.POST)
    if form.is_valid():
        name = form.cleaned_data["name"].strip()
        view = services.saved_view_save(
            owner=request.user, name=name, query=form.cleaned_data["query"]
        )
        messages.success(request, _("View “%(name)s” saved.") % {"name": name})
        return redirect(f"/inbox/?{QueryDict(view.query).urlencode()}")
    messages.error(request, _("Give the view a name."))
    return _back(request, "/inbox/")


@login_required
@require_POST
def saved_view_delete(request, pk):
    view = get_object_or_404(SavedView, pk=pk, owner=request.user)
    services.saved_view_delete(view=view)
    messages.success(request, _("View “%(name)s” deleted.") % {"name": view.name})
    return redirect("inbox")


@login_required
@require_GET
def sla_report(request):
    require(request.user, "mention.view")
    visible = Mention.objects.visible_to(request.user)
    return render(
        request,
        "inbox/sla_report.html",
        {
            "rows": selectors.weekly_report(visible),
            "breached": selectors.breach_count(visible),
            "targets": SlaTarget.objects.select_related("team").order_by("team__name", "-priority"),
        },
    )
