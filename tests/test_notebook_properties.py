"""Notebooks of any mix of lines, those that look like tokenfix's own markers included: `fix`
changes nothing but the token parameters, in every cell, or writes nothing and says so."""

from __future__ import annotations

import json
import os

from hypothesis import HealthCheck, given, settings, strategies as st

from codemods.knowledge.config import Settings
from codemods.knowledge import load
from codemods.run.runner import analyze_notebook

KNOWLEDGE = load()

# Lines a cell may hold: code, IPython magics, and text that looks like the join's markers,
# alone or inside a string.
LINES = st.sampled_from([
    "x = 1\n", "# a comment\n", "\n", "%time y = 2\n", "!ls -la\n", "  ?help\n", "# tokenfix-cell: 0\n",
    "# tokenfix-cell: 1\n", "# tokenfix-cell-1: 0\n", "#tokenfix-magic: a note\n", "#tokenfix-magic:!rm\n",
    "s = '''\n# tokenfix-cell: 2\n'''\n", "t = '\\x0c\u2028'\n", "u = 1; \\\n    2\n",
])
CALL = st.sampled_from([  # as list elements: one a line
    ["r = client.chat.completions.create(model='gpt-5-mini', messages=[], max_tokens=10)\n"],
    ["r = client.chat.completions.create(\n", "    model='gpt-5-mini',\n", "    messages=[],\n", "    max_tokens=10,\n", ")\n"],
    # A missing limit: the fix adds an argument, on a line of its own or inline.
    ["m = claude.messages.create(\n", "    model='claude-haiku-4-5',\n", "    messages=[],\n", ")\n"],
    ["m = claude.messages.create(model='claude-haiku-4-5', messages=[])\n"],
])
RENAMED, ADDED_LINE, ADDED_INLINE = "max_completion_tokens=", "    max_tokens=16384,\n", ", max_tokens=16384)"


def undone(text: str) -> str:
    """The fixed text with the fixes taken back."""
    return text.replace(RENAMED, "max_tokens=").replace(ADDED_LINE, "").replace(ADDED_INLINE, ")")


@st.composite
def cells(draw) -> list[list[str]]:
    body = [[e for item in cell for e in item] for cell in
            draw(st.lists(st.lists(st.one_of(LINES.map(lambda line: [line]), CALL), max_size=5), min_size=1, max_size=4))]
    first = ["import anthropic\n", "from openai import OpenAI\n", "client = OpenAI()\n", "claude = anthropic.Anthropic()\n"]
    cells = [first, *body]
    if draw(st.booleans()):  # a last line without its line break, as Jupyter saves it
        last = cells[-1]
        if last and last[-1].endswith("\n"):
            last[-1] = last[-1][:-1]
    return cells


@settings(max_examples=int(os.environ.get("TOKENFIX_NOTEBOOK_EXAMPLES", "40")), deadline=None, suppress_health_check=list(HealthCheck))
@given(cells(), st.booleans())
def test_fix_changes_only_the_token_parameters(sources: list[list[str]], as_list: bool) -> None:
    data = {"cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                       "source": lines if as_list else "".join(lines)} for lines in sources],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    raw = (json.dumps(data, indent=1) + "\n").encode()
    result = analyze_notebook(raw, "nb.ipynb", KNOWLEDGE, Settings(), fix=True, unsafe_fixes=False)
    assert result.error is None, result.error
    assert not result.notes, result.notes  # the check never refuses a correct fix
    calls = sum("".join(lines).count(".create(") for lines in sources)
    assert (result.fixed is not None) == bool(calls)
    if result.fixed is None:
        return
    fixed = json.loads(result.fixed)
    for before, after in zip(data["cells"], fixed["cells"]):
        old, new = before["source"], after["source"]
        assert type(old) is type(new)
        if isinstance(old, list):  # only the edited lines' elements change
            assert [e for e in old if "max_tokens=10" not in e and "messages=[])" not in e] == \
                [e for e in new if RENAMED not in e and "max_tokens=16384" not in e]
        assert undone("".join(new)) == "".join(old)
    assert result.fixed == (json.dumps(fixed, indent=1) + "\n").encode()
