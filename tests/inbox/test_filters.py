"""inbox.filters and inbox.selectors: the shared filters, keyset pages and who sees which queue."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import TeamKind
from inbox.filters import FEW_MATCHES, InboxFilter, search_match
from inbox.selectors import ORDER, builtin_views, inbox_page, page_of_matches
from monitoring.models import Mention, MentionStatus, Tag
from tests.accounts.factories import TeamFactory, UserFactory
from tests.inbox.factories import restricted_team
from tests.monitoring.factories import MentionFactory, StreamFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
postgresql_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="PostgreSQL full-text search"
)


def _filter(query: str, user) -> InboxFilter:
    return InboxFilter(QueryDict(query), queryset=Mention.objects.visible_to(user), user=user)


def found(query: str, user) -> set[int]:
    filterset = _filter(query, user)
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("pk", flat=True))


@pytest.fixture
def box(social_user, user_for):
    """A small inbox where each mention stands out on one filter."""
    colleague = user_for("legal")
    care = TeamFactory(name="Care", kind=TeamKind.CUSTOMER_SERVICE)
    press = TeamFactory(name="Press", kind=TeamKind.PR)
    stream = StreamFactory(name="Brand")
    refund, outage = Tag.objects.create(name="refund"), Tag.objects.create(name="outage")
    from offboarding.models import BrandAccount

    official = BrandAccount.objects.create(platform="x", handle="lumora", display_name="Lumora")

    def at(hours):
        return NOW - timedelta(hours=hours)

    m = SimpleNamespace(care=care, press=press, stream=stream, colleague=colleague)
    m.fresh = MentionFactory(
        published_at=at(1),
        text="My order never arrived and support is silent",
        language="en",
        sentiment=-0.6,
        sentiment_label="negative",
        risk_score=55,
        risk_reasons=[{"code": "negative", "detail": "-0.6"}],
        team=care,
        assignee=social_user,
        stream=stream,
        author_handle="jdoe",
        author_name="Jane Doe",
    )
    m.fresh.tags.add(refund, outage)
    m.legal = MentionFactory(
        published_at=at(2),
        text="I will sue you, my lawyer is drafting the letter",
        language="en",
        sentiment=-0.9,
        sentiment_label="negative",
        risk_score=90,
        risk_reasons=[
            {"code": "legal", "detail": "sue"},
            {"code": "negative", "detail": "-0.9"},
        ],
        team=press,
        platform="mastodon",
        author_handle="angry_customer",
    )
    m.french = MentionFactory(
        published_at=at(3),
        text="Je demande le remboursement de ma commande",
        language="fr",
        sentiment=-0.3,
        sentiment_label="neutral",
        risk_score=20,
        status="in_progress",
        assignee=colleague,
        platform="bluesky",
    )
    m.french.tags.add(refund)
    m.impostor = MentionFactory(
        published_at=at(4),
        text="Free coffee machines for everyone, send your card number",
        language="en",
        sentiment_label="positive",
        sentiment=0.8,
        risk_score=75,
        risk_reasons=[{"code": "impersonation", "detail": "@lumora"}],
        impersonates=official,
        status="waiting",
        first_response_due_at=NOW - timedelta(minutes=5),
        received_at=at(4),
    )
    m.done = MentionFactory(
        published_at=at(30),
        text="Thanks for the quick refund, great service",
        language="en",
        sentiment_label="positive",
        sentiment=0.7,
        risk_score=0,
        status="resolved",
        first_response_due_at=NOW - timedelta(days=2),
    )
    m.spam = MentionFactory(
        published_at=at(50), text="Buy followers cheap", language="de", status="ignored"
    )
    return m


def test_no_filter_lists_everything(box, social_user):
    assert len(found("", social_user)) == 6


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=open", {"fresh", "legal", "french", "impostor"}),
        ("status=new", {"fresh", "legal"}),
        ("status=in_progress", {"french"}),
        ("status=waiting", {"impostor"}),
        ("status=resolved", {"done"}),
        ("status=ignored", {"spam"}),
        ("assignee=any", {"fresh", "legal", "french", "impostor", "done", "spam"}),
        ("assignee=me", {"fresh"}),
        ("assignee=none", {"legal", "impostor", "done", "spam"}),
        ("tag=refund", {"fresh", "french"}),
        ("tag=outage", {"fresh"}),
        ("tag=nothing", set()),
        ("platform=mastodon", {"legal"}),
        ("platform=bluesky", {"french"}),
        ("sentiment=negative", {"fresh", "legal"}),
        ("sentiment=neutral", {"french"}),
        ("sentiment=positive", {"impostor", "done"}),
        ("risk_min=70", {"legal", "impostor"}),
        ("risk_min=55", {"fresh", "legal", "impostor"}),
        ("risk_min=0", {"fresh", "legal", "french", "impostor", "done", "spam"}),
        ("reason=legal", {"legal"}),
        ("reason=negative", {"fresh", "legal"}),
        ("reason=impersonation", {"impostor"}),
        ("reason=security", set()),
        ("language=fr", {"french"}),
        ("language=de", {"spam"}),
        ("impersonation=true", {"impostor"}),
        ("impersonation=false", {"fresh", "legal", "french", "done", "spam"}),
        ("breached=true", {"impostor"}),
        ("breached=false", {"fresh", "legal", "french", "done", "spam"}),
        ("since=2026-03-04T09:30:00Z", {"fresh", "legal"}),
        ("until=2026-03-04T09:30:00Z", {"french", "impostor", "done", "spam"}),
        (
            "since=2026-03-03T00:00:00Z&until=2026-03-04T10:00:00Z",  # until excludes 10:00
            {"french", "impostor", "done"},
        ),
        # Combined: every filter narrows the others.
        ("status=open&assignee=none&risk_min=70", {"legal", "impostor"}),
        ("status=open&assignee=none&risk_min=70&sentiment=negative", {"legal"}),
        ("tag=refund&sentiment=negative", {"fresh"}),
        ("tag=refund&status=open&language=fr&assignee=any", {"french"}),
        ("reason=negative&platform=x", {"fresh"}),
        ("status=open&breached=true&impersonation=true&sort=riskiest", {"impostor"}),
        ("status=waiting&breached=true", {"impostor"}),
        ("status=new&breached=true", set()),
        ("status=resolved&breached=true", set()),  # overdue once, but closed: not a breach
        ("status=resolved&breached=false", {"done"}),
        ("language=fr&risk_min=50", set()),
    ],
)
@time_machine.travel(NOW, tick=False)
def test_each_filter_alone_and_combined(box, social_user, query, expected):
    assert found(query, social_user) == {getattr(box, name).pk for name in expected}


@time_machine.travel(NOW, tick=False)
def test_team_stream_and_assignee_by_id(box, social_user):
    assert found(f"team={box.care.pk}", social_user) == {box.fresh.pk}
    assert found(f"team={box.press.pk}&status=open", social_user) == {box.legal.pk}
    assert found(f"stream={box.stream.pk}", social_user) == {box.fresh.pk}
    assert found(f"assignee={box.colleague.pk}", social_user) == {box.french.pk}
    assert found(f"assignee={box.colleague.pk}&status=resolved", social_user) == set()


def test_a_mention_with_two_matching_tags_is_listed_once(box, social_user):
    page = inbox_page(_filter("tag=refund", social_user).qs)
    assert [m.pk for m in page.items] == [box.fresh.pk, box.french.pk]


@pytest.mark.parametrize(
    "query",
    [
        "status=closed",
        "platform=myspace",
        "sentiment=angry",
        "reason=bogus",
        "risk_min=-1",
        "risk_min=lots",
        "since=yesterday",
        "team=999999",
        "stream=999999",
        "sort=oldest",
    ],
)
def test_bad_filter_values_are_errors_not_silently_ignored(box, social_user, query):
    filterset = _filter(query, social_user)
    assert not filterset.is_valid()
    assert set(filterset.errors) == {query.split("=")[0]}


def test_order_defaults_to_newest(box, social_user):
    assert _filter("", social_user).order == "newest"
    assert _filter("sort=riskiest", social_user).order == "riskiest"
    assert _filter("sort=oldest", social_user).order == "newest"


def test_the_filters_come_in_a_shareable_url(box, social_user):
    """The filter state is all in the query string: the same URL gives the same list."""
    query = f"status=open&team={box.press.pk}&risk_min=70&sort=riskiest"
    assert found(query, social_user) == found(QueryDict(query).urlencode(), social_user)


# --- Full-text search (PostgreSQL tsvector, SQLite LIKE: the same answers here) -----------------


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("lawyer", {"legal"}),
        ("LAWYER", {"legal"}),
        ("remboursement", {"french"}),
        ("order arrived", {"fresh"}),  # every word must match, in any order
        ("arrived lawyer", set()),
        ("jdoe", {"fresh"}),  # the author's handle
        ("Jane", {"fresh"}),  # the author's name
        ("angry_customer", {"legal"}),
        ("refund", {"done"}),
        ("xylophone", set()),
        ("   ", {"fresh", "legal", "french", "impostor", "done", "spam"}),
    ],
)
def test_search_over_text_and_author(box, social_user, q, expected):
    assert found(f"q={q}", social_user) == {getattr(box, name).pk for name in expected}


def test_search_combines_with_the_other_filters(box, social_user):
    assert found("q=refund&status=resolved", social_user) == {box.done.pk}
    assert found("q=refund&status=open", social_user) == set()


def test_search_is_no_injection(box, social_user):
    for q in ("'; DROP TABLE monitoring_mention; --", "a:*|b", "%", "_", "!(", '"unbalanced'):
        found(f"q={q}", social_user)  # no error
    assert Mention.objects.count() == 6


@postgresql_only
def test_french_and_english_stemming_on_postgresql(social_user):
    plural_fr = MentionFactory(text="Trois remboursements refusés", language="fr")
    plural_en = MentionFactory(text="Two refunds declined by the bank", language="en")
    MentionFactory(text="Rien à voir", language="fr")
    assert found("q=remboursement", social_user) == {plural_fr.pk}
    assert found("q=refund", social_user) == {plural_en.pk}
    assert found("q=refunded", social_user) == {plural_en.pk}  # English stem: refund
    assert found("q=refusé", social_user) == {plural_fr.pk}


def uses_index(plan: str, name: str) -> bool:
    """The plan reads index `name`, or on partitioned mentions its copy in a partition."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(%s)",
            [name],
        )
        names = [name, *(local for (local,) in cursor.fetchall())]
    return any(f" {index} " in plan for index in names)


@postgresql_only
def test_the_search_column_has_a_gin_index_the_planner_uses(social_user):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'monitoring_mention' "
            "AND indexname = 'mention_search'"
        )
        (definition,) = cursor.fetchone()
    assert "USING gin (search_vector)" in definition

    matches = Mention.objects.filter(search_match("remboursement")).order_by().values("pk")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = matches[: FEW_MATCHES + 1].explain()
    assert uses_index(plan, "mention_search")


@pytest.mark.parametrize("few", [FEW_MATCHES, 1])
def test_search_finds_the_newest_matches_whether_few_or_many(social_user, monkeypatch, few):
    monkeypatch.setattr("inbox.filters.FEW_MATCHES", few)
    now = timezone.now()
    old, new = (
        MentionFactory(text="Remboursement refusé", published_at=now - timedelta(days=d))
        for d in (3, 1)
    )
    MentionFactory(text="Rien à voir", published_at=now)
    hidden = MentionFactory(text="Remboursement demandé", team=restricted_team())

    rows = list(_filter("q=remboursement", social_user).qs.order_by("-published_at"))

    assert rows == [new, old]
    assert hidden not in rows


def _searched(query: str, user) -> tuple[list, int]:
    """The rows a search finds, and how many times its matches were counted (few_first)."""
    with CaptureQueriesContext(connection) as queries:
        rows = list(_filter(query, user).qs.order_by("-published_at"))
    sent = [q["sql"] for q in queries.captured_queries]
    return rows, sum("remboursement" in sql and "ORDER BY" not in sql for sql in sent)


@postgresql_only  # elsewhere a search is a plain LIKE
def test_a_search_that_matched_many_is_not_counted_again(social_user, monkeypatch):
    monkeypatch.setattr("inbox.filters.FEW_MATCHES", 1)
    now = timezone.now()
    many = [
        MentionFactory(text="Remboursement refusé", published_at=now - timedelta(hours=h))
        for h in (1, 2)
    ]
    rows, counted = _searched("q=remboursement", social_user)
    assert set(rows) == set(many)
    assert counted == 1

    newer = MentionFactory(text="Remboursement encore", published_at=now)
    rows, counted = _searched("q=remboursement", social_user)
    assert rows == [newer, *many]
    assert counted == 0


@postgresql_only
def test_a_search_that_matched_few_is_counted_each_time(social_user):
    first = MentionFactory(text="Remboursement refusé")
    assert _searched("q=remboursement", social_user) == ([first], 1)
    second = MentionFactory(text="Remboursement encore", published_at=timezone.now())
    assert _searched("q=remboursement", social_user) == ([second, first], 1)


@postgresql_only
@pytest.mark.parametrize("sort", ["newest", "riskiest"])
def test_the_pages_of_a_few_matches_are_the_plain_querys(social_user, sort):
    now = timezone.now()
    for i in range(9):
        MentionFactory(
            text=f"Remboursement n°{i}",
            published_at=now - timedelta(hours=i % 4),  # some at the same moment
            risk_score=(i * 37) % 3 * 30,  # and at the same risk
            status="resolved" if i % 4 == 0 else "new",
        )
    MentionFactory(text="Remboursement caché", team=restricted_team())
    filterset = _filter(f"q=remboursement&status=open&sort={sort}", social_user)
    assert filterset.is_valid()
    plain = inbox_page(filterset.qs, sort=sort, size=100).items
    assert filterset.search_matches is not None  # counted with the status filter: 6 of them
    assert len(filterset.search_matches) == len(plain) == 6

    walked, cursor = [], "mangled"  # a mangled cursor is the first page
    visible = Mention.objects.visible_to(social_user)
    while cursor:
        page = page_of_matches(filterset.search_matches, visible, sort=sort, cursor=cursor, size=4)
        walked += page.items
        cursor = page.next_cursor
        if len(walked) > 4:
            assert cursor is None
    assert [m.pk for m in walked] == [m.pk for m in plain]


def _pages(query: str, user, *, size: int) -> list[Mention]:
    """Every page of an inbox list, fetched as the inbox page does."""
    rows, cursor = [], ""
    visible = Mention.objects.visible_to(user)
    while True:
        data = QueryDict(f"{query}&cursor={cursor}" if cursor else query)
        filterset = InboxFilter(data, queryset=visible, user=user, for_page=True)
        assert filterset.is_valid()
        found = filterset.qs
        sort = filterset.order
        if filterset.search_matches is None:
            page = inbox_page(found, sort=sort, cursor=cursor, size=size)
        else:
            page = page_of_matches(
                filterset.search_matches, visible, sort=sort, cursor=cursor, size=size
            )
        rows += page.items
        if not page.next_cursor:
            return rows
        cursor = page.next_cursor


@postgresql_only
def test_a_newest_page_of_many_matches_is_cut_from_the_last_weeks(social_user, monkeypatch):
    monkeypatch.setattr("inbox.filters.FEW_MATCHES", 5)  # eight matches are many
    monkeypatch.setattr("inbox.filters.PAGE_SIZE", 2)
    now = timezone.now()
    for days in (0, 1, 1, 3, 9, 20, 40, 80):
        MentionFactory(text="Remboursement refusé", published_at=now - timedelta(days=days))
    MentionFactory(text="Remboursement caché", team=restricted_team(), published_at=now)
    MentionFactory(text="Rien à voir", published_at=now)

    first = _filter("q=remboursement", social_user)
    first.for_page = True
    assert first.is_valid()
    assert len(first.qs) == 4  # only the last week's, enough for the first page
    assert first.search_matches is not None

    walked = _pages("q=remboursement", social_user, size=2)
    plain = list(_filter("q=remboursement", social_user).qs.order_by(*ORDER["newest"]))
    assert len(plain) == 8
    assert [m.pk for m in walked] == [m.pk for m in plain]


@postgresql_only
@pytest.mark.parametrize("code", ["legal", "impersonation"])
def test_a_reason_by_risk_is_read_from_its_own_partial_index_without_a_sort(
    social_user, code, monkeypatch
):
    monkeypatch.setattr("inbox.filters.FEW_MATCHES", 0)  # many: the page walks the index
    MentionFactory(risk_score=80, risk_reasons=[{"code": code, "detail": "x"}])
    page = _filter(f"reason={code}&sort=riskiest", social_user).qs.order_by(*ORDER["riskiest"])
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        plan = page[:51].explain()
    assert uses_index(plan, f"mention_reason_{code}")
    assert "Sort" not in plan.replace("Sort Key", "")


def test_the_reason_filter_finds_the_riskiest(social_user):
    legal = [{"code": "legal", "detail": "lawsuit"}]
    low, high = (MentionFactory(risk_score=score, risk_reasons=legal) for score in (40, 80))
    MentionFactory(risk_score=99, risk_reasons=[{"code": "crisis", "detail": "recall"}])
    # The code in a detail's words is not the reason.
    MentionFactory(risk_score=98, risk_reasons=[{"code": "crisis", "detail": '"code": "legal"'}])
    hidden = MentionFactory(risk_score=90, risk_reasons=legal, team=restricted_team())

    page = inbox_page(_filter("reason=legal&sort=riskiest", social_user).qs, sort="riskiest")

    assert page.items == [high, low]
    assert hidden not in page.items


@postgresql_only  # elsewhere the page walks the reason's mentions
@pytest.mark.parametrize("sort", ["newest", "riskiest"])
def test_a_rare_reason_is_paged_from_its_matches_as_the_walk_would(social_user, sort):
    legal = [{"code": "legal", "detail": "lawsuit"}]
    now = timezone.now()
    shown = [
        MentionFactory(risk_reasons=legal, risk_score=30 + n, published_at=now - timedelta(hours=n))
        for n in range(5)
    ]
    MentionFactory(risk_reasons=legal, team=restricted_team())  # hidden from the social team
    MentionFactory(risk_reasons=[{"code": "crisis", "detail": "recall"}])

    filterset = _filter(f"reason=legal&sort={sort}", social_user)
    assert filterset.is_valid()
    plain = list(filterset.qs.order_by(*ORDER[sort]))
    assert sorted(key[0] for key in filterset.search_matches) == sorted(m.pk for m in shown)
    walked = _pages(f"reason=legal&sort={sort}", social_user, size=2)
    assert [m.pk for m in walked] == [m.pk for m in plain]
    assert set(plain) == set(shown)


@postgresql_only
def test_a_reason_with_many_matches_is_walked_and_not_counted_again(social_user, monkeypatch):
    monkeypatch.setattr("inbox.filters.FEW_MATCHES", 1)
    legal = [{"code": "legal", "detail": "lawsuit"}]
    MentionFactory.create_batch(2, risk_reasons=legal)
    first = _filter("reason=legal", social_user)
    assert first.is_valid()
    assert len(first.qs) == 2
    assert first.search_matches is None
    with CaptureQueriesContext(connection) as queries:
        again = _filter("reason=legal", social_user)
        assert len(again.qs) == 2
    assert len(queries.captured_queries) == 1  # the page's own query, no count first


@postgresql_only
def test_a_rare_reason_among_the_open_mentions_is_paged_from_its_matches(social_user):
    legal = [{"code": "legal", "detail": "lawsuit"}]
    open_one = MentionFactory(risk_reasons=legal, status=MentionStatus.NEW)
    MentionFactory(risk_reasons=legal, status=MentionStatus.RESOLVED)
    MentionFactory(risk_reasons=legal, status=MentionStatus.NEW, team=restricted_team())

    filterset = _filter("reason=legal&status=open", social_user)
    assert list(filterset.qs) == [open_one]
    assert [key[0] for key in filterset.search_matches] == [open_one.pk]


@pytest.mark.skipif("connection.vendor == 'postgresql'", reason="SQLite fallback")
def test_sqlite_search_is_a_case_insensitive_substring_match(social_user):
    refund = MentionFactory(text="Where is my REFUND?")
    assert found("q=refun", social_user) == {refund.pk}


# --- Keyset pages -------------------------------------------------------------------------------


@pytest.fixture
def ties():
    """Mentions sharing publication times and risk scores, so the id breaks the ties."""
    base = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    made = []
    for n in range(11):
        made.append(
            MentionFactory(
                published_at=base - timedelta(minutes=n // 3),  # three per minute
                risk_score=(50, 80)[n % 2],  # two scores only
            )
        )
    return made


def _walk(queryset, sort: str, size: int) -> tuple[list[int], int]:
    pages, seen, cursor = 0, [], None
    while True:
        page = inbox_page(queryset, sort=sort, cursor=cursor, size=size)
        pages += 1
        assert len(page.items) <= size
        seen += [m.pk for m in page.items]
        if page.next_cursor is None:
            return seen, pages
        cursor = page.next_cursor
        assert pages < 20


@pytest.mark.parametrize("size", [1, 2, 3, 4, 11, 50])
def test_keyset_pages_newest_first_visit_every_mention_once(ties, size):
    expected = [m.pk for m in sorted(ties, key=lambda m: (m.published_at, m.pk), reverse=True)]
    seen, pages = _walk(Mention.objects.all(), "newest", size)
    assert seen == expected
    assert pages == max(1, -(-len(ties) // size))


@pytest.mark.parametrize("size", [1, 3, 4, 11])
def test_keyset_pages_riskiest_first_visit_every_mention_once(ties, size):
    expected = [
        m.pk for m in sorted(ties, key=lambda m: (m.risk_score, m.published_at, m.pk), reverse=True)
    ]
    seen, _pages = _walk(Mention.objects.all(), "riskiest", size)
    assert seen == expected


def test_a_page_after_a_filter_keeps_the_filter(ties):
    queryset = Mention.objects.filter(risk_score=80)
    seen, _pages = _walk(queryset, "riskiest", 2)
    assert sorted(seen) == sorted(m.pk for m in ties if m.risk_score == 80)


def test_a_cursor_is_stable_when_new_mentions_arrive(ties):
    first = inbox_page(Mention.objects.all(), sort="newest", size=4)
    MentionFactory(published_at=datetime(2026, 3, 2, tzinfo=UTC))  # newer than all
    second = inbox_page(Mention.objects.all(), sort="newest", cursor=first.next_cursor, size=4)
    assert not {m.pk for m in first.items} & {m.pk for m in second.items}
    assert len(second.items) == 4


@pytest.mark.parametrize(
    ("sort", "cursor"),
    [
        ("newest", "garbage"),
        ("newest", "1.2.3"),  # a riskiest cursor on the newest order
        ("riskiest", "1772366400000000.5"),  # a newest cursor on the riskiest order
        ("newest", "."),
        ("newest", "12.x"),
        ("newest", ""),
        ("riskiest", "<script>"),
        ("unknown", "whatever"),
    ],
)
def test_a_mangled_cursor_shows_the_first_page(ties, sort, cursor):
    first = inbox_page(Mention.objects.all(), sort=sort, size=4)
    assert [
        m.pk for m in inbox_page(Mention.objects.all(), sort=sort, cursor=cursor, size=4).items
    ] == [m.pk for m in first.items]


def test_the_last_page_has_no_next_cursor(ties):
    assert inbox_page(Mention.objects.all(), size=11).next_cursor is None
    assert inbox_page(Mention.objects.all(), size=10).next_cursor is not None


# --- Team-only visibility -------------------------------------------------------------------------


@pytest.fixture
def queues(legal_user, user_for):
    hr_social = UserFactory(email="hr-social@example.com", roles=["social"])
    legal = restricted_team(TeamKind.LEGAL, members=[legal_user], name="Legal")
    hr = restricted_team(TeamKind.HR, members=[hr_social], name="HR")
    care = TeamFactory(name="Care", kind=TeamKind.CUSTOMER_SERVICE)
    return SimpleNamespace(
        legal=legal,
        hr=hr,
        care=care,
        hr_social=hr_social,
        in_legal=MentionFactory(team=legal, text="Cease and desist"),
        in_hr=MentionFactory(team=hr, text="Our manager harassed me"),
        in_care=MentionFactory(team=care),
        nowhere=MentionFactory(team=None),
    )


def test_legal_and_hr_queues_are_hidden_from_everyone_else(queues, social_user, manager_user):
    for outsider in (social_user, manager_user):
        assert set(Mention.objects.visible_to(outsider)) == {queues.in_care, queues.nowhere}
        assert found("q=desist", outsider) == set()
        assert found("", outsider) == {queues.in_care.pk, queues.nowhere.pk}


def test_members_see_their_own_restricted_queue_only(queues, legal_user):
    assert set(Mention.objects.visible_to(legal_user)) == {
        queues.in_legal,
        queues.in_care,
        queues.nowhere,
    }
    assert set(Mention.objects.visible_to(queues.hr_social)) == {
        queues.in_hr,
        queues.in_care,
        queues.nowhere,
    }


def test_admins_see_every_queue(queues, admin_user):
    assert set(Mention.objects.visible_to(admin_user)) == {
        queues.in_legal,
        queues.in_hr,
        queues.in_care,
        queues.nowhere,
    }


def test_people_without_the_mention_role_see_nothing(queues, user_for):
    assert not Mention.objects.visible_to(user_for("hr")).exists()  # HR role alone: no inbox
    assert not Mention.objects.visible_to(user_for("no-role")).exists()


def test_a_hidden_team_cannot_be_filtered_on_nor_offered(queues, social_user, legal_user):
    filterset = _filter(f"team={queues.legal.pk}", social_user)
    assert not filterset.is_valid()
    assert "team" in filterset.errors
    assert found(f"team={queues.legal.pk}", legal_user) == {queues.in_legal.pk}

    choices = {team.pk for team in _filter("", social_user).filters["team"].queryset}
    assert queues.legal.pk not in choices
    assert queues.hr.pk not in choices
    assert queues.care.pk in choices

    keys = {view.key for view in builtin_views(social_user)}
    assert f"team-{queues.care.pk}" in keys
    assert f"team-{queues.legal.pk}" not in keys
    assert f"team-{queues.legal.pk}" in {view.key for view in builtin_views(legal_user)}


def test_builtin_views_are_valid_filters(queues, admin_user):
    for view in builtin_views(admin_user):
        filterset = _filter(view.query, admin_user)
        assert filterset.is_valid(), (view.key, filterset.errors)
    keys = [view.key for view in builtin_views(admin_user)]
    assert keys[:2] == ["mine", "critical"]
