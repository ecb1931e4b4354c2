"""The other reader of pyproject.toml, the SDK floor (dependencies.py), on files that are not
TOML, are nested thousands deep, or are huge: it reads lines, never parses TOML, and reads at
most environment.MAX_BYTES of a file; none of it may crash or stall a run (issue 17)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from codemods.analysis.dependencies import DeclaredVersions
from codemods.analysis.environment import MAX_BYTES
from conftest import FIXTURES, tokenfix

REASONING = FIXTURES / "openai_module_level" / "input.py"  # one TOK002, a safe rename

HOSTILE = {
    "template": '[project]\nname = "{{cookiecutter.project_slug}}"\n{% if x %}\ndependencies = ["openai>={{ v }}", "openai>=1.2"]\n{% endif %}\n',
    "nested": 'dependencies = ["openai>=1.2"]\nx = ' + "[" * 3000 + "]" * 3000 + "\n",
    "one long line": 'dependencies = ["openai>=1.2"]\n' + "openai = {" * (MAX_BYTES // 11) + "\n",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_the_sdk_floor_is_read_from_a_pyproject_that_is_not_toml(tmp_path: Path, name: str) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(HOSTILE[name])
    start = time.monotonic()
    declared = DeclaredVersions({"openai"}, [tmp_path]).for_file(tmp_path / "app.py")
    assert time.monotonic() - start < 2
    assert declared["openai"].version == "1.2"


def test_a_pyproject_over_the_size_limit_is_not_read_for_dependencies(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text('dependencies = ["openai>=1.2"]\n' + "# padding\n" * (MAX_BYTES // 10 + 1))
    assert DeclaredVersions({"openai"}, [tmp_path]).for_file(tmp_path / "app.py") == {}


def test_a_run_goes_on_past_every_hostile_pyproject(tmp_path: Path) -> None:
    """Each in its own folder beside an LLM file, all in one `fix`: the files are fixed (none of
    these declares an SDK too old for the rename), no traceback, and exit 0."""
    for name, text in HOSTILE.items():
        folder = tmp_path / name.replace(" ", "_")
        folder.mkdir()
        (folder / "pyproject.toml").write_text(text.replace("1.2", "1.50"))
        shutil.copyfile(REASONING, folder / "app.py")
    res = tokenfix("fix", "--no-cache", str(tmp_path))
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr.decode()
    assert all("max_completion_tokens" in (folder / "app.py").read_text() for folder in tmp_path.iterdir())
