"""Each kind of door, in django-upgrade's style: plain no-op and transformed cases on dedented strings.

`check_noop(source)`: nothing is reported and nothing changes. `check_transformed(source,
expected)`: `fix --unsafe-fixes` turns one into the other. `check_codes` pins what is
reported where a fix is not the point. The rows these doors come from are data
(rules/surfaces.toml); the Mistral SDK's door is a row alone, the Agents SDK's ModelSettings a
row of the settings_object kind.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import codemods
from codemods.knowledge import KnowledgeError, load
from codemods.knowledge.config import Settings

from conftest import tokenfix


def _dedent(source: str) -> str:
    return textwrap.dedent(source).lstrip("\n")


def check_noop(source: str, settings: Settings | None = None) -> None:
    source = _dedent(source)
    assert [(f.row, f.code) for f in codemods.analyze(source, settings=settings)] == []
    assert codemods.fix_source(source, settings=settings, unsafe_fixes=True) == source


def check_transformed(source: str, expected: str, settings: Settings | None = None) -> None:
    assert codemods.fix_source(_dedent(source), settings=settings, unsafe_fixes=True) == _dedent(expected)


def check_codes(source: str, expected: list[tuple[int, str]], settings: Settings | None = None) -> None:
    assert [(f.row, f.code) for f in codemods.analyze(_dedent(source), settings=settings)] == expected


# -- sdk_method -------------------------------------------------------------------------------
def test_sdk_method_noop_with_the_right_name() -> None:
    check_noop("""
        from openai import OpenAI

        client = OpenAI()
        client.responses.create(model="gpt-4o", input="hi", max_output_tokens=1024)
    """)


def test_sdk_method_noop_on_something_that_is_no_client() -> None:
    check_noop("""
        class Client:
            def complete(self, **kw):
                return kw

        Client().chat.complete(model="x", max_completion_tokens=10)
    """)


def test_sdk_method_transformed_through_a_pass_through_hop() -> None:
    check_transformed("""
        from openai import OpenAI

        client = OpenAI()
        client.with_raw_response.responses.create(model="gpt-4o", input="hi", max_tokens=1024)
    """, """
        from openai import OpenAI

        client = OpenAI()
        client.with_raw_response.responses.create(model="gpt-4o", input="hi", max_output_tokens=1024)
    """)


def test_sdk_method_mistral_is_a_row_alone() -> None:
    check_transformed("""
        from mistralai import Mistral

        client = Mistral(api_key="k")
        client.chat.complete(model="mistral-large-latest", messages=[], max_completion_tokens=512)
        client.chat.stream(model="mistral-large-latest", messages=[], max_output_tokens=512)
    """, """
        from mistralai import Mistral

        client = Mistral(api_key="k")
        client.chat.complete(model="mistral-large-latest", messages=[], max_tokens=512)
        client.chat.stream(model="mistral-large-latest", messages=[], max_tokens=512)
    """)


def test_sdk_method_mistral_2x_import_and_async() -> None:
    check_codes("""
        from mistralai.client import Mistral

        async def go():
            client = Mistral(api_key="k")
            await client.chat.complete_async(model="mistral-small-latest", messages=[], max_tokens=99999999)
    """, [(5, "TOK001")])


def test_sdk_method_mistral_noop_with_max_tokens() -> None:
    check_noop("""
        from mistralai import Mistral

        client = Mistral(api_key="k")
        client.chat.complete(model="mistral-large-latest", messages=[], max_tokens=512)
    """)


def test_sdk_method_mistral_methods_on_another_client_are_not_mistral() -> None:
    check_noop("""
        from openai import OpenAI

        client = OpenAI()
        client.chat.complete(model="gpt-4o", max_completion_tokens=512)
    """)


# -- sdk_function -----------------------------------------------------------------------------
def test_sdk_function_noop_with_num_predict() -> None:
    check_noop("""
        import ollama

        ollama.chat(model="llama3", messages=[], options={"num_predict": 256})
    """)


def test_sdk_function_transformed() -> None:
    check_transformed("""
        import ollama

        ollama.chat(model="llama3", messages=[], options={"max_tokens": 256})
    """, """
        import ollama

        ollama.chat(model="llama3", messages=[], options={"num_predict": 256})
    """)


def test_sdk_function_as_a_method_of_the_client() -> None:
    check_codes("""
        from ollama import Client

        client = Client(host="http://localhost:11434")
        client.generate(model="llama3", prompt="hi", options={"max_tokens": 256})
    """, [(4, "TOK004")])


# -- constructor ------------------------------------------------------------------------------
def test_constructor_noop() -> None:
    check_noop("""
        from langchain_ollama import ChatOllama

        llm = ChatOllama(model="llama3", num_predict=256)
    """)


def test_constructor_and_its_bind() -> None:
    check_codes("""
        from langchain_ollama import ChatOllama

        llm = ChatOllama(model="llama3", max_tokens=256)
        short = llm.bind(max_tokens=64)
    """, [(3, "TOK009"), (4, "TOK009")])


def test_constructor_never_inserts_a_limit() -> None:
    check_noop("""
        from langchain_anthropic import ChatAnthropic

        llm = ChatAnthropic(model="claude-haiku-4-5-20251001")
    """)


# -- http_post --------------------------------------------------------------------------------
def test_http_post_noop_on_an_unknown_path() -> None:
    check_noop("""
        import requests

        requests.post("https://api.openai.com/v1/embeddings", json={"model": "x", "max_completion_tokens": 5})
    """)


def test_http_post_transformed_on_a_session() -> None:
    check_transformed("""
        import httpx

        with httpx.Client() as http:
            http.post("http://localhost:11434/api/generate", json={"model": "llama3", "options": {"max_tokens": 64}})
    """, """
        import httpx

        with httpx.Client() as http:
            http.post("http://localhost:11434/api/generate", json={"model": "llama3", "options": {"num_predict": 64}})
    """)


def test_http_post_on_something_that_is_no_http_session() -> None:
    check_noop("""
        class Poster:
            def post(self, url, json):
                return url

        p = Poster()
        p.post("http://localhost:11434/api/generate", json={"model": "llama3", "options": {"max_tokens": 64}})
    """)


# -- settings_object (the OpenAI Agents SDK) --------------------------------------------------
def test_settings_object_noop() -> None:
    check_noop("""
        from agents import Agent, ModelSettings

        agent = Agent(name="a", model="gpt-4.1", model_settings=ModelSettings(max_tokens=2048))
    """)


def test_settings_object_transformed_wrong_names() -> None:
    check_transformed("""
        from agents import Agent, ModelSettings, RunConfig

        settings = ModelSettings(max_completion_tokens=512)
        agent = Agent(name="a", model="gpt-5-mini", model_settings=settings)
        config = RunConfig(model_settings=ModelSettings(max_output_tokens=256))
    """, """
        from agents import Agent, ModelSettings, RunConfig

        settings = ModelSettings(max_tokens=512)
        agent = Agent(name="a", model="gpt-5-mini", model_settings=settings)
        config = RunConfig(model_settings=ModelSettings(max_tokens=256))
    """)


def test_settings_object_takes_the_model_of_its_run_config() -> None:
    check_codes("""
        from agents import ModelSettings, RunConfig

        config = RunConfig(model="gpt-4o", model_settings=ModelSettings(max_tokens=5_000_000))
    """, [(3, "TOK001")])
    found = codemods.analyze(_dedent("""
        from agents import ModelSettings, RunConfig

        config = RunConfig(model="gpt-4o", model_settings=ModelSettings(max_tokens=5_000_000))
    """))
    assert "gpt-4o's context window (128,000 tokens)" in found[0].message
    assert found[0].fix.applicability == "unsafe"  # the SDK's default client may be replaced anywhere


def test_settings_object_on_an_agent_the_model_may_be_replaced() -> None:
    found = codemods.analyze(_dedent("""
        from agents import Agent, ModelSettings

        agent = Agent(name="a", model="gpt-4.1", model_settings=ModelSettings(max_tokens=99999999))
    """))
    assert [(f.row, f.code) for f in found] == [(3, "TOK001")]
    assert any("RunConfig(model=...) may replace Agent's model" in e.text for e in found[0].evidence)


def test_settings_object_given_to_something_else_has_no_model() -> None:
    found = codemods.analyze(_dedent("""
        from agents import ModelSettings

        loose = ModelSettings(max_tokens=99999999)
    """))
    assert [(f.row, f.code) for f in found] == [(3, "TOK001")]
    assert "every known context window" in found[0].message


def test_settings_object_of_another_library_is_not_the_agents_sdk() -> None:
    check_noop("""
        from mylib import ModelSettings

        ModelSettings(max_completion_tokens=5)
    """)


# -- the kinds' schemas -----------------------------------------------------------------------
def _rules(tmp_path: Path, row: str) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(_dedent(row))
    return path


def test_an_unknown_key_of_a_kind_is_an_error_naming_the_file_and_the_key(tmp_path: Path) -> None:
    path = _rules(tmp_path, """
        [[surface]]
        id = "x"
        kind = "sdk_method"
        paths = ["/v1/x"]
        limit = "max_tokens"
        source = "https://x"
    """)
    with pytest.raises(KnowledgeError) as err:
        load([path])
    assert str(err.value).startswith(f"{path}: surface #1: unknown key(s) paths for kind sdk_method; allowed: ")


def test_an_unknown_kind_is_an_error(tmp_path: Path) -> None:
    path = _rules(tmp_path, """
        [[surface]]
        id = "x"
        kind = "sdk"
        limit = "max_tokens"
        source = "https://x"
    """)
    with pytest.raises(KnowledgeError) as err:
        load([path])
    assert str(err.value) == (f"{path}: surface #1: unknown kind 'sdk'; kinds: constructor, http_post, sdk_function, "
                              "sdk_method, settings_object")


def test_a_kind_key_of_the_wrong_type_is_named(tmp_path: Path) -> None:
    path = _rules(tmp_path, """
        [[surface]]
        id = "x"
        kind = "settings_object"
        owners = "agents.Agent"
        limit = "max_tokens"
        source = "https://x"
    """)
    with pytest.raises(KnowledgeError, match=r"surface #1: owners must be a list of strings"):
        load([path])


def test_the_cli_says_which_file_holds_the_bad_row(tmp_path: Path) -> None:
    _rules(tmp_path, """
        [[surface]]
        id = "x"
        kind = "http_post"
        methods = ["a.b"]
        limit = "max_tokens"
        source = "https://x"
    """)
    (tmp_path / "tokenfix.toml").write_text('extra-rules = ["rules.toml"]\n')
    (tmp_path / "a.py").write_text("x = 1\n")
    res = tokenfix("check", "--no-cache", "a.py", cwd=tmp_path)
    err = res.stderr.decode()
    assert res.returncode == 2 and "Traceback" not in err
    assert f"{tmp_path / 'rules.toml'}: surface #1: unknown key(s) methods for kind http_post" in err


def test_every_shipped_row_has_a_known_kind() -> None:
    knowledge = load()
    assert {s.kind for s in knowledge.surfaces} == {"sdk_method", "sdk_function", "constructor", "http_post", "settings_object"}
    assert all(type(s.options).__module__ == f"codemods.surfaces.{s.kind}" for s in knowledge.surfaces)


def test_settings_object_an_agents_model_never_makes_a_fix_safe() -> None:
    """Even with the endpoint stated (a pragma), the Agent's model may be replaced by a
    RunConfig at run time: the value fix that rests on it stays unsafe; on a RunConfig, whose
    model is the one that runs, it is safe."""
    on_agent = codemods.analyze(_dedent("""
        from agents import Agent, ModelSettings

        # tokenfix: provider=openai
        agent = Agent(name="a", model="gpt-4.1", model_settings=ModelSettings(max_tokens=99999999))
    """))
    on_config = codemods.analyze(_dedent("""
        from agents import ModelSettings, RunConfig

        # tokenfix: provider=openai
        config = RunConfig(model="gpt-4.1", model_settings=ModelSettings(max_tokens=99999999))
    """))
    assert [f.fix.applicability for f in on_agent] == ["unsafe"]
    assert [f.fix.applicability for f in on_config] == ["safe"]


def test_settings_object_a_model_object_leaves_the_endpoint_unknown() -> None:
    """`OpenAIChatCompletionsModel(model=..., openai_client=...)`: the model is named, the client
    is not read here, so the provider is not the model's and no configured provider applies."""
    from codemods.knowledge import load as load_rules
    from codemods.run.engine import analyze

    source = _dedent("""
        from agents import Agent, ModelSettings, OpenAIChatCompletionsModel

        model = OpenAIChatCompletionsModel(model="gpt-4.1", openai_client=client)
        agent = Agent(name="a", model=model, model_settings=ModelSettings(max_tokens=99999999))
    """).encode()
    result = analyze(source, "a.py", load_rules(), Settings())
    [site] = result.sites
    assert site.target.opaque and site.target.provider is None and site.target.model_name == "gpt-4.1"
    assert [f.fix.applicability for f in result.findings] == ["unsafe"]


def test_a_rename_on_a_door_guessed_from_its_method_and_model_is_unsafe() -> None:
    """`x.chat.complete(model="mistral-large-latest", ...)` on a parameter: the method and the
    model say Mistral's SDK, but `x` may be a wrapper that takes the name; only a door seen (a
    traced client, a qualified name) makes the rename safe."""
    guessed = codemods.analyze(_dedent("""
        def go(x):
            return x.chat.complete(model="mistral-large-latest", messages=[], max_completion_tokens=5)
    """))
    seen = codemods.analyze(_dedent("""
        from mistralai import Mistral

        Mistral(api_key="k").chat.complete(model="mistral-large-latest", messages=[], max_completion_tokens=5)
    """))
    assert [(f.code, f.fix.applicability) for f in guessed] == [("TOK004", "unsafe")]
    assert [(f.code, f.fix.applicability) for f in seen] == [("TOK004", "safe")]


def test_a_required_limit_is_added_safely_only_where_the_door_is_seen() -> None:
    """`x.messages.create(model="claude-...")` on an untraced `x`: the method and the model say
    Anthropic's SDK, but `x` may be another library's object, which a new keyword would break."""
    guessed = codemods.analyze(_dedent("""
        def go(x):
            return x.messages.create(model="claude-haiku-4-5", messages=[])
    """))
    seen = codemods.analyze(_dedent("""
        import anthropic

        anthropic.Anthropic().messages.create(model="claude-haiku-4-5", messages=[])
    """))
    assert [(f.code, f.fix.applicability) for f in guessed] == [("TOK005", "unsafe")]
    assert [(f.code, f.fix.applicability) for f in seen] == [("TOK005", "safe")]
