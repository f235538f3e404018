"""Regular expressions written by users, run by a linear-time engine (RE2).

A pattern typed into a rule can be run against thousands of texts by a worker.
Python's `re` backtracks, so a pattern like `(a|a)*$` or `a*a*a*b` can take
minutes on one text. RE2 runs in time linear in the text whatever the pattern,
at the price of the features that need backtracking: backreferences (`\\1`) and
lookarounds (`(?=…)`, `(?<!…)`) are refused with a clear message.

Every user-supplied pattern is compiled here, at save time (to validate it) and
at run time; patterns written by us may stay on `re`.

RE2's classes `\\w`, `\\d` and `\\s` are ASCII only; Python's are Unicode. They are
rewritten to Unicode classes so "\\w+é" means what it meant before. RE2's `\\b`
knows only ASCII letters and cannot be made Unicode in general; the common case, a
`\\b` that opens or closes the pattern (or a top-level alternative) next to a word,
as in `\\bremboursé\\b`, is rewritten so it keeps Python's meaning.
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


_WORD_START = "(?:^|[^\\p{L}\\p{N}_])"  # what a leading \b means before a word character
_WORD_END = "(?:$|[^\\p{L}\\p{N}_])"  # and a trailing one after it


def _branches(pattern: str) -> list[str]:
    """The top-level alternatives of `pattern` (split on | outside groups and classes)."""
    branches, current = [], []
    depth, i, in_class = 0, 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            current.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = not (ch == "]" and current and current[-1] not in ("[", "[^"))
        elif ch == "[":
            in_class = True
            if pattern[i + 1 : i + 2] == "^":
                ch, i = "[^", i + 1
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            branches.append("".join(current))
            current = []
            i += 1
            continue
        current.append(ch)
        i += 1
    branches.append("".join(current))
    return branches


def _word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _starts_word(piece: str) -> bool:
    return piece.startswith("\\w") or _word_char(piece[:1])


def _ends_word(piece: str) -> bool:
    piece = piece.rstrip("+")
    return piece.endswith("\\w") or (_word_char(piece[-1:]) and piece[-2:-1] != "\\")


def _unicode_word_boundaries(pattern: str) -> str:
    """A \\b that opens or closes a top-level alternative next to a word character, as in
    "\\bremboursé\\b", made Unicode: RE2's own \\b knows only ASCII letters. A search only
    asks whether there is a match, so the character beside the word may be consumed."""
    branches = []
    for branch in _branches(pattern):
        if branch.startswith("\\b") and _starts_word(branch[2:]):
            branch = _WORD_START + branch[2:]
        body = branch[:-2]
        if branch.endswith("\\b") and not body.endswith("\\") and _ends_word(body):
            branch = body + _WORD_END
        branches.append(branch)
    return "|".join(branches)


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
        return re2.compile(_unicode_classes(_unicode_word_boundaries(pattern)), options)
    except re2.error as exc:
        raise ValidationError(_message(exc)) from None
