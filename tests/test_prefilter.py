"""The prefilter's words come from the rules: no surface, limit name or check is skipped unseen."""

from __future__ import annotations

import textwrap
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from codemods.knowledge import load
from codemods.knowledge.config import Settings
from codemods.run import prefilter
from codemods.run.engine import analyze

from conftest import CASES, FIXTURES, tokenfix

SHIPPED = prefilter.for_findings(load())


def test_the_shipped_rules_give_the_words_every_finding_needs() -> None:
    assert set(SHIPPED.words) == {b"max_tokens", b"max_completion_tokens", b"max_output_tokens", b"num_predict",
                                  b"max_new_tokens", b"maxTokens", b"maxTokenCount",  # boto3's Converse inferenceConfig
                                  b"max_gen_len", b"max_tokens_to_sample", b"n_predict",  # Bedrock bodies, llama.cpp
                                  b"messages.create", b"messages.stream", b"messages.parse", b"messages.tool_runner", b"/v1/messages",
                                  b"session.create_message",  # MCP sampling requires max_tokens
                                  b"invoke_model", b"invoke_model_with_response_stream",  # Claude on Bedrock requires it
                                  # Anthropic's legacy completions.create requires max_tokens_to_sample: OpenAI's
                                  # completions.create does not, so the word is the SDK's package
                                  b"anthropic",
                                  b"claude"}  # TOK012: a Claude model through an OpenAI-compatible door, with no limit
    assert b"completions.create" not in SHIPPED.words
    assert SHIPPED.keys == (b"message", b"_tokens", b"invoke_model", b"maxToken", b"_predict", b"max_gen_len", b"anthropic", b"claude")


def test_the_inventory_reads_every_file_that_names_a_door() -> None:
    """`tokenfix sites`: a call without a limit word passes, a file without a door does not."""
    sites = prefilter.for_sites(load())
    assert sites(b"client.chat.completions.create(model='gpt-4o', messages=[])")
    assert sites(b"llm = ChatGroq(model='x')") and sites(b"co.chat_stream(model='x')")
    assert not SHIPPED(b"client.chat.completions.create(model='gpt-4o', messages=[])")
    assert not sites(b"import os\nprint(os.getcwd())\n")


def test_the_client_words_are_the_client_classes_of_the_rules() -> None:
    clients = prefilter.for_clients(load())
    assert b"OpenAI" in clients.words and b"Mistral" in clients.words and b"ChatOllama" in clients.words
    assert clients(b"x = OpenAI (\n)") and not clients(b"OpenAI = 1") and not clients(b"import openai")


def test_prefilter_never_drops_a_file_the_analysis_would_flag() -> None:
    inputs = sorted(FIXTURES.glob("*/input.py")) + sorted(CASES.glob("*/input.py"))
    assert len(inputs) > 50
    everything = Settings(select=("TOK",))
    flagged = 0
    for path in inputs:
        data = path.read_bytes()
        if analyze(data, str(path), load(), everything).findings:
            flagged += 1
            assert SHIPPED(data), path
    assert flagged > 40


@given(st.lists(st.sampled_from([*SHIPPED.words, *SHIPPED.keys, b"messages.", b"max_", b"num_", b"/v1/", b"create",
                                 b"x", b" ", b"\n", b"\x00", b"\xff"]), max_size=12))
def test_prefilter_literal_scan_is_the_trigger_regex(pieces: list[bytes]) -> None:
    """The literal searches are a faster spelling of `pattern`, never a different rule."""
    data = b"".join(pieces)
    assert SHIPPED(data) == (SHIPPED.pattern.search(data) is not None)


def test_keys_cover_every_word() -> None:
    for words in (["max_tokens", "max_new_tokens"], ["Groq", "AsyncGroq", "Client"], ["a"], ["ab", "abc", "zab"]):
        filt = prefilter.Prefilter(words)
        assert all(any(key in word for key in filt.keys) for word in filt.words), words


def test_a_raw_post_to_anthropic_without_a_limit_is_analysed(tmp_path: Path) -> None:
    """Before, the prefilter's words were a hand-written list without the raw HTTP door of a
    required surface: a POST to /v1/messages with no max_tokens was never parsed."""
    (tmp_path / "post.py").write_text(textwrap.dedent('''\
        import requests

        def ask(prompt):
            return requests.post(
                "https://api.anthropic.com/v1/messages",
                json={"model": "claude-sonnet-4-5-20250929", "messages": [{"role": "user", "content": prompt}]},
            )
    '''))
    res = tokenfix("check", "--no-cache", "--format", "concise", "post.py", cwd=tmp_path)
    assert res.returncode == 1 and b"TOK005" in res.stdout, res.stdout + res.stderr
    # the same through a gateway that says neither "anthropic" nor "claude" (words other checks bring):
    # only the required door's own word, its path, lets it through
    (tmp_path / "post.py").write_text(textwrap.dedent('''\
        import requests

        def ask(prompt):
            return requests.post("https://llm.internal.example/v1/messages",
                                 json={"model": "house-model", "messages": [{"role": "user", "content": prompt}]})
    '''))
    res = tokenfix("check", "--no-cache", "--format", "concise", "post.py", cwd=tmp_path)
    assert res.returncode == 1 and b"TOK005" in res.stdout, res.stdout + res.stderr


def test_a_limit_name_of_extra_rules_passes_the_prefilter(tmp_path: Path) -> None:
    """A team's own door with its own limit name: the prefilter and the analysis both know it
    from the rules, so the file is read and the absurd value reported."""
    (tmp_path / "rules.toml").write_text(textwrap.dedent('''\
        [[surface]]
        id = "acme.generate"
        kind = "sdk_method"
        methods = ["generate.create"]
        limit = "max_new_tokens"
        sdks = ["openai"]
        source = "https://acme.example/docs"
    '''))
    (tmp_path / "tokenfix.toml").write_text('extra-rules = ["rules.toml"]\n')
    (tmp_path / "gen.py").write_text(textwrap.dedent('''\
        from openai import OpenAI

        client = OpenAI()
        client.generate.create(model="gpt-4o", max_new_tokens=99999999)
    '''))
    res = tokenfix("check", "--no-cache", "--format", "concise", "gen.py", cwd=tmp_path)
    assert res.returncode == 1 and b"TOK001" in res.stdout and b"max_new_tokens" in res.stdout, res.stdout + res.stderr


def test_a_door_with_a_spread_passes_though_no_limit_word_is_in_the_file() -> None:
    """`create(**build_params())`: the limit may be in the imported helper's module only."""
    assert SHIPPED(b"client.chat.completions.create(**build_params(messages))")
    assert not SHIPPED(b"def f(**kwargs):\n    return chat(call(**kwargs))\n")  # no telling door word
    assert not SHIPPED(b"client.chat.completions.create(model='gpt-4o', messages=[])")  # no spread, no limit word
