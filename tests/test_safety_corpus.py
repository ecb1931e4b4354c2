"""The safety corpus: realistic working calls on which `fix` (safe fixes only, what the
`tokenfix-fix` hook runs) must leave every byte alone.

Each folder of tests/safety_corpus is a small project: clients built from spreads, the
environment (code, .env files, compose files), factories and parameters, proxies, Anthropic
timeouts, "not given" sentinels, names chosen per model, Azure deployments, wrappers and
pragmas. A fix there may be offered as unsafe, never applied as safe. The property below
builds client constructions with parts the analysis cannot see and asserts the same.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import hypothesis.strategies as st
from hypothesis import HealthCheck, given, settings

from codemods.knowledge.config import Settings
from codemods.run.engine import analyze
from codemods.knowledge import load
from conftest import tokenfix

CORPUS = Path(__file__).resolve().parent / "safety_corpus"
CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    shutil.copytree(CORPUS, root)
    for case in CASES:
        (root / case / ".git").mkdir()  # each case is a project: its .env files are its own
    return root


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_corpus_is_large_and_varied() -> None:
    assert len(CASES) >= 40
    texts = "\n".join(f"{p.name}\n{p.read_text()}" for p in CORPUS.rglob("*") if p.is_file())
    for shape in ("**", "os.environ", ".env", "compose", "timeout=", "NOT_GIVEN", "omit", "AzureOpenAI", "0.0.0.0:4000",
                  "tokenfix: provider=", "params.pop", "def make_client"):
        assert shape in texts, shape


def test_fix_leaves_every_working_call_alone(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    before = _files(root)
    result = tokenfix("fix", "--no-cache", str(root))
    assert result.returncode in (0, 1), result.stderr.decode()
    after = _files(root)
    changed = sorted(name for name in before if before[name] != after.get(name))
    assert changed == [], f"safe fixes changed working calls: {changed}\n{result.stdout.decode()}"


def test_no_finding_offers_a_safe_fix(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    result = tokenfix("check", "--no-cache", "--format", "json", str(root))
    assert result.returncode in (0, 1), result.stderr.decode()
    findings = json.loads(result.stdout)
    assert findings, "the corpus reports nothing at all: the unsafe fixes below went unchecked"
    safe = [(f["filename"], f["location"]["row"], f["code"]) for f in findings
            if f.get("fix") and f["fix"].get("applicability") == "safe"]
    assert safe == []


# -- the property ---------------------------------------------------------------------------

UNSEEN_ARGUMENTS = [
    "**kwargs", "*args", "**self.client_kwargs()", "base_url=cfg.url", "base_url=os.environ['LLM_URL']",
    "base_url=get_base_url()", "base_url=os.getenv('OPENAI_BASE_URL', 'https://api.openai.com/v1')",
    "base_url=settings.url or 'https://api.openai.com/v1'", "base_url=f'{host}/v1'", "**{**defaults, **overrides}",
]
UNSEEN_ENVIRONMENT = [  # {var}: the variable the client's own SDK reads its endpoint from
    "os.environ['{var}'] = cfg.url", "os.environ.update(load_env())", "os.putenv('{var}', url)",
    "os.environ[name] = value", "os.environ.update({var}=gateway)", "os.environ.setdefault('{var}', url)",
    "os.environ['{var}'] = 'http://0.0.0.0:4000'", "from dotenv import load_dotenv; load_dotenv('/etc/app/llm.env')",
]
SEEN_ARGUMENTS = ["api_key='k'", "max_retries=3", "organization='org'"]
CLIENTS = [("openai", "OpenAI"), ("openai", "AsyncOpenAI"), ("anthropic", "Anthropic"), ("groq", "Groq"),
           ("openai", "AzureOpenAI"), ("anthropic", "AsyncAnthropic")]
ENDPOINT_VARIABLES = {"openai": "OPENAI_BASE_URL", "anthropic": "ANTHROPIC_BASE_URL", "groq": "GROQ_BASE_URL"}
MODELS = ["gpt-4o", "o3-mini", "gpt-5", "claude-opus-4-5", "claude-sonnet-4-5", "gpt-4"]
LIMITS = ["max_tokens", "max_completion_tokens"]
VALUES = ["400", "32000", "99999999", "200000"]


@st.composite
def programs(draw) -> str:
    module, cls = draw(st.sampled_from(CLIENTS))
    hidden_args = draw(st.lists(st.sampled_from(UNSEEN_ARGUMENTS), max_size=2, unique_by=lambda a: a.split("=")[0]))
    hidden_env = [line.format(var=ENDPOINT_VARIABLES[module])
                  for line in draw(st.lists(st.sampled_from(UNSEEN_ENVIRONMENT), max_size=2, unique=True))]
    if not hidden_args and not hidden_env:
        hidden_args = [draw(st.sampled_from(UNSEEN_ARGUMENTS))]
    if hidden_env and not hidden_args and cls.startswith(("Azure",)):
        hidden_args = [draw(st.sampled_from(UNSEEN_ARGUMENTS))]  # Azure's endpoint is not what the env changes
    args = draw(st.permutations(hidden_args + draw(st.lists(st.sampled_from(SEEN_ARGUMENTS), max_size=2, unique=True))))
    args = sorted(args, key=lambda a: 2 if a.startswith("**") else 0 if a.startswith("*") else 1)  # Python's order
    method = "messages.create" if module == "anthropic" else "chat.completions.create"
    limit = "max_tokens" if module == "anthropic" else draw(st.sampled_from(LIMITS))
    call = f"client.{method}(model={draw(st.sampled_from(MODELS))!r}, messages=[], {limit}={draw(st.sampled_from(VALUES))})"
    lines = ["import os", f"from {module} import {cls}", *hidden_env, f"client = {cls}({', '.join(args)})", call, ""]
    return "\n".join(lines)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_no_safe_fix_rests_on_an_unseen_endpoint(source: str) -> None:
    result = analyze(source.encode(), "app.py", load(), Settings(), fix=True)
    assert result.error is None, (source, result.error)
    safe = [(f.code, f.message) for f in result.findings if f.fix is not None and f.fix.applicability == "safe"]
    assert safe == [], source
    assert not result.changed, source


def test_stdin_reads_the_env_files_of_its_folder(tmp_path: Path) -> None:
    """An editor's `fix -` with --stdin-filename sees the project's .env as a run on disk does."""
    code = b'from openai import OpenAI\nc = OpenAI()\nc.chat.completions.create(model="gpt-4o", messages=[], max_tokens=10)\n'
    (tmp_path / ".git").mkdir()
    (tmp_path / ".env").write_text("OPENAI_BASE_URL=https://gateway.example/v1\n")
    redirected = tokenfix("fix", "--no-cache", "--stdin-filename", "app.py", "-", cwd=tmp_path, input=code)
    assert redirected.stdout == code
    (tmp_path / ".env").unlink()
    plain = tokenfix("fix", "--no-cache", "--stdin-filename", "app.py", "-", cwd=tmp_path, input=code)
    assert plain.stdout == code.replace(b"max_tokens", b"max_completion_tokens")
