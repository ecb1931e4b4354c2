"""tokenfix reads code and never runs it: not on import, not through a package's __init__,
not through a module another one imports, not through a notebook, not in `fix` or `diff`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

# The console script, as users run it: `python -m codemods` would put the current folder
# on sys.path itself, and the tree below holds a codemods.py that shadows the package.
SCRIPT = Path(sys.executable).with_name("tokenfix")


def tokenfix(*args: str, cwd: Path, input: bytes = b"") -> subprocess.CompletedProcess:
    assert SCRIPT.exists(), "install the package (pip install -e .) so that the tokenfix script exists"
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": ""}
    return subprocess.run([str(SCRIPT), *args], cwd=cwd, input=input, capture_output=True, env=env, timeout=300)


def _mark(marks: Path, name: str) -> str:
    """A statement that, run, leaves the file marks/name behind (and exits, to be sure it shows)."""
    return f"open({str(marks / name)!r}, 'w').write('ran')\n"


def _tree(tmp_path: Path) -> tuple[Path, Path]:
    marks = tmp_path / "marks"
    marks.mkdir()
    tree = tmp_path / "tree"
    (tree / "app").mkdir(parents=True)
    (tree / "app" / "__init__.py").write_text(_mark(marks, "init"))
    (tree / "app" / "llm.py").write_text(
        _mark(marks, "llm") + "from openai import OpenAI\nclient = OpenAI(base_url='http://localhost:11434/v1')\n")
    (tree / "main.py").write_text(
        _mark(marks, "main") + "import builtins\nbuiltins.__import__('os').system('touch ' + " + repr(str(marks / "system")) + ")\n"
        "from app.llm import client\n"
        "client.chat.completions.create(model='llama3', messages=[], max_completion_tokens=64)\n")
    (tree / "setup.py").write_text(_mark(marks, "setup") + "import openai\nopenai.chat.completions.create(model='o1', max_tokens=5)\n")
    (tree / "conftest.py").write_text(_mark(marks, "conftest") + "max_tokens = 1\n")
    (tree / "sitecustomize.py").write_text(_mark(marks, "sitecustomize"))
    (tree / "codemods.py").write_text(_mark(marks, "shadow") + "max_tokens = 1\n")  # shadows our own package name
    (tree / "pyproject.toml").write_text("[tool.tokenfix]\nextra-rules = []\n")
    cell = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
            "source": [_mark(marks, "notebook"), "import anthropic\n", "anthropic.Anthropic().messages.create(model='claude-3-5-haiku-latest', messages=[])\n"]}
    (tree / "nb.ipynb").write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n")
    return tree, marks


def test_no_code_that_is_read_ever_runs(tmp_path: Path) -> None:
    tree, marks = _tree(tmp_path)
    runs = [
        tokenfix("check", "--no-cache", str(tree), cwd=tree),
        tokenfix("check", "--no-cache", "--show-evidence", "-j", "2", str(tree), cwd=tree),
        tokenfix("diff", "--no-cache", str(tree), cwd=tree),
        tokenfix("fix", "--no-cache", "--unsafe-fixes", str(tree), cwd=tree),
        tokenfix("check", "--no-cache", "-", "--stdin-filename", str(tree / "main.py"), cwd=tree, input=(tree / "main.py").read_bytes()),
    ]
    for res in runs:
        assert res.returncode in (0, 1), res.stderr.decode()[-2000:]
    # The runs did see the LLM calls, so each file was really read and analysed ...
    assert b"TOK003" in runs[0].stdout and b"TOK005" in runs[0].stdout and b"TOK002" in runs[0].stdout
    assert "max_tokens=64" in (tree / "main.py").read_text()  # fixed through the imported client
    # ... and nothing they contain was run.
    assert sorted(p.name for p in marks.iterdir()) == []
