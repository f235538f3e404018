"""Data values of a mention said in the reader's language: sentiment and risk reasons.

Enrichment stores codes and an English `detail` per risk reason ("crisis: 'dead', 'bricked'",
"negative: sentiment -0.62", "reach: 12,400 followers, verified"): the stored detail stays as
it is (the API's `{code, detail}` contract, the rules and filters that read it), and pages
render a translated label and a detail rebuilt with gettext from its parts (the matched
words, the numbers). A detail of a shape not known here is shown as stored, without its
"code: " prefix.
"""

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

REASON_LABELS = {
    "legal": gettext_lazy("Legal threat"),
    "security": gettext_lazy("Security"),
    "crisis": gettext_lazy("Crisis words"),
    "compliance": gettext_lazy("Compliance"),
    "profanity": gettext_lazy("Profanity or hate"),
    "reach": gettext_lazy("Reach"),
    "negative": gettext_lazy("Negative sentiment"),
    "watchlist": gettext_lazy("Watched author"),
    "impersonation": gettext_lazy("Impersonation"),
}

# The labels `monitoring.enrichment.sentiment.sentiment_label` stores.
SENTIMENT_LABELS = {
    "negative": pgettext_lazy("sentiment", "negative"),
    "neutral": pgettext_lazy("sentiment", "neutral"),
    "positive": pgettext_lazy("sentiment", "positive"),
}

_QUOTED = re.compile(r"'([^']*)'")
_NEGATIVE = re.compile(r"^sentiment (?P<score>[+-]?\d+(?:\.\d+)?)$")
_FOLLOWERS = re.compile(r"^(?P<n>[\d,]+) followers$")
_ENGAGEMENTS = re.compile(r"^(?P<n>[\d,]+) engagements$")
_THREAD = re.compile(r"^thread: (?P<n>\d+) replies in the last hour$")
_LOOKALIKE = re.compile(
    r"^(?P<author>.+?) looks like (?P<target>.+?) \((?P<notes>.*)\) \((?P<score>\d+(?:\.\d+)?)\)"
    r"(?: and claims (?P<claims>.+))?$"
)
_REPLY_TO = re.compile(r"^reply to (?P<whose>.+?), flagged (?P<code>\w+)$")
_REPLY_TO_IMPOSTOR = re.compile(r"^reply to (?P<who>.+?), an account imitating (?P<brand>.+)$")


def reason_label(code: str) -> str:
    return str(REASON_LABELS.get(code, code))


def sentiment_text(label: str) -> str:
    """The stored sentiment label ("negative") in the active language."""
    return str(SENTIMENT_LABELS.get(label, label))


def _words(text: str) -> list[str]:
    return _QUOTED.findall(text)


def _part(code: str, part: str) -> str:
    """One '; '-separated part of a stored detail, in the active language."""
    rest = part[len(code) + 2 :] if part.startswith(f"{code}: ") else part
    if match := _THREAD.match(rest):
        return _("%(count)s replies in the last hour") % {"count": match["n"]}
    if match := _REPLY_TO.match(rest):
        return _("reply to %(whose)s, flagged %(reason)s") % {
            "whose": match["whose"],
            "reason": reason_label(match["code"]),
        }
    if match := _REPLY_TO_IMPOSTOR.match(rest):
        if match["brand"] == "the brand":
            return _("reply to %(who)s, an account imitating the brand") % {"who": match["who"]}
        return _("reply to %(who)s, an account imitating %(brand)s") % {
            "who": match["who"],
            "brand": match["brand"],
        }
    if code == "impersonation" and (match := _LOOKALIKE.match(rest)):
        text = _("%(author)s looks like %(target)s (%(notes)s), similarity %(score)s") % {
            "author": match["author"],
            "target": match["target"],
            "notes": match["notes"],
            "score": match["score"],
        }
        if match["claims"]:
            text += "; " + _("claims: %(words)s") % {
                "words": ", ".join(_words(match["claims"])) or match["claims"]
            }
        return text
    if code == "watchlist" and rest == "the author is on the watchlist":
        return _("the author is on the watchlist")
    if code == "negative" and (match := _NEGATIVE.match(rest)):
        return _("sentiment %(score)s") % {"score": match["score"]}
    if code == "reach":
        pieces = []
        for piece in rest.split(", "):
            if match := _FOLLOWERS.match(piece):
                pieces.append(_("%(count)s followers") % {"count": match["n"]})
            elif match := _ENGAGEMENTS.match(piece):
                pieces.append(_("%(count)s engagements") % {"count": match["n"]})
            elif piece == "verified":
                pieces.append(_("verified account"))
            else:
                return rest
        return ", ".join(pieces)
    if rest == code:
        return ""
    words = _words(rest)
    if words and _QUOTED.sub("", rest).strip(", ") == "":
        return _("words: %(words)s") % {"words": ", ".join(words)}
    return rest


def reason_detail(reason: dict) -> str:
    """A stored reason's detail in the active language (the matched words kept as found)."""
    code = str(reason.get("code") or "")
    detail = str(reason.get("detail") or "")
    parts = [_part(code, part) for part in detail.split("; ") if part]
    return "; ".join(p for p in parts if p)


def display_reasons(reasons) -> list[dict]:
    """The stored reasons with `label` and `detail` in the active language; `stored_detail`
    keeps the detail as enrichment wrote it."""
    shown = []
    for reason in reasons or ():
        if not isinstance(reason, dict):
            continue
        shown.append(
            {
                **reason,
                "label": reason_label(reason.get("code", "")),
                "detail": reason_detail(reason),
                "stored_detail": reason.get("detail", ""),
            }
        )
    return shown
