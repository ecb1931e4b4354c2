"""TOK008 speaks only where a source says a provider spends the thinking inside the limit."""

from __future__ import annotations

import textwrap

from codemods.knowledge import load
from codemods.knowledge.config import Settings
from codemods.run.engine import analyze


def test_tok008_speaks_only_where_a_source_says_thinking_is_spent_inside_the_limit() -> None:
    """thinking_counts (rules/providers.toml): OpenAI, Azure, Gemini; not DeepSeek's reasoner, whose
    early max_tokens bounded the answer after a separate chain of thought, nor xAI's, whose
    max_completion_tokens bounds the visible output."""
    source = textwrap.dedent("""\
        from openai import OpenAI

        openai = OpenAI()
        openai.chat.completions.create(model="gpt-5-mini", messages=[], max_completion_tokens=500)
        deepseek = OpenAI(base_url="https://api.deepseek.com")
        deepseek.chat.completions.create(model="deepseek-v4-flash", messages=[], max_tokens=500)
        gemini = OpenAI(base_url="https://generativelanguage.googleapis.com/v1beta/openai/")
        gemini.chat.completions.create(model="gemini-2.5-flash-lite", messages=[], max_completion_tokens=500)
        grok = OpenAI(base_url="https://api.x.ai/v1")
        grok.chat.completions.create(model="grok-4", messages=[], max_completion_tokens=500)
    """).encode()
    result = analyze(source, "input.py", load(), Settings(select=("TOK008",)))
    assert [f.row for f in result.findings] == [4, 8]


def test_tok008_quotes_openais_guide_only_for_openais_models() -> None:
    """The 25,000 reserve is OpenAI's advice: on Gemini only the fact that thinking counts is sourced."""
    source = textwrap.dedent("""\
        from openai import OpenAI

        openai = OpenAI()
        openai.chat.completions.create(model="gpt-5-mini", messages=[], max_completion_tokens=500)
        gemini = OpenAI(base_url="https://generativelanguage.googleapis.com/v1beta/openai/")
        gemini.chat.completions.create(model="gemini-2.5-flash-lite", messages=[], max_completion_tokens=500)
    """).encode()
    first, second = analyze(source, "input.py", load(), Settings(select=("TOK008",))).findings
    assert "OpenAI's reasoning guide recommends reserving at least 25,000" in first.message
    assert "OpenAI" not in second.message.split("; ")[-1] and "the thinking is spent inside the limit too" in second.message
