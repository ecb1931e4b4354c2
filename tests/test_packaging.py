"""rules/*.toml ship inside the wheel and are found from a wheel install and from a checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import FIXTURES, ROOT


def test_wheel_contains_rules_and_finds_them(tmp_path: Path) -> None:
    res = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(ROOT)],
        capture_output=True, timeout=600,
    )
    assert res.returncode == 0, res.stderr.decode()[-2000:]
    (wheel,) = (tmp_path / "dist").glob("tokenfix-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "site")
    for name in ("providers", "models", "surfaces", "checks", "clients", "models_imported"):
        assert f"codemods/rules/{name}.toml" in names
    assert not any(n.startswith("rules/") for n in names)
    assert any(n.endswith("entry_points.txt") for n in names)

    # Import from the unpacked wheel (ahead of the checkout) and run a real check.
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    code = (
        "import sys, codemods, codemods.knowledge as k;"
        "print(codemods.__file__); print(k.rules_dir());"
        "from codemods.cli import main; sys.argv=['tokenfix','check',sys.argv[1]]; main()"
    )
    res = subprocess.run(
        [sys.executable, "-c", code, str(FIXTURES / "openai_module_level" / "input.py")],
        cwd=tmp_path, env=env, capture_output=True, timeout=300,
    )
    lines = res.stdout.decode().splitlines()
    assert lines[0].startswith(str(tmp_path / "site" / "codemods")), lines
    assert lines[1] == str(tmp_path / "site" / "codemods" / "rules")
    assert res.returncode == 1 and "TOK002" in lines[2]


def test_checkout_install_finds_the_repository_rules() -> None:
    res = subprocess.run(
        [sys.executable, "-c", "import codemods.knowledge as k; print(k.rules_dir())"],
        cwd="/", capture_output=True, timeout=60,
    )
    assert res.stdout.decode().strip() == str(ROOT / "rules")


def _floor(requirement: str) -> tuple[int, ...]:
    return tuple(int(part) for part in requirement.split(">=")[1].split(",")[0].strip().split("."))


def test_the_declared_floors_are_what_the_suite_runs_on() -> None:
    """requires-python and LibCST's floor were promises nothing tested: `>=3.9` although every
    LLM file raised on 3.9 (`ast.Match`), `libcst>=1.1` although 1.1 to 1.8.0 cannot parse
    PEP 758 or t-strings. The floors are now the versions CI runs on: where CI's Python is newer
    than the floor, this fails and the floor must be tested or raised. (LibCST's newest release
    is what CI installs; its floor is the release the suite was last run on.)"""
    import tomllib
    from importlib.metadata import version

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    python = _floor(project["requires-python"])
    (libcst,) = [_floor(d) for d in project["dependencies"] if d.startswith("libcst")]
    assert sys.version_info[:2] >= python
    assert tuple(int(p) for p in version("libcst").split(".")[:2]) >= libcst[:2]
    if os.environ.get("CI") == "true":
        assert sys.version_info[:2] == python, f"CI runs Python {sys.version_info[:2]}, the floor is {python}"


def test_the_libcst_floor_parses_the_newest_grammar() -> None:
    import libcst as cst

    for source in ("def f[T = int](): pass\n", 'x = t"a{b}"\n', "try:\n    pass\nexcept A, B:\n    pass\n"):
        cst.parse_module(source)
