"""TOK010 and what a retirement does to the other checks (docs/safety.md, "Retired models")."""

from __future__ import annotations

import copy
import textwrap

from codemods.knowledge import load
from codemods.knowledge.config import Settings
from codemods.run.engine import analyze

SOURCE = textwrap.dedent("""\
    import anthropic

    client = anthropic.Anthropic()
    a = client.messages.create(model="claude-sonnet-4-5", messages=[], max_tokens=999999)
    b = client.messages.create(model="claude-3-5-sonnet-latest", messages=[], max_tokens=1024)
""").encode()


def _found(knowledge) -> list[tuple[int, str, bool]]:
    result = analyze(SOURCE, "input.py", knowledge, Settings(select=("TOK",)))
    return sorted((f.row, f.code, f.fix is not None) for f in result.findings)


def test_retirement_is_judged_on_the_day_the_facts_were_taken_not_today() -> None:
    """One release gives the same findings every day: a hook never turns red on its own."""
    shipped = load()
    assert shipped.imported_on() == "2026-12-03"
    assert _found(shipped) == [(4, "TOK001", False), (4, "TOK010", False), (5, "TOK010", False)]
    earlier = copy.copy(shipped)
    earlier._imported_on = "2026-01-01"  # facts taken before claude-sonnet-4-5's retirement (2026-11-30)
    assert _found(earlier) == [(4, "TOK001", True), (5, "TOK010", False)]


def test_without_a_day_for_the_facts_nothing_is_retired() -> None:
    knowledge = copy.copy(load())
    knowledge._imported_on = None
    assert _found(knowledge) == [(4, "TOK001", True)]


def test_the_message_names_the_day_the_origin_and_the_successor() -> None:
    result = analyze(SOURCE, "input.py", load(), Settings(select=("TOK",)))
    message = next(f.message for f in result.findings if f.code == "TOK010" and f.row == 4)
    assert message.startswith("`claude-sonnet-4-5` (claude-sonnet-4-5-20250929) was retired by Anthropic on 2026-11-30 (per https://")
    assert "its successor is `claude-sonnet-5-5`" in message  # the imported row's, on the same day as the curated one


def test_tok010_is_off_by_default_and_the_value_fix_is_withheld_all_the_same() -> None:
    result = analyze(SOURCE, "input.py", load(), Settings())
    assert [(f.row, f.code, f.fix) for f in result.findings] == [(4, "TOK001", None)]
    assert result.findings[0].message.endswith("(no fix: the model is retired, see TOK010)")


def test_through_an_unknown_gateway_the_owner_is_named_as_the_provider_rows_spell_it() -> None:
    """An unseen endpoint has no provider of its own: the message names the model's, as everywhere else."""
    source = textwrap.dedent("""\
        from openai import OpenAI

        client = OpenAI(base_url="https://gateway.example.com/v1")
        client.chat.completions.create(model="claude-3-5-sonnet-20241022", messages=[])
    """).encode()
    result = analyze(source, "input.py", load(), Settings(select=("TOK010",)))
    assert [f.message.split(" on ")[0] for f in result.findings] == ["`claude-3-5-sonnet-20241022` was retired by Anthropic"]
