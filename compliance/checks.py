"""The automatic checks run on every save of a sponsored post.

`run_checks(content, rulebook)` returns findings as plain JSON (stored on the
post and copied into each decision): the check, a code, a severity, the
parameters of its message and, when it points at the text, where. The words
people read (the rule applied and the explanation) come from `describe` at
display time, so they follow the reader's language.
"""

import itertools
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from compliance.rulebook import KINDS_BY_CODE, Rulebook, normalize

ERROR, WARNING, INFO, PASS = "error", "warning", "info", "pass"
SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2, PASS: 3}
SEVERITY_LABELS = {
    ERROR: gettext_lazy("Must fix"),
    WARNING: gettext_lazy("Check"),
    INFO: gettext_lazy("Note"),
    PASS: gettext_lazy("Passed"),
}

# Characters a feed shows before "… more" (Instagram, Facebook, LinkedIn, YouTube).
FOLD = 125
FOLDED_PLATFORMS = {"instagram", "facebook", "youtube", "other"}
# A disclosure among this many hashtags in a row, not first, is lost in them.
HASHTAG_WALL = 4
# (characters, hashtags) the networks accept; None: no limit we check.
PLATFORM_LIMITS = {
    "x": (280, None),
    "instagram": (2200, 30),
    "facebook": (63206, None),
    "mastodon": (500, None),
    "bluesky": (300, None),
    "youtube": (5000, 15),
    "reddit": (40000, None),
    "news": (None, None),
    "other": (None, None),
}
X_URL_LENGTH = 23  # X counts every link as 23 characters
RELEASE_PLATFORMS = {"instagram": ("instagram", "meta"), "facebook": ("facebook", "meta")}
STRICT_NO_PURCHASE_MARKETS = {"US", "CA"}

URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"'«»]+", re.IGNORECASE)
HASHTAG_RE = re.compile(r"#\w+")
DATE_RE = re.compile(
    r"\b\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?\b|\b\d{1,2}(?:st|nd|rd|th|er)\b|\b\d{4}-\d{2}-\d{2}\b",
    re.IGNORECASE,
)
TRAILING = ".,;:!?)]}»…"


@dataclass
class PostContent:
    """What the checks read of a post (saved or not)."""

    text: str
    platform: str
    markets: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    account_kind: str = "brand"
    partner_handle: str = ""
    contract_handle: str = ""
    has_contract: bool = False
    media_count: int = 0
    link_status: dict = field(default_factory=dict)


def finding(check, code, severity, start=None, end=None, **params) -> dict:
    return {
        "check": check,
        "code": code,
        "severity": severity,
        "start": start,
        "end": end,
        "params": params,
    }


def extract_links(text: str, shorteners: list[str]) -> list[str]:
    """Links written in the text: http(s)://…, www.…, and bare shortener links (bit.ly/x)."""
    found = [m.group(0).rstrip(TRAILING) for m in URL_RE.finditer(text or "")]
    if shorteners:
        bare = re.compile(
            r"(?<![\w./])(?:" + "|".join(re.escape(d) for d in shorteners) + r")/[^\s<>\"']+",
            re.IGNORECASE,
        )
        found += [m.group(0).rstrip(TRAILING) for m in bare.finditer(text or "")]
    return found


def all_links(content: PostContent, shorteners: list[str]) -> list[str]:
    links: list[str] = []
    for link in [*content.links, *extract_links(content.text, shorteners)]:
        link = link.strip()
        if link and link not in links:
            links.append(link)
    return links


def link_url(link: str) -> str:
    """The address to fetch for a link as written (a scheme added when it has none)."""
    return link if re.match(r"^[a-z][a-z0-9+.-]*://", link, re.IGNORECASE) else f"https://{link}"


# --- The checks ---------------------------------------------------------------------------


def check_disclosure(content: PostContent, rules: Rulebook, norm) -> list[dict]:
    text = content.text
    markets = set(content.markets)
    folded = content.platform in FOLDED_PLATFORMS
    hashtag_runs = _hashtag_runs(text)
    results = []

    def judge(hits, missing_code, **extra):
        if not hits:
            ambiguous = rules.matcher("disclosure_ambiguous").find(text, norm)
            results.append(finding("disclosure", missing_code, ERROR, **extra))
            for hit in ambiguous[:3]:
                results.append(
                    finding(
                        "disclosure",
                        "disclosure.ambiguous",
                        WARNING,
                        hit.start,
                        hit.end,
                        term=hit.found,
                    )
                )
            return
        problems = []
        for hit in hits:
            if folded and hit.start >= FOLD:
                problems.append(
                    finding(
                        "disclosure",
                        "disclosure.buried",
                        ERROR,
                        hit.start,
                        hit.end,
                        term=hit.found,
                        position=hit.start + 1,
                        fold=FOLD,
                        **extra,
                    )
                )
                continue
            run = next((r for r in hashtag_runs if r[0] <= hit.start < r[1]), None)
            if run is not None and run[2] >= HASHTAG_WALL and hit.start != run[0]:
                problems.append(
                    finding(
                        "disclosure",
                        "disclosure.hashtag_wall",
                        ERROR,
                        hit.start,
                        hit.end,
                        term=hit.found,
                        count=run[2],
                        **extra,
                    )
                )
                continue
            results.append(
                finding(
                    "disclosure",
                    "disclosure.visible",
                    PASS,
                    hit.start,
                    hit.end,
                    term=hit.found,
                    **extra,
                )
            )
            return
        results.append(problems[0])

    if "FR" in markets:
        french = rules.matcher("disclosure", "", "fr").find(text, norm)
        if french:
            judge(french, "disclosure.missing_fr")
        else:
            other = rules.matcher("disclosure").find(text, norm)
            if other:
                results.append(
                    finding(
                        "disclosure",
                        "disclosure.not_french",
                        ERROR,
                        other[0].start,
                        other[0].end,
                        term=other[0].found,
                    )
                )
            else:
                judge([], "disclosure.missing_fr")
        if content.media_count:
            results.append(finding("disclosure", "disclosure.fr_media", INFO))
    if not markets or markets - {"FR"}:
        judge(rules.matcher("disclosure").find(text, norm), "disclosure.missing")
    return results


def _hashtag_runs(text: str) -> list[tuple[int, int, int]]:
    """(start, end, hashtag count) of each run of hashtags separated only by spaces."""
    runs = []
    current = None
    for match in HASHTAG_RE.finditer(text):
        if current and not text[current[1] : match.start()].strip():
            current = (current[0], match.end(), current[2] + 1)
        else:
            if current:
                runs.append(current)
            current = (match.start(), match.end(), 1)
    if current:
        runs.append(current)
    return runs


def check_giveaway(content: PostContent, rules: Rulebook, norm, links) -> list[dict]:
    text = content.text
    trigger = rules.matcher("giveaway", "trigger").first(text, norm)
    if trigger is None:
        return []
    markets = set(content.markets)
    results = [
        finding(
            "giveaway", "giveaway.detected", INFO, trigger.start, trigger.end, term=trigger.found
        )
    ]
    rules_hit = rules.matcher("giveaway", "rules").first(text, norm)
    if rules_hit is None or not links:
        results.append(finding("giveaway", "giveaway.rules", ERROR))
    else:
        results.append(
            finding("giveaway", "giveaway.rules_ok", PASS, rules_hit.start, rules_hit.end)
        )
    if rules.matcher("giveaway", "no_purchase").first(text, norm) is None:
        strict = markets & STRICT_NO_PURCHASE_MARKETS
        results.append(
            finding(
                "giveaway",
                "giveaway.no_purchase",
                ERROR if strict else WARNING,
                markets=", ".join(sorted(strict)),
            )
        )
    if rules.matcher("giveaway", "eligibility").first(text, norm) is None:
        results.append(finding("giveaway", "giveaway.eligibility", WARNING))
    if rules.matcher("giveaway", "dates").first(text, norm) is None and not DATE_RE.search(text):
        results.append(finding("giveaway", "giveaway.dates", WARNING))
    names = RELEASE_PLATFORMS.get(content.platform)
    if names:
        release = rules.matcher("giveaway", "release").first(text, norm)
        named = any(name in norm[0] for name in names)
        if release is None or not named:
            results.append(
                finding("giveaway", "giveaway.release", ERROR, platform=content.platform.title())
            )
    return results


def check_claims(content: PostContent, rules: Rulebook, norm) -> list[dict]:
    results = []
    for category in rules.categories("claim"):
        seen = set()
        for hit in rules.matcher("claim", category).find(content.text, norm):
            if hit.term in seen:
                continue
            seen.add(hit.term)
            results.append(
                finding(
                    "claims",
                    "claims.found",
                    ERROR,
                    hit.start,
                    hit.end,
                    term=hit.found,
                    category=category,
                )
            )
    if "FR" in content.markets:
        for category in rules.categories("forbidden_fr"):
            hit = rules.matcher("forbidden_fr", category).first(content.text, norm)
            if hit:
                results.append(
                    finding(
                        "claims",
                        "claims.forbidden_fr",
                        ERROR,
                        hit.start,
                        hit.end,
                        term=hit.found,
                        category=category,
                    )
                )
    if not results:
        results.append(finding("claims", "claims.none", PASS))
    return results


def post_length(text: str, platform: str) -> int:
    if platform == "x":
        return len(URL_RE.sub("x" * X_URL_LENGTH, text))
    return len(text)


def check_limits(content: PostContent) -> list[dict]:
    max_length, max_hashtags = PLATFORM_LIMITS.get(content.platform, (None, None))
    results = []
    length = post_length(content.text, content.platform)
    if max_length and length > max_length:
        results.append(
            finding(
                "limits",
                "limits.length",
                ERROR,
                max_length,
                len(content.text),
                count=length,
                limit=max_length,
                platform=content.platform,
            )
        )
    hashtags = len(HASHTAG_RE.findall(content.text))
    if max_hashtags and hashtags > max_hashtags:
        results.append(
            finding(
                "limits",
                "limits.hashtags",
                ERROR,
                count=hashtags,
                limit=max_hashtags,
                platform=content.platform,
            )
        )
    if not results:
        results.append(
            finding(
                "limits", "limits.ok", PASS, count=length, limit=max_length or 0, hashtags=hashtags
            )
        )
    return results


def check_links(content: PostContent, rules: Rulebook, links: list[str]) -> list[dict]:
    shorteners = {d.lower() for d in rules.terms("shortener")}
    results = []
    for link in links:
        start = content.text.find(link)
        span = (start, start + len(link)) if start >= 0 else (None, None)
        parts = urlsplit(link_url(link))
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            results.append(finding("links", "links.invalid", ERROR, *span, url=link))
            continue
        host = parts.hostname.lower().removeprefix("www.")
        if host in shorteners:
            results.append(finding("links", "links.shortened", WARNING, *span, url=link))
        state = content.link_status.get(link)
        if state is None:
            results.append(finding("links", "links.pending", INFO, *span, url=link))
        elif state.get("result") == "ok":
            final = state.get("final_url") or ""
            results.append(
                finding(
                    "links",
                    "links.ok",
                    PASS,
                    *span,
                    url=link,
                    status=state.get("status"),
                    final_url=final if final != link_url(link) else "",
                )
            )
        elif state.get("result") == "blocked":
            results.append(
                finding(
                    "links",
                    "links.unchecked",
                    WARNING,
                    *span,
                    url=link,
                    detail=state.get("detail", ""),
                )
            )
        else:
            results.append(
                finding(
                    "links",
                    "links.broken",
                    ERROR,
                    *span,
                    url=link,
                    status=state.get("status"),
                    detail=state.get("detail", ""),
                )
            )
    return results


def _handle(value: str) -> str:
    return (value or "").strip().lstrip("@").strip().casefold()


def check_partner(content: PostContent) -> list[dict]:
    results = []
    if content.partner_handle and content.contract_handle:
        if _handle(content.partner_handle) != _handle(content.contract_handle):
            results.append(
                finding(
                    "partner",
                    "partner.mismatch",
                    ERROR,
                    handle=_handle(content.partner_handle),
                    contract=_handle(content.contract_handle),
                )
            )
        else:
            results.append(
                finding("partner", "partner.ok", PASS, handle=_handle(content.partner_handle))
            )
    if content.account_kind == "partner" and not content.has_contract:
        results.append(finding("partner", "partner.no_contract", WARNING))
    return results


CHECKS = ["disclosure", "giveaway", "claims", "limits", "links", "partner"]


def run_checks(content: PostContent, rules: Rulebook) -> list[dict]:
    """Every finding for `content`, the most severe first, then in check order."""
    norm = normalize(content.text or "")
    links = all_links(content, rules.terms("shortener"))
    results = [
        *check_disclosure(content, rules, norm),
        *check_giveaway(content, rules, norm, links),
        *check_claims(content, rules, norm),
        *check_limits(content),
        *check_links(content, rules, links),
        *check_partner(content),
    ]
    results.sort(key=lambda f: (SEVERITY_ORDER[f["severity"]], CHECKS.index(f["check"])))
    return results


def counts(findings: list[dict]) -> tuple[int, int]:
    return (
        sum(f["severity"] == ERROR for f in findings),
        sum(f["severity"] == WARNING for f in findings),
    )


# --- What people read ---------------------------------------------------------------------

CHECK_LABELS = {
    "disclosure": gettext_lazy("Disclosure"),
    "giveaway": gettext_lazy("Giveaway"),
    "claims": gettext_lazy("Claims and products"),
    "limits": gettext_lazy("Platform limits"),
    "links": gettext_lazy("Links"),
    "partner": gettext_lazy("Partner"),
}


def _category_label(kind: str, category: str) -> str:
    kind_ = KINDS_BY_CODE.get(kind)
    return str(kind_.categories.get(category, category)) if kind_ else category


def _rule_and_message(code: str, p: dict) -> tuple[str, str]:
    """The rule applied and the explanation of one finding, in the current language."""
    if code == "disclosure.visible":
        return _("Disclosure visible"), _(
            "“%(term)s” is where readers see it before the “more” cut, not lost in hashtags."
        ) % p
    if code == "disclosure.missing":
        return _("FTC Endorsement Guides; UK CAP Code 2.1 and CMA guidance"), _(
            "No disclosure found. Say it is an ad in words people cannot miss, such as #ad, "
            "#sponsored or “Paid partnership”, near the start of the post."
        )
    if code == "disclosure.missing_fr":
        return _("France: law no. 2023-451 on influencers, article 5"), _(
            "No French disclosure. A post shown in France must say “Publicité” or "
            "“Collaboration commerciale”, clearly and from the start."
        )
    if code == "disclosure.not_french":
        return _("France: law no. 2023-451 on influencers, article 5"), _(
            "“%(term)s” is not enough in France: the law requires the words “Publicité” or "
            "“Collaboration commerciale”."
        ) % p
    if code == "disclosure.buried":
        return _("Disclosure before the “more” cut"), _(
            "“%(term)s” starts at character %(position)s: readers only see the first "
            "%(fold)s characters before “… more”. Move it to the start of the post."
        ) % p
    if code == "disclosure.hashtag_wall":
        return _("Disclosure not lost among hashtags"), _(
            "“%(term)s” sits among %(count)s hashtags in a row, where readers skip it. Put it "
            "first, or in words before the hashtags."
        ) % p
    if code == "disclosure.ambiguous":
        return _("Ambiguous disclosure"), _(
            "“%(term)s” does not tell readers that the post is advertising; regulators do not "
            "accept it as a disclosure."
        ) % p
    if code == "disclosure.fr_media":
        return _("France: law no. 2023-451, article 5"), _(
            "The disclosure must also appear on the images and videos for their whole length. "
            "Check the media files."
        )
    if code == "giveaway.detected":
        return _("Giveaway rules"), _(
            "“%(term)s” makes this a giveaway or contest: the checks below apply."
        ) % p
    if code == "giveaway.rules":
        return _("Official rules of a giveaway"), _(
            "Give a link to the official rules (or terms and conditions) and say so in the text."
        )
    if code == "giveaway.rules_ok":
        return _("Official rules of a giveaway"), _("The rules are mentioned and linked.")
    if code == "giveaway.no_purchase":
        if p.get("markets"):
            return _("Sweepstakes law (%(markets)s)") % p, _(
                "Say “No purchase necessary”: a prize draw that requires a purchase is an "
                "illegal lottery in %(markets)s."
            ) % p
        return _("Free entry"), _(
            "Say that entry is free (“No purchase necessary”, “sans obligation d'achat”)."
        )
    if code == "giveaway.eligibility":
        return _("Who may enter"), _(
            "Say who may enter: age and countries of residence (for example “Open to UK "
            "residents 18+”)."
        )
    if code == "giveaway.dates":
        return _("Dates of a giveaway"), _(
            "Say when the giveaway ends or when the winner is drawn."
        )
    if code == "giveaway.release":
        return _("%(platform)s promotion guidelines") % p, _(
            "State that the giveaway is not sponsored, endorsed or administered by, or "
            "associated with, %(platform)s."
        ) % p
    if code == "claims.found":
        label = _category_label("claim", p.get("category", ""))
        return _("Regulated claim: %(category)s") % {"category": label}, _(
            "“%(term)s” is a claim the brand may not make, or must prove, in this industry. "
            "Remove it or have legal confirm the evidence."
        ) % p
    if code == "claims.forbidden_fr":
        label = _category_label("forbidden_fr", p.get("category", ""))
        return _("France: law no. 2023-451, article 4 (%(category)s)") % {"category": label}, _(
            "“%(term)s”: influencers may not promote this in France. Drop France from the "
            "markets or the product from the post."
        ) % p
    if code == "claims.none":
        return _("Regulated claims and forbidden products"), _("None of the listed terms found.")
    if code == "limits.length":
        return _("Platform limits"), _(
            "%(count)s characters: the network takes at most %(limit)s. The part past the "
            "limit is marked."
        ) % p
    if code == "limits.hashtags":
        return _("Platform limits"), _(
            "%(count)s hashtags: the network accepts at most %(limit)s and may drop them all."
        ) % p
    if code == "limits.ok":
        return _("Platform limits"), _("Length and hashtags within the network's limits.")
    if code == "links.invalid":
        return _("Working links"), _("“%(url)s” is not a web address.") % p
    if code == "links.shortened":
        return _("No shortened links"), _(
            "“%(url)s” hides where it leads. Use the full address so readers and regulators "
            "see the destination."
        ) % p
    if code == "links.pending":
        return _("Working links"), _("“%(url)s” is being checked…") % p
    if code == "links.ok":
        message = _("“%(url)s” answers (HTTP %(status)s).") % p
        if p.get("final_url"):
            message += " " + _("It leads to %(final_url)s.") % p
        return _("Working links"), message
    if code == "links.unchecked":
        return _("Working links"), _("“%(url)s” was not checked: %(detail)s.") % p
    if code == "links.broken":
        detail = p.get("detail") or (_("HTTP %(status)s") % p)
        return _("Working links"), _("“%(url)s” is broken: %(detail)s.") % {
            "url": p.get("url"),
            "detail": detail,
        }
    if code == "partner.mismatch":
        return _("Partner named in the contract"), _(
            "The post names @%(handle)s but the contract is with @%(contract)s."
        ) % p
    if code == "partner.ok":
        return _("Partner named in the contract"), _(
            "@%(handle)s is the account the contract names."
        ) % p
    if code == "partner.no_contract":
        return _("Partner contract"), _(
            "The partner publishes this post but no contract is attached or referenced."
        )
    return code, ""


def describe(findings: list[dict], text: str = "") -> list[dict]:
    """The findings as the pages and the API show them."""
    described = []
    for item in findings:
        rule, message = _rule_and_message(item["code"], item.get("params", {}))
        start, end = item.get("start"), item.get("end")
        described.append(
            {
                **item,
                "label": str(CHECK_LABELS.get(item["check"], item["check"])),
                "severity_label": str(SEVERITY_LABELS[item["severity"]]),
                "rule": rule,
                "message": message,
                "excerpt": text[start:end] if text and start is not None and end else "",
            }
        )
    return described


def highlight(text: str, findings: list[dict], *, fold: int | None) -> list[dict]:
    """The text cut into segments for the page: plain, marked by a finding, and the fold.

    Each segment is {"text", "severity" (or ""), "index" (1-based finding number or None),
    "fold" (True for the marker)}; the template escapes every piece.
    """
    marks = sorted(
        (f["start"], f["end"], f["severity"], n)
        for n, f in enumerate(findings, 1)
        if f.get("start") is not None and f.get("end") and f["severity"] != PASS
    )
    passes = sorted(
        (f["start"], f["end"], PASS, n)
        for n, f in enumerate(findings, 1)
        if f.get("start") is not None and f.get("end") and f["severity"] == PASS
    )
    boundaries = {0, len(text)}
    if fold is not None and fold < len(text):
        boundaries.add(fold)
    chosen = []
    for start, end, severity, n in marks + passes:
        if any(s < end and start < e for s, e, *_rest in chosen):
            continue  # overlapping marks: the most severe (listed first) wins
        chosen.append((start, min(end, len(text)), severity, n))
        boundaries.update({start, min(end, len(text))})
    points = sorted(b for b in boundaries if 0 <= b <= len(text))
    segments = []
    for a, b in itertools.pairwise(points):
        if fold is not None and a == fold:
            segments.append({"text": "", "severity": "", "index": None, "fold": True})
        mark = next((c for c in chosen if c[0] <= a and b <= c[1]), None)
        segments.append(
            {
                "text": text[a:b],
                "severity": mark[2] if mark else "",
                "index": mark[3] if mark else None,
                "fold": False,
            }
        )
    return segments
