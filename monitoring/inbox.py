"""Reading the triage inbox: who sees which mentions, its filters, views and pages.

One FilterSet (`InboxFilter`) serves the page and `/api/v1/mentions/`. Pages are
keyset pages over (published_at, id) or (risk_score, published_at, id), so the
millionth mention costs what the first does.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

import django_filters
from django import forms
from django.core.cache import cache
from django.db import connection
from django.db.models import BooleanField, Exists, OuterRef, Prefetch, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Team, User
from monitoring.enrichment import REASON_CODES
from monitoring.models import (
    Mention,
    MentionStatus,
    Platform,
    Stream,
    Tag,
    hidden_team_ids,
)
from monitoring.sla import OPEN_STATUSES, breached_q, overdue_q

PAGE_SIZE = 50
VIEWING_SECONDS = 30
CRITICAL_RISK = 70  # the "Unassigned critical" view and the dashboard's count

REASON_LABELS = {
    "legal": _("Legal threat"),
    "security": _("Security"),
    "crisis": _("Crisis words"),
    "compliance": _("Compliance"),
    "profanity": _("Profanity or hate"),
    "reach": _("Reach"),
    "negative": _("Negative sentiment"),
    "watchlist": _("Watched author"),
    "impersonation": _("Impersonation"),
}


def visible_teams(user):
    return Team.objects.exclude(pk__in=hidden_team_ids(user)).order_by("name")


FEW_MATCHES = 2000


def search_match(value: str) -> RawSQL:
    """The stored vector is stemmed in each mention's language: match any of them."""
    return RawSQL(
        "search_vector @@ (websearch_to_tsquery('english', %s) "
        "|| websearch_to_tsquery('french', %s) || websearch_to_tsquery('simple', %s))",
        (value, value, value),
        output_field=BooleanField(),
    )


def few_first(queryset, matched):
    """`matched` (`queryset` narrowed by a condition a GIN index answers), planned to be fast.

    Few matches (a rare word or reason, or all of them in queues hidden from the reader):
    the planner would walk every mention in the page's order looking for them, seconds at a
    million. Find them through the GIN index first; with many, the walk finds a page at once.
    """
    found = list(matched.order_by().values_list("pk", flat=True)[: FEW_MATCHES + 1])
    return queryset.filter(pk__in=found) if len(found) <= FEW_MATCHES else matched


def _search(queryset, value: str):
    value = value.strip()
    if not value:
        return queryset
    if connection.vendor == "postgresql":
        return few_first(queryset, queryset.filter(search_match(value)))
    words = value.split()
    for word in words[:8]:
        queryset = queryset.filter(
            Q(text__icontains=word)
            | Q(author_handle__icontains=word)
            | Q(author_name__icontains=word)
        )
    return queryset


class InboxFilter(django_filters.FilterSet):
    """The inbox's filters, shared by /inbox/ and /api/v1/mentions/. All of them combine."""

    STATUS_CHOICES = [("open", _("Open")), *MentionStatus.choices]
    ASSIGNEE_CHOICES = [("me", _("Me")), ("none", _("Unassigned")), ("any", _("Anyone"))]
    SENTIMENT_CHOICES = [
        ("negative", _("Negative")),
        ("neutral", _("Neutral")),
        ("positive", _("Positive")),
    ]
    SORT_CHOICES = [("newest", _("Newest first")), ("riskiest", _("Riskiest first"))]

    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=STATUS_CHOICES, method="filter_status"
    )
    team = django_filters.ModelChoiceFilter(label=_("Team"), queryset=Team.objects.none())
    assignee = django_filters.CharFilter(label=_("Assignee"), method="filter_assignee")
    tag = django_filters.CharFilter(label=_("Tag"), method="filter_tag")
    platform = django_filters.ChoiceFilter(label=_("Network"), choices=Platform.choices)
    stream = django_filters.ModelChoiceFilter(
        label=_("Stream"), queryset=Stream.objects.order_by("name")
    )
    sentiment = django_filters.ChoiceFilter(
        label=_("Sentiment"), choices=SENTIMENT_CHOICES, field_name="sentiment_label"
    )
    risk_min = django_filters.NumberFilter(
        label=_("Risk from"), field_name="risk_score", lookup_expr="gte", min_value=0
    )
    reason = django_filters.ChoiceFilter(
        label=_("Reason"),
        choices=[(c, REASON_LABELS[c]) for c in REASON_CODES],
        method="filter_reason",
    )
    language = django_filters.CharFilter(label=_("Language"), max_length=16)
    impersonation = django_filters.BooleanFilter(
        label=_("Impersonation"),
        field_name="impersonates",
        lookup_expr="isnull",
        exclude=True,
        widget=forms.Select(choices=[("", _("Any")), ("true", _("Yes")), ("false", _("No"))]),
    )
    breached = django_filters.BooleanFilter(
        label=_("SLA breached"),
        method="filter_breached",
        widget=forms.Select(choices=[("", _("Any")), ("true", _("Yes")), ("false", _("No"))]),
    )
    since = django_filters.IsoDateTimeFilter(
        label=_("Published from"), field_name="published_at", lookup_expr="gte"
    )
    until = django_filters.IsoDateTimeFilter(
        label=_("Published until"), field_name="published_at", lookup_expr="lt"
    )
    sort = django_filters.ChoiceFilter(
        label=_("Order"), choices=SORT_CHOICES, method="filter_nothing", empty_label=None
    )

    class Meta:
        model = Mention
        fields = []

    def __init__(self, data=None, *args, user=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.user = user if user is not None else getattr(self.request, "user", None)
        self.filters["team"].queryset = visible_teams(self.user)

    def filter_search(self, queryset, name, value):
        return _search(queryset, value)

    def filter_tag(self, queryset, name, value):
        # EXISTS rather than a join: no duplicate rows to remove with DISTINCT.
        tagged = Mention.tags.through.objects.filter(mention_id=OuterRef("pk"), tag__name=value)
        return queryset.filter(Exists(tagged))

    def filter_status(self, queryset, name, value):
        if value == "open":
            return queryset.filter(status__in=OPEN_STATUSES)
        return queryset.filter(status=value)

    def filter_assignee(self, queryset, name, value):
        if value == "me":
            return queryset.filter(assignee=self.user)
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value.isdigit():
            return queryset.filter(assignee_id=int(value))
        return queryset  # "any"

    def filter_reason(self, queryset, name, value):
        if connection.vendor == "postgresql":
            return few_first(queryset, queryset.filter(risk_reasons__contains=[{"code": value}]))
        # SQLite has no JSON containment: look through the list with its JSON functions.
        return queryset.filter(
            RawSQL(
                "EXISTS (SELECT 1 FROM json_each(monitoring_mention.risk_reasons) AS r "
                "WHERE json_extract(r.value, '$.code') = %s)",
                (value,),
                output_field=BooleanField(),
            )
        )

    def filter_breached(self, queryset, name, value):
        now = timezone.now()
        if not value:
            return queryset.exclude(breached_q(now))
        status = self.form.cleaned_data.get("status")
        if status == "open" or status in OPEN_STATUSES:
            # Said twice, "open" would count twice in PostgreSQL's estimate: it would then
            # expect a few hundred breaches and sort every one of them (100 ms at 37,000).
            return queryset.filter(overdue_q(now))
        return queryset.filter(breached_q(now)) if not status else queryset.none()

    def filter_nothing(self, queryset, name, value):
        return queryset  # the order is the page's business (inbox_page)

    @property
    def order(self) -> str:
        value = self.form.cleaned_data.get("sort") if self.is_bound and self.is_valid() else ""
        return value or "newest"


@dataclass
class InboxPage:
    items: list
    next_cursor: str | None


def _micros(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def _from_micros(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1_000_000, tz=UTC)


def _after(sort: str, cursor: str) -> Q | None:
    """The rows after `cursor` in `sort` order; None for a mangled cursor (first page)."""
    parts = cursor.split(".")
    if not all(p.lstrip("-").isdigit() for p in parts):
        return None
    numbers = [int(p) for p in parts]
    if sort == "riskiest" and len(numbers) == 3:
        score, published, pk = numbers
        published = _from_micros(published)
        return (
            Q(risk_score__lt=score)
            | Q(risk_score=score, published_at__lt=published)
            | Q(risk_score=score, published_at=published, pk__lt=pk)
        )
    if sort == "newest" and len(numbers) == 2:
        published, pk = numbers
        published = _from_micros(published)
        return Q(published_at__lt=published) | Q(published_at=published, pk__lt=pk)
    return None


def cursor_of(sort: str, mention: Mention) -> str:
    key = f"{_micros(mention.published_at)}.{mention.pk}"
    return f"{mention.risk_score}.{key}" if sort == "riskiest" else key


ORDER = {
    "newest": ("-published_at", "-pk"),
    "riskiest": ("-risk_score", "-published_at", "-pk"),
}


def tags_by_name() -> Prefetch:
    return Prefetch("tags", queryset=Tag.objects.order_by("name"))


def list_queryset(queryset):
    """What a list row shows, in a fixed number of queries."""
    return queryset.select_related("team", "assignee", "impersonates", "stream").prefetch_related(
        tags_by_name()
    )


def inbox_page(queryset, *, sort: str = "newest", cursor: str | None = None, size=PAGE_SIZE):
    queryset = queryset.order_by(*ORDER.get(sort, ORDER["newest"]))
    if cursor:
        after = _after(sort, cursor)
        if after is not None:
            queryset = queryset.filter(after)
    # Relations are read for the rows not in the cache only (inbox_rows.render_rows).
    items = list(queryset.defer("raw", "rule_trace")[: size + 1])
    next_cursor = cursor_of(sort, items[size - 1]) if len(items) > size else None
    return InboxPage(items=items[:size], next_cursor=next_cursor)


@dataclass(frozen=True)
class View:
    key: str
    name: str
    query: str


def builtin_views(user) -> list[View]:
    """The shared views: my queue, the critical ones nobody took, and one per team."""
    views = [
        View("mine", _("My queue"), "status=open&assignee=me"),
        View(
            "critical",
            _("Unassigned critical"),
            f"status=open&assignee=none&risk_min={CRITICAL_RISK}&sort=riskiest",
        ),
        View("impersonation", _("Impersonation"), "status=open&impersonation=true"),
        View("breached", _("SLA breached"), "status=open&breached=true&sort=riskiest"),
    ]
    for team in visible_teams(user):
        views.append(View(f"team-{team.pk}", team.name, f"status=open&team={team.pk}"))
    return views


# Soft locks: who has a mention open right now, kept in the cache for a few seconds.
def _viewers_key(mention_id: int) -> str:
    return f"mention-viewers:{mention_id}"


def viewing_mark(mention_id: int, user: User) -> None:
    key = _viewers_key(mention_id)
    now = timezone.now().timestamp()
    viewers = {uid: entry for uid, entry in (cache.get(key) or {}).items() if entry[1] > now}
    viewers[user.pk] = (user.display_name or user.email, now + VIEWING_SECONDS)
    cache.set(key, viewers, VIEWING_SECONDS)


def viewers_of(mention_ids, *, except_user: User) -> dict[int, list[str]]:
    """For each mention, the names of the other people who have it open."""
    now = timezone.now().timestamp()
    found = cache.get_many([_viewers_key(pk) for pk in mention_ids])
    result = {}
    for pk in mention_ids:
        names = [
            name
            for uid, (name, until) in (found.get(_viewers_key(pk)) or {}).items()
            if uid != except_user.pk and until > now
        ]
        if names:
            result[pk] = sorted(names)
    return result
