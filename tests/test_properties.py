"""Property tests for DESIGN.md's invariants, on generated programs.

hypothesmith writes arbitrary valid Python; a strategy of our own writes LLM calls of every
surface in many layouts, spliced into those programs. Bounded here (40 examples a property);
`python scripts/fuzz.py` runs the same properties with thousands (HYPOTHESIS_PROFILE=long).
"""

from __future__ import annotations

import os

import hypothesmith
import libcst as cst
from hypothesis import HealthCheck, given, settings, strategies as st
from test_fixtures import apply_edits

from codemods.knowledge.config import Settings
from codemods.checks import all_checks
from codemods.run.engine import MAX_PASSES, analyze, one_pass
from codemods.knowledge import load

settings.register_profile("ci", max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
settings.register_profile("long", max_examples=int(os.environ.get("TOKENFIX_FUZZ_EXAMPLES", "5000")), deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

KNOWLEDGE = load()
CHECKS = all_checks(KNOWLEDGE)

CLIENTS = [
    "from openai import OpenAI\nclient = OpenAI()",
    "from openai import OpenAI\nclient = OpenAI(base_url='http://localhost:11434/v1', api_key='x')",
    "from openai import OpenAI\nclient = OpenAI(base_url='https://api.siliconflow.cn/v1')",
    "from openai import OpenAI\nclient = OpenAI(base_url='https://api.mistral.ai/v1')",
    "from openai import AzureOpenAI\nclient = AzureOpenAI(azure_endpoint='https://r.openai.azure.com', api_version='2024-12-01-preview')",
    "from openai import AzureOpenAI\nclient = AzureOpenAI(azure_endpoint='https://r.openai.azure.com', api_version='2024-06-01')",
    "import anthropic\nclient = anthropic.Anthropic()",
    "import ollama\nclient = ollama.Client()",
    "from groq import Groq\nclient = Groq()",
]
METHODS = ["chat.completions.create", "chat.completions.parse", "responses.create", "completions.create",
           "messages.create", "messages.stream", "chat", "beta.chat.completions.parse"]
MODELS = ["gpt-4o", "o3-mini", "gpt-5", "gpt-4", "Qwen/Qwen3-8B", "claude-opus-4-5-20251101",
          "claude-opus-4-20250514", "llama3.2", "mistral-large-latest", "deepseek-chat", "unknown-model"]
NAMES = ["max_tokens", "max_completion_tokens", "max_output_tokens", "num_predict"]
VALUES = st.one_of(st.integers(min_value=1, max_value=10**10).map(str), st.sampled_from(["99999999", "32 * 1024", "1_000_000", "LIMIT"]))


@st.composite
def llm_call(draw) -> str:
    client = draw(st.sampled_from(CLIENTS))
    method = draw(st.sampled_from(METHODS))
    args = [f"model={draw(st.sampled_from(MODELS))!r}", "messages=[{'role': 'user', 'content': 'hi'}]"]
    for name in draw(st.lists(st.sampled_from(NAMES), max_size=2, unique=True)):
        value = draw(VALUES)
        if method == "chat" and draw(st.booleans()):
            args.append(f"options={{'temperature': 0, {name!r}: {value}}}")
        else:
            args.append(f"{name}={value}")
    draw(st.randoms()).shuffle(args)
    noqa = draw(st.sampled_from(["", "  # noqa", "  # noqa: TOK002", "  # tokenfix: provider=ollama"]))
    if draw(st.booleans()):
        call = f"reply = client.{method}(" + ", ".join(args) + ")" + noqa
    else:
        trailing = "," if draw(st.booleans()) else ""
        body = ",\n".join("    " + a for a in args)
        call = f"reply = client.{method}(\n{body}{trailing}{noqa}\n)"
    limit = f"LIMIT = {draw(VALUES.filter(lambda v: v != 'LIMIT'))}\n"
    return f"{client}\n{limit}{call}\n"


def newline_style(code: str, crlf: bool) -> str:
    return code.replace("\n", "\r\n") if crlf else code


def assert_invariants(data: bytes, unsafe: bool) -> None:
    result = analyze(data, "gen.py", KNOWLEDGE, Settings(), fix=True, unsafe_fixes=unsafe)
    if result.error:
        return
    fixed = result.fixed if result.changed else data
    cst.parse_module(fixed)  # the output parses
    again = analyze(fixed, "gen.py", KNOWLEDGE, Settings(), fix=True, unsafe_fixes=unsafe)
    assert not again.changed, "fix is not idempotent"
    # Every byte outside the reported edits is unchanged, pass by pass.
    current = data
    for _ in range(MAX_PASSES):
        step = one_pass(current, "gen.py", KNOWLEDGE, Settings(), CHECKS, True, unsafe)
        if not step.changed:
            break
        assert apply_edits(current, step) == step.fixed
        current = step.fixed
    assert current == fixed
    # Suppressed findings stay suppressed, before and after fixing. On a call written on one
    # line, a bare `# noqa` silences every finding of the call and `# noqa: CODE` that code.
    noqa_rows = {i + 1 for i, line in enumerate(fixed.decode(result.encoding).splitlines()) if "# noqa" in line and "noqa:" not in line}
    assert not any(f.row in noqa_rows for f in again.findings)
    for line in data.decode(result.encoding).splitlines():
        if line.startswith("reply = client.") and "# noqa" in line:
            code = line.split("# noqa: ")[1].strip() if "# noqa: " in line else None
            for findings in (result.findings, again.findings):
                assert not [f for f in findings if code is None or f.code == code], (line, [f.code for f in findings])


@given(hypothesmith.from_grammar())
def test_analysis_never_raises_on_generated_programs(program: str) -> None:
    analyze(program.encode("utf-8"), "gen.py", KNOWLEDGE, Settings(), fix=True, unsafe_fixes=True)


@given(llm_call(), st.booleans(), st.booleans())
def test_invariants_on_generated_llm_calls(code: str, crlf: bool, unsafe: bool) -> None:
    assert_invariants(newline_style(code, crlf).encode("utf-8"), unsafe)


@given(hypothesmith.from_node(), llm_call(), st.booleans())
def test_invariants_with_calls_spliced_into_generated_programs(program: str, code: str, unsafe: bool) -> None:
    data = (program.rstrip("\n") + "\n" + code).encode("utf-8") if program.strip() else code.encode("utf-8")
    try:
        cst.parse_module(data)
    except Exception:
        return  # hypothesmith occasionally ends in a construct that a trailing statement breaks
    assert_invariants(data, unsafe)
