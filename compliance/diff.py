"""What changed between two canonical contents of a post, word by word, for legal."""

import difflib
import re

from django.utils.dateparse import parse_datetime

from compliance.content import LABELS

TOKEN_RE = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


def word_diff(before: str, after: str) -> list[dict]:
    """Segments {"op": equal|insert|delete, "text"} that turn `before` into `after`."""
    old, new = TOKEN_RE.findall(before or ""), TOKEN_RE.findall(after or "")
    segments: list[dict] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            segments.append({"op": "equal", "text": "".join(old[a1:a2])})
            continue
        if op in ("delete", "replace"):
            segments.append({"op": "delete", "text": "".join(old[a1:a2])})
        if op in ("insert", "replace"):
            segments.append({"op": "insert", "text": "".join(new[b1:b2])})
    return segments


def _planned(value: str) -> str:
    moment = parse_datetime(value or "")
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else (value or "")


def content_diff(before: dict, after: dict) -> list[dict]:
    """One entry per changed field: {"field", "label", and "segments" or "removed"/"added"}."""
    changes = []
    for field, label in LABELS.items():
        old, new = before.get(field), after.get(field)
        if old == new:
            continue
        entry = {"field": field, "label": label}
        if field == "text":
            entry["segments"] = word_diff(old or "", new or "")
        elif isinstance(old, list) or isinstance(new, list):
            old, new = old or [], new or []
            entry["removed"] = [item for item in old if item not in new]
            entry["added"] = [item for item in new if item not in old]
            if not entry["removed"] and not entry["added"]:
                entry["reordered"] = True
        elif field == "planned_at":
            entry["removed"], entry["added"] = [_planned(old)], [_planned(new)]
        else:
            entry["removed"], entry["added"] = [old or "—"], [new or "—"]
        changes.append(entry)
    return changes
