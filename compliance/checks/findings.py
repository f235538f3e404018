"""The checks themselves: what `run_checks` finds in a post's content, as plain JSON."""

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from compliance.rulebook import Rulebook, normalize

ERROR, WARNING, INFO, PASS = "error", "warning", "info", "pass"
SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2, PASS: 3}

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
