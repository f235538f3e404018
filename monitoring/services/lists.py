"""Risk keyword lists and the watchlist of authors: the lists enrichment reads."""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from monitoring.enrichment import KEYWORD_CODES
from monitoring.enrichment.risk import PREFIX_MARK, fold
from monitoring.models import KeywordList, WatchedAuthor
from riskdesk.audit import audit_record, snapshot
from riskdesk.networks import Platform
from riskdesk.permissions import require

TERM_MIN, TERM_MAX = 2, 100
_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,4})?$")
WATCHED_AUDIT_FIELDS = ["platform", "author_id", "author_handle", "reason"]


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
