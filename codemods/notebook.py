"""Jupyter notebooks: their code cells as one Python module, and the fixed module back into JSON.

The cells are joined with sentinel comment lines so that a client built in one cell is seen
where another cell uses it, and so that the fixed code splits back into the same cells.
IPython magics become marked comments for the analysis and are restored verbatim. The JSON
is rewritten only when the notebook's own formatting (indent, key order, escaping, final
newline) can be reproduced exactly; outputs and metadata are never touched.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from typing import Any, Optional

SENTINEL = "# tokenfix-cell: "
MAGIC = "#tokenfix-magic:"
_SENTINEL_LINE = re.compile(r"^# tokenfix-cell: (\d+)$", re.M)
_MAGIC_LINE = re.compile(r"^(\s*)#tokenfix-magic:", re.M)


class NotebookError(Exception):
    """The file is not a notebook tokenfix can read."""


@dataclass
class Notebook:
    data: Any  # the parsed JSON
    dump: dict  # json.dumps arguments that reproduce the original text
    trailing_newline: str
    cells: list[int] = field(default_factory=list)  # indices (in data["cells"]) of analysed cells
    code: str = ""
    unparsed: list[tuple[int, str, int]] = field(default_factory=list)  # (index, code, error line) of code cells Python rejects

    @classmethod
    def parse(cls, raw: bytes) -> "Notebook":
        try:
            text = raw.decode("utf-8")
            data = json.loads(text)
        except (UnicodeDecodeError, ValueError) as exc:
            raise NotebookError(f"not a readable notebook: {exc}") from None
        if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
            raise NotebookError("not a notebook: no `cells` list")
        dump = _formatting(data, text)
        notebook = cls(data, dump or {}, "\n" if text.endswith("\n") else "")
        if dump is None:
            notebook.dump = {}  # analysed, but never written (see rebuild)
        parts = []
        for index, cell in enumerate(data["cells"]):
            if not isinstance(cell, dict) or cell.get("cell_type") != "code":
                continue
            source = _source_text(cell.get("source", ""))
            if source.lstrip().startswith("%%"):
                continue  # a cell magic: not Python
            python = _hide_magics(source)
            try:
                ast.parse(python)
            except SyntaxError as exc:  # not plain Python (or broken): nothing tokenfix can check
                if "too many nested" not in str(exc.msg):  # LibCST's parser would crash on it: no newer syntax asked for
                    notebook.unparsed.append((index, python, exc.lineno or 0))
                continue
            except ValueError:
                continue
            notebook.cells.append(index)
            parts.append(f"{SENTINEL}{index}\n{python}" + ("" if python.endswith("\n") or not python else "\n"))
        notebook.code = "".join(parts)
        return notebook

    def newer_syntax(self) -> list[str]:
        """One line for each code cell left out because it uses syntax newer than this Python
        (newer_syntax.py); a cell that is simply not Python (IPython syntax, a broken cell) is
        left out silently, as before."""
        if not self.unparsed:
            return []
        import libcst as cst

        from .newer_syntax import explain

        lines = []
        for index, python, error_line in self.unparsed:
            try:
                module = cst.parse_module(python)
            except Exception:  # noqa: BLE001 - not Python to LibCST either
                continue
            found = explain(module, error_line, subject="this cell")
            if found is not None:
                text, line = found
                lines.append(f"cell {self.cell_number(index)}:{line}: {text}; the cell was not checked")
        return lines

    @property
    def writable(self) -> bool:
        return bool(self.dump)

    def locate(self, code: str, row: int) -> tuple[Optional[int], int]:
        """(cell number, 1-based, as Jupyter counts code cells; row inside the cell) for a module row."""
        cell, start = None, 0
        for match in _SENTINEL_LINE.finditer(code):
            line = code.count("\n", 0, match.start()) + 1
            if line >= row:
                break
            cell, start = int(match.group(1)), line
        if cell is None:
            return None, row
        return self.cell_number(cell), row - start

    def cell_number(self, index: int) -> int:
        """Code cells counted from 1, as ruff and Jupyter's `In [n]` ordering do."""
        code_cells = [i for i, c in enumerate(self.data["cells"]) if isinstance(c, dict) and c.get("cell_type") == "code"]
        return code_cells.index(index) + 1

    def rebuild(self, fixed_code: str) -> bytes:
        """The notebook with each analysed cell's source replaced by its fixed text."""
        if not self.writable:
            raise NotebookError("its JSON formatting cannot be reproduced exactly, so it is not rewritten")
        pieces = _SENTINEL_LINE.split(fixed_code)
        # pieces: [before, index, text, index, text, ...]
        for index_text, body in zip(pieces[1::2], pieces[2::2]):
            index = int(index_text)
            cell = self.data["cells"][index]
            body = body[1:] if body.startswith("\n") else body
            original = _source_text(cell.get("source", ""))
            if not original.endswith("\n") and body.endswith("\n"):
                body = body[:-1]
            body = _MAGIC_LINE.sub(r"\1", body)
            if body != original:
                cell["source"] = body.splitlines(keepends=True) if isinstance(cell.get("source"), list) else body
        return (json.dumps(self.data, **self.dump) + self.trailing_newline).encode("utf-8")


def _source_text(source: Any) -> str:
    return "".join(source) if isinstance(source, list) else str(source)


def _hide_magics(source: str) -> str:
    lines = source.splitlines(keepends=True)
    for i, line in enumerate(lines):
        stripped = line.lstrip()
        if stripped.startswith(("%", "!", "?")):
            indent = line[: len(line) - len(stripped)]
            lines[i] = f"{indent}{MAGIC}{stripped}"
    return "".join(lines)


def _formatting(data: Any, text: str) -> Optional[dict]:
    """json.dumps arguments that give back exactly this text, if any do."""
    body = text[:-1] if text.endswith("\n") else text
    for indent in (1, 2, 4, None, "\t", 3):
        for ensure_ascii in (False, True):
            options = {"indent": indent, "ensure_ascii": ensure_ascii}
            if indent is None:
                options["separators"] = (", ", ": ")
            if json.dumps(data, **options) == body:
                return options
    return None
