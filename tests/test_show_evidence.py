"""--show-evidence: each call site with the lines that say what it is, printed once, its findings
under it; a line of another file named the way the checked file is written (relative or not)."""

from __future__ import annotations

from pathlib import Path

from conftest import tokenfix

APP = 'from pkg.clients import client\n\nr = client.chat.completions.create(model="gpt-4o", messages=[], max_completion_tokens=10)\n'


def _project(root: Path) -> Path:
    project = root / "proj"
    (project / "pkg").mkdir(parents=True)
    (project / ".git").mkdir()
    (project / ".env").write_text("OPENAI_BASE_URL=http://localhost:11434/v1\n")
    (project / "pkg" / "__init__.py").write_text("")
    (project / "pkg" / "clients.py").write_text("from openai import OpenAI\nclient = OpenAI()\n")
    (project / "pkg" / "app.py").write_text(APP)
    return project


def test_other_files_are_named_like_the_checked_one_and_evidence_is_printed_once(tmp_path: Path) -> None:
    project = _project(tmp_path)
    out = tokenfix("check", "--no-cache", "--show-evidence", "proj", cwd=tmp_path).stdout.decode().splitlines()
    assert out == [
        "proj/pkg/app.py:3: openai.chat.completions -> provider ollama (fallback), model gpt-4o (not in the knowledge base)",
        "    proj/pkg/clients.py:2: client built by openai.OpenAI(...)",
        "    proj/.env:1: OPENAI_BASE_URL='http://localhost:11434/v1' is Ollama: the process environment may say otherwise, "
        "so fixes that depend on it are unsafe",
        "    line 3: model 'gpt-4o'",
        out[4],
    ]
    assert out[4].startswith("proj/pkg/app.py:3:65: TOK003 warning: Ollama does not take `max_completion_tokens`")
    absolute = tokenfix("check", "--no-cache", "--show-evidence", str(project), cwd=tmp_path).stdout.decode()
    assert f"    {project}/pkg/clients.py:2: client built by openai.OpenAI(...)" in absolute
    assert f"    {project}/.env:1: OPENAI_BASE_URL=" in absolute
    item = __import__("json").loads(tokenfix("check", "--no-cache", "--format", "json", "proj", cwd=tmp_path).stdout)[0]
    assert item["evidence"][:2] == ["proj/pkg/clients.py:2: client built by openai.OpenAI(...)", out[2].strip()]


def test_each_site_is_followed_by_its_own_findings(tmp_path: Path) -> None:
    (tmp_path / "two.py").write_text(
        'import os\nfrom anthropic import Anthropic\n\n'
        'a = Anthropic()\nb = Anthropic(base_url=os.environ["GATEWAY"])\n'
        'a.messages.create(model="claude-opus-4-5", messages=[], max_tokens=99999999)\n'
        'b.messages.create(model="claude-opus-4-5", messages=[], max_tokens=99999999)\n')
    out = tokenfix("check", "--no-cache", "--show-evidence", "two.py", cwd=tmp_path).stdout.decode().splitlines()
    heads = [i for i, line in enumerate(out) if not line.startswith("    ")]
    assert [out[i].split(": ", 1)[0] for i in heads] == ["two.py:6", "two.py:6:57", "two.py:7", "two.py:7:57"]
    assert "provider anthropic (client)" in out[heads[0]] and "provider unknown" in out[heads[2]]
    assert any("base_url is not statically known" in line for line in out[heads[2]:heads[3]])
    assert not any("base_url is not statically known" in line for line in out[:heads[2]])


def test_the_readmes_evidence_block_is_real_output() -> None:
    """The README's --show-evidence block is what the command prints, up to the cut message."""
    from conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("$ tokenfix check --show-evidence examples/siliconflow_chat.py\n")
    shown = readme[start:readme.index("```", start)].splitlines()[1:]
    out = tokenfix("check", "--no-cache", "--show-evidence", "examples/siliconflow_chat.py", cwd=ROOT).stdout.decode().splitlines()
    assert len(out) == len(shown) and out[:-1] == shown[:-1]
    assert shown[-1].endswith("...") and out[-1].startswith(shown[-1][:-3])
