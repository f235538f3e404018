"""Reads of monitoring that pages and other homes share."""

from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy

from monitoring.enrichment import KEYWORD_CODES
from monitoring.enrichment.risk import KeywordMatcher
from monitoring.models import KeywordList

KEYWORD_LANGUAGES = ("en", "fr")  # always offered, even before a list exists
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


def keys_q(keys, field: str = "external_id", *, non_empty: bool = False) -> Q:
    """Mentions whose (platform, `field`) is one of `keys`: one condition the indexes answer.

    `non_empty` says in each network's branch that `field` is not "", which a partial index
    on the non-empty values needs to be used (SQLite reads each branch of an OR on its own).
    """
    by_platform: dict[str, set[str]] = defaultdict(set)
    for platform, value in keys:
        by_platform[platform].add(value)
    condition = Q()
    for platform, values in sorted(by_platform.items()):
        branch = Q(platform=platform, **{f"{field}__in": sorted(values)})
        condition |= branch & ~Q(**{field: ""}) if non_empty else branch
    return condition


def ids_with_keys(keys, field: str = "external_id") -> list[int]:
    """Ids of the mentions whose (platform, `field`) is one of `keys`, `field` not "".

    On PostgreSQL the keys go as two arrays, so the query and its parameters stay the same
    size however many keys a batch brings (keys_q's conditions cost more to build and send
    than to run for a batch of a thousand); elsewhere keys_q.
    """
    from monitoring.models import Mention

    if not keys:
        return []
    if connection.vendor != "postgresql":
        rows = Mention.objects.filter(keys_q(keys, field, non_empty=True))
        return list(rows.values_list("pk", flat=True))
    platforms, values = zip(*keys, strict=True)
    column = connection.ops.quote_name(Mention._meta.get_field(field).column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT m.id FROM {Mention._meta.db_table} m "  # noqa: S608 (our own names)
            "JOIN unnest(%s::varchar[], %s::varchar[]) AS k(platform, value) "
            f"ON m.platform = k.platform AND m.{column} = k.value WHERE m.{column} <> ''",
            [list(platforms), list(values)],
        )
        return [pk for (pk,) in cursor.fetchall()]


def in_values(model, field: str, values) -> Q | RawSQL:
    """A filter on `model`'s `field` being one of `values`: on PostgreSQL `= ANY` of one
    array parameter rather than a placeholder per value."""
    values = list(values)
    if connection.vendor != "postgresql":
        return Q(**{f"{field}__in": values})
    quote = connection.ops.quote_name
    column = f"{quote(model._meta.db_table)}.{quote(model._meta.get_field(field).column)}"
    # Our own table and column names; the values go as a parameter.
    return RawSQL(f"{column} = ANY(%s)", (values,), output_field=BooleanField())  # noqa: S611
