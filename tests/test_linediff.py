"""linediff: a line diff whose cost has a ceiling (a scanned tree may hold any file)."""

from __future__ import annotations

import difflib
import time

from hypothesis import given, settings, strategies as st

from codemods.run.linediff import Budget, opcodes
from codemods.run.since import _rows_changed

lines = st.lists(st.sampled_from(["a", "b", "c", "x = 1", "", "def f():", "    return 1"]), max_size=60)
# long enough to pass SMALL (the patience and budget path), repeated and unique lines mixed
long_lines = st.lists(st.one_of(st.sampled_from(["a", "b", ""]), st.integers(0, 400).map(str)), min_size=150, max_size=400)


def _apply(old: list, new: list, codes) -> list:
    """Rebuild `new` from `old` and the opcodes, checking that they cover both in order."""
    out, i, j = [], 0, 0
    for tag, i1, i2, j1, j2 in codes:
        assert (i1, j1) == (i, j)
        if tag == "equal":
            assert old[i1:i2] == new[j1:j2]
            out += old[i1:i2]
        else:
            assert tag in ("replace", "delete", "insert") and (i2 > i1 or j2 > j1)
            out += new[j1:j2]
        i, j = i2, j2
    assert (i, j) == (len(old), len(new))
    return out


@settings(max_examples=150, deadline=None)
@given(st.one_of(lines, long_lines), st.one_of(lines, long_lines))
def test_the_opcodes_turn_old_into_new_and_pair_only_equal_lines(old, new) -> None:
    assert _apply(old, new, opcodes(old, new)) == new


@settings(max_examples=80, deadline=None)
@given(long_lines, long_lines, st.integers(min_value=0, max_value=200_000))
def test_a_spent_budget_only_counts_more_lines_as_changed(old, new, units) -> None:
    """Whatever the budget, the script is valid; a smaller one never pairs lines that differ."""
    assert _apply(old, new, opcodes(old, new, Budget(units))) == new


@settings(max_examples=300, deadline=None)
@given(lines, lines)
def test_small_files_get_difflibs_own_answer(old, new) -> None:
    """Below the budget nothing is given up or changed: SequenceMatcher's opcodes, as they are."""
    assert opcodes(old, new) == difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()


def test_repeated_lines_cost_no_more_than_the_budget() -> None:
    """SequenceMatcher(autojunk=False) takes minutes here; the review must not hang on such a file."""
    cases = [
        (b"x = 1\n" * 50_000, b"x = 1\n" * 25_000 + b"y = 2\n" + b"x = 1\n" * 25_000, {25_001}),
        (b"".join(b"x = %d\n" % (i % 7) for i in range(50_000)), b"".join(b"x = %d\n" % (i % 5) for i in range(50_000)), None),
    ]
    for old, new, expected in cases:
        started = time.perf_counter()
        rows = _rows_changed(old, new)
        assert time.perf_counter() - started < 5
        if expected is not None:
            assert rows == expected


def test_one_changed_line_in_a_long_file_of_unique_lines_is_that_line() -> None:
    old = b"".join(b"x = %d\n" % i for i in range(100_000))
    assert _rows_changed(old, old.replace(b"x = 777\n", b"x = -777\n")) == {778}


def test_once_the_budget_is_spent_the_rest_counts_as_changed() -> None:
    """The ceiling is real: with nothing left, only the common head and tail are paired."""
    old = [f"line {i}" for i in range(1_000)]
    new = ["changed"] + old[1:-1] + ["changed too"]
    assert opcodes(old, new, Budget(0)) == [("replace", 0, 1_000, 0, 1_000)]
    assert opcodes(old, new, Budget(1_500)) == [("replace", 0, 1_000, 0, 1_000)]  # walking both sides costs 2,000
    assert opcodes(old, old[:500] + ["new"] + old[500:], Budget(0)) == [("equal", 0, 500, 0, 500), ("insert", 500, 500, 500, 501),
                                                                          ("equal", 500, 1_000, 501, 1_001)]
    assert sum(i2 - i1 for tag, i1, i2, _, _ in opcodes(old, new) if tag == "equal") == 998  # with the budget: all but two
