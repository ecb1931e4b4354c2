"""A file reached by two names is one file: checked, reported and fixed once.

`tokenfix fix a.py $PWD/a.py`, a folder given with a symlink to it, or a hard link in the tree
used to analyse the file twice; the second write found the file changed by the first and
reported a false "changed on disk". Files are told apart by device and inode, each reported
under the first name given (a symlink's name gives way to a later name that is no link, so
that the fix is not refused for the link).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

CALL = b'from openai import OpenAI\nOpenAI().chat.completions.create(model="gpt-5-mini", messages=[], max_tokens=500)\n'
FIXED = CALL.replace(b"max_tokens", b"max_completion_tokens")


def tokenfix(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "codemods", *args, "--no-cache"], cwd=cwd, env=env, capture_output=True, timeout=120)


def _tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    (tree / "pkg").mkdir(parents=True)
    (tree / "a.py").write_bytes(CALL)
    (tree / "pkg" / "b.py").write_bytes(CALL)
    (tmp_path / "alias").symlink_to(tree, target_is_directory=True)
    return tree


def test_a_file_given_twice_is_fixed_once(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    res = tokenfix("fix", "a.py", str(tree / "a.py"), "./a.py", "pkg/../a.py", cwd=tree)
    err = res.stderr.decode()
    assert "tokenfix: error" not in err and res.returncode == 0, err
    assert "Fixed 1 finding in 1 file" in err, err
    assert (tree / "a.py").read_bytes() == FIXED


def test_a_folder_and_a_symlink_to_it_are_walked_once(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    check = tokenfix("check", "tree", "alias", "alias/pkg/b.py", cwd=tmp_path)
    out = check.stdout.decode()
    assert out.count("TOK002") == 2 and "tree/a.py:2:" in out and "tree/pkg/b.py:2:" in out and "alias" not in out, out
    assert "(2 files checked)" in check.stderr.decode()
    res = tokenfix("fix", "tree", "alias", cwd=tmp_path)
    assert res.returncode == 0 and "tokenfix: error" not in res.stderr.decode(), res.stderr.decode()
    assert (tree / "a.py").read_bytes() == FIXED and (tree / "pkg" / "b.py").read_bytes() == FIXED


def test_hard_links_in_a_tree_are_one_file(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    os.link(tree / "a.py", tree / "z_hard.py")
    out = tokenfix("check", "tree", cwd=tmp_path).stdout.decode()
    assert "tree/a.py:2:" in out and "z_hard" not in out, out


def test_a_symlink_named_first_gives_way_to_the_file_s_own_name(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    (tree / "link.py").symlink_to(tree / "a.py")
    res = tokenfix("fix", "link.py", "a.py", cwd=tree)
    err = res.stderr.decode()
    assert res.returncode == 0 and "tokenfix: error" not in err, err  # not "is a symbolic link; not written through"
    assert (tree / "a.py").read_bytes() == FIXED and (tree / "link.py").is_symlink()
    diff = tokenfix("diff", "link.py", "a.py", cwd=tmp_path / "alias").stdout.decode()
    assert diff == ""  # fixed already: nothing to show, under either name
