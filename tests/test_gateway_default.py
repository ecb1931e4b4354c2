"""TOK012 with a team's own gateway: its `missing_limit` says what it sends when a request has none."""

from __future__ import annotations

from pathlib import Path

import pytest

from codemods.knowledge import KnowledgeError, load
from codemods.knowledge.config import Settings
from codemods.run.engine import analyze

CODE = (b'from openai import OpenAI\n\nclient = OpenAI(base_url="https://llm.corp.example/v1")\n'
        b'client.chat.completions.create(model="claude-opus-4-6", messages=[], stream=True)\n')


def _gateway(tmp_path: Path, missing_limit: int) -> Path:
    rules = tmp_path / "gateway.toml"
    rules.write_text(
        '[[provider]]\nid = "corp"\nname = "The corp gateway"\nhosts = ["llm.corp.example"]\n'
        f'accepts = ["max_tokens"]\npreferred = "max_tokens"\nmissing_limit = {missing_limit}\n'
        'missing_limit_source = "its new-api setting claude.default_max_tokens"\nsource = "https://wiki.corp.example/llm"\n')
    return rules


def test_a_gateway_that_sends_less_than_the_safe_default_is_named_with_its_number(tmp_path: Path) -> None:
    result = analyze(CODE, "a.py", load([_gateway(tmp_path, 8192)]), Settings(select=("TOK012",)))
    [finding] = result.findings
    assert "The corp gateway then sends 8,192 (its new-api setting claude.default_max_tokens), below its max output of 128,000" in finding.message
    assert finding.fix.applicability == "unsafe" and finding.fix.message == "Add `max_tokens=65536`"


def test_a_gateway_that_sends_enough_gives_no_finding(tmp_path: Path) -> None:
    assert analyze(CODE, "a.py", load([_gateway(tmp_path, 128000)]), Settings(select=("TOK012",))).findings == []


def test_a_check_that_needs_words_names_them(tmp_path: Path) -> None:
    rules = tmp_path / "checks.toml"
    rules.write_text('[[check]]\ncode = "TOK012"\nname = "x"\nseverity = "warning"\nsummary = "x"\nfix = "x"\ndocs = "x"\n'
                     'source = "https://x"\nneeds = "words"\noptions = { doors = [] }\n')
    with pytest.raises(KnowledgeError, match="needs = \"words\" takes a non-empty list of words"):
        load([rules])


FAR_BELOW = (b'from openai import OpenAI\n\nclient = OpenAI(base_url="https://llm.corp.example/v1")\n\n\n'
             b'def ask(q):\n'
             b'    r = client.chat.completions.create(model="claude-opus-4-5", messages=[{"role": "user", "content": q}], max_tokens=1024)\n'
             b'    return r.choices[0].message.content\n')


def test_a_far_below_limit_through_a_gateway_is_tok012s_alone() -> None:
    """TOK013, when selected, leaves the call TOK012 reports (one finding, the one with a fix);
    with TOK012 ignored, TOK013 still says it."""
    both = analyze(FAR_BELOW, "a.py", load(), Settings(extend_select=("TOK013",)))
    assert [(f.row, f.code) for f in both.findings] == [(7, "TOK012")]
    assert both.findings[0].fix.applicability == "unsafe" and both.findings[0].fix.message == "Replace with 32768"
    alone = analyze(FAR_BELOW, "a.py", load(), Settings(extend_select=("TOK013",), ignore=("TOK012",)))
    assert [(f.row, f.code) for f in alone.findings] == [(7, "TOK013")]
