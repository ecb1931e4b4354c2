"""`--since REF`: only what lies on lines added or changed since a git ref, in a real git repository
(commits, a branch, a rename, a deletion, a notebook, CRLF), and the errors outside one."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import tokenfix

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

CALL = 'client.chat.completions.create(model="o3-mini", messages=[], max_tokens={n})\n'
HEAD = "from openai import OpenAI\nclient = OpenAI()\n"


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "a.py").write_text(HEAD + CALL.format(n=100))
    (root / "old_name.py").write_text(HEAD + CALL.format(n=300))
    (root / "gone.py").write_text(HEAD + CALL.format(n=400))
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "base")
    return root


def rows(result: subprocess.CompletedProcess) -> list[tuple[str, int, str]]:
    return [(i["filename"], i["location"]["row"], i["code"]) for i in json.loads(result.stdout)]


def test_only_lines_changed_since_the_ref_are_reported(repo: Path) -> None:
    git(repo, "switch", "-q", "-c", "feature")
    (repo / "a.py").write_text(HEAD + CALL.format(n=100) + CALL.format(n=200))  # one line added, committed on the branch
    git(repo, "commit", "-q", "-am", "more")
    (repo / "b.py").write_text(HEAD + CALL.format(n=500))  # a new file, untracked: every line is new
    git(repo, "mv", "old_name.py", "new_name.py")  # renamed, unchanged: nothing new in it
    git(repo, "rm", "-q", "gone.py")  # deleted since the ref: nothing to check, no error
    everything = tokenfix("check", "--no-cache", "--format", "json", ".", cwd=repo)
    assert len(rows(everything)) == 4
    res = tokenfix("check", "--no-cache", "--format", "json", "--since", "main", ".", cwd=repo)
    assert res.returncode == 1, res.stderr.decode()
    assert rows(res) == [("a.py", 4, "TOK002"), ("b.py", 3, "TOK002")]
    text = tokenfix("check", "--no-cache", "--since", "main", ".", cwd=repo)
    assert text.stderr.decode().startswith("Found 2 findings (3 files checked, only lines changed since main).")
    github = tokenfix("check", "--no-cache", "--format", "github", "--since", "main", ".", cwd=repo).stdout.decode()
    assert [line.split("::")[1].split(",")[1:3] for line in github.splitlines()] == [["file=a.py", "line=4"], ["file=b.py", "line=3"]]
    (repo / "a.py").write_text(HEAD + CALL.format(n=100) + CALL.format(n=200) + CALL.format(n=250))  # unstaged: counts too
    assert ("a.py", 5, "TOK002") in rows(tokenfix("check", "--no-cache", "--format", "json", "--since", "main", ".", cwd=repo))
    assert rows(tokenfix("check", "--no-cache", "--format", "json", "--since", "HEAD", "a.py", cwd=repo)) == [("a.py", 5, "TOK002")]


def test_fix_and_diff_touch_only_the_changed_lines(repo: Path) -> None:
    (repo / "a.py").write_text(HEAD + CALL.format(n=100) + CALL.format(n=200))
    diff = tokenfix("diff", "--no-cache", "--since", "HEAD", "a.py", cwd=repo)
    assert diff.returncode == 1
    assert [l for l in diff.stdout.decode().splitlines() if l[:1] in "+-" and l[:3] not in ("+++", "---")] == [
        "-" + CALL.format(n=200).rstrip(), "+" + CALL.format(n=200).rstrip().replace("max_tokens", "max_completion_tokens")]
    assert tokenfix("fix", "--no-cache", "--since", "HEAD", "a.py", cwd=repo).returncode == 0
    assert (repo / "a.py").read_text() == HEAD + CALL.format(n=100) + CALL.format(n=200).replace("max_tokens", "max_completion_tokens")


def test_a_crlf_file_and_a_notebook_are_compared_line_by_line(repo: Path) -> None:
    crlf = (HEAD + CALL.format(n=100) + CALL.format(n=101)).replace("\n", "\r\n").encode()
    (repo / "win.py").write_bytes(crlf)
    cells = [{"cell_type": "markdown", "metadata": {}, "source": ["# notes\n"]},
             {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": [HEAD]},
             {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": [CALL.format(n=100)]}]
    nb = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (repo / "nb.ipynb").write_text(json.dumps(nb, indent=1) + "\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "crlf and notebook")
    (repo / "win.py").write_bytes(crlf.replace(b"max_tokens=101", b"max_tokens=102"))
    cells[2]["source"] = [CALL.format(n=100), CALL.format(n=600)]
    cells.insert(1, {"cell_type": "markdown", "metadata": {}, "source": ["more notes\n"]})
    (repo / "nb.ipynb").write_text(json.dumps(nb, indent=1) + "\n")
    # a.py, committed with LF, checked out with CRLF (core.autocrlf on Windows): only its new line counts
    (repo / "a.py").write_bytes((HEAD + CALL.format(n=100) + CALL.format(n=103)).replace("\n", "\r\n").encode())
    res = tokenfix("check", "--no-cache", "--format", "json", "--since", "HEAD", "win.py", "nb.ipynb", "a.py", cwd=repo)
    found = [(i["filename"], i["cell"], i["location"]["row"]) for i in json.loads(res.stdout)]
    assert found == [("win.py", None, 4), ("nb.ipynb", 4, 2), ("a.py", None, 4)]


def test_outside_a_work_tree_or_with_an_unknown_ref_it_is_a_usage_error(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "plain"
    outside.mkdir()
    (outside / "a.py").write_text(HEAD + CALL.format(n=100))
    res = tokenfix("check", "--since", "main", ".", cwd=outside)
    assert res.returncode == 2 and "is not inside a git work tree" in res.stderr.decode() and b"Traceback" not in res.stderr
    res = tokenfix("check", "--since", "no-such-branch", ".", cwd=repo)
    assert res.returncode == 2 and "--since no-such-branch: no such commit" in res.stderr.decode()
    res = tokenfix("check", "--since", "--output-file=x", ".", cwd=repo)
    assert res.returncode == 2 and not (repo / "x").exists()
    res = tokenfix("check", "--since", "HEAD", "-", cwd=repo, input=b"x = 1\n")
    assert res.returncode == 2 and "stdin" in res.stderr.decode()


def test_the_repositorys_own_git_config_runs_nothing(repo: Path, tmp_path: Path) -> None:
    """A cloned tree is untrusted: its .git/config may name programs (an fsmonitor hook, a pager,
    an external diff, a clean filter, a textconv) that a `git diff` would run."""
    planted = tmp_path / "planted"
    command = f"touch {planted}"
    git(repo, "mv", "old_name.py", "renamed.py")  # staged before the config is planted (git add would run its filter)
    with open(repo / ".git" / "config", "a") as config:
        config.write(f"[core]\n\tfsmonitor = {command}\n\tpager = {command}\n[diff]\n\texternal = {command}\n"
                     f"[filter \"x\"]\n\tclean = {command}\n\tsmudge = {command}\n[diff \"x\"]\n\ttextconv = {command}\n")
    (repo / ".gitattributes").write_text("*.py filter=x diff=x\n")
    (repo / "a.py").write_text(HEAD + CALL.format(n=100) + CALL.format(n=200))
    res = tokenfix("check", "--no-cache", "--since", "HEAD", ".", cwd=repo)
    assert res.returncode == 1, res.stderr.decode()
    assert res.stdout.decode().startswith("a.py:4:")  # and the rename is still seen: renamed.py has nothing new
    assert not planted.exists()


def test_a_file_of_repeated_lines_does_not_stall_the_review(repo: Path) -> None:
    """A line diff is quadratic on repeated lines (difflib's takes minutes on this file): the
    tree is untrusted, so the comparison has a ceiling (run/linediff.py) and the run ends."""
    filler = "x = 1\n" * 20_000
    (repo / "big.py").write_text(HEAD + filler + filler)
    git(repo, "add", "big.py")
    git(repo, "commit", "-q", "-m", "big")
    (repo / "big.py").write_text(HEAD + filler + CALL.format(n=700) + filler)
    started = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "codemods", "check", "--no-cache", "--format", "json", "--since", "HEAD", "big.py"],
                         cwd=repo, capture_output=True, timeout=120)
    assert time.perf_counter() - started < 60, "the review took too long"
    assert rows(res) == [("big.py", 20_003, "TOK002")]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to give the checkout to another user")
def test_a_checkout_git_refuses_for_its_owner_says_so(repo: Path) -> None:
    """A container's checkout owned by another user: git's "dubious ownership", not "no work tree"."""
    for path in [repo, *repo.rglob("*")]:
        os.lchown(path, 65534, 65534)
    res = tokenfix("check", "--since", "HEAD", ".", cwd=repo, env={"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"})
    err = res.stderr.decode()
    assert res.returncode == 2 and "git refuses the work tree of ., owned by another user (detected dubious ownership" in err
    assert "safe.directory" in err and "Traceback" not in err


def test_a_link_in_the_tree_to_a_file_outside_it_counts_whole(repo: Path, tmp_path: Path) -> None:
    """git keeps the link, not its target's text: what changed in it is not known, so all of it
    counts (a pre-commit hook may name such a file); it is no error "outside the work tree"."""
    outside = tmp_path / "outside.py"
    outside.write_text(HEAD + CALL.format(n=900))
    (repo / "link.py").symlink_to(outside)
    git(repo, "add", "link.py")
    git(repo, "commit", "-q", "-m", "link")
    res = tokenfix("check", "--no-cache", "--format", "json", "--since", "HEAD", "link.py", cwd=repo)
    assert res.returncode == 1, res.stderr.decode()
    assert rows(res) == [("link.py", 3, "TOK002")]
