"""The SDK versions a project may run, read from its requirements and lock files (dependencies.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from codemods.analysis.dependencies import DeclaredVersions, _lock_pins, _requirement_floors, lacks_keyword

PACKAGES = frozenset({"openai", "groq"})


@pytest.mark.parametrize("text,expected", [
    ("openai>=1.0.0\n", [("openai", "1.0.0")]),
    ("openai[datalib]==1.30.5  # pinned\n", [("openai", "1.30.5")]),
    ("openai~=1.12\ngroq>=0.2.0,<1\n", [("openai", "1.12"), ("groq", "0.2.0")]),
    ('dependencies = ["openai>=1.52", "httpx"]\n', [("openai", "1.52")]),
    ('openai = "^1.2.0"\n', [("openai", "1.2.0")]),
    ('openai = { version = ">=1.3", optional = true }\n', [("openai", "1.3")]),
    ("install_requires =\n    openai >= 1.40\n", [("openai", "1.40")]),
    ("openai\nopenai<2\n", []),  # no lower bound: a current release is assumed
    ("openai-agents>=0.1\nlangchain-openai>=0.1\n", []),  # other packages
    ("# openai>=1.0\n", []),
])
def test_requirement_floors(text: str, expected: list) -> None:
    assert _requirement_floors(text, PACKAGES) == expected


def test_lock_pins() -> None:
    text = '[[package]]\nname = "openai"\nversion = "1.30.5"\n\n[[package]]\nname = "httpx"\nversion = "0.27.0"\n'
    assert _lock_pins(text, PACKAGES) == [("openai", "1.30.5")]


def test_the_nearest_lock_wins_over_declared_floors(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text('[project]\ndependencies = ["groq>=0.2.0", "openai>=1.0"]\n')
    (tmp_path / "uv.lock").write_text('[[package]]\nname = "groq"\nversion = "1.0.0"\n')
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "requirements.txt").write_text("openai>=1.60\n")
    declared = DeclaredVersions(PACKAGES, [tmp_path]).for_file(tmp_path / "src" / "app.py")
    assert (declared["groq"].version, declared["groq"].locked) == ("1.0.0", True)
    assert declared["openai"].version == "1.0"  # the lowest floor any declaration allows
    assert lacks_keyword(declared, "groq", "max_completion_tokens", "0.15.0") is None
    assert "allows openai 1.0, and openai takes `max_completion_tokens` only from 1.45.0" in \
        lacks_keyword(declared, "openai", "max_completion_tokens", "1.45.0")
    assert lacks_keyword({}, "openai", "max_completion_tokens", "1.45.0") is None  # undeclared: a current SDK


def test_a_fifo_named_like_a_requirements_file_is_not_read(tmp_path: Path) -> None:
    import os

    (tmp_path / ".git").mkdir()
    os.mkfifo(tmp_path / "requirements.txt")
    assert DeclaredVersions(PACKAGES, [tmp_path]).for_file(tmp_path / "app.py") == {}
