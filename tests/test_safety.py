"""docs/safety.md's table is the rule: every safe fix tokenfix makes rests only on facts that
were seen, as the table's "safe requires" column names them for its check."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from codemods.knowledge.config import Settings
from codemods.run.engine import analyze
from codemods.knowledge import load
from conftest import FIXTURES, ROOT

DOC = ROOT / "docs" / "safety.md"
FACTS = ("endpoint-seen", "model-known", "call-closed", "cap-seen", "values-equal", "azure")


def _table() -> dict[str, tuple[str, ...]]:
    """code -> the facts its safe fix requires, from the per-check table."""
    rows = {}
    for line in DOC.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and re.fullmatch(r"TOK\d{3}", cells[0]):
            rows[cells[0]] = tuple(re.findall(r"`([a-z-]+)`", cells[2]))
    return rows


def _inputs():
    for case in sorted(FIXTURES.iterdir()):
        if (case / "input.py").exists():
            args = shlex.split((case / "args.txt").read_text()) if (case / "args.txt").exists() else []
            provider = args[args.index("--provider") + 1] if "--provider" in args else None
            yield case.name, (case / "input.py").read_bytes(), Settings(provider=provider)
    for example in sorted((ROOT / "examples").glob("*.py")):
        yield example.name, example.read_bytes(), Settings()


def test_every_check_has_a_row_and_rows_name_known_facts() -> None:
    table = _table()
    assert sorted(table) == sorted(load().checks)
    for code, required in table.items():
        assert set(required) <= set(FACTS), (code, required)
        if code not in ("TOK008", "TOK010", "TOK012", "TOK013"):  # three only ever report; TOK012's fix is never safe
            assert required, f"{code}: a fix with no requirement would always be safe"


@pytest.mark.parametrize("name,data,settings", list(_inputs()), ids=lambda v: v if isinstance(v, str) else "")
def test_safe_fixes_rest_only_on_seen_facts(name: str, data: bytes, settings: Settings) -> None:
    table = _table()
    result = analyze(data, name, load(), settings)
    for finding in result.findings:
        assert set(finding.basis) <= set(FACTS), finding.basis
        if finding.fix is not None and finding.fix.applicability == "safe":
            missing = set(table[finding.code]) - set(finding.basis)
            assert not missing, f"{name}:{finding.row} {finding.code} is safe without {sorted(missing)}"


def test_the_table_is_not_vacuous() -> None:
    """The fixtures make safe fixes of most checks, so the test above checks something."""
    codes = set()
    for name, data, settings in _inputs():
        codes |= {f.code for f in analyze(data, name, load(), settings).findings if f.fix and f.fix.applicability == "safe"}
    assert {"TOK001", "TOK002", "TOK003", "TOK004", "TOK005", "TOK006"} <= codes
