"""Regular expressions written by users, run by a linear-time engine (RE2).

A pattern typed into a rule can be run against thousands of texts by a worker.
Python's `re` backtracks, so a pattern like `(a|a)*$` or `a*a*a*b` can take
minutes on one text. RE2 runs in time linear in the text whatever the pattern,
at the price of the features that need backtracking: backreferences (`\\1`) and
lookarounds (`(?=…)`, `(?<!…)`) are refused with a clear message.

Every user-supplied pattern is compiled here, at save time (to validate it) and
at run time; patterns written by us may stay on `re`.

RE2's classes `\\w`, `\\d` and `\\s` are ASCII only; Python's are Unicode. They are
rewritten to Unicode classes so "\\w+é" means what it meant before. `\\b` stays
RE2's ASCII word boundary (RE2 cannot express a Unicode one).
"""

import re2
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_PATTERN = 1000  # characters
MAX_MEMORY = 8 << 20  # bytes RE2 may use for one compiled pattern

# Python's Unicode meaning of the Perl classes, outside and inside [...].
_CLASSES = {
    "w": ("[\\p{L}\\p{N}_]", "\\p{L}\\p{N}_"),
    "W": ("[^\\p{L}\\p{N}_]", None),
    "d": ("\\p{Nd}", "\\p{Nd}"),
    "D": ("\\P{Nd}", None),
    "s": ("[\\s\\v\\p{Z}]", "\\s\\v\\p{Z}"),
    "S": ("[^\\s\\v\\p{Z}]", None),
}


def _unicode_classes(pattern: str) -> str:
    """`pattern` with \\w, \\d, \\s (and their negations outside [...]) made Unicode."""
    out = []
    i, in_class, class_start = 0, False, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            outside, inside = _CLASSES.get(nxt, (None, None))
            replacement = inside if in_class else outside
            out.append(replacement or pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            # "]" right after "[" or "[^" is a literal, not the end of the class.
            if ch == "]" and i > class_start:
                in_class = False
        elif ch == "[":
            in_class = True
            class_start = i + 1
            if pattern[i + 1 : i + 2] == "^":
                class_start += 1
        out.append(ch)
        i += 1
    return "".join(out)


def _message(error: Exception) -> str:
    """A clear message for what RE2 refused (its own text names the offending part)."""
    raw = error.args[0] if error.args else error
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    if "invalid escape sequence: \\" in text and text.rstrip()[-1:].isdigit():
        return _("backreferences such as \\1 are not supported; rewrite the pattern without them")
    if "invalid perl operator: (?<" in text:
        return _("lookbehinds such as (?<=…) or (?<!…) are not supported")
    if "invalid perl operator: (?=" in text or "invalid perl operator: (?!" in text:
        return _("lookaheads such as (?=…) or (?!…) are not supported")
    if "pattern too large" in text:
        return _("the pattern is too large; make it simpler")
    return _("invalid regular expression: %s") % text


def compile_user_pattern(pattern: str):
    """The RE2 object for a user's pattern, case-insensitive; ValidationError if refused."""
    if not isinstance(pattern, str) or not pattern.strip():
        raise ValidationError(_("give a regular expression"))
    if len(pattern) > MAX_PATTERN:
        raise ValidationError(_("a pattern has at most %(max)s characters") % {"max": MAX_PATTERN})
    options = re2.Options()
    options.case_sensitive = False
    options.max_mem = MAX_MEMORY
    options.log_errors = False
    try:
        return re2.compile(_unicode_classes(pattern), options)
    except re2.error as exc:
        raise ValidationError(_message(exc)) from None
