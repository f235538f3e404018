"""The inbox's filters: one FilterSet (`InboxFilter`) for the page and `/api/v1/mentions/`.

Searches that few mentions match are answered through their GIN index first (`few_first`),
so a rare word costs what a common one does, and an inbox page newest first from the last
week's matches when they hold it (`recent_matches`). A reason filter has a partial index per
reason, which answers `few_first` in the same way for a rare reason.
"""

import copy
import hashlib
from datetime import timedelta

import django_filters
from django import forms
from django.db import connection
from django.db.models import BooleanField, Exists, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Team
from inbox.selectors import (
    PAGE_SIZE,
    REASON_LABELS,
    after_cursor,
    breached_q,
    by_id_and_date,
    cursor_key,
    overdue_q,
    visible_teams,
)
from monitoring.enrichment import REASON_CODES
from monitoring.models import (
    OPEN_STATUSES,
    Mention,
    MentionStatus,
    Platform,
    Stream,
    has_reason_flag,
)
from riskdesk.near_cache import NearCache

FEW_MATCHES = 2000
# A search known to match many mentions skips the count of its matches this long: matches
# only grow as mentions arrive, and the plain query is right whatever their number.
MANY_REMEMBERED = 600
MANY_NEAR = NearCache(max_entries=1000)


def search_match(value: str) -> RawSQL:
    """The stored vector is stemmed in each mention's language: match any of them."""
    return RawSQL(
        "search_vector @@ (websearch_to_tsquery('english', %s) "
        "|| websearch_to_tsquery('french', %s) || websearch_to_tsquery('simple', %s))",
        (value, value, value),
        output_field=BooleanField(),
    )


def _digest(matched) -> str:
    """What a verdict on `matched` is remembered under: its SQL names the reader's view and
    filters."""
    return hashlib.sha256(str(matched.query).encode()).hexdigest()


def few_first(queryset, matched, many_key: str):
    """`matched` (`queryset` narrowed by a condition an index answers: the search's GIN, a
    reason's partial index), planned to be fast, and when few, every match's (id,
    published_at, risk_score) (for `page_of_matches`).

    Few matches (a rare word or reason, or all of them in queues hidden from the reader):
    the planner would walk every mention in the page's order looking for them, seconds at a
    million. Find them through that index first; with many, the walk finds a page at once.
    `many_key`: where that verdict is remembered.
    """
    if MANY_NEAR.get(many_key):
        return matched, None
    found = list(
        matched.order_by().values_list("pk", "published_at", "risk_score")[: FEW_MATCHES + 1]
    )
    if len(found) > FEW_MATCHES:
        MANY_NEAR.set(many_key, True, MANY_REMEMBERED)
        return matched, None
    return by_id_and_date(queryset, found), found


RECENT_MATCHES = timedelta(days=7)


def recent_matches(matched, *, cursor: str | None, dense_key: str):
    """The keys of `matched` published in the last week (before `cursor`), if a page of the
    newest first is among them; None otherwise.

    The planner finds a search's newest page by walking the date index and testing each
    mention's text, 10 to 20 ms at 1M for a word in one post in two hundred, and counting the
    matches of a rarer word reads each of them (15 ms for two thousand). Those of the last
    week, found through the GIN index of the recent partitions alone, hold the page when they
    are more than a page: all the others are older. More than FEW_MATCHES (a common word)
    and the walk is fast: None, and remembered like `few_first`'s many, under `dense_key`.
    """
    if MANY_NEAR.get(dense_key):
        return None
    start = cursor_key("newest", cursor) if cursor else None
    since = (start[0] if start else timezone.now()) - RECENT_MATCHES
    recent = matched.filter(published_at__gte=since).order_by()
    if start is not None:
        recent = recent.filter(after_cursor("newest", cursor))
    keys = list(recent.values_list("pk", "published_at", "risk_score")[: FEW_MATCHES + 1])
    if len(keys) > FEW_MATCHES:
        MANY_NEAR.set(dense_key, True, MANY_REMEMBERED)
        return None
    return keys if len(keys) > PAGE_SIZE else None


def _search(queryset, value: str, *, newest_page: bool = False, cursor: str | None = None):
    """The mentions matching `value`, and on PostgreSQL when they are few, their keys.

    `newest_page`: the caller shows them newest first, the page after `cursor`. When the
    last week's matches hold that page, their keys, and the queryset is then only right for
    that page (`recent_matches`).
    """
    value = value.strip()
    if not value:
        return queryset, None
    if connection.vendor == "postgresql":
        matched = queryset.filter(search_match(value))
        digest = _digest(matched)  # the SQL written once for both verdicts
        if newest_page:
            keys = recent_matches(matched, cursor=cursor, dense_key=f"inbox:search-dense:{digest}")
            if keys is not None:
                return by_id_and_date(queryset, keys), keys
        return few_first(queryset, matched, many_key=f"inbox:search-many:{digest}")
    words = value.split()
    for word in words[:8]:
        queryset = queryset.filter(
            Q(text__icontains=word)
            | Q(author_handle__icontains=word)
            | Q(author_name__icontains=word)
        )
    return queryset, None


def has_reason(code: str) -> Q:
    """The condition "the mention carries the risk reason `code`" (a filter or a Count's).

    Read from `reason_flags`, the bits the database keeps from `risk_reasons`, in the very
    form of the reason's partial index (`mention_reason_<code>`), so that the index answers it.
    """
    return Q(has_reason_flag(code))


class _Filters(dict):
    """A FilterSet's declared filters, copied for each FilterSet as django-filter does, less deep.

    A filter's copy needs its own attributes (django-filter sets `parent` and `model`, the
    team filter its queryset) and its own `extra`, not copies of its choices and labels.
    """

    def __deepcopy__(self, memo):
        copies = {}
        for name, declared in self.items():
            copies[name] = copy.copy(declared)
            copies[name].extra = dict(declared.extra)
            if declared.method is not None:  # its FilterMethod, bound to the copy
                copies[name].method = declared.method
        return copies


class InboxFilter(django_filters.FilterSet):
    """The inbox's filters, shared by /inbox/ and /api/v1/mentions/. All of them combine.

    The brand's own posts (status "own") are not work: no list holds them unless it asks,
    with `owned` or with the status "own".
    """

    STATUS_CHOICES = [("open", _("Open")), *MentionStatus.choices]
    ASSIGNEE_CHOICES = [("me", _("Me")), ("none", _("Unassigned")), ("any", _("Anyone"))]
    SENTIMENT_CHOICES = [
        ("negative", _("Negative")),
        ("neutral", _("Neutral")),
        ("positive", _("Positive")),
    ]
    SORT_CHOICES = [("newest", _("Newest first")), ("riskiest", _("Riskiest first"))]
    OWNED_CHOICES = [("only", _("Only them")), ("include", _("With the others"))]

    q = django_filters.CharFilter(label=_("Search"), method="filter_nothing")  # applied last
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
    owned = django_filters.ChoiceFilter(
        label=_("Brand's own posts"),
        choices=OWNED_CHOICES,
        empty_label=_("Hidden"),
        method="filter_nothing",  # see filter_queryset: hidden is the default
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

    def __init__(self, data=None, *args, user=None, for_page=False, **kwargs):
        """`for_page`: the mentions are wanted for one inbox page (`data`'s cursor), not all."""
        super().__init__(data, *args, **kwargs)
        self.user = user if user is not None else getattr(self.request, "user", None)
        self.filters["team"].queryset = visible_teams(self.user)
        self.for_page = for_page
        self.page_cursor = (data or {}).get("cursor") if for_page else None
        self.search_matches = None

    def get_form_class(self):
        """The form class, built once for all requests (django-filter builds one per request).

        Its fields depend on nothing of the request but the team field's queryset, which the
        `form` below gives each form.
        """
        cls = type(self)
        if "_form_class" not in cls.__dict__:
            fields = {name: f.field for name, f in copy.deepcopy(cls.base_filters).items()}
            cls._form_class = type(f"{cls.__name__}Form", (cls._meta.form,), fields)
        return cls._form_class

    @property
    def form(self):
        if not hasattr(self, "_form"):
            super().form.fields["team"].queryset = self.filters["team"].queryset
        return self._form

    def filter_queryset(self, queryset):
        """Every filter, the search last: the matches it counts (`few_first`, `recent_matches`)
        are then the very mentions the page shows, kept in `search_matches` when few."""
        data = self.form.cleaned_data
        for name, value in data.items():
            if name != "q":
                queryset = self.filters[name].filter(queryset, value)
        owned, status = data.get("owned"), data.get("status")
        if owned == "only":
            queryset = queryset.filter(Q(owned_by__isnull=False) | Q(status=MentionStatus.OWN))
        elif owned != "include" and not status:  # a status filter keeps or drops them itself
            queryset = queryset.exclude(status=MentionStatus.OWN)
        query = data.get("q") or ""
        queryset, self.search_matches = _search(
            queryset,
            query,
            newest_page=self.for_page and self.order == "newest",
            cursor=self.page_cursor,
        )
        postgresql = connection.vendor == "postgresql"
        if data.get("reason") and not query.strip() and postgresql:
            # A reason is rare, or its mentions sit in queues hidden from the reader (legal
            # threats for the social team): its partial index, which holds each mention's
            # team and status, finds the visible ones without reading a row (the planner
            # knows how rare a reason is from monitoring.partitions.add_reason_statistics).
            key = f"inbox:reason-many:{_digest(queryset)}"
            queryset, self.search_matches = few_first(queryset, queryset, many_key=key)
        return queryset

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
        return queryset.filter(has_reason(value))

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
        return queryset  # the order is the page's business (inbox_page), the search comes last

    @property
    def order(self) -> str:
        value = self.form.cleaned_data.get("sort") if self.is_bound and self.is_valid() else ""
        return value or "newest"


InboxFilter.base_filters = _Filters(InboxFilter.base_filters)
