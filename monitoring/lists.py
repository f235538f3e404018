"""The lists enrichment reads: risk keyword lists and the watchlist of authors.

Services check the permission, validate and write the audit event in their transaction;
the views below only show forms and results. The dashboard's risk cards live at the end
of this module: they read what these lists produce.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, Window
from django.db.models.functions import TruncHour
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language_info, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from rest_framework import permissions, serializers, viewsets

from alerting.models import SpikeAlert
from monitoring.enrichment import KEYWORD_CODES
from monitoring.enrichment.risk import PREFIX_MARK, KeywordMatcher, fold
from monitoring.inbox import CRITICAL_RISK
from monitoring.models import KeywordList, Mention, WatchedAuthor
from monitoring.sla import OPEN_STATUSES, breached_q
from riskdesk.audit import audit_record, snapshot
from riskdesk.forms import add_service_errors
from riskdesk.networks import Platform
from riskdesk.permissions import can, require
from riskdesk.rest import ActionPermission

KEYWORD_LANGUAGES = ("en", "fr")  # always offered, even before a list exists
TERM_MIN, TERM_MAX = 2, 100
TRY_TEXT_MAX = 100_000
_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,4})?$")
WATCHED_AUDIT_FIELDS = ["platform", "author_id", "author_handle", "reason"]
KEYWORD_LABELS = {
    "legal": gettext_lazy("Legal threats"),
    "security": gettext_lazy("Security"),
    "crisis": gettext_lazy("Crisis"),
    "compliance": gettext_lazy("Compliance"),
    "profanity": gettext_lazy("Profanity and hate"),
}
KEYWORD_HELP = {
    "legal": gettext_lazy("Lawsuits, lawyers, formal notices, class actions."),
    "security": gettext_lazy("Hacked accounts, leaked passwords, phishing, data breaches."),
    "crisis": gettext_lazy("Boycotts, recalls, poisoning, injuries."),
    "compliance": gettext_lazy("Undisclosed ads and regulated claims."),
    "profanity": gettext_lazy("Insults, slurs and hate speech."),
}


# --- Keyword lists: services ------------------------------------------------------------


def keyword_terms_clean(terms: str) -> list[str]:
    """One term a line: stripped, empty lines and repeats (after folding) dropped.

    Raises ValidationError naming every term that is too short, too long or has nothing
    to match (only punctuation).
    """
    kept: dict[str, str] = {}
    errors = []
    for line in terms.splitlines():
        term = line.strip()
        if not term:
            continue
        body = term.removesuffix(PREFIX_MARK).strip()
        if len(body) < TERM_MIN:
            errors.append(
                _("“%(term)s” is too short: a term needs at least %(min)d characters.")
                % {"term": term, "min": TERM_MIN}
            )
        elif len(term) > TERM_MAX:
            errors.append(
                _("“%(term)s…” is too long: a term has at most %(max)d characters.")
                % {"term": term[:30], "max": TERM_MAX}
            )
        elif not any(ch.isalnum() for ch in body):
            errors.append(
                _("“%(term)s” has no letter or digit, so it can match nothing.") % {"term": term}
            )
        else:
            kept.setdefault(fold(term), term)
    if errors:
        raise ValidationError({"terms": errors})
    return list(kept.values())


def _check_language(language: str) -> str:
    language = (language or "").strip().lower()
    if not _LANGUAGE_CODE.match(language) or len(language) > 8:
        raise ValidationError({"language": _("Give the language as a code such as en or fr.")})
    return language


@transaction.atomic
def keyword_list_update(*, actor, code: str, language: str, terms: str) -> KeywordList:
    """Replace the terms of one reason's list in one language (created when missing)."""
    require(actor, "keywords.manage")
    if code not in KEYWORD_CODES:
        raise ValidationError({"code": _("Unknown reason: %(code)s.") % {"code": code}})
    language = _check_language(language)
    cleaned = keyword_terms_clean(terms)
    keyword_list = (
        KeywordList.objects.select_for_update().filter(code=code, language=language).first()
    )
    old = keyword_list.term_list if keyword_list else []
    if keyword_list is not None and old == cleaned:
        return keyword_list
    if keyword_list is None:
        keyword_list = KeywordList(code=code, language=language)
    keyword_list.terms = "\n".join(cleaned)
    keyword_list.save()
    old_keys = {fold(t) for t in old}
    new_keys = {fold(t) for t in cleaned}
    audit_record(
        actor=actor,
        verb="keywords.update",
        target=keyword_list,
        before={"code": code, "language": language, "count": len(old)},
        after={
            "code": code,
            "language": language,
            "count": len(cleaned),
            "added": [t for t in cleaned if fold(t) not in old_keys],
            "removed": [t for t in old if fold(t) not in new_keys],
        },
    )
    return keyword_list


def keyword_matcher_current() -> KeywordMatcher:
    """A matcher on the lists as saved now, every language merged (as enrichment does)."""
    lists: dict[str, list[str]] = {}
    for keyword_list in KeywordList.objects.all():
        lists.setdefault(keyword_list.code, []).extend(keyword_list.term_list)
    return KeywordMatcher(lists)


@dataclass
class KeywordCard:
    code: str
    lists: list[tuple[str, KeywordList | None]]  # (language, its list if saved)


def keyword_cards() -> list[KeywordCard]:
    """One card per keyword reason, one entry per language in use (en and fr always)."""
    saved = {(kl.code, kl.language): kl for kl in KeywordList.objects.all()}
    others = {language for _code, language in saved} - set(KEYWORD_LANGUAGES)
    languages = [*KEYWORD_LANGUAGES, *sorted(others)]
    return [
        KeywordCard(code, [(language, saved.get((code, language))) for language in languages])
        for code in KEYWORD_CODES
    ]


# --- Watchlist: services ----------------------------------------------------------------


@transaction.atomic
def watched_author_add(
    *, actor, platform: str, author_id: str, author_handle: str = "", reason: str = ""
) -> WatchedAuthor:
    require(actor, "watchlist.manage")
    author_id = (author_id or "").strip()
    errors = {}
    if platform not in Platform.values:
        errors["platform"] = _("Unknown network.")
    if not author_id:
        errors["author_id"] = _("Give the author's id on the network.")
    elif WatchedAuthor.objects.filter(platform=platform, author_id=author_id).exists():
        errors["author_id"] = _("This author is already on the watchlist.")
    if errors:
        raise ValidationError(errors)
    watched = WatchedAuthor(
        platform=platform,
        author_id=author_id,
        author_handle=(author_handle or "").strip().lstrip("@"),
        reason=(reason or "").strip(),
        added_by=actor,
    )
    watched.full_clean(exclude=["added_by"])
    watched.save()
    after = snapshot(watched, WATCHED_AUDIT_FIELDS)
    audit_record(actor=actor, verb="watchlist.add", target=watched, after=after)
    return watched


@transaction.atomic
def watched_author_remove(*, actor, watched: WatchedAuthor) -> None:
    require(actor, "watchlist.manage", watched)
    before = snapshot(watched, WATCHED_AUDIT_FIELDS)
    audit_record(actor=actor, verb="watchlist.remove", target=watched, before=before)
    watched.delete()


# --- Forms ------------------------------------------------------------------------------


class KeywordListForm(forms.Form):
    code = forms.ChoiceField(choices=[(c, c) for c in KEYWORD_CODES], widget=forms.HiddenInput)
    language = forms.CharField(max_length=8, widget=forms.HiddenInput)
    terms = forms.CharField(
        label=gettext_lazy("Terms"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
    )


class KeywordTryForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Text to test"),
        max_length=TRY_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Paste a post: the terms of the saved lists it contains show."),
    )


class WatchedAuthorForm(forms.Form):
    platform = forms.ChoiceField(label=gettext_lazy("Network"), choices=Platform.choices)
    author_id = forms.CharField(
        label=gettext_lazy("Author id"),
        max_length=255,
        help_text=gettext_lazy("The network's stable id for the author, not the handle."),
    )
    author_handle = forms.CharField(label=gettext_lazy("Handle"), max_length=255, required=False)
    reason = forms.CharField(label=gettext_lazy("Why"), max_length=255, required=False)


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
                saved = keyword_list_update(actor=request.user, **bound.cleaned_data)
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
            watched = watched_author_add(actor=request.user, **form.cleaned_data)
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
    watched_author_remove(actor=request.user, watched=watched)
    messages.success(request, _("%(author)s is off the watchlist.") % {"author": watched})
    return redirect("watchlist")


# --- API ------------------------------------------------------------------------------


class KeywordListSerializer(serializers.ModelSerializer):
    code = serializers.ChoiceField(choices=KEYWORD_CODES)
    term_count = serializers.SerializerMethodField()

    class Meta:
        model = KeywordList
        fields = ["id", "code", "language", "terms", "term_count", "updated_at"]
        read_only_fields = ["id", "term_count", "updated_at"]
        validators = []  # the service upserts on (code, language)

    def get_term_count(self, obj) -> int:
        return len(obj.term_list)

    def validate(self, attrs):
        if self.instance is not None:
            for name in ("code", "language"):
                if name in attrs and attrs[name] != getattr(self.instance, name):
                    raise serializers.ValidationError(
                        {name: _("A list keeps its reason and language; edit its terms.")}
                    )
        return attrs


class KeywordListViewSet(viewsets.ModelViewSet):
    """Risk keyword lists, one per reason and language; terms one a line."""

    serializer_class = KeywordListSerializer
    permission_classes = [permissions.IsAuthenticated, ActionPermission]
    permission_actions = {
        "list": "keywords.view",
        "retrieve": "keywords.view",
        "create": "keywords.manage",
        "update": "keywords.manage",
        "partial_update": "keywords.manage",
    }
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    queryset = KeywordList.objects.all()

    def perform_create(self, serializer):
        data = serializer.validated_data
        if KeywordList.objects.filter(code=data["code"], language=data["language"]).exists():
            raise ValidationError({"language": _("This list exists: change its terms instead.")})
        serializer.instance = keyword_list_update(actor=self.request.user, **data)

    def perform_update(self, serializer):
        instance = serializer.instance
        serializer.instance = keyword_list_update(
            actor=self.request.user,
            code=instance.code,
            language=instance.language,
            terms=serializer.validated_data.get("terms", instance.terms),
        )


class WatchedAuthorSerializer(serializers.ModelSerializer):
    class Meta:
        model = WatchedAuthor
        fields = ["id", "platform", "author_id", "author_handle", "reason", "added_at"]
        read_only_fields = ["id", "added_at"]
        validators = []  # the service refuses duplicates with its own message


class WatchedAuthorViewSet(viewsets.ModelViewSet):
    """Authors whose every mention counts as risky."""

    serializer_class = WatchedAuthorSerializer
    permission_classes = [permissions.IsAuthenticated, ActionPermission]
    permission_actions = dict.fromkeys(
        ["list", "retrieve", "create", "destroy"], "watchlist.manage"
    )
    http_method_names = ["get", "post", "delete", "head", "options"]
    queryset = WatchedAuthor.objects.all()

    def perform_create(self, serializer):
        serializer.instance = watched_author_add(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        watched_author_remove(actor=self.request.user, watched=instance)


# --- Dashboard: the risk cards ------------------------------------------------------------

RISK_DAYS = 7
RISKIEST_SHOWN = 10
IMPERSONATIONS_SHOWN = 5
SPIKES_SHOWN = 10
CHART_HOURS = 24
# Chart geometry, in SVG user units.
BAR_WIDTH, BAR_GAP, CHART_HEIGHT = 10, 2, 60


def risk_band(score: int) -> str:
    """The badge colour of a risk score."""
    if score >= 70:
        return "danger"
    if score >= 40:
        return "warning"
    return "info" if score >= 15 else "muted"


@dataclass
class Bar:
    hour: datetime
    total: int
    negative: int
    x: int = 0
    height: int = 0
    negative_height: int = 0

    @property
    def y(self) -> int:
        return CHART_HEIGHT - self.height

    @property
    def negative_y(self) -> int:
        return CHART_HEIGHT - self.negative_height


@dataclass
class StreamChart:
    stream_id: int | None
    name: str
    bars: list[Bar]
    total: int
    negative: int
    width: int = CHART_HOURS * (BAR_WIDTH + BAR_GAP)
    height: int = CHART_HEIGHT
    bar_width: int = BAR_WIDTH


def _volume_charts(mentions, now: datetime) -> list[StreamChart]:
    """Hourly `mentions` (those the reader may see) and negative ones per stream over the
    last day: one query."""
    # Local hours, as TruncHour cuts them (some time zones are offset by half an hour).
    end = timezone.localtime(now).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    hours = [end - timedelta(hours=CHART_HOURS - i) for i in range(CHART_HOURS)]
    rows = (
        mentions.filter(published_at__gte=hours[0], published_at__lt=end)
        .annotate(hour=TruncHour("published_at"))
        .values("stream_id", "stream__name", "hour")
        .annotate(total=Count("pk"), negative=Count("pk", filter=Q(sentiment_label="negative")))
        .order_by()
    )
    by_stream: dict[int | None, tuple[str, dict[datetime, tuple[int, int]]]] = {}
    for row in rows:
        name = row["stream__name"] or _("No stream (pushed)")
        by_stream.setdefault(row["stream_id"], (name, {}))[1][row["hour"]] = (
            row["total"],
            row["negative"],
        )
    charts = []
    for stream_id, (name, counts) in by_stream.items():
        bars = [Bar(hour, *counts.get(hour, (0, 0))) for hour in hours]
        peak = max(bar.total for bar in bars) or 1
        for i, bar in enumerate(bars):
            bar.x = i * (BAR_WIDTH + BAR_GAP)
            bar.height = round(CHART_HEIGHT * bar.total / peak)
            bar.negative_height = round(CHART_HEIGHT * bar.negative / peak)
        charts.append(
            StreamChart(
                stream_id,
                name,
                bars,
                total=sum(b.total for b in bars),
                negative=sum(b.negative for b in bars),
            )
        )
    charts.sort(key=lambda chart: (-chart.total, chart.name))
    return charts


def _top_codes(reasons, limit: int = 3) -> list[str]:
    codes = []
    for reason in reasons or ():
        code = reason.get("code") if isinstance(reason, dict) else None
        if code and code not in codes:
            codes.append(code)
    return codes[:limit]


def dashboard_risk(user) -> dict | None:
    """What the dashboard's risk cards show, in five queries; None for who cannot see mentions."""
    if not can(user, "mention.view"):
        return None
    now = timezone.now()
    since = now - timedelta(days=RISK_DAYS)
    mentions = Mention.objects.visible_to(user)
    riskiest = list(
        mentions.filter(status__in=OPEN_STATUSES, published_at__gte=since)
        .select_related("team", "impersonates")
        .order_by("-risk_score", "-published_at", "-id")[:RISKIEST_SHOWN]
    )
    for mention in riskiest:
        mention.band = risk_band(mention.risk_score)
        mention.reason_codes = _top_codes(mention.risk_reasons)
    # The window count gives the total alongside the newest few, in the same query.
    impersonations = list(
        mentions.filter(impersonates__isnull=False, published_at__gte=since)
        .select_related("impersonates")
        .annotate(found=Window(Count("pk")))
        .order_by("-published_at", "-id")[:IMPERSONATIONS_SHOWN]
    )
    spikes = list(
        SpikeAlert.objects.filter(status=SpikeAlert.Status.OPEN)
        .select_related("stream", "tag")
        .annotate(open_count=Window(Count("pk")))
        .order_by("-created_at", "-id")[:SPIKES_SHOWN]
    )
    return {
        "queue": mentions.filter(status__in=OPEN_STATUSES).aggregate(
            open=Count("pk"),
            mine=Count("pk", filter=Q(assignee=user)),
            unassigned_critical=Count(
                "pk", filter=Q(assignee__isnull=True, risk_score__gte=CRITICAL_RISK)
            ),
            breached=Count("pk", filter=breached_q(now)),
        ),
        "critical_risk": CRITICAL_RISK,
        "riskiest": riskiest,
        "impersonations": impersonations,
        "impersonations_count": impersonations[0].found if impersonations else 0,
        "spikes": spikes,
        "spikes_count": spikes[0].open_count if spikes else 0,
        "charts": _volume_charts(mentions, now),
        "days": RISK_DAYS,
    }


@login_required
@require_GET
def dashboard_risk_fragment(request):
    """The risk cards alone, which the dashboard reloads every 30 seconds."""
    require(request.user, "mention.view")
    if not request.htmx:
        return redirect("dashboard")
    return render(request, "riskdesk/_dashboard_risk.html", {"risk": dashboard_risk(request.user)})
