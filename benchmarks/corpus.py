"""The benchmark's corpora, built on demand into a scratch folder.

"dense" files are modules the way application code calls LLM APIs: clients built at module
level, in `__init__` and in functions, then called from methods, with every surface tokenfix
knows (OpenAI chat/responses/legacy, Azure, Anthropic, Ollama native and OpenAI-compatible,
Groq, google.genai, LiteLLM, LangChain, raw requests/httpx), between ordinary helper code.
They are generated from a seed, so every run measures the same bytes.

"monorepo" is a tree of about 20,000 files: 1% dense, the rest this machine's standard
library repeated (code with no LLM calls, real in size and shape). The copies are hard links,
so 16 times the monorepo costs directory entries, not disk.
"""

from __future__ import annotations

import os
import random
import shutil
import sysconfig
from pathlib import Path

HEADER = '''"""{title}: generated for tokenfix's benchmark (seed {seed})."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field

import anthropic
import httpx
import litellm
import ollama
import requests
from google import genai
from google.genai import types
from groq import Groq
from langchain_anthropic import ChatAnthropic
from langchain_openai import ChatOpenAI
from openai import AsyncOpenAI, AzureOpenAI, OpenAI

log = logging.getLogger(__name__)

openai_client = OpenAI()
local = OpenAI(base_url="http://localhost:11434/v1", api_key="ollama")
silicon = OpenAI(base_url="https://api.siliconflow.cn/v1", api_key=os.environ.get("SF_KEY", ""))
azure = AzureOpenAI(azure_endpoint="https://acme.openai.azure.com", api_version="2024-06-01")
claude = anthropic.Anthropic()
gemini = genai.Client()
groq = Groq()
'''

FILLER = '''

@dataclass
class {name}Record:
    """One row of the {name} table, as stored."""

    key: str
    values: list[int] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)

    def total(self) -> int:
        return sum(v for v in self.values if v > {n})

    def describe(self) -> str:
        parts = [f"{{k}}={{v}}" for k, v in sorted(self.meta.items())]
        return f"{{self.key}}: " + ", ".join(parts)


def load_{lower}(path: str) -> list[{name}Record]:
    records = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip() or line.startswith("#"):
                continue
            try:
                raw = json.loads(line)
            except ValueError:
                log.warning("%s:%d: not JSON", path, number)
                continue
            records.append({name}Record(raw["key"], raw.get("values", []), raw.get("meta", {{}})))
    return records
'''

OPENAI_MODELS = ["gpt-4o", "gpt-4o-mini", "gpt-4.1", "o3-mini", "o4-mini", "gpt-5", "gpt-4-turbo"]
CLAUDE_MODELS = ["claude-3-5-haiku-20241022", "claude-sonnet-4-20250514", "claude-opus-4-5-20251101"]
OLLAMA_MODELS = ["llama3.1:8b", "llama3.2", "qwen2.5:7b", "mistral"]
GEMINI_MODELS = ["gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.0-flash"]
LIMITS = ["256", "512", "1024", "4000", "8192", "16000", "99999999", "1_000_000", "MAX_OUT", "settings.limit"]

# One template per surface; {i} makes names unique, {model}/{limit} vary per site.
SITES = [
    '''
def ask_openai_{i}(question: str) -> str:
    reply = openai_client.chat.completions.create(
        model="{model}",
        messages=[{{"role": "user", "content": question}}],
        max_tokens={limit},
        temperature=0.2,
    )
    return reply.choices[0].message.content or ""
''',
    '''
async def ask_async_{i}(question: str) -> str:
    client = AsyncOpenAI()
    reply = await client.chat.completions.create(model="{model}", messages=[{{"role": "user", "content": question}}], max_completion_tokens={limit})
    return reply.choices[0].message.content or ""
''',
    '''
def draft_{i}(prompt: str) -> str:
    response = openai_client.responses.create(model="{model}", input=prompt, max_tokens={limit})
    return response.output_text
''',
    '''
def legacy_{i}(prompt: str) -> str:
    return openai_client.completions.create(model="gpt-3.5-turbo-instruct", prompt=prompt, max_tokens={limit}).choices[0].text
''',
    '''
def local_chat_{i}(question: str) -> str:
    # Ollama's OpenAI-compatible API takes max_tokens only.
    reply = local.chat.completions.create(
        model="{ollama}",
        messages=[{{"role": "user", "content": question}}],
        max_completion_tokens={limit},
    )
    return reply.choices[0].message.content
''',
    '''
def native_{i}(question: str) -> str:
    reply = ollama.chat(model="{ollama}", messages=[{{"role": "user", "content": question}}], options={{"temperature": 0.1, "max_tokens": {limit}}})
    return reply["message"]["content"]
''',
    '''
def silicon_{i}(question: str) -> str:
    out = silicon.chat.completions.create(model="Qwen/Qwen2.5-7B-Instruct", messages=[{{"role": "user", "content": question}}], max_tokens={limit})
    return out.choices[0].message.content
''',
    '''
def azure_{i}(question: str) -> str:
    out = azure.chat.completions.create(model="{model}", messages=[{{"role": "user", "content": question}}], max_tokens={limit})
    return out.choices[0].message.content
''',
    '''
class Reviewer{i}:
    def __init__(self) -> None:
        self.client = anthropic.Anthropic()
        self.model = "{claude}"

    def review(self, diff: str) -> str:
        message = self.client.messages.create(
            model=self.model,
            system="You review code.",
            messages=[{{"role": "user", "content": diff}}],
        )
        return message.content[0].text

    def stream(self, diff: str):
        with self.client.messages.stream(model="{claude}", max_tokens={limit}, messages=[{{"role": "user", "content": diff}}]) as events:
            yield from events.text_stream
''',
    '''
def gemini_{i}(text: str) -> str:
    config = types.GenerateContentConfig(temperature=0.3, max_tokens={limit})
    return gemini.models.generate_content(model="{gemini}", contents=text, config=config).text
''',
    '''
def groq_{i}(question: str) -> str:
    params = {{"model": "llama-3.1-8b-instant", "messages": [{{"role": "user", "content": question}}], "max_tokens": {limit}}}
    return groq.chat.completions.create(**params).choices[0].message.content
''',
    '''
def routed_{i}(question: str) -> str:
    return litellm.completion(model="anthropic/{claude}", messages=[{{"role": "user", "content": question}}], max_tokens={limit}).choices[0].message.content
''',
    '''
def chain_{i}():
    llm = ChatOpenAI(model="{model}", max_tokens={limit}, temperature=0)
    critic = ChatAnthropic(model="{claude}", max_tokens={limit})
    return llm, critic
''',
    '''
def post_{i}(question: str) -> dict:
    payload = {{"model": "deepseek-ai/DeepSeek-V3", "messages": [{{"role": "user", "content": question}}], "max_tokens": {limit}}}
    return requests.post("https://api.siliconflow.cn/v1/chat/completions", json=payload, timeout=30).json()
''',
    '''
async def post_async_{i}(prompt: str) -> dict:
    async with httpx.AsyncClient() as http:
        body = {{"model": "{ollama}", "prompt": prompt, "options": {{"num_predict": {limit}}}}}
        response = await http.post("http://localhost:11434/api/generate", json=body)
        return response.json()
''',
]


def dense_file(seed: int, sites: int = 14) -> str:
    """One module with `sites` call sites drawn from every surface, between filler code."""
    rng = random.Random(seed)
    name = rng.choice(["Invoice", "Ticket", "Order", "Report", "Session", "Batch"]) + str(seed)
    parts = [HEADER.format(title=name, seed=seed), "MAX_OUT = 2048\n"]
    order = list(range(len(SITES)))
    rng.shuffle(order)
    for number in range(sites):
        template = SITES[order[number % len(order)]]
        parts.append(template.format(
            i=number, model=rng.choice(OPENAI_MODELS), claude=rng.choice(CLAUDE_MODELS),
            ollama=rng.choice(OLLAMA_MODELS), gemini=rng.choice(GEMINI_MODELS), limit=rng.choice(LIMITS)))
        if number % 4 == 3:
            parts.append(FILLER.format(name=f"{name}{number}", lower=f"{name.lower()}_{number}", n=number))
    return "\n".join(parts)


def stdlib_files() -> list[Path]:
    root = Path(sysconfig.get_paths()["stdlib"])
    skip = {"site-packages", "test", "tests", "idle_test", "lib2to3"}
    return sorted(p for p in root.rglob("*.py") if not skip.intersection(p.relative_to(root).parts))


def build_dense(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        (folder / f"llm_{n:04d}.py").write_text(dense_file(n), encoding="utf-8")
    return folder


def build_monorepo(folder: Path, files: int = 20_000, dense_share: float = 0.01, seed_base: int = 0) -> Path:
    """`files` modules in packages of 100: 1% dense, the rest standard-library modules, hard-linked."""
    if folder.exists():
        shutil.rmtree(folder)
    pool = _pool(folder.parent / "stdlib-pool")
    dense_every = round(1 / dense_share)
    for n in range(files):
        package = folder / f"pkg{n // 100:04d}"
        if n % 100 == 0:
            package.mkdir(parents=True)
            (package / "__init__.py").touch()
        if n % dense_every == dense_every - 1:
            (package / f"service_{n}.py").write_text(dense_file(seed_base + n), encoding="utf-8")
        else:
            os.link(pool[n % len(pool)], package / f"mod_{n}.py")
    return folder


def _pool(folder: Path) -> list[Path]:
    """A private copy of the standard library's modules, the source of every hard link."""
    sources = stdlib_files()
    if not folder.exists():
        folder.mkdir(parents=True)
        for n, source in enumerate(sources):
            shutil.copyfile(source, folder / f"{n:05d}_{source.name}")
    return sorted(folder.iterdir())
