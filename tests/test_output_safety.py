"""Whatever a file is called and whatever its strings hold, reports stay what they claim to be:
JSON and SARIF parse (and SARIF validates), GitHub annotations stay one line each, and text
reports carry no terminal escape sequence and no rich markup, printed literally instead."""

from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path

import jsonschema
from hypothesis import given, strategies as st
from rich.console import Console

import test_properties  # noqa: F401 - registers and loads the hypothesis profiles
from codemods.knowledge.config import Settings
from codemods.output.findings import display_name
from codemods.output.formats import render
from codemods.knowledge import load
from codemods.output.report import write_text
from codemods.run.runner import analyze_bytes
from conftest import FIXTURES, tokenfix
from test_formats import sarif_schema

KNOWLEDGE = load()
SCHEMA = sarif_schema()
NAMES = st.one_of(
    st.text(min_size=1, max_size=40),
    st.binary(min_size=1, max_size=40).map(os.fsdecode),  # a name that is not UTF-8, as Python sees it
    st.sampled_from(["[bold]x[/bold].py", "\x1b[2J\x1b]0;pwned\x07.py", "a\nb\r.py", "%0A::error::x.py", "é ü 中.py"]),
)
# C1 controls (U+009B is a one-character CSI) and the bidi controls that reorder what a line
# shows (Trojan Source): never raw in a report a person reads.
INVISIBLE = [*map(chr, range(0x80, 0xA0)), "\u061c", "\u200e", "\u200f", *map(chr, range(0x202A, 0x202F)),
             *map(chr, range(0x2066, 0x206A))]
STRINGS = st.one_of(st.text(max_size=40), st.lists(st.sampled_from([*INVISIBLE, "a", "\x1b"]), max_size=10).map("".join))


def _unsafe(text: str) -> list[str]:
    """The characters of text a terminal or a log viewer would obey instead of showing."""
    return [c for c in text if (ord(c) < 32 and c not in "\t\n") or ord(c) == 127 or c in INVISIBLE]


def source(model: str) -> bytes:
    return ("from openai import OpenAI\nclient = OpenAI()\n"
            f"client.chat.completions.create(model={model!r}, messages=[], max_tokens=99999999)\n").encode("utf-8")


def strict_utf8() -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict", newline="")


def rendered(output_format: str, result) -> str:
    out = strict_utf8()
    render(output_format, [result], KNOWLEDGE, out)
    out.flush()
    return out.buffer.getvalue().decode("utf-8")


@given(NAMES, STRINGS)
def test_every_format_is_valid_for_any_name_and_string(name: str, model: str) -> None:
    result = analyze_bytes(source(model), display_name(name), KNOWLEDGE, Settings(), fix=False, unsafe_fixes=False)
    assert result.findings and not result.error
    items = json.loads(rendered("json", result))
    assert {item["filename"] for item in items} == {display_name(name)}
    assert not model.isalnum() or any(model in e for item in items for e in item["evidence"])
    jsonschema.validate(json.loads(rendered("sarif", result)), SCHEMA)
    github = rendered("github", result)
    assert github.count("\n") == len(result.findings) and "\r" not in github
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in github.split("\n")[:-1])
    for text in (rendered("concise", result), _text(result), github):
        assert not _unsafe(text), repr(text)
    for output_format in ("json", "sarif"):  # data: the characters kept, as JSON escapes
        assert not [c for c in rendered(output_format, result) if c in INVISIBLE]


def _text(result) -> str:
    out = strict_utf8()
    console = Console(file=out, highlight=False, soft_wrap=True, markup=False, emoji=False, force_terminal=True, color_system=None)
    write_text([result], console, show_evidence=True)
    out.flush()
    return out.buffer.getvalue().decode("utf-8")


def test_odd_file_names_through_the_cli(tmp_path: Path) -> None:
    names = [b"[red]markup[red].py", b"esc\x1b[31m\x1b]0;title\x07.py", b"new\nline.py", b"latin\xe9-not-utf8.py"]
    for name in names:
        shutil.copyfile(FIXTURES / "openai_module_level" / "input.py", os.path.join(os.fsencode(tmp_path), name))
    shown = [display_name(os.fsdecode(os.path.join(os.fsencode(tmp_path), name))) for name in names]
    for args in (["--format", "json"], ["--format", "sarif"], ["--format", "github"], ["--format", "concise"], [], ["--show-evidence"]):
        res = tokenfix("check", *args, str(tmp_path))
        assert res.returncode == 1 and b"Traceback" not in res.stderr, res.stderr.decode()[-2000:]
        out = res.stdout.decode("utf-8")  # strict: every report is UTF-8
        if args[1:] == ["json"]:
            assert sorted({item["filename"] for item in json.loads(out)}) == sorted(shown)
        elif args[1:] == ["sarif"]:
            jsonschema.validate(json.loads(out), SCHEMA)
        else:
            assert "\x1b" not in out and "\x07" not in out
            assert "[red]markup[red].py" in out  # literally, not as markup
        if args[1:] == ["github"]:
            assert len(out.splitlines()) == len(names)  # a newline in a name does not start a new command
    diff = tokenfix("diff", str(tmp_path))
    assert diff.returncode == 1 and b"Traceback" not in diff.stderr
    assert diff.stdout.count(b"\n+++ ") == len(names)  # test_diff_apply.py: the names quoted as git quotes them
    assert b"\x1b" not in diff.stderr


def test_reports_survive_a_terminal_that_cannot_show_the_characters(tmp_path: Path) -> None:
    shutil.copyfile(FIXTURES / "openai_module_level" / "input.py", tmp_path / "é.py")
    env_ascii = {"PYTHONIOENCODING": "ascii"}
    for fmt in ("text", "json", "sarif", "github", "concise"):
        res = tokenfix("check", "--format", fmt, str(tmp_path), env=env_ascii)
        assert res.returncode == 1 and b"Traceback" not in res.stderr, res.stderr.decode()[-2000:]
        res.stdout.decode("ascii")
        if fmt == "json":
            assert {item["filename"] for item in json.loads(res.stdout)} == {str(tmp_path / "é.py")}
        elif fmt == "sarif":
            assert json.loads(res.stdout)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("/%C3%A9.py")


def test_c1_and_bidi_controls_are_escaped_in_every_report_a_person_reads(tmp_path: Path) -> None:
    name = tmp_path / "n\u009b\u202e.py"
    name.write_text("from openai import OpenAI\nc = OpenAI()\n"
                    "c.chat.completions.create(model='\u009b2J\u202egpt\u2066\u200f\u061c\x85', messages=[], max_tokens=99999999)\n")
    for args in ([], ["--show-evidence"], ["--format", "concise"], ["--format", "github"]):
        res = tokenfix("check", *args, str(name))
        assert res.returncode == 1
        out = res.stdout.decode("utf-8")
        assert not _unsafe(out), (args, out)
        assert "n\\x9b\\u202e.py" in out, (args, out)
        assert "\\x9b2J\\u202egpt\\u2066\\u200f\\u061c\\x85" in out or args != ["--show-evidence"], out
    for fmt in ("json", "sarif"):
        res = tokenfix("check", "--format", fmt, str(name))
        out = res.stdout.decode("utf-8")
        assert not [c for c in out if c in INVISIBLE]
        if fmt == "json":  # the name as it is, once the JSON is read
            assert "\\u202e" in out and {item["filename"] for item in json.loads(out)} == {str(name)}
    res = tokenfix("check", str(tmp_path / "missing\u202e.py"))
    assert res.returncode == 2 and "\\u202e" in res.stderr.decode() and not _unsafe(res.stderr.decode())
    res = tokenfix("check", "--output-file", str(tmp_path / "no folder" / "r\u009b\x1b[2J.txt"), str(name))
    assert res.returncode == 2 and "r\\x9b\\x1b[2J.txt: cannot write the report" in res.stderr.decode(), res.stderr
    assert not _unsafe(res.stderr.decode())


def test_a_warning_that_names_a_file_shows_its_controls_visibly(tmp_path: Path) -> None:
    # A stale temporary file of a killed run is removed by the next fix, with a warning that
    # names both files: their C1 and bidi characters escaped there too.
    name = tmp_path / "w\u009b\u202e.py"
    shutil.copyfile(FIXTURES / "openai_module_level" / "input.py", name)
    stale = tmp_path / ".w\u009b\u202e.py.k2j4_9zq.tokenfix-tmp"
    stale.write_bytes(b"half")
    os.utime(stale, (1, 1))
    res = tokenfix("fix", "--no-cache", str(name))
    err = res.stderr.decode("utf-8")
    assert "tokenfix: warning: " in err and "w\\x9b\\u202e.py: removed .w\\x9b\\u202e.py.k2j4_9zq.tokenfix-tmp" in err, err
    assert not _unsafe(err), err
    assert not stale.exists()
