"""Notebooks in the formats found in the wild: nbformat 3 (cells in worksheets, `input` for the
source), a UTF-8 byte-order mark, Windows line endings. Each is read and checked; a fix is
written when the format can be written back exactly, and nothing is ever an error for a
notebook with nothing to change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import tokenfix
from test_notebook import CALL, CLIENT, fixed_call, notebook, plain, write_notebook


def notebook_v3(*worksheets: list[dict]) -> dict:
    return {"metadata": {"name": ""}, "nbformat": 3, "nbformat_minor": 0,
            "worksheets": [{"cells": cells, "metadata": {}} for cells in worksheets]}


def code_v3(source: list[str]) -> dict:
    return {"cell_type": "code", "collapsed": False, "input": source, "language": "python", "metadata": {}, "outputs": []}


def test_nbformat_3_is_checked_and_fixed(tmp_path: Path) -> None:
    # nbformat 3: the cells are in worksheets, a code cell's text is its `input`.
    heading = {"cell_type": "heading", "level": 1, "metadata": {}, "source": ["Title"]}
    data = notebook_v3([heading, code_v3(CLIENT)], [code_v3(["x = 1"]), code_v3(CALL)])
    path = tmp_path / "old.ipynb"
    write_notebook(path, data)
    res = tokenfix("check", str(path))
    assert res.returncode == 1 and b"error" not in res.stderr, res.stderr
    assert f"{path}:cell 4:4:5: TOK002 " in res.stdout.decode()  # the heading counts: every cell of every worksheet
    res = tokenfix("diff", str(path))
    changed = [line for line in res.stdout.decode().splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert res.returncode == 1 and [line[0] + line[1:].strip() for line in changed] == [
        '-"    max_tokens=2000,\\n",', '+"    max_completion_tokens=2000,\\n",']
    res = tokenfix("fix", str(path))
    assert res.returncode == 0, res.stderr
    expected = json.loads(json.dumps(data))
    expected["worksheets"][1]["cells"][1]["input"] = fixed_call(CALL)
    assert path.read_bytes() == (json.dumps(expected, indent=1, ensure_ascii=False) + "\n").encode()
    assert tokenfix("fix", str(path)).returncode == 0


def test_nbformat_3_with_nothing_to_change_is_not_an_error(tmp_path: Path) -> None:
    data = notebook_v3([code_v3(["from openai import OpenAI\n", "client = OpenAI()\n",
                                 "client.chat.completions.create(model='gpt-4o', messages=[], max_completion_tokens=100)"])])
    path = tmp_path / "old.ipynb"
    raw = write_notebook(path, data)
    for command in ("check", "fix", "diff"):
        res = tokenfix(command, str(path))
        assert res.returncode == 0 and b"error" not in res.stderr, (command, res.stderr)
    assert path.read_bytes() == raw


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_notebook_with_a_utf8_bom_is_checked_and_fixed_bom_kept(tmp_path: Path, newline: str) -> None:
    data = notebook([plain(CLIENT), plain(CALL)])
    path = tmp_path / "bom.ipynb"
    write_notebook(path, data, prefix=b"\xef\xbb\xbf", newline=newline)
    res = tokenfix("check", str(path))
    assert res.returncode == 1 and b"error" not in res.stderr, res.stderr
    assert f"{path}:cell 2:4:5: TOK002 " in res.stdout.decode()
    assert tokenfix("fix", str(path)).returncode == 0
    expected = json.loads(json.dumps(data))
    expected["cells"][1]["source"] = fixed_call(CALL)
    assert path.read_bytes() == b"\xef\xbb\xbf" + (json.dumps(expected, indent=1, ensure_ascii=False) + "\n").replace("\n", newline).encode()


def test_a_notebook_with_a_bom_and_nothing_to_change_is_not_an_error(tmp_path: Path) -> None:
    data = notebook([plain(CLIENT), plain(["client.chat.completions.create(model='gpt-4o', messages=[], max_completion_tokens=100)\n"])])
    path = tmp_path / "bom.ipynb"
    raw = write_notebook(path, data, prefix=b"\xef\xbb\xbf")
    for command in ("check", "fix", "diff"):
        res = tokenfix(command, str(path))
        assert res.returncode == 0 and b"error" not in res.stderr, (command, res.stderr)
    assert path.read_bytes() == raw


def test_nbformat_3_cells_of_another_language_are_left_out(tmp_path: Path) -> None:
    other = {**code_v3(CALL), "language": "julia"}
    path = tmp_path / "old.ipynb"
    raw = write_notebook(path, notebook_v3([code_v3(CLIENT), other, code_v3(CALL)]))
    res = tokenfix("check", str(path))
    assert res.returncode == 1 and b"error" not in res.stderr
    assert [line.split(" ")[0] for line in res.stdout.decode().splitlines() if "TOK" in line] == [f"{path}:cell"]
    assert f"{path}:cell 3:4:5: TOK002 " in res.stdout.decode()
    assert path.read_bytes() == raw


@pytest.mark.parametrize("data", [{"worksheets": "x"}, {"worksheets": [{"cells": 1}]}, {"nbformat": 3}, ["max_tokens"]])
def test_neither_format_is_one_error(tmp_path: Path, data) -> None:
    path = tmp_path / "odd.ipynb"
    path.write_text(json.dumps({**data, "note": "max_tokens"} if isinstance(data, dict) else data))
    res = tokenfix("check", str(path))
    assert res.returncode == 2 and b"Traceback" not in res.stderr
    assert res.stderr.decode().splitlines()[0] == \
        f"tokenfix: error: {path}:1: not a notebook: no `cells` list (nbformat 4) and no `worksheets` (nbformat 3)"


def test_python_2_json_with_trailing_spaces_is_written_back_as_it_was(tmp_path: Path) -> None:
    # IPython 1 and older wrote with Python 2's json: an indent and ", " left a space at the end of each line.
    data = notebook_v3([code_v3(CLIENT), code_v3(CALL)])
    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps(data, indent=1, separators=(", ", ": ")) + "\n")
    assert " \n" in path.read_text()
    assert tokenfix("fix", str(path)).returncode == 0
    expected = json.loads(json.dumps(data))
    expected["worksheets"][0]["cells"][1]["input"] = fixed_call(CALL)
    assert path.read_text() == json.dumps(expected, indent=1, separators=(", ", ": ")) + "\n"


@pytest.mark.parametrize("make", [
    lambda data: json.dumps(data, indent=1).replace('"cells": [', '"cells"  :  ['),  # hand-edited spacing
    lambda data: (json.dumps(data, indent=1) + "\n").replace("\n", "\r\n", 3),  # mixed line endings
])
def test_an_old_notebook_that_cannot_be_written_back_exactly(tmp_path: Path, make) -> None:
    # Checked all the same; a fix is reported as not applied, and the file stays as it was.
    data = notebook_v3([code_v3(CLIENT), code_v3(CALL)])
    path = tmp_path / "old.ipynb"
    path.write_bytes(make(data).encode())
    raw = path.read_bytes()
    assert f"{path}:cell 2:4:5: TOK002 " in tokenfix("check", str(path)).stdout.decode()
    res = tokenfix("fix", str(path))
    assert res.returncode == 2 and b"Traceback" not in res.stderr
    assert f"tokenfix: error: {path}: fixes not applied: its JSON formatting cannot be reproduced exactly, so it is not rewritten" \
        in res.stderr.decode()
    assert path.read_bytes() == raw
    # With nothing to change, the same notebook is no error at all.
    path.write_bytes(raw.replace(b"max_tokens", b"max_completion_tokens"))
    res = tokenfix("fix", str(path))
    assert res.returncode == 0 and b"error" not in res.stderr, res.stderr


def test_a_crlf_notebook_is_fixed_with_its_line_endings(tmp_path: Path) -> None:
    data = notebook_v3([code_v3(CLIENT), code_v3(CALL)])
    path = tmp_path / "win.ipynb"
    write_notebook(path, data, newline="\r\n")
    assert tokenfix("diff", str(path)).returncode == 1
    assert tokenfix("fix", str(path)).returncode == 0
    expected = json.loads(json.dumps(data))
    expected["worksheets"][0]["cells"][1]["input"] = fixed_call(CALL)
    assert path.read_bytes() == (json.dumps(expected, indent=1, ensure_ascii=False) + "\n").replace("\n", "\r\n").encode()
