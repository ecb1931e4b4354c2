"""Clients built in one module and imported into another are traced through the run's index."""

from __future__ import annotations

from pathlib import Path

from codemods.analysis.clientindex import ClientIndex, module_names
from codemods.knowledge import load
from conftest import tokenfix

LLM = '''import os
from openai import AzureOpenAI, OpenAI

client = OpenAI()
local = OpenAI(base_url=os.getenv("OLLAMA_URL", "http://localhost:11434/v1"), api_key="ollama")
azure = AzureOpenAI(azure_endpoint="https://r.openai.azure.com", api_version="2024-06-01")
maybe = OpenAI(base_url=os.environ["GATEWAY"])
'''

USER = '''from app.llm import client, local, maybe
from .. import llm
from ..llm import azure


def a():
    return client.chat.completions.create(model="gpt-5-mini", messages=[], max_tokens=2000)


def b():
    return local.chat.completions.create(model="llama3.1", messages=[], max_completion_tokens=300)


def c():
    return llm.client.chat.completions.create(model="gpt-4o", messages=[], max_tokens=500)


def d():
    return azure.chat.completions.create(model="gpt-4o", messages=[], max_completion_tokens=300)


def e():
    return maybe.chat.completions.create(model="gpt-4o", messages=[], max_tokens=500)
'''

EXPECTED = USER.replace('model="gpt-5-mini", messages=[], max_tokens=2000', 'model="gpt-5-mini", messages=[], max_completion_tokens=2000') \
    .replace('model="gpt-4o", messages=[], max_tokens=500)\n\n\ndef d', 'model="gpt-4o", messages=[], max_completion_tokens=500)\n\n\ndef d')


def make_tree(root: Path) -> Path:
    (root / "app" / "services").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "services" / "__init__.py").write_text("")
    (root / "app" / "llm.py").write_text(LLM)
    user = root / "app" / "services" / "user.py"
    user.write_text(USER)
    return user


def test_imported_clients_drive_the_fix(tmp_path: Path) -> None:
    user = make_tree(tmp_path)
    res = tokenfix("check", "--format", "json", str(tmp_path))
    import json

    found = sorted((d["location"]["row"], d["code"]) for d in json.loads(res.stdout))
    # a: OpenAI reasoning; b: Ollama via env default; c: module attribute; d: old Azure
    # api-version (reported, no fix); e: a gateway from the environment stays unknown.
    assert found == [(7, "TOK002"), (11, "TOK003"), (15, "TOK002"), (19, "TOK003")]
    assert tokenfix("fix", str(tmp_path)).returncode == 1  # d's finding has no fix
    assert user.read_text() == EXPECTED


def test_module_names(tmp_path: Path) -> None:
    user = make_tree(tmp_path)
    assert module_names(user, [tmp_path]) == ["app.services.user"]
    (tmp_path / "src" / "pkg").mkdir(parents=True)
    plain = tmp_path / "src" / "pkg" / "mod.py"
    plain.write_text("")
    # A script folder is on sys.path when run from there: "mod" is importable as such too.
    assert module_names(plain, [tmp_path]) == ["mod", "pkg.mod"]


def test_index_records_only_single_module_level_clients(tmp_path: Path) -> None:
    make_tree(tmp_path)
    (tmp_path / "twice.py").write_text("from openai import OpenAI\nc = OpenAI()\nc = OpenAI(base_url='http://localhost:11434/v1')\n")
    (tmp_path / "broken.py").write_text("from openai import OpenAI\nc = OpenAI(\n")
    files = sorted(tmp_path.rglob("*.py"))
    index = ClientIndex.build(files, [tmp_path], load())
    assert index.lookup("app.llm.client").class_name == "openai.OpenAI"
    assert index.lookup("app.llm.local").url == "http://localhost:11434/v1"
    assert index.lookup("app.llm.azure").api_version == "2024-06-01"
    assert index.lookup("twice.c") is None


def test_one_file_run_sees_the_clients_of_modules_it_imports(tmp_path: Path) -> None:
    """pre-commit passes only the changed files: the unchanged module that builds the client
    is still read, so the findings match those of a run over the whole tree."""
    import json

    user = make_tree(tmp_path)
    whole = json.loads(tokenfix("check", "--format", "json", str(tmp_path)).stdout)
    alone = json.loads(tokenfix("check", "--format", "json", str(user), cwd=tmp_path).stdout)
    assert [(d["location"]["row"], d["code"]) for d in alone] == [(d["location"]["row"], d["code"]) for d in whole]
    assert len(alone) == 4


def test_imported_modules() -> None:
    from codemods.analysis.modules import imported_modules

    code = b"""import os, app.llm as llm
from openai import OpenAI
from .. import shared
from .sibling import (
    client as c,
    other,
)
x = 1; from pkg.deep import thing
if True:
    import \\
        spaced.mod
"""
    found = imported_modules(code, ["app.services.user"])
    assert {"os", "app", "app.llm", "openai", "openai.OpenAI", "app.shared",
            "app.services.sibling", "app.services.sibling.client", "app.services.sibling.other",
            "pkg", "pkg.deep", "pkg.deep.thing", "spaced", "spaced.mod"} <= found
    assert "llm" not in found and "c" not in found
    assert imported_modules(b"from ... import x\n", ["top"]) == set()  # beyond the top package


def test_index_holds_only_what_the_file_imports(tmp_path: Path) -> None:
    from codemods.analysis.clientindex import Directory

    user = make_tree(tmp_path)
    (tmp_path / "app" / "unrelated.py").write_text("from openai import OpenAI\nother = OpenAI()\n")
    files = sorted(tmp_path.rglob("*.py"))
    directory = Directory(files, [tmp_path], load())
    index = directory.index_for(user, user.read_bytes(), module_names(user, [tmp_path]))
    assert sorted(index.clients) == ["app.llm.azure", "app.llm.client", "app.llm.local", "app.llm.maybe"]
    assert index.lookup("app.unrelated.other") is None


ONE_READER_CLIENTS = '''import os
from anthropic import Anthropic
from openai import OpenAI

local = OpenAI(base_url=os.getenv("X", default="http://localhost:11434/v1"))
spread = OpenAI(**SETTINGS)
claude = Anthropic(timeout=900)
tagged = OpenAI(base_url=CFG.url)  # tokenfix: provider=ollama
'''
ONE_READER_CALLS = '''
local.chat.completions.create(model="llama3", messages=[], max_completion_tokens=100)
spread.chat.completions.create(model="gpt-4o", messages=[], max_tokens=100)
claude.messages.create(model="claude-opus-4-5", messages=[], max_tokens=32000)
tagged.chat.completions.create(model="llama3", messages=[], max_completion_tokens=100)
'''


def _evidence_headlines(text: str) -> list[str]:
    return [line.split(": ", 1)[1] for line in text.splitlines() if " -> provider " in line]


def test_one_construction_gives_one_target_wherever_it_is_used(tmp_path: Path) -> None:
    """clients.py reads a construction the same way for the module and for its importers."""
    (tmp_path / "same").mkdir()
    (tmp_path / "same" / "app.py").write_text(ONE_READER_CLIENTS + ONE_READER_CALLS)
    (tmp_path / "split").mkdir()
    (tmp_path / "split" / "clients.py").write_text(ONE_READER_CLIENTS)
    (tmp_path / "split" / "app.py").write_text("from clients import claude, local, spread, tagged\n" + ONE_READER_CALLS)
    same = tokenfix("check", "--no-cache", "--show-evidence", str(tmp_path / "same"))
    split = tokenfix("check", "--no-cache", "--show-evidence", str(tmp_path / "split"))
    headlines = _evidence_headlines(same.stdout.decode())
    assert headlines == [
        "openai.chat.completions -> provider ollama (fallback), model llama3 (not in the knowledge base)",
        "openai.chat.completions -> provider unknown (unresolvable), model gpt-4o",
        "anthropic.messages -> provider anthropic (client), model claude-opus-4-5-20251101",
        "openai.chat.completions -> provider ollama (pragma), model llama3 (not in the knowledge base)",
    ]
    assert _evidence_headlines(split.stdout.decode()) == headlines
    # Neither the Anthropic clamp (the client's timeout lifts the SDK cap) nor a rename is safe here.
    assert "TOK006" not in same.stdout.decode() and "TOK006" not in split.stdout.decode()


FACTORIES = '''import functools
import os

from openai import OpenAI


@functools.cache
def get_client():
    return OpenAI(base_url="https://api.deepseek.com", api_key=os.environ["DEEPSEEK_API_KEY"])


def from_env():
    return OpenAI(base_url=os.environ["GATEWAY"])
'''


def test_an_imported_factory_is_its_client(tmp_path: Path) -> None:
    """`from app.llm import get_client`: the factory's construction is read as a module-level client's."""
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "llm.py").write_text(FACTORIES)
    (tmp_path / "app" / "use.py").write_text(
        "from app.llm import from_env, get_client\n\n"
        "get_client().chat.completions.create(model='deepseek-chat', messages=[], max_completion_tokens=100)\n"
        "client = from_env()\n"
        "client.chat.completions.create(model='gpt-5-mini', messages=[], max_tokens=100)\n")
    (tmp_path / "app" / "through_module.py").write_text(
        "import app.llm as llm\n\nllm.get_client().chat.completions.create(model='deepseek-chat', messages=[], max_tokens=100)\n")
    res = tokenfix("sites", "--format", "json", str(tmp_path))
    import json

    rows = [(Path(s["filename"]).name, s["row"], s["provider"], s["provider_source"], s["endpoint_unseen"])
            for s in json.loads(res.stdout)["sites"]]
    assert rows == [("through_module.py", 3, "deepseek", "client", False), ("use.py", 3, "deepseek", "client", False),
                    ("use.py", 5, None, None, True)]
    fixed = tokenfix("fix", "--no-cache", str(tmp_path / "app" / "use.py"))
    assert fixed.returncode == 0, fixed.stderr  # DeepSeek's call renamed; the gateway's: nothing says where it goes
    text = (tmp_path / "app" / "use.py").read_text()
    assert "model='deepseek-chat', messages=[], max_tokens=100)" in text
    assert text.endswith("model='gpt-5-mini', messages=[], max_tokens=100)\n")


CONFIG = '''import os


class Config:
    MODEL = "gpt-5-mini"
    FAST_MODEL = "gpt-4o-mini"
    MAX_TOKENS = 99999999


DEFAULT_MODEL = "o3"
SUMMARY_MAX_TOKENS = 1500
EMBEDDING_MODEL = os.getenv("EMBEDDING_MODEL", "text-embedding-3-small")
CHAT_MODEL = "gpt-4o"
if os.getenv("CHEAP"):
    CHAT_MODEL = "gpt-4o-mini"
Config.FAST_MODEL = os.getenv("FAST_MODEL", "gpt-4o-mini")
'''

CONFIG_USER = '''from openai import OpenAI

from app import config
from app.config import CHAT_MODEL, DEFAULT_MODEL, SUMMARY_MAX_TOKENS, Config

client = OpenAI()


def a():
    return client.chat.completions.create(model=Config.MODEL, messages=[], max_tokens=Config.MAX_TOKENS)


def b():
    return client.chat.completions.create(model=DEFAULT_MODEL, messages=[], max_tokens=SUMMARY_MAX_TOKENS)


def c():
    return client.chat.completions.create(model=config.DEFAULT_MODEL, messages=[], max_tokens=200)


def d():
    # bound twice, or reassigned from outside the class: decided at run time
    return client.chat.completions.create(model=CHAT_MODEL, messages=[], max_tokens=99999999)


def e():
    return client.chat.completions.create(model=Config.FAST_MODEL, messages=[], max_tokens=99999999)
'''


def test_model_and_limit_constants_of_an_imported_module_are_read(tmp_path: Path) -> None:
    """`Config.MODEL` and `from app.config import DEFAULT_MODEL`: the literal the config module binds
    once; a constant there edited by a fix would change every importer, so value fixes pass the
    value at the call (unsafe); a name bound twice or reassigned is not read."""
    app = tmp_path / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "config.py").write_text(CONFIG)
    (app / "user.py").write_text(CONFIG_USER)
    res = tokenfix("check", "--no-cache", "--format", "json", str(tmp_path))
    import json

    found = {(f["location"]["row"], f["code"]): f for f in json.loads(res.stdout)}
    assert "gpt-5-mini is a reasoning model" in found[(10, "TOK002")]["message"]
    assert "exceeds gpt-5-mini's context window" in found[(10, "TOK001")]["message"]
    assert found[(10, "TOK001")]["fix"]["applicability"] == "unsafe"
    assert found[(10, "TOK001")]["fix"]["message"] == "Pass 65536 here instead of app.config.Config.MAX_TOKENS"
    assert "o3 is a reasoning model" in found[(14, "TOK002")]["message"]
    assert "o3 is a reasoning model" in found[(18, "TOK002")]["message"]
    assert "every known context window" in found[(23, "TOK001")]["message"]  # CHAT_MODEL: two bindings
    assert "every known context window" in found[(27, "TOK001")]["message"]  # Config.FAST_MODEL reassigned
    assert (app / "user.py").read_text() == CONFIG_USER


LAZY = '''import importlib


class LazyLiteLLM:
    _lazy_module = None

    def __getattr__(self, name):
        if name == "_lazy_module":
            return super()
        self._load_litellm()
        return getattr(self._lazy_module, name)

    def _load_litellm(self):
        if self._lazy_module is not None:
            return
        self._lazy_module = importlib.import_module("litellm")


litellm = LazyLiteLLM()
'''


def test_a_module_proxy_imported_from_another_module_is_the_module(tmp_path: Path) -> None:
    """aider's `litellm = LazyLiteLLM()`: its attributes are litellm's, so `litellm.completion`
    imported from there is LiteLLM's door, routed by the model's prefix."""
    app = tmp_path / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "llm.py").write_text(LAZY)
    (app / "user.py").write_text("from app.llm import litellm as lm\n\n\ndef ask():\n"
                                 "    return lm.completion(model='ollama/llama3', messages=[], max_tokens=256)\n")
    import json

    rows = json.loads(tokenfix("sites", "--format", "json", str(tmp_path)).stdout)["sites"]
    assert [(Path(s["filename"]).name, s["row"], s["surface"], s["provider"]) for s in rows] == [
        ("user.py", 5, "litellm.completion", "ollama")]


def test_a_helper_dict_of_an_imported_module_is_read_and_never_edited_here(tmp_path: Path) -> None:
    """`**build_params()` of `from app.params import build_params`: the keys the helper's one
    `return {...}` names are this call's, reported at the call; nothing of them is written here,
    so no fix (not even an unsafe one) edits this file."""
    app = tmp_path / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "params.py").write_text(
        'def build_params(messages):\n'
        '    return {"model": "gpt-5-mini", "messages": messages, "max_tokens": 99999999}\n')
    user = ("from openai import OpenAI\n\nfrom app.params import build_params\n\nclient = OpenAI()\n\n\n"
            "def ask(messages):\n    return client.chat.completions.create(**build_params(messages))\n")
    (app / "user.py").write_text(user)
    import json

    found = json.loads(tokenfix("check", "--no-cache", "--format", "json", str(app / "user.py")).stdout)
    assert sorted((f["location"]["row"], f["code"], f["fix"]) for f in found) == [(9, "TOK001", None), (9, "TOK002", None)]
    assert "gpt-5-mini is a reasoning model" in next(f["message"] for f in found if f["code"] == "TOK002")
    assert tokenfix("fix", "--unsafe-fixes", "--no-cache", str(tmp_path)).returncode == 1
    assert (app / "user.py").read_text() == user
