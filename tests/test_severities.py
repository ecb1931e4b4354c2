"""Each finding's severity says what the call as written meets (rules/checks.toml): error, it
fails; warning, it runs but the limit is lost or the answer cut; info, advice. Text, JSON, SARIF
and GitHub annotations all show the same one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codemods.knowledge import KnowledgeError, load
from conftest import tokenfix

# gpt-4o still takes max_tokens (deprecated: info); o3-mini rejects it (error); Ollama drops
# max_completion_tokens and runs with no limit (warning)
CODE = '''from openai import OpenAI

client = OpenAI()
local = OpenAI(base_url="http://localhost:11434/v1", api_key="ollama")
client.chat.completions.create(model="gpt-4o", messages=[], max_tokens=500)
client.chat.completions.create(model="o3-mini", messages=[], max_tokens=500)
local.chat.completions.create(model="llama3.1", messages=[], max_completion_tokens=500)
'''
EXPECTED = [(5, "TOK002", "info"), (6, "TOK002", "error"), (7, "TOK003", "warning")]


@pytest.fixture
def app(tmp_path: Path) -> Path:
    path = tmp_path / "app.py"
    path.write_text(CODE)
    return path


def test_json_and_text_give_each_finding_its_consequence(app: Path) -> None:
    items = json.loads(tokenfix("check", "--format", "json", str(app)).stdout)
    assert [(i["location"]["row"], i["code"], i["severity"]) for i in items] == EXPECTED
    text = tokenfix("check", str(app)).stdout.decode().splitlines()
    assert [line.split(": ", 1)[1].split(":", 1)[0] for line in text] == [f"{code} {severity}" for _, code, severity in EXPECTED]
    concise = tokenfix("check", "--format", "concise", str(app)).stdout.decode()
    assert ":5:" in concise and "TOK002 info: `max_tokens` is deprecated" in concise


def test_sarif_levels_and_github_annotations_follow_the_severity(app: Path) -> None:
    log = json.loads(tokenfix("check", "--format", "sarif", str(app)).stdout)
    results = log["runs"][0]["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [("TOK002", "note"), ("TOK002", "error"), ("TOK003", "warning")]
    rules = {r["id"]: r["defaultConfiguration"]["level"] for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert (rules["TOK002"], rules["TOK003"], rules["TOK010"], rules["TOK012"]) == ("note", "error", "error", "warning")
    github = tokenfix("check", "--format", "github", str(app)).stdout.decode().splitlines()
    assert [line.split(" ", 1)[0] for line in github] == ["::notice", "::error", "::warning"]


def test_a_severity_the_outputs_cannot_show_is_refused_with_its_file(tmp_path: Path) -> None:
    rules = tmp_path / "checks.toml"
    rules.write_text('[[check]]\ncode = "TOK002"\nname = "x"\nseverity = "fatal"\nsummary = "x"\nfix = "x"\ndocs = "x"\nsource = "https://x"\n')
    with pytest.raises(KnowledgeError, match=r"checks.toml: check #1: severity must be one of error, warning, info"):
        load([rules])
    rules.write_text('[[check]]\ncode = "TOK002"\nname = "x"\nseverity = "info"\nseverities = { rejected = "loud" }\n'
                     'summary = "x"\nfix = "x"\ndocs = "x"\nsource = "https://x"\n')
    with pytest.raises(KnowledgeError, match="not 'loud'"):
        load([rules])


def test_every_shipped_check_has_a_severity_of_each_consequence() -> None:
    checks = load().checks
    assert {code: info.severity for code, info in checks.items() if info.severity != "error"} == {
        "TOK002": "info", "TOK008": "warning", "TOK009": "warning", "TOK012": "warning", "TOK013": "warning"}
    assert checks["TOK002"].severities == {"rejected": "error"} and checks["TOK003"].severities == {"dropped": "warning"}


def test_a_report_served_from_the_cache_keeps_each_severity(app: Path, tmp_path: Path) -> None:
    from codemods.knowledge.config import SettingsResolver
    from codemods.run import runner
    from codemods.run.cache import Cache

    def severities(cache: Cache) -> list[tuple[int, str]]:
        result = runner.run([app], SettingsResolver(None, {}), fix=False, unsafe_fixes=False, write=False, roots=[app.parent], cache=cache)
        return [(f.row, f.severity) for r in result.files for f in r.findings]

    first = severities(Cache(tmp_path / "cache"))
    cache = Cache(tmp_path / "cache")
    assert severities(cache) == first == [(row, severity) for row, _, severity in EXPECTED] and cache.hits == 1
