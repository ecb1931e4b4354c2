"""Shared helpers: run the analysis in-process or the CLI in a subprocess, compare bytes."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CASES = ROOT.parent / "shared" / "cases"

# Every CLI run of the suite shares one cache outside the checkout: runs that repeat an input
# exercise the cache's reads too, and nothing is left behind in the repository.
TEST_CACHE = Path(tempfile.mkdtemp(prefix="tokenfix-test-cache-"))
os.environ["TOKENFIX_CACHE_DIR"] = str(TEST_CACHE)
atexit.register(shutil.rmtree, TEST_CACHE, ignore_errors=True)
# The cache's key lives in the user's cache home (cache.key_file): the suite's is its own, never
# the real user's ~/.cache.
TEST_KEY_HOME = Path(tempfile.mkdtemp(prefix="tokenfix-test-key-home-"))
os.environ["XDG_CACHE_HOME"] = str(TEST_KEY_HOME)
atexit.register(shutil.rmtree, TEST_KEY_HOME, ignore_errors=True)


def tokenfix(*args: str, cwd=None, input: bytes | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the CLI as users do (`python -m codemods` is the same entry point as `tokenfix`)."""
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "codemods", *args],
        cwd=cwd, input=input, capture_output=True, env=env, timeout=300,
    )


def tokenfix_with_fault(fault: str, arg: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """The CLI with one fault injected (tests/fault_harness.py says which faults there are)."""
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **(env or {})}
    harness = Path(__file__).with_name("fault_harness.py")
    return subprocess.run([sys.executable, str(harness), fault, arg, "--", *args], capture_output=True, env=env, timeout=600)


@pytest.fixture
def run_cli():
    return tokenfix


# Files for the cache's tests: LLM calls of three kinds and one file that is not an LLM call.
CACHE_NAMES = ("openai_self_client", "requests_json_dumps", "ollama_client_native", "twilio_not_llm")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A folder of the CACHE_NAMES fixtures and `plain.py`, which never passes the prefilter."""
    folder = tmp_path / "project"
    folder.mkdir()
    for name in CACHE_NAMES:
        shutil.copyfile(FIXTURES / name / "input.py", folder / f"{name}.py")
    (folder / "plain.py").write_text("def add(a, b):\n    return a + b\n")
    return folder
