"""The engine's guarantees that fixtures alone do not reach."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import libcst as cst
import pytest
from hypothesis import given
from hypothesis import strategies as st

import codemods.layout
from codemods.config import Settings
from codemods.engine import analyze
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
    monkeypatch.setattr(codemods.layout, "renamed_key", lambda node, new: node.with_changes(value="if"))
    data = (FIXTURES / "openai_module_level" / "input.py").read_bytes()
    result = analyze(data, "a.py", load(), Settings(), fix=True)
    assert not result.changed
    assert any("would not parse" in note for note in result.notes)
    assert [f.code for f in result.findings] == ["TOK002"] and not result.findings[0].fixed


def test_file_libcst_cannot_reproduce_is_checked_but_never_rewritten() -> None:
    data = b"from openai import OpenAI\ntry:\n    pass\nexcept (ValueError, TypeError) :\n    pass\nOpenAI().chat.completions.create(model='o1', max_tokens=5)\n"
    assert cst.parse_module(data).bytes != data  # LibCST drops the space before the colon
    result = analyze(data, "a.py", load(), Settings(), fix=True)
    assert [f.code for f in result.findings] == ["TOK002"]
    assert not result.changed
    assert any("byte for byte" in note for note in result.notes)


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


def test_prefilter_never_drops_a_file_the_analysis_would_flag() -> None:
    from codemods.prefilter import may_have_findings

    from conftest import CASES

    inputs = sorted(FIXTURES.glob("*/input.py")) + sorted(CASES.glob("*/input.py"))
    assert len(inputs) > 50
    everything = Settings(select=("TOK",))
    for path in inputs:
        data = path.read_bytes()
        if analyze(data, str(path), load(), everything).findings:
            assert may_have_findings(data), path


@given(st.lists(st.sampled_from([b"max_tokens", b"max_completion_tokens", b"max_output_tokens", b"num_predict",
                                 b"messages.create", b"messages.stream", b"messages.", b"_tokens", b"max_", b"num_",
                                 b"create", b"x", b" ", b"\n", b"\x00", b"\xff"]), max_size=12))
def test_prefilter_literal_scan_is_the_trigger_regex(pieces: list[bytes]) -> None:
    """The literal searches are a faster spelling of TRIGGERS, never a different rule."""
    from codemods.prefilter import TRIGGERS, may_have_findings

    data = b"".join(pieces)
    assert may_have_findings(data) == (TRIGGERS.search(data) is not None)
