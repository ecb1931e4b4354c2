"""`tokenfix diff` into a pipe is a patch: real `git apply` takes it and gives, byte for byte,
what `tokenfix fix` writes, whatever the file's encoding, the odd bytes near the fix, or the
file's name. On a terminal the same diff is shown with terminal escapes made visible."""

from __future__ import annotations

import os
import pty
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, tokenfix

# The call of the fixture, with a string and a comment on the line above the fixed one, so
# that the odd characters of each case sit in the hunk's context. `%s` are the string's and
# the comment's text.
CALL = ('import openai\n\n\ndef complete(prompt):\n    result = openai.chat.completions.create(\n'
        '        model="gpt-4o",\n        messages=[{"role": "user", "content": %s}],  # %s\n'
        '        max_tokens=500,\n    )\n    return result\n')


def _call(string: str, comment: str, extra: str = "") -> str:
    return (CALL % (string, comment)).replace("max_tokens=500,", "max_tokens=500," + extra)


CONTENTS: dict[str, bytes] = {
    # Bytes that are not UTF-8 in the hunk: the patch must carry the file's own bytes.
    "latin1_cookie": ("# -*- coding: latin-1 -*-\n" + _call('"caf\xe9 \xa0"', "\xe9t\xe9 \x85")).encode("latin-1"),
    "cp1252": ("# -*- coding: cp1252 -*-\n" + _call('"\u201cq\u201d \u20ac"', "\u2026 \u2014")).encode("cp1252"),
    "gbk_cookie": ("# -*- coding: gbk -*-\n" + _call('"\u4e2d\u6587"', "\u6ce8\u91ca")).encode("gbk"),
    # Characters str.splitlines() takes for line ends and git does not.
    "form_feed": ("\x0c\n" + _call('"a\x0cb"', "x\x0cy")).encode(),
    "vt_fs_gs_rs": _call('"\x0b\x1c\x1d\x1e"', "\x0b\x1c\x1d\x1e").encode(),
    "u2028_nel_on_the_fixed_line": _call('"a\u2028b\x85c"', "\u2028 \u2029 \x85", " stop='\u2028\x85',").encode(),
    # A lone CR inside a literal (Python reads it as a line end in a comment: not fixable).
    "lone_cr_in_a_triple_quoted_string": _call('"x"', "y", " stop='''a\rb''',").encode(),
    "lone_cr_after_a_backslash": _call('"x"', "y", " stop='a\\\rb',").encode(),
    "crlf": _call('"x"', "y").replace("\n", "\r\n").encode(),
    "no_newline_at_the_end": _call('"x"', "y").rstrip("\n").encode() + b"  # last",
    "no_newline_right_after_the_fix": b"import openai\nopenai.chat.completions.create(model='gpt-4o', messages=[], max_tokens=500)",
}

PLAIN = (FIXTURES / "openai_module_level" / "input.py").read_bytes()
NAMES: dict[str, bytes] = {
    "newline": b"new\nline.py",
    "tab": b"tab\tname.py",
    "not_utf8": b"lat\xe9-\xff.py",
    "utf8": "caf\u00e9 \u4e2d.py".encode(),
    "quote": b'quo"te.py',
    "backslash": b"back\\slash.py",
    "space": b"sp ace.py",
    "control": b"ctl\x01\x07\x1b[31m\x7f.py",
    "c1_and_bidi": "c1\u009b\u202e.py".encode(),
}


def _git(repo: Path, *args: str | bytes, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo.parent), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, env=env, check=check)


def _applies_as_fix_writes(tmp_path: Path, name: bytes, content: bytes) -> tuple[bytes, bytes]:
    """The piped diff of `name`, after checking that `git apply` turns the committed file into
    exactly what `tokenfix fix` makes of a copy; also returns git's own diff of the two."""
    repo, copy = tmp_path / "repo", tmp_path / "copy"
    repo.mkdir()
    copy.mkdir()
    with open(os.fsencode(repo) + b"/" + name, "wb") as handle:
        handle.write(content)
    with open(os.fsencode(copy) + b"/" + name, "wb") as handle:
        handle.write(content)
    _git(repo, "init", "-q", ".")
    _git(repo, "add", "--", name)
    _git(repo, "commit", "-q", "-m", "original")

    res = tokenfix("diff", "--no-cache", os.fsdecode(name), cwd=repo)
    assert res.returncode == 1 and b"Traceback" not in res.stderr, res.stderr.decode(errors="replace")
    patch = tmp_path / "fix.patch"
    patch.write_bytes(res.stdout)
    fixed = tokenfix("fix", "--no-cache", os.fsdecode(name), cwd=copy)
    assert fixed.returncode in (0, 1), fixed.stderr.decode(errors="replace")
    expected = Path(os.fsdecode(os.fsencode(copy) + b"/" + name)).read_bytes()
    assert expected != content  # there was a fix to make

    check = _git(repo, "apply", "--check", str(patch), check=False)
    assert check.returncode == 0, (check.stderr.decode(errors="replace"), res.stdout)
    _git(repo, "apply", str(patch))
    assert Path(os.fsdecode(os.fsencode(repo) + b"/" + name)).read_bytes() == expected
    assert _git(repo, "status", "--porcelain", "-z").stdout == b" M " + name + b"\0"  # no other file touched
    return res.stdout, _git(repo, "diff").stdout


@pytest.mark.parametrize("case", sorted(CONTENTS))
def test_the_piped_diff_applies_with_git(tmp_path: Path, case: str) -> None:
    diff, _ = _applies_as_fix_writes(tmp_path, b"app.py", CONTENTS[case])
    assert diff.startswith(b"--- a/app.py\n+++ b/app.py\n@@ ")


@pytest.mark.parametrize("case", sorted(NAMES))
def test_odd_file_names_are_quoted_as_git_quotes_them(tmp_path: Path, case: str) -> None:
    name = NAMES[case]
    diff, git_diff = _applies_as_fix_writes(tmp_path, name, PLAIN)
    ours = [line for line in diff.split(b"\n") if line.startswith((b"--- ", b"+++ "))]
    gits = [line for line in git_diff.split(b"\n") if line.startswith((b"--- ", b"+++ "))]
    assert ours == gits, (ours, gits)


def test_several_files_in_one_diff_apply_together(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    for case, content in CONTENTS.items():
        (repo / f"{case}.py").write_bytes(content)
    _git(repo, "init", "-q", ".")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "original")
    copy = tmp_path / "copy"
    shutil.copytree(repo, copy)
    res = tokenfix("diff", "--no-cache", *sorted(f"{case}.py" for case in CONTENTS), cwd=repo)
    (tmp_path / "all.patch").write_bytes(res.stdout)
    _git(repo, "apply", str(tmp_path / "all.patch"))
    tokenfix("fix", "--no-cache", *sorted(f"{case}.py" for case in CONTENTS), cwd=copy)
    for case in CONTENTS:
        assert (repo / f"{case}.py").read_bytes() == (copy / f"{case}.py").read_bytes(), case


def test_the_diff_of_stdin_applies_to_the_file_named(tmp_path: Path) -> None:
    name, content = b'sp ace"\xe9.py', CONTENTS["latin1_cookie"]
    repo = tmp_path / "repo"
    repo.mkdir()
    Path(os.fsdecode(os.fsencode(repo) + b"/" + name)).write_bytes(content)
    res = tokenfix("diff", "--no-cache", "--stdin-filename", os.fsdecode(name), "-", cwd=repo, input=content)
    assert res.returncode == 1 and res.stdout.startswith(b'--- "a/sp ace\\"\\351.py"\t\n'), res.stdout
    (tmp_path / "stdin.patch").write_bytes(res.stdout)
    _git(repo, "apply", str(tmp_path / "stdin.patch"))
    fixed = tokenfix("fix", "--no-cache", "--stdin-filename", os.fsdecode(name), "-", cwd=repo, input=content)
    assert Path(os.fsdecode(os.fsencode(repo) + b"/" + name)).read_bytes() == fixed.stdout != content


def _on_a_terminal(*args: str, cwd: Path) -> bytes:
    """What the CLI prints to a terminal (a pseudo-terminal as its stdout)."""
    leader, follower = pty.openpty()
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    proc = subprocess.Popen([sys.executable, "-m", "codemods", *args], cwd=cwd, stdout=follower,
                            stderr=subprocess.DEVNULL, env=env)
    os.close(follower)
    out = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    proc.wait(timeout=60)
    os.close(leader)
    return out


def test_the_diff_on_a_terminal_shows_escapes_and_controls_visibly(tmp_path: Path) -> None:
    code = _call('"\x1b[2J\u009b31m\u202eevil\u2066"', "\x1b]0;title\x07 \u200f", " stop=['\x85\u061c', '''hidden\rshown'''],").encode()
    (tmp_path / "app.py").write_bytes(code)
    shown = _on_a_terminal("diff", "--no-cache", "app.py", cwd=tmp_path).decode("utf-8")
    assert "+++ b/app.py" in shown and "+        max_completion_tokens=500," in shown, shown
    for raw in ("\x1b", "\x07", "\u009b", "\u202e", "\u2066", "\u200f", "\x85", "\u061c"):
        assert raw not in shown, repr(raw)
    for visible in ("\\x1b[2J", "\\x9b31m", "\\u202e", "\\u2066", "\\u200f", "\\x85", "\\u061c", "hidden\\x0dshown"):
        assert visible in shown, (visible, shown)
    # A lone CR would move the cursor back over the line (the terminal shows each LF as CR LF).
    assert "\r" not in shown.replace("\r\n", ""), shown
