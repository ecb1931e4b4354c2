"""Line diffs whose cost has a ceiling, for `--since` and a notebook's fixed cells.

`difflib.SequenceMatcher` without its junk heuristic is quadratic on repeated lines (50,000
copies of `x = 1` with one line changed take minutes), and a scanned tree is untrusted: no
file may make tokenfix hang. So the common head and tail are matched first, then lines that
occur once on each side anchor the rest (patience diff), and SequenceMatcher only sees the
small stretches between anchors. Each step is charged to a budget; what is left when it runs
out counts as changed. That errs one way only: a review reports more lines, a notebook fix
that cannot be placed is not written. Ordinary files never come near the budget.
"""

from __future__ import annotations

import bisect
import difflib
from typing import Hashable, Optional, Sequence

BUDGET = 4_000_000  # units: lines walked, or pairs of lines SequenceMatcher may compare
SMALL = 40_000  # a stretch of at most this many pairs of lines goes to SequenceMatcher whole

Opcode = tuple[str, int, int, int, int]


class Budget:
    """What the diffs of one file may still cost: a notebook's cells share one."""

    def __init__(self, units: int = BUDGET):
        self.left = units


def opcodes(old: Sequence[Hashable], new: Sequence[Hashable], budget: Optional[Budget] = None) -> list[Opcode]:
    """What turns `old` into `new`, as SequenceMatcher.get_opcodes() spells it."""
    codes: list[Opcode] = []
    i = j = 0
    for bi, bj, size in matching_blocks(old, new, budget) + [(len(old), len(new), 0)]:
        if i < bi and j < bj:
            codes.append(("replace", i, bi, j, bj))
        elif i < bi:
            codes.append(("delete", i, bi, j, j))
        elif j < bj:
            codes.append(("insert", i, i, j, bj))
        if size:
            codes.append(("equal", bi, bi + size, bj, bj + size))
        i, j = bi + size, bj + size
    return codes


def matching_blocks(old: Sequence[Hashable], new: Sequence[Hashable], budget: Optional[Budget] = None) -> list[tuple[int, int, int]]:
    """(i, j, size) runs with old[i:i+size] == new[j:j+size], in order, not overlapping."""
    budget = budget if budget is not None else Budget()
    if len(old) * len(new) <= min(SMALL, budget.left):  # small: difflib's own answer, as it is
        budget.left -= len(old) * len(new)
        return [block for block in difflib.SequenceMatcher(None, old, new, autojunk=False).get_matching_blocks() if block[2]]
    head = 0
    limit = min(len(old), len(new))
    while head < limit and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < limit - head and old[len(old) - 1 - tail] == new[len(new) - 1 - tail]:
        tail += 1
    found = [(0, 0, head)] if head else []
    budget.left -= head + tail
    stack = [(head, len(old) - tail, head, len(new) - tail)]
    while stack:
        alo, ahi, blo, bhi = stack.pop()
        _between(old, new, alo, ahi, blo, bhi, found, stack, budget)
    if tail:
        found.append((len(old) - tail, len(new) - tail, tail))
    return _merged(sorted(found))


def _between(old, new, alo: int, ahi: int, blo: int, bhi: int, found: list, stack: list, budget: Budget) -> None:
    n, m = ahi - alo, bhi - blo
    if n == 0 or m == 0 or budget.left <= 0:
        return  # nothing to match, or the budget is spent: the stretch counts as changed
    if n * m <= SMALL and n * m <= budget.left:
        budget.left -= n * m
        matcher = difflib.SequenceMatcher(None, old[alo:ahi], new[blo:bhi], autojunk=False)
        found.extend((alo + i, blo + j, size) for i, j, size in matcher.get_matching_blocks() if size)
        return
    budget.left -= n + m
    if budget.left <= 0:
        return
    anchors = _unique_anchors(old, new, alo, ahi, blo, bhi)
    if not anchors:
        return  # no line occurs once on each side: too costly to pair, counted as changed
    previous_i, previous_j = alo, blo
    for i, j in anchors:
        stack.append((previous_i, i, previous_j, j))
        found.append((i, j, 1))
        previous_i, previous_j = i + 1, j + 1
    stack.append((previous_i, ahi, previous_j, bhi))


def _unique_anchors(old, new, alo: int, ahi: int, blo: int, bhi: int) -> list[tuple[int, int]]:
    """The longest run, in order on both sides, of lines that occur exactly once in each stretch."""
    seen_old: dict = {}
    for i in range(alo, ahi):
        seen_old[old[i]] = -1 if old[i] in seen_old else i
    seen_new: dict = {}
    for j in range(blo, bhi):
        seen_new[new[j]] = -1 if new[j] in seen_new else j
    pairs = sorted((i, seen_new[line]) for line, i in seen_old.items() if i >= 0 and seen_new.get(line, -1) >= 0)
    # longest increasing subsequence of the j's (patience sorting)
    tops: list[int] = []
    top_index: list[int] = []
    back: list[int] = []
    for index, (_, j) in enumerate(pairs):
        pile = bisect.bisect_left(tops, j)
        back.append(top_index[pile - 1] if pile else -1)
        if pile == len(tops):
            tops.append(j)
            top_index.append(index)
        else:
            tops[pile] = j
            top_index[pile] = index
    chain: list[tuple[int, int]] = []
    index = top_index[-1] if top_index else -1
    while index >= 0:
        chain.append(pairs[index])
        index = back[index]
    return chain[::-1]


def _merged(blocks: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    out: list[tuple[int, int, int]] = []
    for i, j, size in blocks:
        if out and out[-1][0] + out[-1][2] == i and out[-1][1] + out[-1][2] == j:
            out[-1] = (out[-1][0], out[-1][1], out[-1][2] + size)
        else:
            out.append((i, j, size))
    return out
