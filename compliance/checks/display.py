"""What people read of the findings: the rule applied and the explanation, in their language.

One row of `EXPLANATIONS` a finding code (two for a code whose words depend on its
parameters). The words are msgids translated when the findings are described, so
the French catalogue applies to them as it did to the `if` chain they replace.
"""

import itertools
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from compliance.checks.findings import ERROR, INFO, PASS, WARNING
from compliance.rulebook import KINDS_BY_CODE

SEVERITY_LABELS = {
    ERROR: gettext_lazy("Must fix"),
    WARNING: gettext_lazy("Check"),
    INFO: gettext_lazy("Note"),
    PASS: gettext_lazy("Passed"),
}

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


def _as_is(params: dict) -> dict:
    return params


@dataclass(frozen=True)
class Explanation:
    """The words of one finding code.

    `rule` is formatted with `rule_with(params)` when that is set, `message` with
    `message_with(params)` unless that is None. `when` picks between two rows of one
    code; `more` is a sentence added to the message when the param `more_if` is set.
    """

    code: str
    rule: str
    message: str
    rule_with: Callable[[dict], dict] | None = None
    message_with: Callable[[dict], dict] | None = _as_is
    when: Callable[[dict], bool] | None = None
    more_if: str = ""
    more: str = ""

    def words(self, params: dict) -> tuple[str, str]:
        rule = str(self.rule)
        if self.rule_with is not None:
            rule = rule % self.rule_with(params)
        message = str(self.message)
        if self.message_with is not None:
            message = message % self.message_with(params)
        if self.more_if and params.get(self.more_if):
            message += " " + str(self.more) % params
        return rule, message


FRANCE_ARTICLE_5 = gettext_lazy("France: law no. 2023-451 on influencers, article 5")
LINKS_WORK = gettext_lazy("Working links")
PLATFORM_LIMITS_RULE = gettext_lazy("Platform limits")
OFFICIAL_RULES = gettext_lazy("Official rules of a giveaway")
PARTNER_IN_CONTRACT = gettext_lazy("Partner named in the contract")

EXPLANATIONS: tuple[Explanation, ...] = (
    Explanation(
        "disclosure.visible",
        gettext_lazy("Disclosure visible"),
        gettext_lazy(
            "“%(term)s” is where readers see it before the “more” cut, not lost in hashtags."
        ),
    ),
    Explanation(
        "disclosure.missing",
        gettext_lazy("FTC Endorsement Guides; UK CAP Code 2.1 and CMA guidance"),
        gettext_lazy(
            "No disclosure found. Say it is an ad in words people cannot miss, such as #ad, "
            "#sponsored or “Paid partnership”, near the start of the post."
        ),
        message_with=None,
    ),
    Explanation(
        "disclosure.missing_fr",
        FRANCE_ARTICLE_5,
        gettext_lazy(
            "No French disclosure. A post shown in France must say “Publicité” or "
            "“Collaboration commerciale”, clearly and from the start."
        ),
        message_with=None,
    ),
    Explanation(
        "disclosure.not_french",
        FRANCE_ARTICLE_5,
        gettext_lazy(
            "“%(term)s” is not enough in France: the law requires the words “Publicité” or "
            "“Collaboration commerciale”."
        ),
    ),
    Explanation(
        "disclosure.buried",
        gettext_lazy("Disclosure before the “more” cut"),
        gettext_lazy(
            "“%(term)s” starts at character %(position)s: readers only see the first "
            "%(fold)s characters before “… more”. Move it to the start of the post."
        ),
    ),
    Explanation(
        "disclosure.hashtag_wall",
        gettext_lazy("Disclosure not lost among hashtags"),
        gettext_lazy(
            "“%(term)s” sits among %(count)s hashtags in a row, where readers skip it. Put it "
            "first, or in words before the hashtags."
        ),
    ),
    Explanation(
        "disclosure.ambiguous",
        gettext_lazy("Ambiguous disclosure"),
        gettext_lazy(
            "“%(term)s” does not tell readers that the post is advertising; regulators do not "
            "accept it as a disclosure."
        ),
    ),
    Explanation(
        "disclosure.fr_media",
        gettext_lazy("France: law no. 2023-451, article 5"),
        gettext_lazy(
            "The disclosure must also appear on the images and videos for their whole length. "
            "Check the media files."
        ),
        message_with=None,
    ),
    Explanation(
        "giveaway.detected",
        gettext_lazy("Giveaway rules"),
        gettext_lazy("“%(term)s” makes this a giveaway or contest: the checks below apply."),
    ),
    Explanation(
        "giveaway.rules",
        OFFICIAL_RULES,
        gettext_lazy(
            "Give a link to the official rules (or terms and conditions) and say so in the text."
        ),
        message_with=None,
    ),
    Explanation(
        "giveaway.rules_ok",
        OFFICIAL_RULES,
        gettext_lazy("The rules are mentioned and linked."),
        message_with=None,
    ),
    Explanation(
        "giveaway.no_purchase",
        gettext_lazy("Sweepstakes law (%(markets)s)"),
        gettext_lazy(
            "Say “No purchase necessary”: a prize draw that requires a purchase is an "
            "illegal lottery in %(markets)s."
        ),
        rule_with=_as_is,
        when=lambda params: bool(params.get("markets")),
    ),
    Explanation(
        "giveaway.no_purchase",
        gettext_lazy("Free entry"),
        gettext_lazy(
            "Say that entry is free (“No purchase necessary”, “sans obligation d'achat”)."
        ),
        message_with=None,
    ),
    Explanation(
        "giveaway.eligibility",
        gettext_lazy("Who may enter"),
        gettext_lazy(
            "Say who may enter: age and countries of residence (for example “Open to UK "
            "residents 18+”)."
        ),
        message_with=None,
    ),
    Explanation(
        "giveaway.dates",
        gettext_lazy("Dates of a giveaway"),
        gettext_lazy("Say when the giveaway ends or when the winner is drawn."),
        message_with=None,
    ),
    Explanation(
        "giveaway.release",
        gettext_lazy("%(platform)s promotion guidelines"),
        gettext_lazy(
            "State that the giveaway is not sponsored, endorsed or administered by, or "
            "associated with, %(platform)s."
        ),
        rule_with=_as_is,
    ),
    Explanation(
        "claims.found",
        gettext_lazy("Regulated claim: %(category)s"),
        gettext_lazy(
            "“%(term)s” is a claim the brand may not make, or must prove, in this industry. "
            "Remove it or have legal confirm the evidence."
        ),
        rule_with=lambda params: {"category": _category_label("claim", params.get("category", ""))},
    ),
    Explanation(
        "claims.forbidden_fr",
        gettext_lazy("France: law no. 2023-451, article 4 (%(category)s)"),
        gettext_lazy(
            "“%(term)s”: influencers may not promote this in France. Drop France from the "
            "markets or the product from the post."
        ),
        rule_with=lambda params: {
            "category": _category_label("forbidden_fr", params.get("category", ""))
        },
    ),
    Explanation(
        "claims.none",
        gettext_lazy("Regulated claims and forbidden products"),
        gettext_lazy("None of the listed terms found."),
        message_with=None,
    ),
    Explanation(
        "limits.length",
        PLATFORM_LIMITS_RULE,
        gettext_lazy(
            "%(count)s characters: the network takes at most %(limit)s. The part past the "
            "limit is marked."
        ),
    ),
    Explanation(
        "limits.hashtags",
        PLATFORM_LIMITS_RULE,
        gettext_lazy(
            "%(count)s hashtags: the network accepts at most %(limit)s and may drop them all."
        ),
    ),
    Explanation(
        "limits.ok",
        PLATFORM_LIMITS_RULE,
        gettext_lazy("Length and hashtags within the network's limits."),
        message_with=None,
    ),
    Explanation("links.invalid", LINKS_WORK, gettext_lazy("“%(url)s” is not a web address.")),
    Explanation(
        "links.shortened",
        gettext_lazy("No shortened links"),
        gettext_lazy(
            "“%(url)s” hides where it leads. Use the full address so readers and regulators "
            "see the destination."
        ),
    ),
    Explanation("links.pending", LINKS_WORK, gettext_lazy("“%(url)s” is being checked…")),
    Explanation(
        "links.ok",
        LINKS_WORK,
        gettext_lazy("“%(url)s” answers (HTTP %(status)s)."),
        more_if="final_url",
        more=gettext_lazy("It leads to %(final_url)s."),
    ),
    Explanation(
        "links.unchecked", LINKS_WORK, gettext_lazy("“%(url)s” was not checked: %(detail)s.")
    ),
    Explanation(
        "links.broken",
        LINKS_WORK,
        gettext_lazy("“%(url)s” is broken: %(detail)s."),
        message_with=lambda params: {
            "url": params.get("url"),
            "detail": params.get("detail") or (_("HTTP %(status)s") % params),
        },
    ),
    Explanation(
        "partner.mismatch",
        PARTNER_IN_CONTRACT,
        gettext_lazy("The post names @%(handle)s but the contract is with @%(contract)s."),
    ),
    Explanation(
        "partner.ok",
        PARTNER_IN_CONTRACT,
        gettext_lazy("@%(handle)s is the account the contract names."),
    ),
    Explanation(
        "partner.no_contract",
        gettext_lazy("Partner contract"),
        gettext_lazy("The partner publishes this post but no contract is attached or referenced."),
        message_with=None,
    ),
)
EXPLANATIONS_BY_CODE: dict[str, list[Explanation]] = {}
for _explanation in EXPLANATIONS:
    EXPLANATIONS_BY_CODE.setdefault(_explanation.code, []).append(_explanation)


def _rule_and_message(code: str, p: dict) -> tuple[str, str]:
    """The rule applied and the explanation of one finding, in the current language."""
    for explanation in EXPLANATIONS_BY_CODE.get(code, ()):
        if explanation.when is None or explanation.when(p):
            return explanation.words(p)
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
