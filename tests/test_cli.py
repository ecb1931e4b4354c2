"""The command line as users and tools drive it: verbs, formats, exit codes, stdin, errors."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, tokenfix

REASONING = FIXTURES / "openai_self_client"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("openai_self_client", "requests_json_dumps", "twilio_not_llm"):
        shutil.copyfile(FIXTURES / name / "input.py", tmp_path / f"{name}.py")
    return tmp_path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_check_reports_and_exits_1_without_writing(project: Path) -> None:
    before = snapshot(project)
    res = tokenfix("check", str(project))
    assert res.returncode == 1
    out = res.stdout.decode()
    assert f"{project / 'openai_self_client.py'}:18:13: TOK002 " in out
    assert f"{project / 'requests_json_dumps.py'}:7:93: TOK001 " in out
    assert "Found 2 findings (3 files checked). 2 fixable with `tokenfix fix`." in res.stderr.decode()
    assert snapshot(project) == before


def test_check_clean_exits_0(tmp_path: Path) -> None:
    shutil.copyfile(FIXTURES / "twilio_not_llm" / "input.py", tmp_path / "a.py")
    res = tokenfix("check", str(tmp_path))
    assert res.returncode == 0, res.stderr
    assert res.stdout == b""
    assert b"All checks passed (1 file checked)." in res.stderr


def test_exit_zero(project: Path) -> None:
    assert tokenfix("check", "--exit-zero", str(project)).returncode == 0


def test_json_format_matches_ruff_shape(project: Path) -> None:
    res = tokenfix("check", "--format", "json", str(project / "requests_json_dumps.py"))
    assert res.returncode == 1
    (item,) = json.loads(res.stdout)
    assert item["code"] == "TOK001" and item["name"] == "absurd-token-limit"
    assert item["filename"] == str(project / "requests_json_dumps.py")
    assert item["location"] == {"row": 7, "column": 93}
    assert item["end_location"] == {"row": 7, "column": 123}
    assert item["fix"]["applicability"] == "safe"
    assert item["fix"]["edits"] == [{"content": "8192", "location": {"row": 7, "column": 107}, "end_location": {"row": 7, "column": 123}}]
    assert "Qwen/Qwen3-8B" in item["message"] and "8,192" in item["message"]


def test_json_is_an_empty_list_when_clean(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    res = tokenfix("check", "--format", "json", str(tmp_path))
    assert res.returncode == 0 and json.loads(res.stdout) == []


def test_diff_prints_and_writes_nothing(project: Path) -> None:
    before = snapshot(project)
    res = tokenfix("diff", str(project))
    assert res.returncode == 1
    out = res.stdout.decode()
    assert "-            max_tokens=4000,  # room for reasoning\n" in out
    assert "+            max_completion_tokens=4000,  # room for reasoning\n" in out
    assert f"--- a/{str(project / 'openai_self_client.py').lstrip('/')}" in out
    assert "Would fix 2 findings in 2 files (3 files checked)." in res.stderr.decode()
    assert snapshot(project) == before


def test_diff_clean_exits_0(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("from openai import OpenAI\nOpenAI().chat.completions.create(model='gpt-4o', max_completion_tokens=10)\n")
    res = tokenfix("diff", str(tmp_path))
    assert res.returncode == 0 and res.stdout == b""


def test_fix_applies_and_second_fix_is_a_no_op(project: Path) -> None:
    res = tokenfix("fix", str(project))
    assert res.returncode == 0, res.stderr
    assert "Fixed 2 findings in 2 files (3 files checked)." in res.stderr.decode()
    assert (project / "openai_self_client.py").read_bytes() == (FIXTURES / "openai_self_client" / "expected.py").read_bytes()
    assert (project / "twilio_not_llm.py").read_bytes() == (FIXTURES / "twilio_not_llm" / "input.py").read_bytes()
    after = snapshot(project)
    res = tokenfix("fix", str(project))
    assert res.returncode == 0
    assert snapshot(project) == after


def test_fix_exits_1_when_findings_remain(tmp_path: Path) -> None:
    shutil.copyfile(FIXTURES / "azure_old_api_version" / "input.py", tmp_path / "a.py")
    res = tokenfix("fix", str(tmp_path))
    assert res.returncode == 1
    assert "TOK002" in res.stdout.decode() and "TOK003" in res.stdout.decode()
    assert "Fixed 0 findings in 0 files, 2 remaining" in res.stderr.decode()


def test_check_fix_and_check_diff_are_aliases(project: Path) -> None:
    diff = tokenfix("check", "--diff", str(project))
    assert diff.returncode == 1 and diff.stdout == tokenfix("diff", str(project)).stdout
    res = tokenfix("check", "--fix", str(project))
    assert res.returncode == 0
    assert (project / "requests_json_dumps.py").read_bytes() == (FIXTURES / "requests_json_dumps" / "expected.py").read_bytes()


def test_unsafe_fixes_flag(tmp_path: Path) -> None:
    target = tmp_path / "a.py"
    shutil.copyfile(FIXTURES / "openai_param_client" / "input.py", target)
    res = tokenfix("check", str(target))
    assert "1 more with `tokenfix fix --unsafe-fixes`" in res.stderr.decode()
    tokenfix("fix", str(target))
    assert target.read_bytes() == (FIXTURES / "openai_param_client" / "input.py").read_bytes()
    tokenfix("fix", "--unsafe-fixes", str(target))
    assert target.read_bytes() == (FIXTURES / "openai_param_client_unsafe" / "expected.py").read_bytes()


def test_stdin_check_and_fix() -> None:
    source = (FIXTURES / "openai_module_level" / "input.py").read_bytes()
    res = tokenfix("check", "--stdin-filename", "app/llm.py", "-", input=source)
    assert res.returncode == 1
    assert res.stdout.decode().startswith("app/llm.py:8:9: TOK002 ")
    res = tokenfix("fix", "-", input=source)
    assert res.stdout == (FIXTURES / "openai_module_level" / "expected.py").read_bytes()
    assert b"Fixed 1 finding" in res.stderr
    res = tokenfix("fix", "-", input=b"x = 1\n")
    assert res.returncode == 0 and res.stdout == b"x = 1\n"


def test_select_and_ignore(project: Path) -> None:
    res = tokenfix("check", "--select", "TOK001", str(project))
    assert b"TOK002" not in res.stdout and b"TOK001" in res.stdout
    res = tokenfix("check", "--ignore", "TOK001,TOK002", str(project))
    assert res.returncode == 0 and res.stdout == b""


@pytest.mark.parametrize("args, message", [
    (["--select", "TOK999"], "unknown check 'TOK999'"),
    (["--provider", "nosuch"], "unknown provider 'nosuch'"),
])
def test_usage_errors_exit_2(project: Path, args, message) -> None:
    res = tokenfix("check", *args, str(project))
    assert res.returncode == 2
    assert message in res.stderr.decode()


def test_click_usage_error_exits_2() -> None:
    assert tokenfix("check", "--format", "xml", ".").returncode == 2
    assert tokenfix("nosuchverb").returncode == 2


def test_parse_error_names_file_and_line_and_run_goes_on(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("import openai\nopenai.chat.completions.create(max_tokens=1\n")
    shutil.copyfile(FIXTURES / "openai_module_level" / "input.py", tmp_path / "good.py")
    res = tokenfix("check", str(tmp_path))
    assert res.returncode == 2
    err = res.stderr.decode()
    assert f"tokenfix: error: {tmp_path / 'broken.py'}:" in err and "syntax error" in err
    assert "Traceback" not in err
    assert b"good.py:8:9: TOK002" in res.stdout


def test_missing_path_exits_2(tmp_path: Path) -> None:
    res = tokenfix("check", str(tmp_path / "nope.py"))
    assert res.returncode == 2
    assert "no such file or directory" in res.stderr.decode()


def test_config_from_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.tokenfix]\nprovider = "ollama"\n')
    shutil.copyfile(FIXTURES / "config_provider_default" / "input.py", tmp_path / "a.py")
    res = tokenfix("check", str(tmp_path / "a.py"))
    assert res.returncode == 1 and b"TOK003" in res.stdout


def test_bad_config_names_file_and_key(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.tokenfix]\nprovidr = "ollama"\n')
    (tmp_path / "a.py").write_text("x = 1\n")
    res = tokenfix("check", str(tmp_path / "a.py"))
    assert res.returncode == 2
    err = res.stderr.decode()
    assert str(tmp_path / "pyproject.toml") in err and "unknown key 'providr'" in err


def test_show_evidence_lists_sites_and_reasons() -> None:
    res = tokenfix("check", "--show-evidence", str(FIXTURES / "openai_self_client" / "input.py"))
    out = res.stdout.decode()
    assert ":12: openai.chat.completions -> provider openai (client), model gpt-5-nano" in out
    assert "line 8: client built by openai.OpenAI(...)" in out


def test_rule_and_models_commands() -> None:
    res = tokenfix("rule", "TOK002")
    assert res.returncode == 0 and b"deprecated-max-tokens" in res.stdout and b"max_completion_tokens" in res.stdout
    assert tokenfix("rule", "TOK999").returncode == 2
    assert tokenfix("explain", "absurd-token-limit").returncode == 0
    res = tokenfix("models", "--provider", "siliconflow")
    assert res.returncode == 0 and b"Qwen/Qwen3-8B" in res.stdout and b"gpt-4o" not in res.stdout


def test_models_lists_curated_and_imported_rows_plainly_when_piped() -> None:
    res = tokenfix("models")
    out = res.stdout.decode()
    assert res.returncode == 0 and "\u2501" not in out and "\u2502" not in out  # no box drawing into a pipe
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["model", "providers", "context"]
    footer = [line for line in lines if line.endswith("no fix rests on them).")]
    counts = re.match(r"([\d,]+) models: ([\d,]+) curated .* ([\d,]+) imported", footer[0])
    total, curated, imported = (int(g.replace(",", "")) for g in counts.groups())
    assert total == curated + imported and curated > 50 and imported > 900
    assert "Imported rows taken on 2026-12-03." in out
    gpt = tokenfix("models", "gpt-5.4-mini", "--provider", "openai").stdout.decode()
    assert "gpt-5.4-mini " in gpt and "imported" in gpt and "azure" not in gpt.split("\n\n")[0]


def test_models_json_and_the_empty_cases() -> None:
    data = json.loads(tokenfix("models", "claude-opus-4-6", "--format", "json").stdout)
    row = next(m for m in data["models"] if m["id"] == "claude-opus-4-6")
    assert row["origin"] == "imported" and row["context"] == 1_000_000 and row["source"].startswith("litellm ")
    assert data["imported_on"] == "2026-12-03"
    assert b"deployment settings" in tokenfix("models", "--provider", "ollama").stdout
    assert tokenfix("models", "no-such-model-id").stdout == b"No model matches 'no-such-model-id'.\n"


def test_an_old_import_is_said_so() -> None:
    import datetime

    from codemods.knowledge import load
    from codemods.output.models import footer, model_rows

    knowledge = load()
    lines = footer(knowledge, model_rows(knowledge, "gpt-4o", None), today=datetime.date(2027, 6, 1))
    assert lines[-1] == "warning: the imported rows are 180 days old: run scripts/import_models.py with newer pins"


def test_markup_in_file_names_is_printed_literally(tmp_path: Path) -> None:
    target = tmp_path / "[bold]x[red].py"
    shutil.copyfile(FIXTURES / "openai_module_level" / "input.py", target)
    res = tokenfix("check", str(target))
    assert str(target).encode() in res.stdout


def test_excluded_folders_are_not_walked(tmp_path: Path) -> None:
    for folder in (".venv/lib", "node_modules/pkg", "build"):
        (tmp_path / folder).mkdir(parents=True)
        shutil.copyfile(FIXTURES / "openai_module_level" / "input.py", tmp_path / folder / "a.py")
    res = tokenfix("check", str(tmp_path))
    assert res.returncode == 0 and b"0 files checked" in res.stderr


def test_progress_bar_only_on_a_terminal_outside_ci(tmp_path: Path, monkeypatch) -> None:
    import io
    import os
    import pty
    import subprocess
    import sys

    from codemods.cli import PROGRESS_MIN_FILES, show_progress

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    for var in ("CI", "PRE_COMMIT", "TOKENFIX_NO_PROGRESS"):
        monkeypatch.delenv(var, raising=False)
    assert show_progress(PROGRESS_MIN_FILES, Tty())
    assert not show_progress(PROGRESS_MIN_FILES - 1, Tty())
    assert not show_progress(PROGRESS_MIN_FILES, io.StringIO())
    monkeypatch.setenv("CI", "true")
    assert not show_progress(PROGRESS_MIN_FILES, Tty())
    monkeypatch.delenv("CI")

    # A real terminal: the bar is drawn on stderr (and cleared); stdout keeps only findings.
    for i in range(PROGRESS_MIN_FILES + 10):
        (tmp_path / f"m{i}.py").write_text(f"x = {i}\n")
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PRE_COMMIT")}
    proc = subprocess.run([sys.executable, "-m", "codemods", "check", str(tmp_path)], stderr=slave, stdout=subprocess.PIPE, env=env, timeout=120)
    os.close(slave)
    drawn = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        drawn += chunk
    os.close(master)
    assert proc.returncode == 0 and proc.stdout == b""
    assert b"tokenfix" in drawn and b"All checks passed (210 files checked)." in drawn


def test_display_only_fix_is_shown_and_never_applied(tmp_path: Path) -> None:
    target = tmp_path / "a.py"
    shutil.copyfile(FIXTURES / "langchain_chat_models" / "input.py", target)
    (item,) = [d for d in json.loads(tokenfix("check", "--format", "json", str(target)).stdout) if d["location"]["row"] == 7]
    assert item["code"] == "TOK009" and item["fix"]["applicability"] == "display-only"
    assert item["fix"]["edits"][0]["content"] == 'extra_body={"max_tokens": 512}'
    tokenfix("fix", "--unsafe-fixes", str(target))
    assert "max_tokens=512)" in target.read_text()  # untouched


def test_rule_piped_prints_the_markdown_unwrapped_and_unpadded() -> None:
    """Piped (`tokenfix rule TOK012 | less`, into a file), the docs are the Markdown of rules/checks.toml:
    a code example longer than 80 columns stays on its line, and no line ends in spaces."""
    from codemods.knowledge import load

    info = load().checks["TOK012"]
    out = tokenfix("rule", "TOK012", env={"COLUMNS": "80"}).stdout.decode()
    assert out.startswith("# TOK012 gateway-default-limit\n\n")
    example = next(line for line in info.docs.splitlines() if line.startswith("stream = client.chat.completions.create(") and len(line) > 80)
    assert example + "\n" in out
    assert info.docs.strip() in out and out.endswith(f"Source: {info.source}\n")
    assert not [line for line in out.splitlines() if line != line.rstrip()]


def test_rule_all_renders_every_check() -> None:
    res = tokenfix("rule", "--all")
    out = res.stdout.decode()
    assert res.returncode == 0
    for code in ("TOK001", "TOK005", "TOK009"):
        assert code in out


def test_terminal_escapes_in_code_are_printed_visibly(tmp_path: Path) -> None:
    target = tmp_path / "esc.py"
    target.write_text('from openai import OpenAI\nc = OpenAI(base_url="https://api.siliconflow.cn/v1")\n'
                      'r = c.chat.completions.create(model="\\x1b[31mQwen\\x07", messages=[], max_tokens=99999999)\n')
    for args in (["--show-evidence"], ["--format", "concise"], []):
        res = tokenfix("check", *args, str(target))
        assert b"\x1b" not in res.stdout and b"\x07" not in res.stdout
        assert b"\\x1b[31mQwen" in res.stdout or b"TOK001" in res.stdout


def test_sigterm_during_fix_leaves_no_half_written_file(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    for i in range(300):
        shutil.copyfile(FIXTURES / "openai_module_level" / "input.py", tmp_path / f"m{i:03}.py")
    proc = subprocess.Popen([sys.executable, "-m", "codemods", "fix", str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(3)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    original = (FIXTURES / "openai_module_level" / "input.py").read_bytes()
    fixed = (FIXTURES / "openai_module_level" / "expected.py").read_bytes()
    contents = [p.read_bytes() for p in sorted(tmp_path.iterdir())]
    assert all(c in (original, fixed) for c in contents)  # each file whole: before or after
    assert not any(p.name.endswith(".tokenfix-tmp") for p in tmp_path.iterdir())
    if proc.returncode != 0:  # stopped before the end (a fast machine may finish first)
        assert proc.returncode == 2 and b"interrupted" in err


def test_evidence_shows_an_unresolved_part_of_a_url_as_braces(tmp_path: Path) -> None:
    app = tmp_path / "app.py"
    app.write_text('import requests\n\nhost = get_host()\nurl = f"{host}/api/generate"\n'
                   'requests.post(url, json={"model": "llama3", "options": {"num_predict": 99999999}})\n')
    out = tokenfix("check", "--no-cache", "--show-evidence", str(app)).stdout.decode()
    assert "url = '{...}/api/generate'" in out
    assert "POST to {...}/api/generate: ollama's API path" in out
    assert "\\x00" not in out and "\x00" not in out
