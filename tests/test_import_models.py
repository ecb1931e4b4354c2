"""scripts/import_models.py offline, on small sources in each format, and the imported layer of lookups."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import tarfile
import textwrap
import zipfile
from pathlib import Path

import pytest

import codemods
from codemods.knowledge import load

from conftest import ROOT

SCRIPT = ROOT / "scripts" / "import_models.py"
sys.path.insert(0, str(ROOT / "scripts"))
import import_models  # noqa: E402

LITELLM = {
    "sample_spec": {"max_tokens": "set to max_output_tokens if provider specifies it"},
    "gpt-x": {"litellm_provider": "openai", "mode": "chat", "max_input_tokens": 272000, "max_output_tokens": 128000,
              "supports_reasoning": True, "source": "https://openai.example/pricing"},
    "azure/gpt-x": {"litellm_provider": "azure", "mode": "chat", "max_input_tokens": 200000, "max_output_tokens": 100000},
    "mistral/mistral-big": {"litellm_provider": "mistral", "mode": "chat", "max_input_tokens": 128000, "max_output_tokens": 128000},
    "gpt-x-pro": {"litellm_provider": "openai", "mode": "responses", "max_input_tokens": 400000, "max_output_tokens": 272000},
    "llama3": {"litellm_provider": "ollama", "mode": "chat", "max_input_tokens": 8192},
    "text-embed": {"litellm_provider": "openai", "mode": "embedding", "max_input_tokens": 8192},
    "somegateway/gpt-x": {"litellm_provider": "somegateway", "mode": "chat", "max_input_tokens": 1},
    "gpt-old": {"litellm_provider": "openai", "mode": "chat", "max_input_tokens": 8192, "max_output_tokens": 4096,
                "deprecation_date": "2025-06-01", "successor_model": "openai/gpt-x"},
    "gpt-latest": {"alias_of": "gpt-newest"},  # an alias of an alias: followed to the model
    "gpt-newest": {"alias_of": "gpt-x"},
    "loop-a": {"alias_of": "loop-b"},  # a loop: never followed round, never imported
    "loop-b": {"alias_of": "loop-a"},
    "mistral/mistral-big-latest": {"alias_of": "mistral/mistral-big"},
}
MODELSDEV_OPENAI = textwrap.dedent('''\
    export const openaiModels = {
        id: "openai",
        name: "OpenAI",
        env: ["OPENAI_API_KEY"],
        models: {
            "gpt-x": {
                id: "gpt-x",
                reasoning: true,
                cost: { input: 1.25, output: 10, },
                limit: {
                    context: 400000,
                    output: 128000,
                },
            },
            "gpt-only-here": {
                id: "gpt-only-here",
                limit: { context: 32768, output: 4096 },
            },
        },
    };
''')
MODELSDEV_OTHER = 'export const otherModels = {\n    id: "other",\n    models: { "x": { limit: { context: 5 } } },\n};\n'


def _sources(tmp_path: Path) -> Path:
    """The two pinned files in the formats the importer reads, and a sources file pinning them."""
    folder = tmp_path / "sources"
    folder.mkdir()
    wheel = io.BytesIO()
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr("litellm/model_prices_and_context_window_backup.json", json.dumps(LITELLM))
        z.writestr("litellm-0.dist-info/licenses/LICENSE", "MIT License (LiteLLM, test)")
        z.writestr("litellm/__init__.py", "raise SystemExit('never run')")
    (folder / "litellm-0.whl").write_bytes(wheel.getvalue())
    bundle = io.BytesIO()
    with tarfile.open(fileobj=bundle, mode="w:gz") as t:
        for name, text in (("package/LICENSE", "MIT License (models.dev, test)"),
                           ("package/dist/providers/openai.js", MODELSDEV_OPENAI),
                           ("package/dist/providers/other.js", MODELSDEV_OTHER)):
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    (folder / "bundle-0.tgz").write_bytes(bundle.getvalue())
    sha = {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in ("litellm-0.whl", "bundle-0.tgz")}
    pins = tmp_path / "sources.toml"
    pins.write_text(textwrap.dedent(f'''\
        imported_on = "2026-01-01"
        [litellm]
        version = "0"
        file = "litellm-0.whl"
        sha256 = "{sha['litellm-0.whl']}"
        member = "litellm/model_prices_and_context_window_backup.json"
        licence_member = "litellm-0.dist-info/licenses/LICENSE"
        how = "pip download litellm==0"
        home = "https://litellm.example"
        [litellm.providers]
        openai = "openai"
        azure = "azure"
        mistral = "mistral"
        ollama = "ollama"
        [modelsdev]
        version = "0"
        package = "@test/models"
        file = "bundle-0.tgz"
        sha256 = "{sha['bundle-0.tgz']}"
        licence_member = "package/LICENSE"
        how = "npm pack @test/models@0"
        home = "https://models.example"
        [modelsdev.providers]
        openai = "openai"
    '''))
    return pins


def _run(tmp_path: Path, pins: Path, out: str = "out") -> subprocess.CompletedProcess:
    target = tmp_path / out
    target.mkdir(exist_ok=True)
    return subprocess.run([sys.executable, str(SCRIPT), "--from", str(tmp_path / "sources"), "--sources", str(pins),
                           "--out", str(target / "models.toml"), "--report", str(target / "review.md"),
                           "--notices", str(target / "NOTICES.txt")], capture_output=True, text=True, timeout=120)


def test_the_importer_writes_the_chat_models_of_the_mapped_providers(tmp_path: Path) -> None:
    pins = _sources(tmp_path)
    res = _run(tmp_path, pins)
    assert res.returncode == 0, res.stderr
    rows = import_models.tomllib.loads((tmp_path / "out" / "models.toml").read_text())["model"]
    by = {(r["id"], tuple(r["providers"])): r for r in rows}
    assert set(by) == {("gpt-x", ("azure",)), ("gpt-x", ("openai",)), ("gpt-x-pro", ("openai",)),
                       ("gpt-only-here", ("openai",)), ("mistral-big", ("mistral",)), ("gpt-old", ("openai",)),
                       ("gpt-latest", ("openai",)), ("gpt-newest", ("openai",)), ("mistral-big-latest", ("mistral",))}
    openai = by[("gpt-x", ("openai",))]
    # the window is models.dev's; LiteLLM's input cap is kept as max_input; both agree on the limits
    assert (openai["context"], openai["max_input"], openai["max_output"], openai["corroborated"]) == (400000, 272000, 128000, True)
    assert openai["source"] == "litellm 0 (https://openai.example/pricing); models.dev via @test/models 0"
    assert by[("gpt-x", ("azure",))]["context"] == 200000  # Azure's own limits, not OpenAI's
    assert "max_output" not in by[("mistral-big", ("mistral",))]  # equal to the window: a placeholder
    assert by[("gpt-x-pro", ("openai",))]["responses_only"] is True
    assert not by[("gpt-only-here", ("openai",))]["corroborated"]
    # retirement and successor, without LiteLLM's routing prefix; aliases carry what they name
    old = by[("gpt-old", ("openai",))]
    assert (old["deprecation_date"], old["successor"]) == ("2025-06-01", "gpt-x")
    latest = by[("gpt-latest", ("openai",))]
    assert (latest["alias_of"], latest["context"], latest["max_output"]) == ("gpt-x", 272000, 128000)
    assert "successor" not in latest and by[("mistral-big-latest", ("mistral",))]["alias_of"] == "mistral-big"
    header = (tmp_path / "out" / "models.toml").read_text().splitlines()[:5]
    assert any("litellm 0 (litellm-0.whl, sha256 " in line for line in header)
    notices = (tmp_path / "out" / "NOTICES.txt").read_text()
    assert "MIT License (LiteLLM, test)" in notices and "MIT License (models.dev, test)" in notices


def test_the_importer_is_deterministic(tmp_path: Path) -> None:
    pins = _sources(tmp_path)
    assert _run(tmp_path, pins, "a").returncode == 0 and _run(tmp_path, pins, "b").returncode == 0
    for name in ("models.toml", "review.md", "NOTICES.txt"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_a_source_that_is_not_the_pinned_one_is_refused(tmp_path: Path) -> None:
    pins = _sources(tmp_path)
    with open(tmp_path / "sources" / "bundle-0.tgz", "ab") as f:
        f.write(b"\0")
    res = _run(tmp_path, pins)
    assert res.returncode == 2 and "bundle-0.tgz: sha256 " in res.stderr and "pins" in res.stderr
    assert not (tmp_path / "out" / "models.toml").exists()


@pytest.mark.parametrize("text", [
    "export const x = { a: foo() };",
    "export const x = { a: `template` };",
    "export const x = { a: 1 + 2 };",
])
def test_the_bundle_reader_runs_nothing_and_guesses_nothing(text: str) -> None:
    with pytest.raises(import_models.ImportError_):
        import_models._JsReader(text).literal()


def test_the_shipped_import_is_what_the_pinned_sources_give() -> None:
    """The header names the pins of scripts/model_sources.toml: the file was made from them."""
    pins = import_models.tomllib.loads((ROOT / "scripts" / "model_sources.toml").read_text())
    head = (ROOT / "rules" / "models_imported.toml").read_text().splitlines()[:6]
    assert any(pins["litellm"]["sha256"] in line for line in head)
    assert any(pins["modelsdev"]["sha256"] in line for line in head)


# -- the imported layer of lookups ---------------------------------------------------------------
def test_lookup_curated_first_then_imported() -> None:
    knowledge = load()
    assert not knowledge.find_model("gpt-4o").imported  # curated wins
    opus = knowledge.find_model("claude-opus-4-6", "anthropic")
    assert opus is not None and opus.imported and opus.source.startswith("litellm ")
    assert knowledge.find_model("anthropic/claude-opus-4-6") == opus  # an org prefix, as for curated ids
    assert knowledge.find_model("CLAUDE-OPUS-4-6", "anthropic") == opus
    assert knowledge.find_model("claude-opus-4-6", "ollama") is None  # self-hosted: a deployment setting


def test_an_id_with_other_limits_on_other_providers_needs_the_provider() -> None:
    knowledge = load()
    openai, azure = knowledge.find_model("gpt-5.4", "openai"), knowledge.find_model("gpt-5.4", "azure")
    assert openai is not None and azure is not None and openai.context != azure.context
    assert knowledge.find_model("gpt-5.4") is None  # which of the two is not known without the provider


def test_imported_facts_give_findings_never_a_safe_fix() -> None:
    found = codemods.analyze(textwrap.dedent("""\
        from openai import OpenAI

        client = OpenAI()
        client.chat.completions.create(model="gpt-5.4", messages=[], max_completion_tokens=99999999)
    """))
    assert [(f.code, f.fix.applicability) for f in found] == [("TOK001", "unsafe")]
    assert "gpt-5.4's context window (1,050,000 tokens)" in found[0].message
    assert any("not curated: no fix rests on them" in e.text for e in found[0].evidence)


def test_an_imported_row_may_not_say_it_is_curated(tmp_path: Path) -> None:
    from codemods.knowledge import KnowledgeError, Knowledge

    knowledge = load()
    data = b'[[model]]\nid = "zz-model"\nproviders = ["openai"]\ncontext = 10\nsource = "x"\nimported = false\n'
    fake = Knowledge(list(knowledge.providers.values()), [], [], [])
    fake._imported_data = [(tmp_path / "m.toml", data, data.lower())]
    with pytest.raises(KnowledgeError, match="unknown key"):
        fake.find_model("zz-model", "openai")


@pytest.mark.parametrize("model_id, provider, expected", [
    # the curated gpt-5.1-*/gpt-5.2-* globs caught these, with the base model's limits
    ("gpt-5.1-chat-latest", "openai", (128_000, 16_384, False)),
    ("gpt-5.2-chat-latest", "openai", (128_000, 16_384, False)),
    ("gpt-5.1-codex", "openai", (400_000, 128_000, True)),
    ("gpt-5.2-pro", "openai", (272_000, 128_000, True)),
    ("gpt-5.1-2025-11-13", "openai", (400_000, 128_000, False)),  # the dated snapshot is the curated row
])
def test_wrong_facts_of_the_curated_globs_are_gone(model_id: str, provider: str, expected: tuple) -> None:
    model = load().find_model(model_id, provider)
    assert (model.context, model.output_cap, model.responses_only) == expected


@pytest.mark.parametrize("model_id, provider", [
    ("claude-sonnet-4@20250514", "vertex"),  # Vertex's `@` ids
    ("anthropic.claude-3-haiku-20240307-v1:0", "bedrock"),  # Bedrock ids
    ("gpt-35-turbo", "azure"),  # Azure's spelling
    ("claude-opus-4-6", "anthropic"),
    ("gemini-3-flash-preview", "google"),
])
def test_ids_real_code_names_that_only_the_imported_rows_know(model_id: str, provider: str) -> None:
    model = load().find_model(model_id, provider)
    assert model is not None and model.imported


def test_gpt_5_1_and_5_2_keep_the_input_cap_apart_from_the_window() -> None:
    """The curated rows stored LiteLLM's input cap (272,000) as the window; the window is 400,000."""
    for model_id in ("gpt-5.1", "gpt-5.2", "gpt-5"):
        model = load().find_model(model_id, "openai")
        assert (model.context, model.max_input, model.max_output, model.imported) == (400_000, 272_000, 128_000, False)


@pytest.mark.parametrize("alias, provider, target", [
    ("claude-3-5-sonnet-latest", "anthropic", "claude-3-5-sonnet-20241022"),  # curated aliases (Anthropic's models overview)
    ("claude-3-7-sonnet-latest", "anthropic", "claude-3-7-sonnet-20250219"),
    ("claude-3-5-haiku-latest", "anthropic", "claude-3-5-haiku-20241022"),
    ("claude-opus-4-1", "anthropic", "claude-opus-4-1-20250805"),
    ("claude-opus-4-0", "anthropic", "claude-opus-4-20250514"),
    ("chatgpt-4o-latest", "openai", "chatgpt-4o-latest"),  # a moving alias of its own, retired 2026-02-17
    ("anthropic/claude-opus-4-1", "anthropic", "claude-opus-4-1-20250805"),  # and provider-prefixed
])
def test_curated_aliases_are_the_model_they_name(alias: str, provider: str, target: str) -> None:
    model = load().find_model(alias, provider)
    assert model is not None and model.id == target and not model.imported


def test_imported_aliases_carry_what_they_name() -> None:
    """LiteLLM's `alias_of` rows ("-latest" names) are imported with the limits of the model they name."""
    knowledge = load()
    alias, target = knowledge.find_model("deepseek-flash-latest", "deepseek"), knowledge.find_model("deepseek-v4-flash", "deepseek")
    assert alias.alias_of == "deepseek-v4-flash" and alias.imported
    assert (alias.context, alias.output_cap) == (target.context, target.output_cap)
    assert knowledge.find_model("claude-sonnet-latest", "bedrock").alias_of.startswith("global.anthropic.")


def test_retirement_is_merged_field_by_field_and_never_the_limits() -> None:
    knowledge = load()
    o3_mini = knowledge.find_model("o3-mini", "openai")  # curated limits, the imported row's retirement
    assert not o3_mini.imported and o3_mini.deprecation_date and o3_mini.retirement_source.startswith("litellm ")
    assert (o3_mini.context, o3_mini.output_cap) == (200_000, 100_000)
    assert o3_mini.deprecation_providers == ("openai",)
    gpt51 = knowledge.find_model("gpt-5.1", "openai")  # its imported row stores the input cap as the window
    assert gpt51.deprecation_date == "2027-04-01" and (gpt51.context, gpt51.max_input) == (400_000, 272_000)
    chat = knowledge.find_model("deepseek-chat", "deepseek")  # the curated retirement wins, with its own source
    assert (chat.deprecation_date, chat.successor) == ("2026-07-24", "deepseek-v4-flash")
    assert chat.retirement_source == "https://api-docs.deepseek.com/news/news260424"


def test_a_corroborated_row_gives_no_safe_fix_either() -> None:
    """docs/safety.md: both sources agreeing is no reason to trust a value fix."""
    model_id = "anthropic.claude-opus-4-1-20250805-v1:0"
    model = load().find_model(model_id, "bedrock")
    assert model.imported and model.corroborated
    found = codemods.analyze(textwrap.dedent(f"""\
        import anthropic

        client = anthropic.AnthropicBedrock()
        client.messages.create(model="{model_id}", messages=[], max_tokens=99999999)
    """))
    assert [(f.code, f.fix.applicability) for f in found] == [("TOK001", "unsafe")]


def test_every_model_fact_shows_its_origin_in_the_evidence() -> None:
    found = codemods.analyze(textwrap.dedent("""\
        import anthropic

        client = anthropic.Anthropic()
        client.messages.create(model="claude-opus-4-5", messages=[], max_tokens=99999999)
        client.messages.create(model="claude-opus-latest", messages=[], max_tokens=99999999)
    """))
    curated, alias = (f.evidence for f in found)
    assert any(e.text == "claude-opus-4-5-20251101: limits from https://platform.claude.com/docs/en/models/opus-4-5/overview "
                         "(curated, rules/models.toml)" for e in curated)
    assert any(e.text == "claude-opus-latest is an alias of claude-opus-5-5" for e in alias)
    assert any(e.text.startswith("claude-opus-latest: limits from litellm 1.110.2") for e in alias)
