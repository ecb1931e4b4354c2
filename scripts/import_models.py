"""Import model facts from LiteLLM's model map and models.dev into rules/models_imported.toml.

Run by a maintainer, not by CI:

    python scripts/import_models.py --download /tmp/model-sources     # fetch the pinned files
    python scripts/import_models.py --from /tmp/model-sources          # write the rules and the report

Each source is pinned in scripts/model_sources.toml (version, file, sha256) and checked before
a byte of it is read. Both are read as data only: LiteLLM's wheel as a zip (one JSON member;
litellm is never installed or imported), models.dev's bundle as a tarball whose generated
JavaScript object literals are parsed by `_JsReader` below (never run). Only chat and
responses models of the providers the sources file maps are kept; Ollama and vLLM never are.
Re-running on the same files writes the same bytes. The review report lists where the two
sources disagree with each other and with the curated rules/models.toml.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import re
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "scripts" / "model_sources.toml"
OUT = ROOT / "rules" / "models_imported.toml"
REPORT = ROOT / "docs" / "models_review.md"
NOTICES = ROOT / "rules" / "IMPORTED_NOTICES.txt"
_CHAT_MODES = ("chat", "responses")
_MAX_MEMBER = 64 * 1024 * 1024  # a member larger than this is no model map


class ImportError_(Exception):
    """A source is missing, does not match its pin, or is not in the format expected."""


# -- reading the sources, as data ---------------------------------------------------------------
def _verified(path: Path, sha256: str) -> bytes:
    data = path.read_bytes()
    found = hashlib.sha256(data).hexdigest()
    if found != sha256:
        raise ImportError_(f"{path}: sha256 {found}, but model_sources.toml pins {sha256}")
    return data


def _member(archive: bytes, name: str, kind: str) -> bytes:
    if kind == "zip":
        with zipfile.ZipFile(io.BytesIO(archive)) as z:
            info = z.getinfo(name)
            if info.file_size > _MAX_MEMBER:
                raise ImportError_(f"{name}: {info.file_size:,} bytes, too large")
            return z.read(info)
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as t:
        info = t.getmember(name)
        if not info.isfile() or info.size > _MAX_MEMBER:
            raise ImportError_(f"{name}: not a regular member of a sane size")
        return t.extractfile(info).read()


def _tar_members(archive: bytes, prefix: str) -> dict[str, bytes]:
    found = {}
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as t:
        for info in t.getmembers():
            if info.isfile() and info.name.startswith(prefix) and info.name.endswith(".js") and info.size <= _MAX_MEMBER:
                found[info.name[len(prefix):-3]] = t.extractfile(info).read()
    return found


class _JsReader:
    """The JavaScript object literals of a generated bundle (`export const x = {...};`): objects
    with bare or quoted keys, arrays, double-quoted strings, numbers, true/false/null, trailing
    commas. Anything else is an error, not a guess."""

    _TOKEN = re.compile(r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<num>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|'
                        r'(?P<word>[A-Za-z_$][\w$-]*)|(?P<punct>[{}\[\]:,]))', re.S)

    def __init__(self, text: str):
        self.text, self.at = text, 0

    def literal(self):
        start = self.text.index("=", self.text.index("export const")) + 1
        self.at = start
        value = self._value()
        return value

    def _next(self):
        match = self._TOKEN.match(self.text, self.at)
        if match is None:
            raise ImportError_(f"unexpected text at offset {self.at}: {self.text[self.at:self.at + 40]!r}")
        self.at = match.end()
        return match.lastgroup, match.group(match.lastgroup)

    def _peek(self):
        saved = self.at
        token = self._next()
        self.at = saved
        return token

    def _value(self):
        kind, text = self._next()
        if kind == "str":
            return json.loads(text)
        if kind == "num":
            return json.loads(text)
        if kind == "word":
            if text in ("true", "false", "null"):
                return {"true": True, "false": False, "null": None}[text]
            raise ImportError_(f"a name where a value belongs: {text!r}")
        if text == "{":
            out = {}
            while self._peek()[1] != "}":
                key_kind, key = self._next()
                key = json.loads(key) if key_kind == "str" else key
                if self._next()[1] != ":":
                    raise ImportError_(f"no ':' after key {key!r}")
                out[key] = self._value()
                if self._peek()[1] == ",":
                    self._next()
            self._next()
            return out
        if text == "[":
            items = []
            while self._peek()[1] != "]":
                items.append(self._value())
                if self._peek()[1] == ",":
                    self._next()
            self._next()
            return items
        raise ImportError_(f"unexpected {text!r}")


# -- the rows -------------------------------------------------------------------------------------
def _positive(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def litellm_rows(data: bytes, providers: dict[str, str]) -> dict[tuple[str, str], dict]:
    """(model id, provider) -> facts, for the chat/responses models of the mapped providers:
    the same id may have other limits on another provider (Azure's gpt-5 is not OpenAI's)."""
    table = json.loads(data)
    rows: dict[tuple[str, str], dict] = {}
    for key in sorted(table):
        entry, alias = _resolved(table, key)
        if entry is None or entry.get("mode") not in _CHAT_MODES:
            continue
        provider = providers.get(entry.get("litellm_provider", ""))
        if provider is None:
            continue
        model_id = _bare(key, entry["litellm_provider"], providers)
        facts = rows.setdefault((model_id, provider), {})
        for name, field in (("max_input_tokens", "input"), ("max_output_tokens", "output")):
            value = _positive(entry.get(name))
            if value is not None:
                facts.setdefault(field, value)
        if entry.get("supports_reasoning") is True:
            facts["reasoning"] = True
        if entry.get("mode") == "responses":
            facts["responses_only"] = True
        if isinstance(entry.get("deprecation_date"), str):
            facts.setdefault("deprecation_date", entry["deprecation_date"])
        successor = entry.get("successor_model")
        if isinstance(successor, str) and successor and not alias:
            facts.setdefault("successor", _bare(successor, entry["litellm_provider"], providers))
        if alias:
            facts.setdefault("alias_of", _bare(alias, entry["litellm_provider"], providers))
        if isinstance(entry.get("source"), str) and entry["source"].startswith("https://"):
            facts.setdefault("source", entry["source"])
    return rows


def _resolved(table: dict, key: str) -> tuple[dict | None, str]:
    """An entry, or for an alias (`{"alias_of": ...}`, LiteLLM's "-latest" names) the entry it
    names, followed through chains and never round a loop; and the id it stands for ("" if none)."""
    entry, alias, seen = table.get(key), "", {key}
    while isinstance(entry, dict) and isinstance(entry.get("alias_of"), str):
        alias = entry["alias_of"]
        if alias in seen:
            return None, ""
        seen.add(alias)
        entry = table.get(alias)
    return (entry if isinstance(entry, dict) else None), alias


def _bare(model_id: str, provider: str, providers: dict) -> str:
    """LiteLLM's key without its own routing prefix, which is not part of the id code sends:
    `deepseek/deepseek-v4-flash`, `bedrock/...`, `vertex_ai/...` of vertex_ai-anthropic_models."""
    prefix, _, rest = model_id.partition("/")
    own = rest and (prefix in providers or prefix == provider.split("-")[0])
    return rest if own else model_id


def modelsdev_rows(files: dict[str, bytes], providers: dict[str, str]) -> dict[tuple[str, str], dict]:
    rows: dict[tuple[str, str], dict] = {}
    for name in sorted(files):
        provider = providers.get(name)
        if provider is None:
            continue
        bundle = _JsReader(files[name].decode("utf-8")).literal()
        for model_id in sorted(bundle.get("models", {})):
            entry = bundle["models"][model_id]
            limit = entry.get("limit") or {}
            facts = rows.setdefault((model_id, provider), {})
            for field in ("context", "input", "output"):
                value = _positive(limit.get(field))
                if value is not None:
                    facts.setdefault(field, value)
            if entry.get("reasoning") is True:
                facts["reasoning"] = True
    return rows


def merged(lite: dict, dev: dict, versions: dict[str, str]) -> list[dict]:
    """One row per model id and provider, field by field (rows that agree on every field are then
    one row with several providers). The window is models.dev's: LiteLLM has only the input cap,
    which for some models is less than the window (gpt-5: 272,000 of 400,000). A row is
    corroborated when both sources give the same output cap and LiteLLM's input cap, or its
    input and output caps together, are models.dev's window (or its input cap LiteLLM's)."""
    rows: dict[tuple, dict] = {}
    for model_id, provider in sorted(set(lite) | set(dev)):
        a, b = lite.get((model_id, provider), {}), dev.get((model_id, provider), {})
        context = b.get("context") or a.get("input")
        if context is None:
            continue
        row = {"id": model_id, "context": context}
        output = b.get("output") or a.get("output")
        if output is not None and output != context:
            row["max_output"] = output  # equal to the window is a placeholder in many rows
        max_input = b.get("input") or (a.get("input") if b else None)
        if max_input is not None and max_input < context:  # a cap at or above the window says nothing
            row["max_input"] = max_input
        if a.get("reasoning") or b.get("reasoning"):
            row["reasoning"] = True
        if a.get("responses_only"):
            row["responses_only"] = True
        if a.get("deprecation_date"):
            row["deprecation_date"] = a["deprecation_date"]
        if a.get("successor"):
            row["successor"] = a["successor"]
        if a.get("alias_of"):
            row["alias_of"] = a["alias_of"]
        lite_window = (a.get("input"), (a.get("input") or 0) + (a.get("output") or 0))  # an input cap, or input + output
        row["corroborated"] = bool(a) and bool(b) and a.get("output") == b.get("output") and \
            (b.get("context") in lite_window or (b.get("input") is not None and b.get("input") == a.get("input")))
        origins = ([f"litellm {versions['litellm']}" + (f" ({a['source']})" if a.get("source") else "")] if a else [])
        origins += [f"models.dev via {versions['modelsdev']}"] if b else []
        row["source"] = "; ".join(origins)
        key = tuple(sorted((k, str(v)) for k, v in row.items()))
        if key in rows:
            rows[key]["providers"].append(provider)
        else:
            rows[key] = {**row, "providers": [provider]}
    return sorted(rows.values(), key=lambda r: (r["id"], r["providers"]))


# -- writing ----------------------------------------------------------------------------------
def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def render(rows: list[dict], pins: dict) -> str:
    lite, dev = pins["litellm"], pins["modelsdev"]
    head = [
        "# GENERATED by scripts/import_models.py: do not edit; curated facts go in models.toml, which wins",
        "# field by field. Re-running the importer on the same sources gives these same bytes.",
        f"#   litellm {lite['version']} ({lite['file']}, sha256 {lite['sha256']}), MIT, {lite['home']}",
        f"#   models.dev via {dev['package']} {dev['version']} ({dev['file']}, sha256 {dev['sha256']}), MIT, {dev['home']}",
        f"# imported_on = {pins['imported_on']}  (the day these pins were taken: `tokenfix models` warns when it is old)",
        "# Licences: rules/IMPORTED_NOTICES.txt. Per row: corroborated = both sources give the same limits.",
        "",
    ]
    body = []
    for row in rows:
        body.append("[[model]]")
        for key in ("id", "providers", "context", "max_input", "max_output", "reasoning", "responses_only",
                    "deprecation_date", "successor", "alias_of", "corroborated", "source"):
            if key in row:
                body.append(f"{key} = {_toml_value(row[key])}")
        body.append("")
    return "\n".join(head + body)


def review(rows: list[dict], curated: list[dict]) -> str:
    lines = ["# Model facts: where the sources disagree", "",
             "Generated by scripts/import_models.py with the imported rules; read it before committing a new import.", ""]
    both = [r for r in rows if "litellm" in r["source"] and "models.dev" in r["source"]]
    split = [r for r in both if not r["corroborated"]]
    lines += [f"## LiteLLM and models.dev disagree on {len(split)} of the {len(both)} rows both give", "",
              "Their rows are imported with models.dev's window and output cap, and never corroborated.", ""]
    lines += [f"- {r['id']} ({', '.join(r['providers'])})" for r in split]
    lines += ["", "## The curated rules and the imported facts disagree", "", "| id | curated context / output | imported context / output (providers) |", "|---|---|---|"]
    count = 0
    for model in curated:
        for other in (r for r in rows if r["id"] == model["id"]):
            mine = (model.get("context"), model.get("max_output", model.get("context")))
            theirs = (other["context"], other.get("max_output", other["context"]))
            if mine != theirs:
                count += 1
                lines.append(f"| {model['id']} | {mine[0]:,} / {mine[1]:,} | {theirs[0]:,} / {theirs[1]:,} ({', '.join(other['providers'])}) |")
    lines += ["", f"{count} rows differ from the curated file (which wins); {len(rows)} rows imported, "
              f"{sum(r['corroborated'] for r in rows)} corroborated by both sources.", ""]
    return "\n".join(lines)


def build(source_dir: Path, pins: dict) -> tuple[str, str, str]:
    """The imported rules, the review report and the licence notices, from the pinned files."""
    lite_pin, dev_pin = pins["litellm"], pins["modelsdev"]
    wheel = _verified(source_dir / lite_pin["file"], lite_pin["sha256"])
    bundle = _verified(source_dir / dev_pin["file"], dev_pin["sha256"])
    # Never a self-hosted provider's rows (Ollama, vLLM): there the window is a deployment setting.
    hosted = tomllib.loads((ROOT / "rules" / "providers.toml").read_text(encoding="utf-8")).get("provider", [])
    self_hosted = {p["id"] for p in hosted if p.get("self_hosted")}
    lite = litellm_rows(_member(wheel, lite_pin["member"], "zip"),
                        {k: v for k, v in lite_pin["providers"].items() if v not in self_hosted})
    dev = modelsdev_rows(_tar_members(bundle, "package/dist/providers/"),
                         {k: v for k, v in dev_pin["providers"].items() if v not in self_hosted})
    rows = merged(lite, dev, {"litellm": lite_pin["version"], "modelsdev": f"{dev_pin['package']} {dev_pin['version']}"})
    curated = tomllib.loads((ROOT / "rules" / "models.toml").read_text(encoding="utf-8")).get("model", [])
    notices = (f"LiteLLM {lite_pin['version']} ({lite_pin['home']}):\n\n"
               + _member(wheel, lite_pin["licence_member"], "zip").decode("utf-8").strip()
               + f"\n\n\nmodels.dev ({dev_pin['home']}), as bundled by {dev_pin['package']} {dev_pin['version']}:\n\n"
               + _member(bundle, dev_pin["licence_member"], "tgz").decode("utf-8").strip() + "\n")
    return render(rows, pins), review(rows, curated), notices


def download(target: Path, pins: dict) -> None:
    target.mkdir(parents=True, exist_ok=True)
    lite, dev = pins["litellm"], pins["modelsdev"]
    subprocess.run([sys.executable, "-m", "pip", *lite["how"].split()[1:], "-d", str(target)], check=True)
    subprocess.run(["npm", "pack", f"{dev['package']}@{dev['version']}", "--pack-destination", str(target)], check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--download", type=Path, help="fetch the pinned files into this folder, then stop")
    parser.add_argument("--from", dest="source_dir", type=Path, help="the folder holding the pinned files")
    parser.add_argument("--sources", type=Path, default=SOURCES)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--report", type=Path, default=REPORT)
    parser.add_argument("--notices", type=Path, default=NOTICES)
    args = parser.parse_args()
    pins = tomllib.loads(args.sources.read_text(encoding="utf-8"))
    if args.download:
        download(args.download, pins)
        return 0
    if not args.source_dir:
        parser.error("give --download DIR or --from DIR")
    try:
        rules, report, notices = build(args.source_dir, pins)
    except KeyError as exc:
        print(f"import_models: error: {args.sources}: missing key {exc}", file=sys.stderr)
        return 2
    except (ImportError_, OSError, ValueError) as exc:
        print(f"import_models: error: {exc}", file=sys.stderr)
        return 2
    args.out.write_text(rules, encoding="utf-8")
    args.report.write_text(report, encoding="utf-8")
    args.notices.write_text(notices, encoding="utf-8")
    print(f"wrote {args.out} ({rules.count('[[model]]')} models), {args.report}, {args.notices}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
