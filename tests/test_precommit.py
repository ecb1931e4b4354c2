"""The hooks in .pre-commit-hooks.yaml, run by the real pre-commit on a real git commit.

The hook definitions are read from this checkout and installed with pre-commit's own python
machinery (`additional_dependencies` pointing at this checkout), so the test exercises the
same entry, file types and install path as a user's `repo:` line.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

BAD = 'import requests\n\npayload = {"model": "Qwen/Qwen3-8B", "messages": [], "max_tokens": 99999999}\nrequests.post("https://api.siliconflow.cn/v1/chat/completions", json=payload)\n'
CELL = 'from openai import OpenAI\nclient = OpenAI()\nclient.chat.completions.create(model="gpt-4o", messages=[], max_tokens=99999999)\n'


def notebook(source: str) -> str:
    cell = {"cell_type": "code", "execution_count": None, "id": "c0", "metadata": {}, "outputs": [], "source": source.splitlines(keepends=True)}
    return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, env=env, check=check, timeout=900)


def make_repo(tmp_path: Path, hook_id: str, home: Path) -> Path:
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    hook = dict(hooks[hook_id])
    hook["additional_dependencies"] = [str(ROOT)]
    config = {"repos": [{"repo": "local", "hooks": [hook]}]}
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    env = {**os.environ, "PRE_COMMIT_HOME": str(home)}
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=repo, check=True, capture_output=True, env=env)
    git(repo, "add", ".pre-commit-config.yaml")
    return repo


def commit(repo: Path, home: Path) -> subprocess.CompletedProcess:
    os.environ["PRE_COMMIT_HOME"] = str(home)  # the git hook runs pre-commit with our environment
    try:
        return git(repo, "commit", "-q", "-m", "add llm call", check=False)
    finally:
        del os.environ["PRE_COMMIT_HOME"]


def test_check_hook_blocks_the_commit(tmp_path: Path, pre_commit_home: Path) -> None:
    repo = make_repo(tmp_path, "tokenfix", pre_commit_home)
    (repo / "llm.py").write_text(BAD)
    git(repo, "add", "llm.py")
    res = commit(repo, pre_commit_home)
    output = (res.stdout + res.stderr).decode()
    assert res.returncode != 0, output
    assert "llm.py:3:" in output and "TOK001" in output
    assert git(repo, "rev-list", "--all").stdout == b""  # nothing was committed
    assert (repo / "llm.py").read_text() == BAD


def test_check_hook_checks_notebooks(tmp_path: Path, pre_commit_home: Path) -> None:
    repo = make_repo(tmp_path, "tokenfix", pre_commit_home)
    (repo / "demo.ipynb").write_text(notebook(CELL))
    git(repo, "add", "demo.ipynb")
    res = commit(repo, pre_commit_home)
    output = (res.stdout + res.stderr).decode()
    assert res.returncode != 0, output
    assert "tokenfix (check output-token parameters)" in output and "Failed" in output
    assert "demo.ipynb:cell 1:3:61: TOK001" in output
    assert git(repo, "rev-list", "--all").stdout == b""


def test_a_file_named_like_an_option_is_a_path(tmp_path: Path, pre_commit_home: Path) -> None:
    # pre-commit appends the file names to the entry; the entry ends with `--`, so `-rf.py` is
    # checked as a file, and `--output-file=x.py` cannot make tokenfix write its report anywhere.
    repo = make_repo(tmp_path, "tokenfix", pre_commit_home)
    for name in ("-rf.py", "--output-file=report.py"):
        (repo / name).write_text(BAD)
        git(repo, "add", "--", name)
    res = commit(repo, pre_commit_home)
    output = (res.stdout + res.stderr).decode()
    assert res.returncode != 0, output
    assert "-rf.py:3:" in output and "--output-file=report.py:3:" in output, output
    assert "No such option" not in output
    assert not (repo / "report.py").exists()
    assert (repo / "-rf.py").read_text() == BAD


def test_fix_hook_fixes_the_file(tmp_path: Path, pre_commit_home: Path) -> None:
    repo = make_repo(tmp_path, "tokenfix-fix", pre_commit_home)
    (repo / "llm.py").write_text(BAD)
    git(repo, "add", "llm.py")
    res = commit(repo, pre_commit_home)
    assert res.returncode != 0  # pre-commit fails a hook that changed files
    assert (repo / "llm.py").read_text() == BAD.replace("99999999", "8192")
    git(repo, "add", "llm.py")
    res = commit(repo, pre_commit_home)
    assert res.returncode == 0, (res.stdout + res.stderr).decode()


def test_fix_hook_fixes_a_notebook(tmp_path: Path, pre_commit_home: Path) -> None:
    repo = make_repo(tmp_path, "tokenfix-fix", pre_commit_home)
    (repo / "demo.ipynb").write_text(notebook(CELL))
    git(repo, "add", "demo.ipynb")
    res = commit(repo, pre_commit_home)
    assert res.returncode != 0  # pre-commit fails a hook that changed files
    assert (repo / "demo.ipynb").read_text() == notebook(CELL.replace("max_tokens=99999999", "max_completion_tokens=16384"))


def test_hook_definitions_match_ruff_conventions() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for h in hooks] == ["tokenfix", "tokenfix-fix"]
    for hook in hooks:
        assert hook["language"] == "python" and hook["types_or"] == ["python", "pyi", "jupyter"]
        assert "--force-exclude" in hook["entry"]
        assert hook["entry"].split()[-1] == "--"  # the file names pre-commit appends are paths, never options
        assert shutil.which("git")
