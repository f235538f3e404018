"""Word-level differences between two texts, for people who do not read diffs.

Texts are compared line by line (a Markdown line is a paragraph, a list item or
a heading); lines that changed are then compared word by word. Words,
whitespace and punctuation are separate tokens, so a changed comma does not
mark the whole word. The result is plain data: templates escape every piece.

- `side_by_side`: rows of (old line, new line), each a list of segments; long
  runs of unchanged lines are folded into one "N unchanged lines" row.
- `inline`: one list of segments over the whole text, deletions and insertions
  in place (rendered as <del> and <ins>).
"""

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from itertools import zip_longest

TOKEN = re.compile(r"\s+|\w+|[^\w\s]")
CONTEXT = 2  # unchanged lines kept around a change
FOLD_AT = 2 * CONTEXT + 2  # shorter runs of unchanged lines are shown whole

EQUAL = "equal"
INSERT = "insert"
DELETE = "delete"


@dataclass(frozen=True)
class Segment:
    op: str  # equal, insert or delete
    text: str


@dataclass
class Row:
    kind: str  # equal, change, insert, delete or fold
    old: list[Segment] = field(default_factory=list)
    new: list[Segment] = field(default_factory=list)
    old_number: int | None = None
    new_number: int | None = None
    folded: int = 0  # for a fold: how many unchanged lines it hides


@dataclass
class Diff:
    rows: list[Row]
    inline: list[Segment]
    words_added: int
    words_removed: int

    @property
    def changed(self) -> bool:
        return any(row.kind in ("change", INSERT, DELETE) for row in self.rows)


def tokenize(text: str) -> list[str]:
    return TOKEN.findall(text)


def _merge(segments: list[Segment]) -> list[Segment]:
    merged: list[Segment] = []
    for segment in segments:
        if not segment.text:
            continue
        if merged and merged[-1].op == segment.op:
            merged[-1] = Segment(segment.op, merged[-1].text + segment.text)
        else:
            merged.append(segment)
    return merged


def word_diff(old: str, new: str) -> list[Segment]:
    """Segments that turn `old` into `new`: equal, delete and insert pieces, in order."""
    a, b = tokenize(old), tokenize(new)
    segments = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == EQUAL:
            segments.append(Segment(EQUAL, "".join(a[i1:i2])))
        else:
            segments.append(Segment(DELETE, "".join(a[i1:i2])))
            segments.append(Segment(INSERT, "".join(b[j1:j2])))
    return _merge(segments)


def _words(text: str) -> int:
    return sum(1 for token in tokenize(text) if token[0].isalnum() or token[0] == "_")


def _side(segments: list[Segment], hide: str) -> list[Segment]:
    return [s for s in segments if s.op != hide]


def _fold(rows: list[Row]) -> list[Row]:
    """Replace long runs of unchanged rows by their edges and one fold row."""
    folded: list[Row] = []
    run: list[Row] = []

    def flush(at_start: bool, at_end: bool):
        if len(run) < FOLD_AT:
            folded.extend(run)
            return
        head = [] if at_start else run[:CONTEXT]
        tail = [] if at_end else run[-CONTEXT:]
        hidden = len(run) - len(head) - len(tail)
        folded.extend(head)
        folded.append(Row("fold", folded=hidden))
        folded.extend(tail)

    for row in rows:
        if row.kind == EQUAL:
            run.append(row)
            continue
        flush(at_start=not folded, at_end=False)
        run = []
        folded.append(row)
    flush(at_start=not folded, at_end=True)
    if all(row.kind == "fold" for row in folded):
        return rows  # nothing changed: show the text rather than one fold
    return folded


def diff_texts(old: str, new: str) -> Diff:
    old_lines = old.splitlines()
    new_lines = new.splitlines()
    rows: list[Row] = []
    added = removed = 0
    matcher = SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == EQUAL:
            for offset in range(i2 - i1):
                segment = [Segment(EQUAL, old_lines[i1 + offset])]
                rows.append(Row(EQUAL, segment, segment, i1 + offset + 1, j1 + offset + 1))
            continue
        pairs = zip_longest(range(i1, i2), range(j1, j2))
        for i, j in pairs:
            if i is not None and j is not None:
                segments = word_diff(old_lines[i], new_lines[j])
                rows.append(
                    Row("change", _side(segments, INSERT), _side(segments, DELETE), i + 1, j + 1)
                )
                added += sum(_words(s.text) for s in segments if s.op == INSERT)
                removed += sum(_words(s.text) for s in segments if s.op == DELETE)
            elif i is not None:
                rows.append(Row(DELETE, old=[Segment(DELETE, old_lines[i])], old_number=i + 1))
                removed += _words(old_lines[i])
            else:
                rows.append(Row(INSERT, new=[Segment(INSERT, new_lines[j])], new_number=j + 1))
                added += _words(new_lines[j])
    return Diff(
        rows=_fold(rows), inline=word_diff(old, new), words_added=added, words_removed=removed
    )
