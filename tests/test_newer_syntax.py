"""A file whose syntax is newer than the Python tokenfix runs on gets one line that says so.

tokenfix reads code with this interpreter's `ast`: under Python 3.11, `type X = int` is
"invalid syntax". The line names the file, the line, the Python the syntax needs (with its
PEP) and what to do; the file is left as it was, the exit code is 2 (as for every file that
cannot be read or parsed) and the run goes on for the other files. Each case runs where this
Python is older than the syntax (the suite's interpreter is 3.11 here; no newer one can be
installed on this machine), and is skipped where it would simply parse.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import libcst as cst
import pytest

from codemods.run import cache as cache_module
from codemods.run.cache import Cache
from codemods.fixes.newer_syntax import constructs, explain
from conftest import tokenfix

HERE = f"{sys.version_info[0]}.{sys.version_info[1]}"
CALL = 'client.chat.completions.create(model="gpt-4o", messages=[], max_tokens=99999999)\n'
HEAD = "from openai import OpenAI\nclient = OpenAI()\n"


def advice(version: str) -> str:
    return f"tokenfix runs on Python {HERE} here: run it under Python {version} or newer (pre-commit: `language_version: python{version}` on the hook)"


# name: (code after HEAD (so the construct is on line 3 or later), line, version, what it says)
CASES = {
    "pep695_type_statement": ("type Budget = int\n" + CALL, 3, "3.12", "PEP 695: the `type` statement"),
    "pep695_function_type_parameters": ("def first[T](items: list[T]) -> T:\n    return items[0]\n" + CALL, 3, "3.12", "PEP 695: type parameters"),
    "pep695_class_type_parameters": ("class Box[T]:\n    pass\n" + CALL, 3, "3.12", "PEP 695: type parameters"),
    "pep701_same_quotes": ('name = "x"\nprint(f"{"a"}")\n' + CALL, 4, "3.12", "PEP 701: quotes, backslashes or comments inside an f-string's braces"),
    "pep701_backslash": ('print(f"{"\\n".join(["a", "b"])}")\n' + CALL, 3, "3.12", "PEP 701: quotes, backslashes or comments inside an f-string's braces"),
    "pep701_comment": ('x = 1\ntext = f"""{\n    x  # the count\n}"""\n' + CALL, 4, "3.12", "PEP 701: quotes, backslashes or comments inside an f-string's braces"),
    "pep696_type_parameter_default": ("def first[T = int](items: list[T]) -> T:\n    return items[0]\n" + CALL, 3, "3.12", "PEP 695: type parameters"),
    "pep758_except_without_parentheses": ("try:\n    " + CALL + "except ValueError, TypeError:\n    pass\n", 5, "3.14", "PEP 758: `except` with several exception types not in parentheses"),
    "pep750_template_string": ('user = "x"\nprompt = t"Hello {user}"\n' + CALL, 4, "3.14", "PEP 750: a template string (t-string)"),
}


def _needs(version: str) -> tuple[int, int]:
    major, minor = version.split(".")
    return int(major), int(minor)


RUNNABLE = {name: case for name, case in CASES.items() if sys.version_info[:2] < _needs(case[2])}


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("newer")
    for name, (code, *_rest) in CASES.items():
        (root / f"{name}.py").write_text(HEAD + code)
    (root / "plain.py").write_text(HEAD + CALL)
    return root


def expected_errors() -> list[str]:
    lines = []
    for name, (_code, line, version, what) in sorted(RUNNABLE.items()):
        if name == "pep696_type_parameter_default":  # 3.12's type parameters first, then 3.13's default, on the same line
            text = (f"this file uses syntax from Python 3.12 (PEP 695: type parameters), and from Python 3.13 at line 3"
                    f" (PEP 696: a type parameter default); {advice('3.13')}")
        else:
            text = f"this file uses syntax from Python {version} ({what}); {advice(version)}"
        lines.append(f"tokenfix: error: {name}.py:{line}: {text}")
    return lines


@pytest.mark.skipif(not RUNNABLE, reason="this Python reads every construct of the cases")
@pytest.mark.parametrize("cached", [False, True], ids=["first-run", "from-the-cache"])
def test_check_names_the_python_the_syntax_needs(tree: Path, cached: bool) -> None:
    res = tokenfix("check", *(() if cached else ("--no-cache",)), ".", cwd=tree)
    if cached:  # the same again, the results read back from the cache
        res = tokenfix("check", ".", cwd=tree)
    stderr = res.stderr.decode().splitlines()
    assert res.returncode == 2, res.stderr.decode()
    assert stderr[:-1] == expected_errors()
    parsed = len(CASES) + 1 - len(RUNNABLE)
    assert stderr[-1] == f"Found {2 * parsed} findings ({len(CASES) + 1} files checked, {len(RUNNABLE)} errors). {2 * parsed} fixable with `tokenfix fix`."
    # the run went on: the plain file's findings are there
    assert [line.split(" ")[:2] for line in res.stdout.decode().splitlines() if line.startswith("plain.py")] == [
        ["plain.py:3:61:", "TOK001"], ["plain.py:3:61:", "TOK002"]]


@pytest.mark.skipif(not RUNNABLE, reason="this Python reads every construct of the cases")
def test_fix_leaves_the_file_as_it_was_and_fixes_the_others(tmp_path: Path) -> None:
    name, (code, line, version, what) = next(iter(RUNNABLE.items()))
    newer = tmp_path / "newer.py"
    newer.write_bytes((HEAD + code).encode())
    plain = tmp_path / "plain.py"
    plain.write_text(HEAD + CALL)
    res = tokenfix("fix", "--no-cache", ".", cwd=tmp_path)
    assert res.returncode == 2
    assert res.stderr.decode().splitlines() == [
        f"tokenfix: error: newer.py:{line}: this file uses syntax from Python {version} ({what}); {advice(version)}",
        "Fixed 2 findings in 1 file (2 files checked, 1 error).",
    ]
    assert newer.read_bytes() == (HEAD + code).encode()
    assert plain.read_text() == HEAD + CALL.replace("max_tokens=99999999", "max_completion_tokens=16384")


@pytest.mark.skipif(sys.version_info >= (3, 14), reason="Python 3.14 reads both constructs")
def test_the_newest_python_the_file_needs_is_the_one_advised(tmp_path: Path) -> None:
    code = HEAD + "type Budget = int\ntry:\n    " + CALL + "except ValueError, TypeError:\n    pass\n"
    (tmp_path / "both.py").write_text(code)
    res = tokenfix("check", "--no-cache", "both.py", cwd=tmp_path)
    assert res.returncode == 2
    first = "3.12" if sys.version_info < (3, 12) else None
    if first:
        text = ("this file uses syntax from Python 3.12 (PEP 695: the `type` statement), and from Python 3.14 at line 6"
                " (PEP 758: `except` with several exception types not in parentheses)")
        line = 3
    else:  # pragma: no cover - on 3.12 and 3.13 only the except clause is too new
        text = "this file uses syntax from Python 3.14 (PEP 758: `except` with several exception types not in parentheses)"
        line = 6
    assert res.stderr.decode().splitlines() == [
        f"tokenfix: error: both.py:{line}: {text}; {advice('3.14')}",
        "No findings, but not every file could be checked (1 file checked, 1 error).",
    ]


def test_a_plain_syntax_error_is_still_a_syntax_error(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text(HEAD + "client.chat.completions.create(model='gpt-4o', max_tokens=99999999\n")
    res = tokenfix("check", "--no-cache", "broken.py", cwd=tmp_path)
    assert res.returncode == 2
    assert res.stderr.decode().splitlines()[0].startswith("tokenfix: error: broken.py:3: syntax error: ")
    assert "Python 3." not in res.stderr.decode()


def notebook(*cells: str) -> str:
    return json.dumps({"cells": [{"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {}, "outputs": [],
                                  "source": cell.splitlines(keepends=True)} for i, cell in enumerate(cells)],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="this Python reads the `type` statement")
def test_a_notebook_cell_of_newer_syntax_is_named_not_skipped_silently(tmp_path: Path) -> None:
    # Cells Python cannot read are left out of a notebook's analysis (IPython syntax, broken
    # cells): one that only needs a newer Python is said so, with its cell; the others are checked.
    text = notebook(HEAD + "type Budget = int\n" + CALL, HEAD + CALL, "%matplotlib inline\ndisplay x\n")
    (tmp_path / "demo.ipynb").write_text(text)
    res = tokenfix("check", "--no-cache", "demo.ipynb", cwd=tmp_path)
    assert res.returncode == 2
    assert res.stderr.decode().splitlines() == [
        "tokenfix: error: demo.ipynb: cell 1:3: this cell uses syntax from Python 3.12 (PEP 695: the `type` statement); "
        f"{advice('3.12')}; the cell was not checked",
        "Found 2 findings (1 file checked, 1 error). 2 fixable with `tokenfix fix`.",
    ]
    assert [line.split(" ")[0] for line in res.stdout.decode().splitlines()] == ["demo.ipynb:cell", "demo.ipynb:cell"]
    assert "demo.ipynb:cell 2:3:61: TOK001" in res.stdout.decode()
    res = tokenfix("fix", "--no-cache", "demo.ipynb", cwd=tmp_path)
    assert res.returncode == 2
    fixed = json.loads((tmp_path / "demo.ipynb").read_text())
    assert "".join(fixed["cells"][0]["source"]) == HEAD + "type Budget = int\n" + CALL  # the cell nobody could read: as it was
    assert "max_completion_tokens=16384" in "".join(fixed["cells"][1]["source"])


def test_constructs_of_every_version_are_found() -> None:
    # The constructs of 3.10 and 3.11 cannot reach the CLI here (tokenfix requires 3.9 and runs
    # on 3.11): each is found as it would be on Python 3.9.
    code = ("match x:\n    case 1:\n        pass\n"
            "try:\n    pass\nexcept* ValueError:\n    pass\n"
            "a: tuple[*Ts]\n"
            "type X = int\n"
            "def f[T = int](): pass\n"
            'f"{"a"}"\n'
            'f"{x!r:{\'a\'}}"\n'  # a nested f-string of other quotes: read by every Python 3
            "t'{x}'\n"
            "try:\n    pass\nexcept A, B:\n    pass\n")
    found = [(c.line, c.version, c.pep) for c in constructs(cst.parse_module(code), (3, 9))]
    assert sorted(found) == [
        (1, (3, 10), 634), (4, (3, 11), 654), (8, (3, 11), 646), (9, (3, 12), 695),
        (10, (3, 12), 695), (10, (3, 13), 696), (11, (3, 12), 701), (13, (3, 14), 750), (16, (3, 14), 758),
    ]
    assert list(constructs(cst.parse_module(code), (3, 14))) == []


def test_an_error_before_the_first_newer_construct_is_not_blamed_on_it() -> None:
    # Python stops at the first error: if that is before every newer construct, it is something else.
    module = cst.parse_module("x = 1\ny = 2\ntype X = int\n")
    assert explain(module, error_line=2, running=(3, 11)) is None
    assert explain(module, error_line=3, running=(3, 11)) == (
        "this file uses syntax from Python 3.12 (PEP 695: the `type` statement); tokenfix runs on Python 3.11 here: "
        "run it under Python 3.12 or newer (pre-commit: `language_version: python3.12` on the hook)", 3)
    assert explain(module, error_line=3, running=(3, 12)) is None


def test_the_cache_is_kept_apart_per_python(tmp_path: Path, monkeypatch) -> None:
    # pre-commit's hooks of two Pythons share the repository's cache: the error a file gets under
    # 3.11 must not be read back under 3.12, where the file parses.
    cache = Cache(tmp_path)
    here = cache.key(b"type X = int\n", "path.py")
    monkeypatch.setattr(cache_module, "PYTHON", "python3.99")
    assert cache.key(b"type X = int\n", "path.py") != here
