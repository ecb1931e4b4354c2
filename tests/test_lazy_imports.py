"""The pre-commit case: a run over files with no LLM call never imports LibCST."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import FIXTURES

HEAVY = ("libcst", "codemods.run.engine", "codemods.analysis.callsites", "codemods.analysis.clientindex", "concurrent.futures.process", "multiprocessing")


def imported(*args: str, cwd: Path) -> set[str]:
    """Modules a CLI run imports, as `python -X importtime` lists them."""
    env = {**os.environ, "NO_COLOR": "1"}
    res = subprocess.run([sys.executable, "-X", "importtime", "-m", "codemods", *args], cwd=cwd, env=env,
                         capture_output=True, timeout=120)
    lines = [line for line in res.stderr.decode().splitlines() if line.startswith("import time:")]
    assert len(lines) > 50, res.stderr.decode()[-2000:]
    return {line.rsplit("|", 1)[1].strip() for line in lines}, res


def test_no_llm_file_does_not_import_libcst(tmp_path: Path) -> None:
    plain = tmp_path / "plain.py"
    plain.write_text("import json\n\n\ndef load(path):\n    with open(path) as f:\n        return json.load(f)\n")
    modules, res = imported("check", str(plain), cwd=tmp_path)
    assert res.returncode == 0 and b"All checks passed (1 file checked)." in res.stderr
    assert "click" in modules and "codemods.run.runner" in modules  # the listing is complete
    assert not [m for m in modules if m.split(".")[0] == "libcst" or m in HEAVY]


def test_checking_an_llm_file_analyses_it_without_libcst(tmp_path: Path) -> None:
    """The analysis reads `ast`; LibCST is for fixes, and for edits where a format shows them."""
    target = tmp_path / "a.py"
    target.write_bytes((FIXTURES / "openai_module_level" / "input.py").read_bytes())
    modules, res = imported("check", "--no-cache", str(target), cwd=tmp_path)
    assert res.returncode == 1 and b"TOK002" in res.stdout
    assert "codemods.run.engine" in modules and "libcst" not in modules
    for command in (["check", "--format", "json"], ["check", "--format", "sarif"], ["diff"]):
        modules, res = imported(*command, "--no-cache", str(target), cwd=tmp_path)
        assert res.returncode == 1 and "libcst" in modules, command


def test_a_cached_llm_file_does_not_import_libcst(tmp_path: Path) -> None:
    target = tmp_path / "a.py"
    target.write_bytes((FIXTURES / "openai_module_level" / "input.py").read_bytes())
    cache = str(tmp_path / "cache")
    first, _ = imported("check", "--format", "json", "--cache-dir", cache, str(target), cwd=tmp_path)
    modules, res = imported("check", "--format", "json", "--cache-dir", cache, str(target), cwd=tmp_path)
    assert res.returncode == 1 and b"TOK002" in res.stdout and b'"edits"' in res.stdout
    assert "libcst" in first and "libcst" not in modules
