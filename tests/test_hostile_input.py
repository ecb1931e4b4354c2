"""Odd and hostile files in one tree: each gets a one-line message naming it (or is handled
correctly), is never changed unless the fix is right, and the run goes on for the others.

One `fix` and one `check` over the whole tree serve every case, so each case asserts on its
own file and its own lines of the report; the tree also holds a plain LLM file that must be
fixed whatever its neighbours are.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pytest

from conftest import tokenfix, tokenfix_with_fault

CALL = b'from openai import OpenAI\nOpenAI().chat.completions.create(model="o3-mini", messages=[], max_tokens=500)\n'
FIXED = CALL.replace(b"max_tokens", b"max_completion_tokens")
TWENTY_MB = 20 * 1024 * 1024
TIMEOUT = 10  # seconds a file may take here (TOKENFIX_FILE_TIMEOUT); the default is 300


@dataclass
class Case:
    name: str  # the file's name in the tree
    data: Optional[bytes]  # None: built by the fixture (links, folders)
    message: Optional[str]  # a fragment of the one error line that names the file; None: no error
    after: Optional[bytes] = None  # the file's bytes after `fix` (default: unchanged)
    fix_only: bool = False  # the message comes from fixing (a refused write), not from reading


def _binary() -> bytes:
    noise = random.Random(6).randbytes(4096)
    return noise[:2000] + b"max_tokens" + noise[2000:]


def _deep(depth: int) -> bytes:
    return CALL + b"x = " + b"(" * depth + b"1" + b")" * depth + b"\n"


CASES = [
    Case("syntax_error.py", CALL + b"def f(:\n    pass\n", "syntax error"),
    Case("python2.py", b'print "hello"\n' + CALL, "syntax error"),
    Case("latin1_cookie.py", b"# -*- coding: latin-1 -*-\n# caf\xe9\n" + CALL, None, b"# -*- coding: latin-1 -*-\n# caf\xe9\n" + FIXED),
    Case("latin1_no_cookie.py", b"# caf\xe9\n" + CALL, "cannot decode"),
    Case("bad_cookie.py", b"# -*- coding: no-such-codec -*-\n" + CALL, "cannot decode"),
    # Python reads no UTF-16 source, and the byte prefilter finds no trigger word in it: left alone
    Case("utf16_bom.py", "\ufeff".encode("utf-16-le") + CALL.decode().encode("utf-16-le"), None),
    Case("bom.py", b"\xef\xbb\xbf" + CALL, None, b"\xef\xbb\xbf" + FIXED),
    Case("nul.py", CALL + b"x = 1\x00\n", "NUL"),
    Case("binary.py", _binary(), "cannot"),
    Case("binary_no_trigger.py", random.Random(7).randbytes(4096).replace(b"_tokens", b""), None),
    Case("empty.py", b"", None),
    Case("only_newlines.py", b"\n\n\r\n", None),
    Case("huge.py", CALL + b"x = 1\n" * (TWENTY_MB // 6), "over the 10,485,760-byte limit"),
    Case("huge_no_trigger.py", b"x = 1\n" * (TWENTY_MB // 6), None),
    Case("deep_parens.py", _deep(5000), "the parser crashed on this file (killed by SIGSEGV"),
    Case("deep_list.py", CALL + b"x = " + b"[" * 1000 + b"]" * 1000 + b"\n", "too deeply nested"),
    Case("long_sum.py", CALL + b"x = " + b" + ".join([b"1"] * 100_000) + b"\n", "too deeply nested for the parser (RecursionError)"),
    Case("form_feed_tabs.py", b"\x0c\nimport os\n\x0c\nif True:\n\t" + CALL.replace(b"\n", b"\n\t").rstrip(b"\t") + b"\x0c\n",
         None, b"\x0c\nimport os\n\x0c\nif True:\n\t" + FIXED.replace(b"\n", b"\n\t").rstrip(b"\t") + b"\x0c\n"),
    # LibCST reads old Mac line endings but writes them back as LF: checked, never rewritten
    Case("lone_cr.py", CALL.replace(b"\n", b"\r"), "LibCST cannot reproduce this file byte for byte", fix_only=True),
    Case("dir_named.py", None, None),  # a folder: walked into, its module fixed
    Case("dangling.py", None, "No such file or directory"),  # named on the command line
    Case("outside_link.py", None, "symbolic link", fix_only=True),  # named on the command line: checked, never written through
    Case("unreadable.py", CALL, "Permission denied", fix_only=True),  # see the read-eacces fault below
]
NAMED = ("dangling.py", "outside_link.py")  # links are not followed by the walk; the user names them


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("hostile")
    tree, outside = base / "tree", base / "outside"
    tree.mkdir()
    outside.mkdir()
    for case in CASES:
        if case.data is not None:
            (tree / case.name).write_bytes(case.data)
    (tree / "dir_named.py").mkdir()
    (tree / "dir_named.py" / "inner.py").write_bytes(CALL)
    (tree / "dangling.py").symlink_to(base / "missing.py")
    (outside / "o.py").write_bytes(CALL)
    (tree / "outside_link.py").symlink_to(outside / "o.py")
    (tree / "good.py").write_bytes(CALL)
    before = {p: p.read_bytes() for p in outside.iterdir()}
    args = [str(tree), *(str(tree / n) for n in NAMED)]
    check = tokenfix("check", "--no-cache", *args, env={"TOKENFIX_FILE_TIMEOUT": str(TIMEOUT)})
    fixed = tokenfix_with_fault("read-eacces", "unreadable.py", "fix", "--no-cache", *args, env={"TOKENFIX_FILE_TIMEOUT": str(TIMEOUT)})
    return {"tree": tree, "outside": outside, "before": before, "check": check, "fix": fixed}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_file(run: dict, case: Case) -> None:
    tree: Path = run["tree"]
    for res in (run["check"], run["fix"]):
        err = res.stderr.decode("utf-8", "replace")
        assert "Traceback" not in err, err[-3000:]
        lines = [line for line in err.splitlines() if f"{tree / case.name}:" in line and line.startswith("tokenfix: error:")]
        if case.message is None or (case.fix_only and res is run["check"]):
            assert lines == [], lines
        else:
            assert len(lines) == 1 and case.message in lines[0], (case.message, err[-2000:])
        assert res.returncode == 2  # some neighbour could not be handled
    path = tree / case.name
    if case.data is not None:
        assert path.read_bytes() == (case.after if case.after is not None else case.data)
    assert not [p for p in tree.rglob("*") if p.name.endswith(".tokenfix-tmp")]


def test_the_run_goes_on_for_the_other_files(run: dict) -> None:
    tree: Path = run["tree"]
    out = run["check"].stdout.decode()
    assert f"{tree / 'good.py'}:2:" in out and f"{tree / 'dir_named.py' / 'inner.py'}:2:" in out
    assert (tree / "good.py").read_bytes() == FIXED
    assert (tree / "dir_named.py" / "inner.py").read_bytes() == FIXED
    assert (tree / "dangling.py").is_symlink() and (tree / "outside_link.py").is_symlink()
    assert {p: p.read_bytes() for p in run["outside"].iterdir()} == run["before"]  # nothing outside the tree was written
    # The link is checked (it was named), its fix refused: the finding stays in the report.
    assert f"{tree / 'outside_link.py'}:2:" in run["check"].stdout.decode()


def test_each_message_is_one_line_naming_the_file(run: dict) -> None:
    err = run["fix"].stderr.decode()
    errors = [line for line in err.splitlines() if line.startswith("tokenfix: error:")]
    named = {c.name for c in CASES if c.message is not None}
    assert len(errors) == len(named), errors
    for line in errors:
        assert any(f"{run['tree'] / name}:" in line for name in named), line
    assert err.rstrip().splitlines()[-1].endswith(f" files checked, {len(named)} errors).")
