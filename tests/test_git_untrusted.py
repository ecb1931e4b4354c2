"""A scanned tree's git configuration runs nothing and steers nothing but what git ignores.

The walk asks git which files it tracks or would track (`ls-files`, `check-ignore`). git reads
the repository's `.git/config`, which the tree's author wrote: `core.fsmonitor` names a
program git runs on every index read, hooks run on index writes, an `include.path` can pull in
another file that sets the same. Here every such key points at a script that leaves a mark,
and `check`, `fix`, `diff` and a parallel check must leave none, while `.gitignore`,
`.git/info/exclude` and the user's own global excludes file are still honoured.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

CALL = b'from openai import OpenAI\nOpenAI().chat.completions.create(model="gpt-5-mini", messages=[], max_tokens=500)\n'
FIXED = CALL.replace(b"max_tokens", b"max_completion_tokens")
HOOKS = ("pre-commit", "post-checkout", "post-index-change", "pre-auto-gc", "reference-transaction", "fsmonitor-watchman",
         "post-commit", "pre-push", "post-merge", "post-rewrite")

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def _git(*args: str, cwd: Path, env: dict) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, timeout=60)


@pytest.fixture
def hostile_repo(tmp_path: Path) -> dict:
    home, repo, marks = tmp_path / "home", tmp_path / "repo", tmp_path / "marks"
    home.mkdir()
    marks.mkdir()
    # The user's own configuration: trusted, and its excludes file decides what is ignored.
    (home / "global-ignore").write_text("global_ignored.py\n")
    (home / ".gitconfig").write_text(f"[core]\n\texcludesFile = {home / 'global-ignore'}\n[user]\n\tname = t\n\temail = t@example.com\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), GIT_CONFIG_NOSYSTEM="1")
    repo.mkdir()
    _git("init", "-q", cwd=repo, env=env)
    (repo / "good.py").write_bytes(CALL)
    (repo / "sub").mkdir()
    (repo / "sub" / "inner.py").write_bytes(CALL)
    _git("add", "good.py", "sub/inner.py", cwd=repo, env=env)
    _git("commit", "-qm", "start", cwd=repo, env=env)
    (repo / "new.py").write_bytes(CALL)  # untracked, not ignored: checked
    for name in ("ignored.py", "excluded.py", "global_ignored.py"):
        (repo / name).write_bytes(CALL)
    (repo / ".gitignore").write_text("ignored.py\n")
    (repo / ".git" / "info").mkdir(exist_ok=True)
    (repo / ".git" / "info" / "exclude").write_text("excluded.py\n")
    (repo / ".gitattributes").write_text("*.py filter=evil diff=evil merge=evil\n")

    def mark(name: str) -> str:
        script = marks / f"{name}.sh"
        script.write_text(f"#!/bin/sh\necho \"$0 $*\" >> {marks / 'RAN'}\ncat >/dev/null 2>&1 </dev/null\nexit 0\n")
        script.chmod(0o755)
        return str(script)

    hooks = repo / "hooks"
    hooks.mkdir()
    for hook in HOOKS:
        for folder in (hooks, repo / ".git" / "hooks"):
            (folder / hook).write_text(f"#!/bin/sh\necho {hook} >> {marks / 'RAN'}\n")
            (folder / hook).chmod(0o755)
    (repo / ".git" / "evil.config").write_text(f"[core]\n\tfsmonitor = {mark('included-fsmonitor')}\n")
    (repo / ".git" / "evil-if.config").write_text(f"[core]\n\tfsmonitor = {mark('includeif-fsmonitor')}\n\tpager = {mark('included-pager')}\n")
    with open(repo / ".git" / "config", "a") as config:
        config.write(
            f"[core]\n\tfsmonitor = {mark('fsmonitor')}\n\thooksPath = {hooks}\n\tpager = {mark('pager')}\n"
            f"\tsshCommand = {mark('ssh')}\n\taskPass = {mark('askpass')}\n\teditor = {mark('editor')}\n"
            "\tuntrackedCache = true\n\tpreloadIndex = true\n"
            f"[pager]\n\tls-files = {mark('pager-ls-files')}\n\tcheck-ignore = {mark('pager-check-ignore')}\n"
            f"[credential]\n\thelper = {mark('credential')}\n[gpg]\n\tprogram = {mark('gpg')}\n"
            f"[filter \"evil\"]\n\tclean = {mark('clean')}\n\tsmudge = {mark('smudge')}\n\tprocess = {mark('process')}\n\trequired = true\n"
            f"[diff \"evil\"]\n\ttextconv = {mark('textconv')}\n\tcommand = {mark('diff')}\n"
            f"[merge \"evil\"]\n\tdriver = {mark('merge')}\n"
            f"[alias]\n\tls-files = !{mark('alias')}\n\tcheck-ignore = !{mark('alias')}\n"
            f"[include]\n\tpath = {repo / '.git' / 'evil.config'}\n"
            f"[includeIf \"gitdir:/\"]\n\tpath = {repo / '.git' / 'evil-if.config'}\n"
        )
    # git itself would run them: the marks are real (so their absence below means something)
    probe = subprocess.run(["git", "-C", str(repo), "status", "--porcelain"], env=env, capture_output=True, timeout=60)
    assert (marks / "RAN").exists(), probe.stderr  # (it fails, too: the filter process speaks no protocol)
    (marks / "RAN").unlink()
    return {"repo": repo, "marks": marks, "env": env}


def tokenfix(*args: str, env: dict, cwd: Path) -> subprocess.CompletedProcess:
    env = {**env, "NO_COLOR": "1", "COLUMNS": "200", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "codemods", *args], cwd=cwd, env=env, capture_output=True, timeout=120)


def test_nothing_in_the_tree_s_git_config_runs(hostile_repo: dict) -> None:
    repo, marks, env = hostile_repo["repo"], hostile_repo["marks"], hostile_repo["env"]
    index = (repo / ".git" / "index").read_bytes()
    runs = {
        "check": tokenfix("check", "--no-cache", str(repo), env=env, cwd=repo.parent),
        "check -j 2 (cwd in the tree)": tokenfix("check", "-j", "2", "--no-cache", ".", "sub", env=env, cwd=repo),
        "diff": tokenfix("diff", "--no-cache", str(repo), env=env, cwd=repo.parent),
        "check with the cache": tokenfix("check", str(repo), env=env, cwd=repo.parent),
        "fix": tokenfix("fix", "--no-cache", str(repo), env=env, cwd=repo.parent),
    }
    ran = (marks / "RAN").read_text() if (marks / "RAN").exists() else ""
    assert ran == "", ran
    for name, res in runs.items():
        assert b"Traceback" not in res.stderr, (name, res.stderr[-2000:])
        assert res.returncode == (0 if name == "fix" else 1), (name, res.stderr.decode()[-2000:])
    out = runs["check"].stdout.decode()
    for name in ("good.py", "new.py", "sub/inner.py"):
        assert f"{repo / name}:2:" in out, (name, out)
    for name in ("ignored.py", "excluded.py", "global_ignored.py"):  # .gitignore, info/exclude, the user's excludes file
        assert name not in out, (name, out)
        assert (repo / name).read_bytes() == CALL
    assert (repo / "good.py").read_bytes() == FIXED and (repo / "new.py").read_bytes() == FIXED
    assert (repo / ".git" / "index").read_bytes() == index  # no index refresh written into the tree's .git either


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the tree to another user")
def test_a_repository_git_refuses_is_walked_whole_and_said_so(hostile_repo: dict) -> None:
    """git will not read a repository another user owns (`safe.directory`): nothing runs, the
    folder is walked without git, and the user is told that its ignore files were not applied."""
    repo, marks, env = hostile_repo["repo"], hostile_repo["marks"], hostile_repo["env"]
    subprocess.run(["chown", "-R", "nobody", str(repo)], check=True)
    res = tokenfix("check", "--no-cache", str(repo), env=env, cwd=repo.parent)
    err = res.stderr.decode()
    assert "Traceback" not in err and not (marks / "RAN").exists()
    warnings = [line for line in err.splitlines() if line.startswith("tokenfix: warning:")]
    assert warnings == [f"tokenfix: warning: {repo}: git refuses to read this repository (it belongs to another user: "
                        f"see git's safe.directory); walked without git, so its ignore files were not applied"], err
    assert res.returncode == 1 and f"{repo / 'ignored.py'}:2:" in res.stdout.decode()
