"""`tokenfix sites`: the inventory of every LLM call the analysis sees, with or without a limit."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import tokenfix
from test_notebook import notebook, plain

NO_LIMIT = 'from openai import OpenAI\nclient = OpenAI()\nclient.chat.completions.create(model="gpt-4o", messages=[])\n'
WITH_LIMIT = ('import anthropic\nclaude = anthropic.Anthropic()\n'
              'claude.messages.create(model="claude-haiku-4-5", messages=[], max_tokens=LIMIT)\nLIMIT = 1024\n')
NOT_LLM = 'import requests\nrequests.post("https://example.com/upload", json={"file": 1})\n'


def test_calls_without_a_limit_are_listed_which_check_never_reads(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(NO_LIMIT)
    (tmp_path / "b.py").write_text(WITH_LIMIT)
    (tmp_path / "c.py").write_text(NOT_LLM)
    res = tokenfix("sites", "--no-evidence", str(tmp_path))
    assert res.returncode == 0, res.stderr
    assert res.stdout.decode().splitlines() == [
        f"{tmp_path / 'a.py'}:3:1: openai.chat.completions -> provider openai (client), model gpt-4o; no limit",
        f"{tmp_path / 'b.py'}:3:1: anthropic.messages -> provider anthropic (client), model claude-haiku-4-5-20251001; max_tokens=1,024",
    ]
    assert res.stderr.decode().strip() == "2 LLM calls in 2 of 3 files: 1 with a limit, provider known for 2, model known for 2."
    # check reads only the file with a limit word: a.py's call never shows there
    shown = tokenfix("check", "--show-evidence", "--no-cache", str(tmp_path)).stdout.decode()
    assert "a.py" not in shown and "b.py:3:" in shown


def test_json_has_one_object_a_call_with_its_evidence(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(NO_LIMIT.replace('messages=[])', 'messages=[], max_completion_tokens=500)'))
    (item,) = json.loads(tokenfix("sites", "--format", "json", str(tmp_path)).stdout)["sites"]
    assert {k: item[k] for k in ("row", "column", "surface", "provider", "provider_source", "model", "model_origin", "limits")} == {
        "row": 3, "column": 1, "surface": "openai.chat.completions", "provider": "openai", "provider_source": "client",
        "model": "gpt-4o", "model_origin": "curated", "limits": [{"name": "max_completion_tokens", "value": 500}]}
    assert "line 2: client built by openai.OpenAI(...)" in item["evidence"]


def test_a_notebook_call_is_placed_in_its_cell(tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(notebook([plain(["x = 1\n"]), plain(NO_LIMIT.splitlines(keepends=True))])))
    (item,) = json.loads(tokenfix("sites", "--format", "json", str(path)).stdout)["sites"]
    assert (item["cell"], item["row"]) == (2, 3)
    text = tokenfix("sites", "--no-evidence", str(path)).stdout.decode()
    assert text.startswith(f"{path}:cell 2:3:1: openai.chat.completions")


def test_an_inventory_exits_0_with_calls_and_2_when_it_cannot_run(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(WITH_LIMIT.replace("max_tokens=LIMIT", "max_tokens=99999999"))
    assert tokenfix("sites", str(tmp_path)).returncode == 0  # a finding is check's business
    res = tokenfix("sites", "-")
    assert res.returncode == 2 and b"not stdin" in res.stderr
    (tmp_path / "pyproject.toml").write_text('[tool.tokenfix]\nprovider = "no-such-provider"\n')
    res = tokenfix("sites", str(tmp_path))
    assert res.returncode == 2 and b"Traceback" not in res.stderr


def test_boto3_client_is_bedrocks_only_for_bedrock_runtime(tmp_path: Path) -> None:
    """boto3.client(...) builds Bedrock's client only for the "bedrock-runtime" service (providers.toml `services`)."""
    (tmp_path / "a.py").write_text(
        "import boto3\n\n"
        "runtime = boto3.client('bedrock-runtime')\n"
        "other = boto3.client('sagemaker-runtime')\n"
        "runtime.converse(modelId='anthropic.claude-3-haiku-20240307-v1:0', messages=[], inferenceConfig={'maxTokens': 5})\n"
        "other.converse(modelId='x', messages=[], inferenceConfig={'maxTokens': 5})\n")
    rows = [(s["row"], s["surface"], s["provider"]) for s in json.loads(tokenfix("sites", "--format", "json", str(tmp_path)).stdout)["sites"]]
    assert rows == [(5, "bedrock.converse", "bedrock")]


def test_an_empty_tree_is_said_so(tmp_path: Path) -> None:
    res = tokenfix("sites", str(tmp_path))
    assert res.returncode == 0 and res.stdout == b""
    assert b"no Python files found under the given paths" in res.stderr


def test_a_pydantic_ai_agent_takes_its_provider_from_the_model_prefix(tmp_path: Path) -> None:
    """`Agent("groq:...")`: the prefix names the provider, which the model's name alone does not say."""
    (tmp_path / "a.py").write_text(
        "from pydantic_ai import Agent, ModelSettings\n\n"
        "agent = Agent('groq:llama-3.3-70b-versatile', model_settings=ModelSettings(max_tokens=512))\n"
        "local = Agent('ollama:qwen2.5', model_settings=ModelSettings(max_tokens=512))\n")
    rows = [(s["row"], s["provider"], s["provider_source"]) for s in json.loads(tokenfix("sites", "--format", "json", str(tmp_path)).stdout)["sites"]]
    assert [row[:2] for row in rows] == [(3, "groq"), (4, "ollama")], rows


def test_a_bare_call_in_a_llama_cpp_module_is_a_door_only_on_a_llama(tmp_path: Path) -> None:
    """`llm(prompt, ...)` on a `Llama(...)` is its door; `PromptTemplate()` beside it is not."""
    (tmp_path / "a.py").write_text(
        "from llama_cpp import Llama\n\n\nclass Local:\n    def __init__(self, path):\n"
        "        self.template = PromptTemplate()\n        self.path = path\n\n"
        "    def _model(self):\n        return Llama(model_path=self.path)\n\n"
        "    def ask(self, prompt):\n        model = self._model()\n        print(prompt)\n"
        "        return model(prompt, max_tokens=64)\n")
    rows = [(s["row"], s["surface"]) for s in json.loads(tokenfix("sites", "--format", "json", str(tmp_path)).stdout)["sites"]]
    assert rows == [(15, "llama_cpp.Llama")]


def test_an_invoke_model_of_an_embedding_model_is_no_door(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(
        "import json\nimport boto3\n\nrt = boto3.client('bedrock-runtime')\n"
        "rt.invoke_model(modelId='amazon.titan-embed-text-v2:0', body=json.dumps({'inputText': 'x'}))\n"
        "rt.invoke_model(modelId='cohere.embed-english-v3', body=json.dumps({'texts': ['x'], 'input_type': 'search_query'}))\n"
        "rt.invoke_model(modelId='meta.llama3-8b-instruct-v1:0', body=json.dumps({'prompt': 'x', 'max_gen_len': 64}))\n")
    rows = [(s["row"], s["surface"]) for s in json.loads(tokenfix("sites", "--format", "json", str(tmp_path)).stdout)["sites"]]
    assert rows == [(7, "bedrock.invoke_model.meta")]
