"""The result cache: an unchanged file is not parsed again, and nothing but an exact entry is trusted.

What the cache trusts of the tree it serves (forged entries, the key, FIFOs, markers): test_cache_trust.py."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import pytest

import codemods.run.cache
import codemods.run.engine
from codemods.run import runner
from codemods.run.cache import CACHEDIR_TAG, LAYOUT, RULED_OUT, Cache, _seal
from codemods.knowledge.config import SettingsResolver

from conftest import CACHE_NAMES as NAMES, FIXTURES, tokenfix




def entries(cache_dir: Path) -> list[Path]:
    return sorted(p for p in (cache_dir / f"v{LAYOUT}").rglob("*") if p.is_file())


def run(project: Path, cache: Cache | None, *, fix: bool = False, write: bool = False, cli: dict | None = None) -> runner.RunResult:
    files = sorted(project.glob("*.py"))
    return runner.run(files, SettingsResolver(None, cli or {}), fix=fix, unsafe_fixes=False, write=write, roots=[project], cache=cache)


def report(result: runner.RunResult) -> list[tuple]:
    return [(r.path, f.code, f.row, f.column, f.end_row, f.end_column, f.message, f.severity, f.fixed, f.evidence,
             [(e.content, e.row, e.column, e.end_row, e.end_column) for e in f.edits])
            for r in result.files for f in r.findings] + [("errors", *result.errors)]


def forbid_parsing(monkeypatch) -> None:
    def parse(data):
        raise AssertionError("a cached file was parsed again")

    monkeypatch.setattr(codemods.run.engine, "_parse", parse)


def test_second_run_is_served_from_the_cache_with_the_same_report(project: Path, tmp_path: Path, monkeypatch) -> None:
    cache_dir = tmp_path / "cache"
    first = run(project, Cache(cache_dir))
    assert first.findings and len(entries(cache_dir)) == 4
    forbid_parsing(monkeypatch)
    cache = Cache(cache_dir)
    second = run(project, cache)
    assert (cache.hits, cache.misses) == (4, 0)
    assert report(second) == report(first)
    assert [(r.path, r.fixed, r.source) for r in second.files] == [(r.path, r.fixed, r.source) for r in first.files]


def test_in_fix_mode_only_the_files_with_nothing_to_change_are_served(project: Path, tmp_path: Path) -> None:
    """The cache holds no file contents: a file with a fix to make is analysed again, with the same report."""
    cache_dir = tmp_path / "cache"
    first = run(project, Cache(cache_dir), fix=True)
    assert len(entries(cache_dir)) == 1  # twilio_not_llm.py: nothing to fix
    cache = Cache(cache_dir)
    second = run(project, cache, fix=True)
    assert (cache.hits, cache.misses) == (1, 3)
    assert report(second) == report(first)
    assert [(r.path, r.fixed, r.source) for r in second.files] == [(r.path, r.fixed, r.source) for r in first.files]


def test_the_folder_is_tagged_and_git_ignored(project: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    run(project, Cache(cache_dir))
    assert (cache_dir / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert (cache_dir / "CACHEDIR.TAG").read_text() == CACHEDIR_TAG
    assert (cache_dir / ".gitignore").read_text().splitlines()[-1] == "*"
    assert not list(cache_dir.rglob("*.tmp"))


@pytest.mark.parametrize("damage", [
    lambda raw: b"",
    lambda raw: raw[: len(raw) // 2],
    lambda raw: b"\x00\xff garbage",
    lambda raw: raw.partition(b"\n")[2],  # the body without its MAC
    # well-formed JSON whose result was edited: the MAC no longer matches
    lambda raw: raw.replace(b'"encoding":"utf-8"', b'"encoding":"latin-1"'),
    # a consistent entry filed under another key (e.g. copied between files)
    "foreign-key",
    # a result of the wrong shape, sealed with the right key
    lambda raw: _resealed(raw, lambda result: {**result, "findings": [{"code": 1}]}),
    lambda raw: _resealed(raw, lambda result: {**result, "error": 42}),
], ids=["empty", "truncated", "binary", "unsealed", "edited", "foreign-key", "bad-finding", "bad-error"])
def test_a_damaged_entry_is_ignored_and_rewritten(project: Path, tmp_path: Path, damage) -> None:
    cache_dir = tmp_path / "cache"
    first = run(project, Cache(cache_dir))
    originals = {p: p.read_bytes() for p in entries(cache_dir)}
    paths = list(originals)
    for path, raw in originals.items():
        if damage == "foreign-key":  # each entry moved to the next one's name
            paths[(paths.index(path) + 1) % len(paths)].write_bytes(raw)
        else:
            path.write_bytes(damage(raw))
    cache = Cache(cache_dir)
    second = run(project, cache)
    assert (cache.hits, cache.misses) == (0, 4)
    assert report(second) == report(first)
    assert {p: p.read_bytes() for p in entries(cache_dir)} == originals  # rebuilt, not trusted


def _resealed(raw: bytes, change) -> bytes:
    """The entry with its result changed and sealed again with the reader's own key."""
    entry = json.loads(raw.partition(b"\n")[2])
    body = json.dumps({"key": entry["key"], "result": change(entry["result"])}).encode()
    return _seal(Cache(Path("unused"))._secret(), entry["key"], body)


def test_anything_the_result_depends_on_changes_the_key(project: Path, tmp_path: Path, monkeypatch) -> None:
    cache_dir = tmp_path / "cache"
    run(project, Cache(cache_dir))

    def misses(**options) -> int:
        cache = Cache(cache_dir)
        run(project, cache, **options)
        return cache.misses

    assert misses() == 0
    assert misses(fix=True) == 4  # the mode
    assert misses(cli={"select": ("TOK001",)}) == 4  # the settings
    assert misses(cli={"provider": "ollama"}) == 4
    monkeypatch.setattr(codemods.run.cache, "__version__", "0.0.0-other")
    assert misses() == 4  # the tool's version
    monkeypatch.undo()
    real_load = runner.load

    def load_other_rules(extra=()):  # a copy: load() hands out one shared Knowledge, which later tests use
        knowledge = copy.copy(real_load(extra))
        knowledge.digest = "other rules"
        return knowledge

    monkeypatch.setattr(runner, "load", load_other_rules)
    assert misses() == 4  # the rules
    monkeypatch.undo()
    target = project / "requests_json_dumps.py"
    target.write_bytes(target.read_bytes() + b"\n")
    assert misses() == 1  # the content, of that file only
    (project / "client.py").write_text("from openai import OpenAI\nclient = OpenAI()\n")
    assert misses() == 0  # a module no checked file imports
    (project / "user.py").write_text("from client import client\nclient.chat.completions.create(model='o3', messages=[], max_tokens=9)\n")
    assert misses() == 1  # the new file
    (project / "client.py").write_text("from openai import OpenAI\nclient = OpenAI(base_url='http://localhost:11434/v1')\n")
    assert misses() == 1  # what an imported module exports: its importer only


def test_a_fix_after_a_diff_is_made_from_the_file(project: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    expected = (FIXTURES / "requests_json_dumps" / "expected.py").read_bytes()
    run(project, Cache(cache_dir), fix=True, write=False)  # what `tokenfix diff` does
    cache = Cache(cache_dir)
    run(project, cache, fix=True, write=True)
    assert (cache.hits, cache.misses) == (1, 3)  # the three files with a fix are analysed again
    assert (project / "requests_json_dumps.py").read_bytes() == expected


def test_a_cache_that_cannot_be_written_is_not_used(project: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    cache = Cache(blocker / "cache")
    result = run(project, cache)
    assert result.findings and not result.errors
    assert blocker.read_text() == "not a folder"


def test_cli_default_folder_no_cache_and_cache_dir(project: Path, tmp_path: Path) -> None:
    env_free = {k: v for k, v in os.environ.items() if k != "TOKENFIX_CACHE_DIR"}
    import subprocess
    import sys

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "codemods", "check", *args, "."], cwd=project, env=env_free,
                              capture_output=True, timeout=120)

    first = cli("--no-cache")
    assert first.returncode == 1 and not (project / ".tokenfix_cache").exists()
    assert cli().stdout == first.stdout
    assert (project / ".tokenfix_cache" / "CACHEDIR.TAG").is_file()
    assert cli().stdout == first.stdout
    elsewhere = tmp_path / "elsewhere"
    assert cli("--cache-dir", str(elsewhere)).stdout == first.stdout
    # one entry a file with a result; the record of ruled-out files is written only once one of
    # them is older than the racy window (2 s), which a slow machine reaches within the test
    assert len([p for p in entries(elsewhere) if p.name != "ruled-out.json"]) == 4
    # .tokenfix_cache is not a Python file and git ignores it: never checked, never walked into
    assert b"(5 files checked)" in cli().stderr


def test_cli_reports_the_same_from_the_cache(project: Path, tmp_path: Path) -> None:
    args = ("check", "--format", "json", "--cache-dir", str(tmp_path / "c"), str(project))
    cold, warm = tokenfix(*args), tokenfix(*args)
    assert cold.returncode == warm.returncode == 1
    assert cold.stdout == warm.stdout and json.loads(warm.stdout)


def test_a_crash_or_time_out_is_not_cached(tmp_path: Path) -> None:
    target = tmp_path / "deep.py"
    target.write_bytes(b"import openai\nopenai.chat.completions.create(model='o1', max_tokens=5)\nx = " + b"(" * 5000 + b")" * 5000 + b"\n")
    cache = tmp_path / "cache"
    for _ in range(2):  # asked again, the file is tried again
        res = tokenfix("check", "--cache-dir", str(cache), str(target))
        assert res.returncode == 2 and b"the parser crashed on this file" in res.stderr
    assert [p for p in cache.rglob("*") if p.is_file() and p.parent.parent.name.startswith("v")] == []


def _reads(monkeypatch) -> list[str]:
    seen: list[str] = []
    real = runner.read_source

    def read_source(path, *args):
        seen.append(path.name)
        return real(path, *args)

    monkeypatch.setattr(runner, "read_source", read_source)
    return seen


def test_a_file_the_prefilter_ruled_out_is_not_read_again_until_it_changes(project: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(codemods.run.cache, "RACY_SECONDS", 0.0)  # the files were written a moment ago
    cache_dir = tmp_path / "cache"
    first = run(project, Cache(cache_dir))
    assert (cache_dir / f"v{LAYOUT}" / RULED_OUT).exists()
    seen = _reads(monkeypatch)
    second = run(project, Cache(cache_dir))
    assert "plain.py" not in seen and "openai_self_client.py" in seen
    assert report(second) == report(first) and second.checked == first.checked == 5
    (project / "plain.py").write_bytes((FIXTURES / "openai_module_level" / "input.py").read_bytes())
    seen.clear()
    third = run(project, Cache(cache_dir))
    assert "plain.py" in seen
    assert [f.code for r in third.files if r.path.endswith("plain.py") for f in r.findings] == ["TOK002"]
    seen.clear()
    run(project, Cache(cache_dir))
    assert "plain.py" in seen  # it passes the prefilter now: read every time, as every LLM file is


def test_a_file_changed_a_moment_ago_is_read_again(project: Path, tmp_path: Path, monkeypatch) -> None:
    """Two writes in one tick of the file system's clock can leave the same stat: such a file
    is not remembered (git's racily clean entries)."""
    cache_dir = tmp_path / "cache"
    run(project, Cache(cache_dir))
    seen = _reads(monkeypatch)
    run(project, Cache(cache_dir))
    assert "plain.py" in seen


@pytest.mark.parametrize("damage", [b"", b"not json\n{}", "other-version", "edited", "unsealed"])
def test_a_damaged_or_foreign_record_of_ruled_out_files_is_ignored(project: Path, tmp_path: Path, monkeypatch, damage) -> None:
    monkeypatch.setattr(codemods.run.cache, "RACY_SECONDS", 0.0)
    cache_dir = tmp_path / "cache"
    first = run(project, Cache(cache_dir))
    record = cache_dir / f"v{LAYOUT}" / RULED_OUT
    mac, _, body = record.read_bytes().partition(b"\n")
    if damage == "edited":  # a valid MAC over edited contents
        record.write_bytes(mac + b"\n" + body.replace(b"[", b"[1,", 1))
    elif damage == "unsealed":  # the old layout's header: a checksum anyone can compute
        record.write_bytes(b'{"version": "%s", "sum": "x"}\n' % codemods.run.cache.__version__.encode() + body)
    elif damage == "other-version":  # sealed with our key, by another version of tokenfix
        other = json.dumps({**json.loads(body), "version": "0.0.0"}).encode()
        record.write_bytes(_seal(Cache(cache_dir)._secret(), RULED_OUT, other))
    else:
        record.write_bytes(damage)
    seen = _reads(monkeypatch)
    again = run(project, Cache(cache_dir))
    assert "plain.py" in seen and report(again) == report(first)
    seen.clear()
    run(project, Cache(cache_dir))
    assert "plain.py" not in seen  # rebuilt
