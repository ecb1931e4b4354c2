"""Jupyter notebooks: code cells checked and fixed; outputs, metadata and JSON formatting kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import tokenfix


def notebook(cells: list[dict]) -> dict:
    return {
        "cells": cells,
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def code(source: list[str], outputs=None, count=None) -> dict:
    return {"cell_type": "code", "execution_count": count, "id": f"c{count}", "metadata": {"tags": ["x"]},
            "outputs": outputs or [], "source": source}


CELLS = [
    {"cell_type": "markdown", "id": "m1", "metadata": {}, "source": ["# Trying gpt-5-mini — déjà vu\n"]},
    code(["%pip install openai\n", "from openai import OpenAI\n", "client = OpenAI()"], count=1),
    code(["%%bash\n", "echo max_tokens=99999999"], count=2),
    code([
        "resp = client.chat.completions.create(\n",
        "    model=\"gpt-5-mini\",\n",
        "    messages=[{\"role\": \"user\", \"content\": \"hi\"}],\n",
        "    max_tokens=2000,\n",
        ")\n",
        "!ls -la\n",
        "resp",
    ], outputs=[{"output_type": "execute_result", "data": {"text/plain": ["ChatCompletion(...)"]}, "metadata": {}, "execution_count": 3}], count=3),
]


@pytest.mark.parametrize("style", [
    {"indent": 1, "ensure_ascii": False, "sort_keys": True, "newline": "\n"},  # nbformat's own
    {"indent": 2, "ensure_ascii": True, "sort_keys": False, "newline": ""},
])
def test_notebook_round_trip(tmp_path: Path, style: dict) -> None:
    newline = style.pop("newline")
    data = notebook(json.loads(json.dumps(CELLS)))
    path = tmp_path / "demo.ipynb"
    path.write_bytes((json.dumps(data, **style) + newline).encode("utf-8"))
    original = path.read_bytes()

    res = tokenfix("check", str(path))
    assert res.returncode == 1
    assert f"{path}:cell 4:4:5: TOK002 " in res.stdout.decode()
    (item,) = json.loads(tokenfix("check", "--format", "json", str(path)).stdout)
    assert item["cell"] == 4 and item["location"] == {"row": 4, "column": 5}

    assert tokenfix("fix", str(path)).returncode == 0
    expected = json.loads(json.dumps(data))
    expected["cells"][3]["source"][3] = "    max_completion_tokens=2000,\n"
    assert path.read_bytes() == (json.dumps(expected, **style) + newline).encode("utf-8")
    assert path.read_bytes() != original
    again = path.read_bytes()
    tokenfix("fix", str(path))
    assert path.read_bytes() == again


def test_unreproducible_json_is_checked_but_not_rewritten(tmp_path: Path) -> None:
    data = notebook(json.loads(json.dumps(CELLS)))
    path = tmp_path / "odd.ipynb"
    text = json.dumps(data, indent=1).replace('"cells": [', '"cells"  :  [')  # hand-edited spacing
    path.write_text(text)
    res = tokenfix("fix", str(path))
    assert res.returncode == 2
    assert "cannot be reproduced exactly" in res.stderr.decode()
    assert path.read_text() == text


def test_broken_notebook_is_an_error_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "broken.ipynb"
    path.write_text('{"cells": [ {"cell_type": "code", "source": "max_tokens=1"')
    res = tokenfix("check", str(path))
    assert res.returncode == 2 and "not a readable notebook" in res.stderr.decode()
    assert b"Traceback" not in res.stderr


# -- issue 17: never lose a byte of a notebook ------------------------------------------------

CLIENT = ["from openai import OpenAI\n", "client = OpenAI()\n"]
CALL = ["resp = client.chat.completions.create(\n", "    model=\"gpt-5-mini\",\n", "    messages=[],\n", "    max_tokens=2000,\n", ")"]


def plain(source: list[str]) -> dict:
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}


def write_notebook(path: Path, data: dict, *, prefix: bytes = b"", newline: str = "\n") -> bytes:
    raw = prefix + (json.dumps(data, indent=1, ensure_ascii=False) + "\n").replace("\n", newline).encode("utf-8")
    path.write_bytes(raw)
    return raw


def fixed_call(cell: list[str]) -> list[str]:
    return [line.replace("max_tokens=", "max_completion_tokens=") for line in cell]


@pytest.mark.parametrize("marker", ["# tokenfix-cell: 0\n", "# tokenfix-cell: 2\n", "# tokenfix-cell: 9\n"])
def test_a_cell_holding_the_cell_marker_keeps_its_code(tmp_path: Path, marker: str) -> None:
    # The marker line that joins cells, inside a user's string: once taken for a cell
    # boundary, `fix` moved or deleted the cells' code.
    first = [*CLIENT, "NOTE = '''\n", marker, "'''\n", "x = 1"]
    data = notebook([plain(first), plain(["y = 2\n", marker, "z = 3\n"]), plain(CALL), plain(["w = 4"])])
    path = tmp_path / "nb.ipynb"
    write_notebook(path, data)

    res = tokenfix("check", str(path))
    assert res.returncode == 1, res.stderr
    assert f"{path}:cell 3:4:5: TOK002 " in res.stdout.decode()
    diff = tokenfix("diff", str(path)).stdout.decode()
    assert [line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")] == [
        '-    "    max_tokens=2000,\\n",', '+    "    max_completion_tokens=2000,\\n",']

    res = tokenfix("fix", str(path))
    assert res.returncode == 0, res.stderr
    expected = json.loads(json.dumps(data))
    expected["cells"][2]["source"] = fixed_call(CALL)
    assert json.loads(path.read_text()) == expected


@pytest.mark.parametrize("as_list", [True, False], ids=["list", "string"])
def test_a_comment_like_the_magic_marker_stays_a_comment(tmp_path: Path, as_list: bool) -> None:
    # Only the lines tokenfix hid (IPython magics) are restored; a comment of the user's that
    # starts the same way is code, and stays exactly as written (not `  !rm -rf /`).
    cell = ["%load_ext autoreload\n", *CLIENT, "#tokenfix-magic: keep me\n", "  #tokenfix-magic:!rm -rf /\n", "!ls\n", *CALL]
    data = notebook([plain(cell if as_list else "".join(cell))])  # type: ignore[arg-type]
    path = tmp_path / "nb.ipynb"
    write_notebook(path, data)
    assert tokenfix("fix", str(path)).returncode == 0
    fixed = fixed_call(cell)
    assert json.loads(path.read_text())["cells"][0]["source"] == (fixed if as_list else "".join(fixed))


def test_an_indented_magic_ending_the_notebook_does_not_stop_its_fixes(tmp_path: Path) -> None:
    # Found by test_notebook_properties.py: hidden in place, `  ?help` after a blank line at
    # the very end became an indented comment ending the module, which LibCST cannot write
    # back byte for byte, so no fix of the notebook was made.
    cell = [*CLIENT, *CALL, "\n", "\n", "  ?help\n"]
    path = tmp_path / "nb.ipynb"
    write_notebook(path, notebook([plain(cell)]))
    res = tokenfix("fix", str(path))
    assert res.returncode == 0 and b"error" not in res.stderr, res.stderr
    assert json.loads(path.read_text())["cells"][0]["source"] == fixed_call(cell)


def test_source_list_elements_outside_the_edit_are_kept(tmp_path: Path) -> None:
    # A cell's source as a list of strings keeps every element of the lines the fix does not
    # touch, however they were split: several lines in one element, a form feed or a
    # line separator inside a string (which str.splitlines would have cut), a lone `\r`.
    cell = ["from openai import OpenAI\nclient = OpenAI()\n", "s = 'a\x0cb\u2028c'\n", "t = 1; ", "u = 2\n",
            *CALL[:3], "    max_tokens=2000,\n    # a note\n", ")\n", "v = 'x'"]
    data = notebook([plain(cell), plain(["a = 1\n", "b = 2\n", "c = 3"])])
    path = tmp_path / "nb.ipynb"
    write_notebook(path, data)
    assert tokenfix("fix", str(path)).returncode == 0, tokenfix("fix", str(path)).stderr
    fixed = json.loads(path.read_text())
    expected = list(cell)
    expected[7:8] = ["    max_completion_tokens=2000,\n", "    # a note\n"]  # the edited element, cut into lines
    assert fixed["cells"][0]["source"] == expected
    assert fixed["cells"][1] == data["cells"][1]


def test_a_string_source_stays_a_string(tmp_path: Path) -> None:
    data = notebook([plain("".join([*CLIENT, *CALL]))])  # type: ignore[arg-type]
    path = tmp_path / "nb.ipynb"
    write_notebook(path, data)
    assert tokenfix("fix", str(path)).returncode == 0
    assert json.loads(path.read_text())["cells"][0]["source"] == "".join(fixed_call([*CLIENT, *CALL]))


def test_inserted_lines_become_elements_of_their_own(tmp_path: Path) -> None:
    # A fix that adds a line (a missing limit) shifts the rows of every later cell: the cells
    # are cut where the join put them, not where they were.
    call = ["resp = client.messages.create(\n", "    model=\"claude-haiku-4-5\",\n", "    messages=[],\n", ")\n"]
    data = notebook([plain(["import anthropic\n", "client = anthropic.Anthropic()\n"]), plain([*call, "%time x = 1\n", "y = 2"]),
                     plain(["z = 3\n"]), plain([*call, "!ls"])])
    path = tmp_path / "nb.ipynb"
    write_notebook(path, data)
    res = tokenfix("fix", str(path))
    assert res.returncode == 0, res.stderr
    fixed = json.loads(path.read_text())
    expected = json.loads(json.dumps(data))
    for index in (1, 3):
        expected["cells"][index]["source"][3:3] = ["    max_tokens=16384,\n"]
    assert fixed == expected


def test_fixes_made_over_several_passes_are_written(tmp_path: Path) -> None:
    # Overlapping fixes are made one pass after the other, and a later pass's edit counts the
    # rows of the code the earlier passes left: here the outer call loses a line (one of two
    # limits), so the inner call's rename is reported a row above its place in the original.
    cell = ["r = client.chat.completions.create(\n", "    model=\"gpt-4o\",\n", "    max_tokens=1000,\n",
            "    max_completion_tokens=1000,\n", "    messages=[{\"role\": \"user\", \"content\": client.chat.completions.create(\n",
            "        model=\"gpt-5-mini\",\n", "        messages=[],\n", "        max_tokens=50,\n", "    )}],\n", ")\n", "s = 1"]
    data = notebook([plain(CLIENT), plain(cell), plain(["t = 2"])])
    path = tmp_path / "nb.ipynb"
    write_notebook(path, data)
    res = tokenfix("fix", str(path))
    assert res.returncode == 0, res.stderr
    expected = [*cell[:2], *cell[3:7], "        max_completion_tokens=50,\n", *cell[8:]]
    fixed = json.loads(path.read_text())
    assert fixed["cells"][1]["source"] == expected
    assert fixed["cells"][0] == data["cells"][0] and fixed["cells"][2] == data["cells"][2]


# -- the split is checked before anything is written ------------------------------------------

def parsed(cells: list[dict]):
    from codemods.run.notebook import Notebook

    return Notebook.parse((json.dumps(notebook(cells), indent=1) + "\n").encode())


def test_a_cell_changed_outside_the_edits_is_never_written() -> None:
    from codemods.run.notebook import NotebookError

    nb = parsed([plain(CLIENT), plain(["x = 1\n"]), plain(CALL)])
    edit = (nb.code.splitlines().index("    max_tokens=2000,") + 1,) * 2 + ("max_completion_tokens",)
    fixed = nb.code.replace("max_tokens=", "max_completion_tokens=")
    assert json.loads(nb.rebuild(fixed, [edit]))["cells"][2]["source"] == fixed_call(CALL)
    with pytest.raises(NotebookError, match="cell 2: the fixed code differs from the cell outside its edits"):
        nb.rebuild(fixed.replace("x = 1", "x = 2"), [edit])
    with pytest.raises(NotebookError, match="cell 3: the fixed code differs"):
        nb.rebuild(fixed.replace('model="gpt-5-mini"', 'model="o1"'), [edit])
    with pytest.raises(NotebookError, match="does not split back into its cells"):
        nb.rebuild(fixed.replace(nb.marker, "# ", 1), [edit])
    with pytest.raises(NotebookError, match="does not split back into its cells"):
        nb.rebuild(fixed.replace("x = 1\n", f"x = 1\n{nb.marker}9\n"), [edit])


def test_a_fix_reaching_a_hidden_magic_is_not_written() -> None:
    from codemods.run.notebook import NotebookError

    nb = parsed([plain([*CLIENT, "!echo hi\n", "x = 1\n"])])
    row = nb.code.splitlines().index("#tokenfix-magic:!echo hi") + 1  # hidden at column 0
    with pytest.raises(NotebookError, match="cell 1:3: a fix would change a line holding an IPython magic"):
        nb.rebuild(nb.code.replace("!echo hi", "!echo ho"), [(row, row, "o")])


def test_the_marker_is_one_no_cell_holds() -> None:
    nb = parsed([plain(["s = '# tokenfix-cell: 0'\n"]), plain(["t = '# tokenfix-cell-1: '\n"])])
    assert nb.marker == "# tokenfix-cell-2: "
    assert [text for _, text in nb.split(nb.code)] == ["s = '# tokenfix-cell: 0'\n", "t = '# tokenfix-cell-1: '\n"]


@pytest.mark.parametrize("elements, hunks, expected", [
    (["a\n", "b\n", "c"], [(2, 4, "B\n")], ["a\n", "B\n", "c"]),
    (["a\nb\n", "c\n"], [(2, 4, "B\n")], ["a\n", "B\n", "c\n"]),  # a touched element is cut into lines
    (["a\n", "b\n"], [(2, 2, "x\ny\n")], ["a\n", "x\n", "y\n", "b\n"]),  # inserted between elements
    (["a\n", "b\n"], [(4, 4, "x\n")], ["a\n", "b\n", "x\n"]),
    (["a", "\n", "b\n", "c\n", "d\n"], [(0, 2, "A\n"), (4, 6, "C\n")], ["A\n", "b\n", "C\n", "d\n"]),
    (["a\n", "", "b\n"], [(2, 4, "")], ["a\n", ""]),
    (["ab\n", "cd\n"], [(1, 4, "X")], ["aXd\n"]),
])
def test_spliced_keeps_every_untouched_element(elements, hunks, expected) -> None:
    from codemods.run.notebook import _spliced

    assert _spliced(elements, hunks) == expected


REFUSING_ENGINE = """
import sys
import codemods.run.engine as engine
real = engine.analyze
def analyze(data, *args, **kwargs):  # an engine that also changes a line no edit covers
    result = real(data, *args, **kwargs)
    if result.fixed is not None:
        result.fixed = result.fixed.replace(b"x = 1", b"x = 2")
    return result
engine.analyze = analyze
from codemods.cli import main
sys.argv = ["tokenfix", *sys.argv[1:]]
main()
"""


def test_a_split_that_does_not_check_out_is_one_error_and_the_file_unchanged(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "nb.ipynb"
    raw = write_notebook(path, notebook([plain(CLIENT), plain(["x = 1\n"]), plain(CALL)]))
    (tmp_path / "other.py").write_text("".join([*CLIENT, *CALL]))
    res = subprocess.run([sys.executable, "-c", REFUSING_ENGINE, "fix", "--no-cache", str(tmp_path)], capture_output=True,
                         cwd=Path(__file__).parent.parent)
    errors = [line for line in res.stderr.decode().splitlines() if line.startswith("tokenfix: error:")]
    assert errors == [f"tokenfix: error: {path}: fixes not applied: cell 2: the fixed code differs from the cell outside "
                      "its edits (line 1; please report it); not rewritten"], res.stderr
    assert res.returncode == 2 and b"Traceback" not in res.stderr
    assert path.read_bytes() == raw
    assert "max_completion_tokens" in (tmp_path / "other.py").read_text()  # the run went on


def test_evidence_lines_are_counted_in_their_cells(tmp_path: Path) -> None:
    # The client is built in cell 2 and used in cell 4 (the markdown cell 1 counts, as Jupyter
    # and VS Code count it): every location, the finding's and each evidence line's, is
    # `cell N:row` with the row inside that cell, in text and JSON alike; --show-evidence
    # prints the evidence once, under its site, with the site's finding after it.
    path = tmp_path / "demo.ipynb"
    path.write_text(json.dumps(notebook(CELLS)))
    evidence = [
        "cell 2:3: client built by openai.OpenAI(...)",
        "cell 2:3: no base URL given: the SDK's default endpoint is OpenAI, and no OPENAI_BASE_URL/OPENAI_API_BASE setting was found",
        "cell 4:2: model 'gpt-5-mini'",
        "cell 4:2: gpt-5-mini: limits from https://github.com/BerriAI/litellm/blob/main/model_prices_and_context_window.json (curated, rules/models.toml)",
    ]
    out = tokenfix("check", "--show-evidence", str(path)).stdout.decode().splitlines()
    assert len(out) == 6 and out[5].startswith(f"{path}:cell 4:4:5: TOK002 error: gpt-5-mini is a reasoning model")
    assert out[:5] == [
        f"{path}:cell 4:1: openai.chat.completions -> provider openai (client), model gpt-5-mini",
        *(f"    {e}" for e in evidence),
    ]
    (item,) = json.loads(tokenfix("check", "--format", "json", str(path)).stdout)
    assert item["cell"] == 4 and item["evidence"] == evidence


def test_a_cell_of_repeated_lines_is_fixed_without_stalling(tmp_path: Path) -> None:
    """Writing a fixed cell back pairs its old and new lines; on 20,000 copies of one line a plain
    difflib pairing takes minutes (run/linediff.py has a ceiling): the fix lands, in seconds."""
    import time

    filler = ["x = 1\n"] * 20_000
    cells = [code(["from openai import OpenAI\n", "client = OpenAI()\n", *filler,
                   'client.chat.completions.create(model="gpt-5-mini", messages=[], max_tokens=2000)\n', *filler], count=1)]
    path = tmp_path / "big.ipynb"
    path.write_text(json.dumps(notebook(cells), indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    started = time.perf_counter()
    res = tokenfix("fix", "--no-cache", str(path))
    assert time.perf_counter() - started < 60, "the fix took too long"
    assert res.returncode == 0, res.stderr.decode()
    source = json.loads(path.read_text())["cells"][0]["source"]
    assert source[20_002] == 'client.chat.completions.create(model="gpt-5-mini", messages=[], max_completion_tokens=2000)\n'
    assert source[:20_002] == cells[0]["source"][:20_002] and source[20_003:] == filler
