"""Word-level differences: what changed is exactly what is marked, and nothing else."""

from policies.diff import DELETE, EQUAL, INSERT, diff_texts, tokenize, word_diff


def _rebuild(segments, drop):
    return "".join(s.text for s in segments if s.op != drop)


def test_tokens_are_words_whitespace_and_punctuation():
    assert tokenize("Answer within 4 hours, please.") == [
        "Answer", " ", "within", " ", "4", " ", "hours", ",", " ", "please", ".",
    ]  # fmt: skip


def test_a_changed_word_is_marked_and_its_neighbours_are_not():
    segments = word_diff(
        "Aim to answer within 4 working hours.", "Aim to answer within 2 working hours."
    )
    assert [(s.op, s.text) for s in segments] == [
        (EQUAL, "Aim to answer within "),
        (DELETE, "4"),
        (INSERT, "2"),
        (EQUAL, " working hours."),
    ]


def test_punctuation_change_does_not_mark_the_word():
    segments = word_diff("one, two", "one; two")
    assert (DELETE, ",") in [(s.op, s.text) for s in segments]
    assert (INSERT, ";") in [(s.op, s.text) for s in segments]
    assert all(s.text != "one" for s in segments if s.op != EQUAL)


def test_inline_rebuilds_both_texts():
    old = "# Policy\n\nFirst line.\nSecond line stays.\n"
    new = "# Policy\n\nFirst line, changed.\nSecond line stays.\nA new line.\n"
    diff = diff_texts(old, new)
    assert _rebuild(diff.inline, INSERT) == old
    assert _rebuild(diff.inline, DELETE) == new


def test_side_by_side_pairs_lines_and_numbers_them():
    old = "alpha\nbeta gamma\ndelta\n"
    new = "alpha\nbeta GAMMA\ndelta\nepsilon\n"
    diff = diff_texts(old, new)
    kinds = [(r.kind, r.old_number, r.new_number) for r in diff.rows]
    assert kinds == [
        ("equal", 1, 1),
        ("change", 2, 2),
        ("equal", 3, 3),
        ("insert", None, 4),
    ]
    change = diff.rows[1]
    assert [(s.op, s.text) for s in change.old] == [(EQUAL, "beta "), (DELETE, "gamma")]
    assert [(s.op, s.text) for s in change.new] == [(EQUAL, "beta "), (INSERT, "GAMMA")]
    assert diff.words_added == 2  # GAMMA, epsilon
    assert diff.words_removed == 1


def test_removed_lines_show_on_the_left_only():
    diff = diff_texts("keep\ndrop this\n", "keep\n")
    assert [(r.kind, r.old_number, r.new_number) for r in diff.rows] == [
        ("equal", 1, 1),
        ("delete", 2, None),
    ]
    assert diff.words_removed == 2


def test_long_unchanged_runs_are_folded_around_changes():
    lines = [f"line {n}" for n in range(1, 31)]
    new = list(lines)
    new[15] = "line sixteen"
    diff = diff_texts("\n".join(lines), "\n".join(new))
    kinds = [r.kind for r in diff.rows]
    assert kinds.count("fold") == 2
    assert kinds.count("change") == 1
    folded = sum(r.folded for r in diff.rows if r.kind == "fold")
    shown = sum(1 for r in diff.rows if r.kind == "equal")
    assert folded + shown == 29


def test_identical_texts_have_no_change():
    diff = diff_texts("same\ntext\n", "same\ntext\n")
    assert not diff.changed
    assert diff.words_added == diff.words_removed == 0
    assert all(r.kind == "equal" for r in diff.rows)


def test_markup_in_text_is_kept_as_text_for_escaping():
    diff = diff_texts("a", "a <script>x</script>")
    inserted = "".join(s.text for s in diff.inline if s.op == INSERT)
    assert "<script>x</script>" in inserted  # the template escapes it (see test_views)
