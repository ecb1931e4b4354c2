"""Jupyter notebooks: their code cells as one Python module, and the fixed module back into JSON.

The cells are joined into one module, each after a marker comment line, so that a client built
in one cell is seen where another cell uses it. User text can hold anything, a line like the
marker included, so the marker is chosen to be absent from every cell (proved, not hoped), the
fixed module is cut only at the marker lines the join wrote, and every cell is compared with
its original: a cell that differs outside the reported edits is never written.

IPython magics become marked comments for the analysis; the line numbers hidden are recorded
and only those lines get their original text back, so a user comment that looks like the mark
stays a comment. A cell's source kept as a JSON list of lines keeps its original elements for
every line the fix does not touch. The JSON is rewritten only when the notebook's own
formatting (indent, key order, escaping, final newline) can be reproduced exactly; outputs and
metadata are never touched.

Both notebook formats are read: nbformat 4 (`cells`, each code cell's text in `source`) and
nbformat 3 (cells in `worksheets`, the text in `input`), with or without a UTF-8 byte-order
mark, with LF or CRLF line endings; what is written back keeps all three as they were.

Its size (about 380 lines): the join and the split are inverses that must change together.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field, replace
from typing import Any, Optional, Sequence

from .linediff import opcodes

BOM = b"\xef\xbb\xbf"
MARKER = "# tokenfix-cell"
MAGIC = "#tokenfix-magic:"
# Python's line breaks: the rows the analysis and its edits report count these.
_BREAK = re.compile(r"\r\n|\r|\n")


class NotebookError(Exception):
    """The file is not a notebook tokenfix can read, or a fix cannot be written back exactly."""


def _lines(text: str) -> list[str]:
    """The text cut after each line break Python knows, the breaks kept (str.splitlines also
    cuts at form feeds and Unicode separators, which a string literal may hold)."""
    lines, start = [], 0
    for match in _BREAK.finditer(text):
        lines.append(text[start:match.end()])
        start = match.end()
    if start < len(text):
        lines.append(text[start:])
    return lines


@dataclass
class Cell:
    """An analysed code cell: its JSON object, and its text as the joined module holds it."""

    owner: dict  # the cell's JSON object
    key: str  # where its text is: "source" (nbformat 4) or "input" (nbformat 3)
    index: int  # its place among the notebook's cells, all worksheets counted: names its marker
    number: int  # every cell counted from 1, markdown too, as Jupyter, VS Code and ruff's JSON `cell` show it
    python: str  # what the analysis reads: the source, magics hidden
    hidden: frozenset[int]  # the 0-based lines of `python` that are hidden magics
    added: str  # the line break the join added after a last line that had none ("" or "\n")


@dataclass
class Notebook:
    data: Any  # the parsed JSON
    dump: dict  # json.dumps arguments that reproduce the original text
    trailing_newline: str
    prefix: bytes = b""  # a UTF-8 byte-order mark the file starts with, kept when it is written
    newline: str = "\n"  # the JSON's line endings, "\n" or "\r\n"
    cells: list[Cell] = field(default_factory=list)  # the analysed code cells, in order
    code: str = ""
    marker: str = MARKER + ": "  # what starts each cell's marker line in `code`; no cell holds it
    unparsed: list[tuple[int, str, int]] = field(default_factory=list)  # (number, code, error line) of code cells Python rejects
    skipped_magics: list[tuple[int, str]] = field(default_factory=list)  # (cell number, line) of cells not analysed
    _splits: dict = field(default_factory=dict, repr=False)  # split's answers: it is asked for every finding

    @classmethod
    def parse(cls, raw: bytes) -> "Notebook":
        """The notebook in a file's bytes, its code cells joined (NotebookError when it is not
        a notebook). Every notebook that can be read is analysed, whatever its format; only
        writing it back needs the format reproduced exactly (`writable`)."""
        prefix = BOM if raw.startswith(BOM) else b""
        try:
            text = raw[len(prefix):].decode("utf-8")
            data = json.loads(text)
        except (UnicodeDecodeError, ValueError) as exc:
            raise NotebookError(f"not a readable notebook: {exc}") from None
        # JSON strings hold no raw line break: every one in the text is formatting.
        newline = "\r\n" if "\r\n" in text and "\n" not in text.replace("\r\n", "") else "\n"
        text = text.replace("\r\n", "\n") if newline == "\r\n" else text
        lists = _cell_lists(data)
        dump = _formatting(data, text)  # None: analysed, but never written (see rebuild)
        notebook = cls(data, dump or {}, "\n" if text.endswith("\n") else "", prefix, newline)
        index = 0
        for cells, key in lists:
            for cell in cells:
                index += 1
                number = index  # what a user counts to in Jupyter: every cell, not only the code cells
                if not isinstance(cell, dict) or cell.get("cell_type") != "code":
                    continue
                source = _source_text(cell.get(key, ""))
                if source is None or cell.get("language", "python") != "python":
                    continue  # not text, another language (nbformat 3): not Python
                magics = [(number, line) for line in _lines(source) if line.lstrip().startswith("%")]
                if source.lstrip().startswith("%%"):
                    notebook.skipped_magics += magics  # a cell magic (`%%capture` runs its body in the kernel)
                    continue
                python, hidden = _hide_magics(source)
                try:
                    ast.parse(python)
                except SyntaxError as exc:  # not plain Python (or broken): nothing tokenfix can check
                    if "too many nested" not in str(exc.msg):  # LibCST's parser would crash on it: no newer syntax asked for
                        notebook.unparsed.append((number, python, exc.lineno or 0))
                    notebook.skipped_magics += magics
                    continue
                except ValueError:
                    notebook.skipped_magics += magics
                    continue
                added = "\n" if python and not python.endswith(("\n", "\r")) else ""
                notebook.cells.append(Cell(cell, key, index, number, python, hidden, added))
        notebook.marker = _absent_marker([c.python for c in notebook.cells])
        notebook.code = "".join(f"{notebook._marker_line(c)}{c.python}{c.added}" for c in notebook.cells)
        return notebook

    def magics(self) -> list[tuple[int, str]]:
        """(row in `code`, original text) of each IPython line magic the analysed cells hide:
        the environment reader reads `%env` among them (environment.magic_settings)."""
        found, row = [], 0
        for cell in self.cells:
            row += 1  # the marker line
            lines = _lines(cell.python)
            for i in sorted(cell.hidden):
                found.append((row + i + 1, lines[i][len(MAGIC):]))
            row += len(lines)
        return found

    def _marker_line(self, cell: Cell) -> str:
        return f"{self.marker}{cell.index}\n"

    def newer_syntax(self) -> list[str]:
        """One line for each code cell left out because it uses syntax newer than this Python
        (newer_syntax.py); a cell that is simply not Python (IPython syntax, a broken cell) is
        left out silently, as before."""
        if not self.unparsed:
            return []
        import libcst as cst

        from ..fixes.newer_syntax import explain

        lines = []
        for number, python, error_line in self.unparsed:
            try:
                module = cst.parse_module(python)
            except Exception:  # noqa: BLE001 - not Python to LibCST either
                continue
            found = explain(module, error_line, subject="this cell")
            if found is not None:
                text, line = found
                lines.append(f"cell {number}:{line}: {text}; the cell was not checked")
        return lines

    @property
    def writable(self) -> bool:
        return bool(self.dump)

    def split(self, code: str) -> Optional[list[tuple[int, str]]]:
        """(row of its marker line, its text) for each analysed cell of `code`, the joined
        module or its fixed version; None unless `code` holds exactly the marker lines the
        join wrote, in order, with nothing before the first.

        Since no cell's text holds the marker, a marker line can only be one the join wrote;
        a fix that made or removed one would show here.
        """
        if code not in self._splits:
            self._splits[code] = self._cut(code)
        return self._splits[code]

    def _cut(self, code: str) -> Optional[list[tuple[int, str]]]:
        lines = _lines(code)
        bounds = [i for i, line in enumerate(lines) if self.marker in line]
        if [lines[i] for i in bounds] != [self._marker_line(c) for c in self.cells] or bounds[:1] not in ([0], []) \
                or (not bounds and code):
            return None
        cells = []
        for k, (cell, first) in enumerate(zip(self.cells, bounds)):
            end = bounds[k + 1] if k + 1 < len(bounds) else len(lines)
            text = "".join(lines[first + 1:end])
            if cell.added:
                if not text.endswith(cell.added):
                    return None
                text = text[:-len(cell.added)]
            cells.append((first + 1, text))
        return cells

    def joined_rows(self, cells: dict) -> frozenset:
        """Rows of the joined module for {cell number: rows inside the cell} (--since)."""
        rows = set()
        for cell, (marker_row, _) in zip(self.cells, self.split(self.code) or []):
            rows.update(marker_row + row for row in cells.get(cell.number, ()))
        return frozenset(rows)

    def locate(self, code: str, row: int) -> tuple[Optional[int], int]:
        """(cell number, 1-based, every cell counted as Jupyter does; row inside the cell) for a
        row of `code`, the joined module or its fixed version."""
        cells = self.split(code) or []
        found: tuple[Optional[int], int] = (None, row)
        for cell, (marker_row, _) in zip(self.cells, cells):
            if marker_row >= row:
                break
            found = (cell.number, row - marker_row)
        return found

    def cite(self, code: str, evidence: Any, cell: Optional[int]) -> Any:
        """An evidence line (targets.Evidence) of `code` as a report on `cell` shows it: its cell
        and its row inside it (`locate`), the one scheme of every notebook location (`cell 4:2`),
        whether the cell is the report's own or another. A line in another file or module, or
        none (0), is left as it is."""
        if getattr(evidence, "origin", "") or not getattr(evidence, "line", 0):
            return evidence
        number, row = self.locate(code, evidence.line)
        return replace(evidence, line=row, cell=number)

    def rebuild(self, fixed_code: str, edits: Sequence[tuple[int, int, str]]) -> bytes:
        """The notebook with each analysed cell's source replaced by its fixed text.

        `edits` are the fixes' text edits as (row, end row, new text), rows of the joined
        module. The fixed module is cut at its marker lines, and each cell must equal its
        original outside the lines those edits cover; otherwise nothing is written
        (NotebookError), since a byte lost in a user's notebook is worse than a fix not made.
        """
        if not self.writable:
            raise NotebookError("its JSON formatting cannot be reproduced exactly, so it is not rewritten")
        cells = self.split(fixed_code)
        if cells is None:
            raise NotebookError("the fixed code does not split back into its cells (please report it); not rewritten")
        covered = _covered(edits)
        sources = []
        for cell, (marker_row, _), (_, text) in zip(self.cells, self.split(self.code) or [], cells):
            if text == cell.python:
                continue
            sources.append((cell, _fixed_source(cell.owner[cell.key], cell, text, marker_row, covered)))
        for cell, source in sources:  # only once every cell has passed
            cell.owner[cell.key] = source
        text = json.dumps(self.data, **self.dump) + self.trailing_newline
        return self.prefix + (text.replace("\n", self.newline) if self.newline != "\n" else text).encode("utf-8")


def _covered(edits: Sequence[tuple[int, int, str]]) -> list[tuple[int, int]]:
    """The module rows each edit may have changed, as closed ranges.

    Fixing runs in passes (engine.py), and an edit of a later pass counts the rows of the code
    the earlier passes left, which differ from the original's by at most the lines all the
    edits added or removed: that many rows of slack on each side.
    """
    slack = sum(abs(len(_BREAK.findall(content)) - (end_row - row)) for row, end_row, content in edits)
    return [(row - slack, end_row + slack) for row, end_row, _ in edits]


def _fixed_source(source: Any, cell: Cell, text: str, marker_row: int, covered: list[tuple[int, int]]) -> Any:
    """The cell's new source: its original outside the changed lines (hidden magics
    included, list elements as they were), the fixed text in them. `marker_row` is the row
    of the cell's marker line in the joined module as it was, the rows the edits count.

    Raises NotebookError when a changed line lies outside every edit, or holds a magic.
    """
    old, new = _lines(cell.python), _lines(text)
    original = _lines(_source_text(source) or "")
    hunks = []  # (start, end, new text): offsets into the original source
    offsets = [0]
    for line in original:
        offsets.append(offsets[-1] + len(line))
    for tag, i1, i2, j1, j2 in opcodes(old, new):  # bounded: a cell of repeated lines costs no more than the budget
        if tag == "equal":
            continue
        # Rows of the module: the lines replaced, or the two around an insertion.
        rows = range(marker_row + i1 + 1, marker_row + i2 + 1) if i2 > i1 else range(marker_row + i1, marker_row + i1 + 2)
        inside = [any(lo <= r <= hi for lo, hi in covered) for r in rows]
        if not (all(inside) if i2 > i1 else any(inside)):
            raise NotebookError(f"cell {cell.number}: the fixed code differs from the cell outside its edits "
                                f"(line {i1 + 1}; please report it); not rewritten")
        if cell.hidden.intersection(range(i1, i2)):
            raise NotebookError(f"cell {cell.number}:{min(cell.hidden.intersection(range(i1, i2))) + 1}: "
                                "a fix would change a line holding an IPython magic; not rewritten")
        hunks.append((offsets[i1], offsets[i2], "".join(new[j1:j2])))
    if isinstance(source, list):
        return _spliced(source, hunks)
    return _apply("".join(original), hunks)


def _apply(text: str, hunks: list[tuple[int, int, str]]) -> str:
    pieces, pos = [], 0
    for start, end, new in hunks:
        pieces += [text[pos:start], new]
        pos = end
    return "".join(pieces) + text[pos:]


def _spliced(elements: list[str], hunks: list[tuple[int, int, str]]) -> list[str]:
    """The list of strings with the hunks (start, end, new text: offsets into the strings
    joined; in order, not overlapping) applied. Every element no hunk touches is kept as it
    is; a run of touched ones becomes its new text cut into lines, as Jupyter writes them,
    and lines inserted between two elements become elements of their own."""
    starts = [0]
    for element in elements:
        starts.append(starts[-1] + len(element))
    text = "".join(elements)
    out: list[str] = []
    i = k = 0  # the next element to keep or replace, the next hunk to apply
    while k < len(hunks):
        start, end, new = hunks[k]
        while i < len(elements) and starts[i + 1] <= start:  # wholly before the hunk
            out.append(elements[i])
            i += 1
        if start == end and (i == len(elements) or starts[i] == start):  # an insertion between elements
            out += _lines(new)
            k += 1
            continue
        last, pos, pieces = i, starts[i], []  # the run of touched elements i..last
        while k < len(hunks) and hunks[k][0] < starts[last + 1]:
            start, end, new = hunks[k]
            pieces += [text[pos:start], new]
            pos = end
            k += 1
            while last + 1 < len(elements) and starts[last + 1] < end:
                last += 1
        pieces.append(text[pos:starts[last + 1]])
        out += _lines("".join(pieces))
        i = last + 1
    out += elements[i:]
    if "".join(out) != _apply(text, hunks):  # pragma: no cover - the cut above is exact
        raise NotebookError("the fixed cell could not be cut back into its lines (please report it); not rewritten")
    return out


def _cell_lists(data: Any) -> list[tuple[list, str]]:
    """(list of cells, the key of a code cell's text) of each part of the notebook: its one
    `cells` list (nbformat 4), or each worksheet's (nbformat 3)."""
    if isinstance(data, dict) and isinstance(data.get("cells"), list):
        return [(data["cells"], "source")]
    worksheets = data.get("worksheets") if isinstance(data, dict) else None
    if isinstance(worksheets, list) and all(isinstance(w, dict) and isinstance(w.get("cells", []), list) for w in worksheets):
        return [(w.get("cells", []), "input") for w in worksheets]
    raise NotebookError("not a notebook: no `cells` list (nbformat 4) and no `worksheets` (nbformat 3)")


def _source_text(source: Any) -> Optional[str]:
    """A cell's source as one string (None when it is not text)."""
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(s, str) for s in source):
        return "".join(source)
    return None


def _hide_magics(source: str) -> tuple[str, frozenset[int]]:
    """The source with each IPython line magic, shell escape and help line made a comment, and
    the 0-based numbers of those lines (only they get their text back)."""
    lines = _lines(source)
    hidden = set()
    for i, line in enumerate(lines):
        if line.lstrip().startswith(("%", "!", "?")):
            # At column 0: LibCST cannot write back an indented comment that ends a module
            # after a blank line, and only these recorded lines get their text back anyway.
            lines[i] = f"{MAGIC}{line}"
            hidden.add(i)
    return "".join(lines), frozenset(hidden)


def _absent_marker(texts: list[str]) -> str:
    """A marker-line start that occurs in none of the texts: `# tokenfix-cell: `, or the first
    of `# tokenfix-cell-1: `, `-2`, … that does."""
    candidate, n = MARKER + ": ", 0
    while any(candidate in text for text in texts):
        n += 1
        candidate = f"{MARKER}-{n}: "
    return candidate


def _formatting(data: Any, text: str) -> Optional[dict]:
    """json.dumps arguments that give back exactly this text, if any do."""
    body = text[:-1] if text.endswith("\n") else text
    # nbformat's own first; (1, ", ") is Python 2's json with an indent, which left a space
    # at the end of each line (notebooks of IPython 1 and older).
    for indent, separator in ((1, ","), (2, ","), (4, ","), (None, ", "), ("\t", ","), (3, ","), (1, ", ")):
        for ensure_ascii in (False, True):
            options = {"indent": indent, "ensure_ascii": ensure_ascii, "separators": (separator, ": ")}
            if json.dumps(data, **options) == body:
                return options
    return None
