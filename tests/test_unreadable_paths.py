"""Folders and files the user cannot read, and paths longer than PATH_MAX: one line each that
names them, never a traceback, exit 2, and the run goes on for the rest.

Permissions are real: CI runs as root, for whom chmod forbids nothing, so the CLI runs as the
unprivileged user `nobody` (setpriv, or runuser), on a tree in a folder nobody may enter. The
test is skipped only where neither tool nor that user exists.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Optional

import pytest

from conftest import ROOT

CALL = b'from openai import OpenAI\nOpenAI().chat.completions.create(model="o3-mini", messages=[], max_tokens=500)\n'
FIXED = CALL.replace(b"max_tokens", b"max_completion_tokens")
PATH_MAX = os.pathconf("/", "PC_PATH_MAX") if hasattr(os, "pathconf") else 4096


def _as_nobody() -> Optional[list[str]]:
    """The command prefix that runs a program as `nobody`, or None where there is none."""
    if os.geteuid() != 0:
        return []  # already unprivileged: chmod forbids for real
    try:
        import pwd

        pwd.getpwnam("nobody")
    except (ImportError, KeyError):
        return None
    if shutil.which("setpriv"):
        return ["setpriv", "--reuid=nobody", f"--regid={pwd.getpwnam('nobody').pw_gid}", "--clear-groups"]
    if shutil.which("runuser"):
        return ["runuser", "-u", "nobody", "--"]
    return None


def tokenfix(prefix: list[str], *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "TOKENFIX_CACHE_DIR"}  # the suite's cache is root's
    env.update(NO_COLOR="1", COLUMNS="200", PYTHONPATH=str(ROOT), HOME=str(cwd))
    return subprocess.run([*prefix, sys.executable, "-m", "codemods", *args, "--no-cache"], cwd=cwd, env=env,
                          capture_output=True, timeout=120)


def errors(res: subprocess.CompletedProcess) -> list[str]:
    err = res.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err, err[-3000:]
    return [line for line in err.splitlines() if line.startswith("tokenfix: error:")]


@pytest.fixture
def nobody_tree():
    prefix = _as_nobody()
    if prefix is None:
        pytest.skip("no unprivileged user to run as (setpriv or runuser, and the user nobody)")
    base = Path(tempfile.mkdtemp(prefix="tokenfix-eacces-", dir="/tmp"))
    try:
        base.chmod(0o755)
        probe = subprocess.run([*prefix, sys.executable, "-c", "import codemods"], cwd=base, capture_output=True,
                               env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
        if probe.returncode != 0:
            pytest.skip(f"nobody cannot run this Python: {probe.stderr[-300:]!r}")
        tree = base / "tree"
        for name in ("good.py", "locked/a.py", "listable/b.py", "secret.py"):
            (tree / name).parent.mkdir(parents=True, exist_ok=True)
            (tree / name).write_bytes(CALL)
        if os.geteuid() == 0:  # nobody's tree, so that `fix` may write it (and keep its owner and group)
            import pwd

            user = pwd.getpwnam("nobody")
            for path in (tree, *tree.rglob("*")):
                os.chown(path, user.pw_uid, user.pw_gid)
        (tree / "locked").chmod(0o000)  # neither listed nor entered
        (tree / "listable").chmod(0o644)  # listed, not entered: its names are known, its files cannot be opened
        (tree / "secret.py").chmod(0o000)
        yield prefix, tree
    finally:
        for folder in (base / "tree" / "locked", base / "tree" / "listable"):
            if folder.exists():
                folder.chmod(0o755)
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.parametrize("mode", ["check", "fix"])
def test_unreadable_folders_and_files_are_named_once_each(nobody_tree, mode: str) -> None:
    prefix, tree = nobody_tree
    res = tokenfix(prefix, mode, str(tree), cwd=tree.parent)
    assert sorted(errors(res)) == sorted([
        # listed, but not entered: not even its configuration file can be looked for
        f"tokenfix: error: {tree / 'listable'}: cannot look for a configuration file in this folder (Permission denied); "
        "the files in it were not checked",
        f"tokenfix: error: {tree / 'locked'}: cannot list this folder (Permission denied); the files in it were not checked",
        f"tokenfix: error: {tree / 'secret.py'}: cannot read (Permission denied)",
    ]), res.stderr.decode()
    assert res.returncode == 2
    assert (tree / "good.py").read_bytes() == (FIXED if mode == "fix" else CALL)
    assert (tree / "secret.py").read_bytes() == CALL


def test_a_folder_git_ignores_is_passed_over_even_unreadable(nobody_tree) -> None:
    """git cannot list an unreadable folder either; one it ignores (a container's volume, say)
    is no error, as `git status` says nothing of it."""
    prefix, tree = nobody_tree
    subprocess.run([*prefix, "git", "init", "-q", str(tree)], check=True, capture_output=True, env={**os.environ, "HOME": str(tree.parent)})
    (tree / ".gitignore").write_text("locked/\n")
    res = tokenfix(prefix, "check", str(tree), cwd=tree.parent)
    assert not [line for line in errors(res) if "locked" in line], res.stderr.decode()
    assert [line for line in errors(res) if "listable" in line]  # not ignored: still named
    assert f"{tree / 'good.py'}:2:" in res.stdout.decode()


def test_a_file_named_in_a_folder_that_cannot_be_entered_is_one_line(nobody_tree) -> None:
    prefix, tree = nobody_tree
    res = tokenfix(prefix, "check", str(tree / "good.py"), str(tree / "locked" / "a.py"), cwd=tree.parent)
    assert errors(res) == [f"tokenfix: error: {tree / 'locked' / 'a.py'}: cannot read (Permission denied)"]
    assert res.returncode == 2 and f"{tree / 'good.py'}:2:" in res.stdout.decode()


def test_an_unreadable_pyproject_costs_the_files_under_it_not_the_run(nobody_tree) -> None:
    """It may hold [tool.tokenfix] settings: its files are not checked with others' settings
    (skipped, counted, one line); the rest of the run is fixed."""
    prefix, tree = nobody_tree
    (tree / "conf").mkdir()
    (tree / "conf" / "c.py").write_bytes(CALL)
    (tree / "conf" / "pyproject.toml").write_text('[tool.tokenfix]\nignore = ["TOK002"]\n')
    if os.geteuid() == 0:
        import pwd

        user = pwd.getpwnam("nobody")
        for path in (tree / "conf", tree / "conf" / "c.py", tree / "conf" / "pyproject.toml"):
            os.chown(path, user.pw_uid, user.pw_gid)
    (tree / "conf" / "pyproject.toml").chmod(0o000)
    res = tokenfix(prefix, "fix", str(tree / "good.py"), str(tree / "conf"), cwd=tree.parent)
    assert errors(res) == [f"tokenfix: error: {tree / 'conf' / 'pyproject.toml'}: cannot read (Permission denied), and it may hold "
                           "[tool.tokenfix] settings; 1 file under it not checked until it is fixed"], res.stderr.decode()
    assert res.returncode == 2
    assert (tree / "good.py").read_bytes() == FIXED and (tree / "conf" / "c.py").read_bytes() == CALL


def _deep_tree(top: Path, last: int) -> Path:
    """Folders nested under top down to one whose path is `last` characters long, made one
    level at a time through directory descriptors (no path given to the kernel is too long);
    an LLM module at every level but the last. Returns the deepest folder."""
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    here = top
    try:
        while len(str(here)) < last:
            with open(os.open("m.py", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "wb") as handle:
                handle.write(CALL)
            left = last - len(str(here)) - 1
            name = "d" * (200 if left > 200 + 40 else left)  # the last step lands on `last` exactly
            os.mkdir(name, dir_fd=fd)
            inner = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd, here = inner, here / name
    finally:
        os.close(fd)
    assert len(str(here)) == last
    return here


# A folder whose path is PATH_MAX long cannot be listed; one 10 characters shorter can, but
# no configuration file can be looked for in it (`pyproject.toml` makes the path too long).
@pytest.mark.parametrize("last, what", [(PATH_MAX, "list"), (PATH_MAX - 10, "look for a configuration file in")])
def test_a_path_longer_than_path_max_is_one_line(tmp_path: Path, last: int, what: str) -> None:
    top = tmp_path / "tree"
    top.mkdir()
    (top / "good.py").write_bytes(CALL)
    deepest = _deep_tree(top, last)
    res = tokenfix([], "fix", str(top), cwd=tmp_path)
    assert errors(res) == [f"tokenfix: error: {deepest}: cannot {what} this folder (File name too long); "
                           "the files in it were not checked"], [line[-200:] for line in errors(res)]
    assert res.returncode == 2
    assert (top / "good.py").read_bytes() == FIXED
    assert (top / "m.py").read_bytes() == FIXED  # the levels it could reach were fixed
