"""Every fixture under tests/fixtures: input.py, expected.py (after `fix`), codes.txt, messages.txt, args.txt.

For each: the findings are exactly codes.txt, their whole text and columns messages.txt, `fix` turns input into expected byte for byte,
a second fix changes nothing, the output parses, and every byte outside the reported edits
is the same as in the input.
"""

from __future__ import annotations

import ast
import io
import re
import shlex
from pathlib import Path

import pytest

from codemods.knowledge.config import Settings
from codemods.checks import enabled_checks
from codemods.run.engine import MAX_PASSES, analyze, one_pass
from codemods.knowledge import load
from codemods.output.report import console, write_text

from conftest import FIXTURES, tokenfix

CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "input.py").exists())


def _settings(case: Path) -> tuple[Settings, bool]:
    args = shlex.split((case / "args.txt").read_text()) if (case / "args.txt").exists() else []
    provider = args[args.index("--provider") + 1] if "--provider" in args else None
    select = tuple(args[args.index("--select") + 1].split(",")) if "--select" in args else None
    return Settings(provider=provider, select=select), "--unsafe-fixes" in args


def _codes(case: Path) -> list[tuple[int, str]]:
    rows = [line.split() for line in (case / "codes.txt").read_text().splitlines() if line.strip()]
    return sorted((int(row), code) for row, code in rows)


@pytest.mark.parametrize("name", CASES)
def test_fixture(name: str) -> None:
    case = FIXTURES / name
    source = (case / "input.py").read_bytes()
    expected = (case / "expected.py").read_bytes()
    settings, unsafe = _settings(case)
    knowledge = load()

    checked = analyze(source, "input.py", knowledge, settings)
    assert checked.error is None and not checked.changed
    assert sorted((f.row, f.code) for f in checked.findings) == _codes(case)

    result = analyze(source, "input.py", knowledge, settings, fix=True, unsafe_fixes=unsafe)
    assert result.error is None
    assert result.notes == []
    fixed = result.fixed if result.changed else source
    assert fixed == expected

    again = analyze(fixed, "input.py", knowledge, settings, fix=True, unsafe_fixes=unsafe)
    assert not again.changed, "a second fix changed the file"
    assert not any(f.fix is not None and (unsafe or f.fix.applicability == "safe") for f in again.findings), \
        "a second run still offers a fix it would apply"
    ast.parse(fixed.decode(result.encoding))


@pytest.mark.parametrize("name", CASES)
def test_fixture_messages_and_columns(name: str) -> None:
    """The whole text of every finding, with its column and fix label, as `check` prints it:
    recorded before the package moved into its layers (6c22e12), so any drift shows."""
    case = FIXTURES / name
    settings, _ = _settings(case)
    result = analyze((case / "input.py").read_bytes(), "input.py", load(), settings)
    stream = io.StringIO()
    write_text([result], console(stream))
    shown = [line[len("input.py:"):] for line in stream.getvalue().splitlines()]
    assert shown == (case / "messages.txt").read_text().splitlines()


def apply_edits(data: bytes, result) -> bytes:
    """Apply a pass's reported edits as plain text replacements."""
    text = data.decode(result.encoding)
    starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]
    edits = {}
    for finding in result.findings:
        if finding.fixed:
            for edit in finding.edits:
                edits[(edit.row, edit.column, edit.end_row, edit.end_column)] = edit.content
    for (row, col, end_row, end_col), content in sorted(edits.items(), reverse=True):
        text = text[: starts[row - 1] + col - 1] + content + text[starts[end_row - 1] + end_col - 1:]
    return text.encode(result.encoding)


@pytest.mark.parametrize("name", CASES)
def test_untouched_bytes_outside_edits(name: str) -> None:
    """Pass by pass, applying the reported edits as text gives exactly what the fixer wrote."""
    case = FIXTURES / name
    data = (case / "input.py").read_bytes()
    settings, unsafe = _settings(case)
    knowledge = load()
    checks = enabled_checks(knowledge, settings)
    for _ in range(MAX_PASSES):
        result = one_pass(data, "input.py", knowledge, settings, checks, True, unsafe)
        if not result.changed:
            break
        assert apply_edits(data, result) == result.fixed
        data = result.fixed
    assert data == (case / "expected.py").read_bytes()


def test_fixture_inventory_covers_every_check_and_surface() -> None:
    codes = {code for name in CASES for _, code in _codes(FIXTURES / name)}
    assert codes == set(load().checks)
    surfaces = set()
    for name in CASES:
        result = analyze((FIXTURES / name / "input.py").read_bytes(), "input.py", load(), _settings(FIXTURES / name)[0])
        surfaces |= {site.surface.id for site in result.sites}
    # every door of rules/surfaces.toml is found in at least one fixture of realistic code
    assert sorted({surface.id for surface in load().surfaces} - surfaces) == []


def test_an_api_version_that_is_only_a_getenv_default_is_not_said_as_the_version(tmp_path: Path) -> None:
    # promptflow: `os.environ.get("AZURE_OPENAI_API_VERSION", "2024-02-01")` was reported as
    # "api_version 2024-02-01 does not accept": the default is used only where nothing is set
    app = tmp_path / "app.py"
    app.write_text('import os\nfrom openai import AzureOpenAI\n\n'
                   'client = AzureOpenAI(azure_endpoint="https://x.openai.azure.com", '
                   'api_version=os.environ.get("AZURE_OPENAI_API_VERSION", "2024-02-01"))\n'
                   'client.chat.completions.create(model="gpt-4o", messages=[], max_tokens=100)\n')
    res = tokenfix("check", "--no-cache", "--show-evidence", str(app))
    out = res.stdout.decode()
    assert res.returncode == 1 and "api_version unknown may not accept `max_completion_tokens`" in out, out
    assert "api_version '2024-02-01' only where the environment sets none: not seen" in out
