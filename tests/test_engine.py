"""The engine's guarantees that fixtures alone do not reach."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import libcst as cst
import pytest
from hypothesis import given
from hypothesis import strategies as st

import codemods.fixes.edits
from codemods.knowledge.config import Settings
from codemods.run.engine import analyze
from codemods.knowledge import load

from conftest import FIXTURES

STDLIB = Path(sysconfig.get_paths()["stdlib"])
# Modules full of `.create(`, `.post(`, `.chat`-like calls, dicts and constants: the finder
# must see no LLM call in them, even when the prefilter is bypassed.
BUSY_MODULES = [
    "http/client.py", "urllib/request.py", "xmlrpc/client.py", "asyncio/base_events.py",
    "subprocess.py", "email/message.py", "logging/__init__.py", "argparse.py", "smtplib.py",
    "imaplib.py", "venv/__init__.py", "multiprocessing/managers.py",
]


@pytest.mark.parametrize("name", BUSY_MODULES)
def test_no_call_site_in_busy_stdlib_modules_without_prefilter(name: str) -> None:
    data = (STDLIB / name).read_bytes()
    result = analyze(data, name, load(), Settings(), fix=True, unsafe_fixes=True)
    assert result.error is None
    assert result.sites == [] and result.findings == [] and not result.changed


def test_a_fix_that_would_not_parse_is_dropped(monkeypatch) -> None:
    monkeypatch.setattr(codemods.fixes.edits, "renamed_key", lambda node, new: node.with_changes(value="if"))
    data = (FIXTURES / "openai_module_level" / "input.py").read_bytes()
    result = analyze(data, "a.py", load(), Settings(), fix=True)
    assert not result.changed
    assert any("would not parse" in note for note in result.notes)
    assert [f.code for f in result.findings] == ["TOK002"] and not result.findings[0].fixed


def test_file_libcst_cannot_reproduce_is_checked_but_never_rewritten() -> None:
    data = b"from openai import OpenAI\ntry:\n    pass\nexcept (ValueError, TypeError) :\n    pass\nOpenAI().chat.completions.create(model='gpt-5', max_tokens=5)\n"
    assert cst.parse_module(data).bytes != data  # LibCST drops the space before the colon
    result = analyze(data, "a.py", load(), Settings(), fix=True)
    assert [f.code for f in result.findings] == ["TOK002"]
    assert not result.changed
    assert any("byte for byte" in note for note in result.notes)


def _judged(result) -> list[tuple]:
    return [(f.code, f.row, f.column, f.end_row, f.end_column, f.message,
             f.fix.applicability if f.fix else None, f.fix.message if f.fix else None) for f in result.findings]


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.iterdir() if (p / "input.py").exists()))
def test_checking_without_libcst_judges_fixes_as_libcst_does(name: str, monkeypatch) -> None:
    """`check` reads only the ast tree; what it says of each fix (safe or not, and why) is what
    the run that makes the fix on LibCST's tree says."""
    data = (FIXTURES / name / "input.py").read_bytes()
    with_libcst = analyze(data, "a.py", load(), Settings(), edits=True)
    import codemods.fixes.apply

    def no_libcst(data):
        raise AssertionError("checking parsed the file with LibCST")

    if not any(f.fix and any(r.comments == "ask-libcst" for r in f.fix.replacements) for f in with_libcst.findings):
        monkeypatch.setattr(codemods.fixes.apply, "parse", no_libcst)
    without = analyze(data, "a.py", load(), Settings())
    assert _judged(without) == _judged(with_libcst)
    assert all(not f.edits for f in without.findings)
    assert all(f.edits for f in with_libcst.findings if f.fix and f.fix.replacements)


def test_a_file_only_python_parses_is_checked_and_left_alone(monkeypatch) -> None:
    import codemods.fixes.apply

    def refuse(data):
        raise cst.ParserSyntaxError("LibCST refuses this", lines=["x"], raw_line=1, raw_column=0)

    monkeypatch.setattr(codemods.fixes.apply, "parse", refuse)
    data = (FIXTURES / "openai_module_level" / "input.py").read_bytes()
    checked = analyze(data, "a.py", load(), Settings())
    assert [f.code for f in checked.findings] == ["TOK002"] and checked.error is None
    fixed = analyze(data, "a.py", load(), Settings(), fix=True, edits=True)
    assert [f.code for f in fixed.findings] == ["TOK002"] and not fixed.changed and not fixed.findings[0].edits
    assert any("LibCST cannot parse this file (syntax error: Syntax Error @ 1:1.)" in note for note in fixed.notes)


def test_a_syntax_error_is_reported_in_libcsts_words() -> None:
    result = analyze(b"from openai import OpenAI\nmax_tokens = (\n", "bad.py", load(), Settings())
    assert result.error.startswith("syntax error: ") and result.error_line > 0


@pytest.mark.parametrize("data, reason", [
    (b"print 'python 2'\nmax_tokens = 1\n", "syntax error"),
    (b"# -*- coding: uft-8 -*-\nmax_tokens = 1\n", "cannot"),
    (b"\xff\xfe\x00\x00max_tokens", "cannot"),
])
def test_unparsable_input_is_an_error_not_a_crash(data: bytes, reason: str) -> None:
    result = analyze(data, "bad.py", load(), Settings(), fix=True)
    assert result.error is not None and reason in result.error
    assert result.findings == [] and not result.changed


def test_python_api_round_trip() -> None:
    import codemods

    source = (FIXTURES / "openai_module_level" / "input.py").read_text()
    assert [f.code for f in codemods.analyze(source)] == ["TOK002"]
    assert codemods.fix_source(source) == (FIXTURES / "openai_module_level" / "expected.py").read_text()
    assert codemods.fix_source(source.encode()) == (FIXTURES / "openai_module_level" / "expected.py").read_bytes()


def test_fixes_of_twelve_nested_calls_settle_in_one_run() -> None:
    """An added argument waits for the call nested inside it: twelve nested calls take twelve
    passes, and one `fix` must do them all (it stopped at eight and left work for a second)."""
    inner = '"hi"'
    for _ in range(12):
        inner = f'client.messages.create(model="claude-haiku-4-5-20251001", messages=[{{"role": "user", "content": {inner}}}])'
    data = f"import anthropic\nclient = anthropic.Anthropic(timeout=30)\nr = {inner}\n".encode()
    result = analyze(data, "deep.py", load(), Settings(), fix=True)
    assert not result.notes and result.error is None
    assert sum(f.fixed for f in result.findings) == 12
    again = analyze(result.fixed, "deep.py", load(), Settings(), fix=True)
    assert not again.changed and not [f for f in again.findings if f.fix is not None]
