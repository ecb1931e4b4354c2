"""The README shows real output: its check transcript and its table of checks are checked here."""

from __future__ import annotations

import re

from codemods.output.docs import checks_table
from codemods.knowledge import load
from conftest import ROOT, tokenfix

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_checks_table_is_generated_from_rules() -> None:
    block = re.search(r"<!-- checks:start[^>]*-->\n(.*?)<!-- checks:end -->", README, re.S)
    assert block is not None
    assert block.group(1) == checks_table(load())


def test_check_transcript_is_real_output() -> None:
    start = README.index("$ tokenfix check examples/\n") + len("$ tokenfix check examples/\n")
    shown = README[start: README.index("```", start)]
    res = tokenfix("check", "examples/", cwd=ROOT)
    assert res.returncode == 1
    assert (res.stdout + res.stderr).decode() == shown


def test_two_setup_commands() -> None:
    commands = re.findall(r"```sh\n(python3 -m venv .venv && [^\n]+)\n```", README)
    assert commands == [
        "python3 -m venv .venv && .venv/bin/pip install -q . && .venv/bin/tokenfix check examples/",
        "python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && .venv/bin/pytest",
    ]
    assert commands[1] in (ROOT / ".ci" / "run").read_text()


def test_python_api_examples_run_as_shown(monkeypatch) -> None:
    import doctest

    monkeypatch.chdir(ROOT)
    section = README[README.index("## Python API"): README.index("## LibCST codemod")]
    block = section.split("```python\n", 1)[1].split("```", 1)[0]
    test = doctest.DocTestParser().get_doctest(block, {}, "README Python API", "README.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.failures == 0 and runner.tries >= 3


def test_every_file_the_readme_names_exists() -> None:
    """The Architecture section names the files to touch: each must be there."""
    named = set(re.findall(r"`((?:codemods|rules|tests|scripts|benchmarks|docs)/[\w./<>-]+)`", README))
    layers = "run|output|fixes|checks|surfaces|analysis|knowledge"
    named |= {f"codemods/{n}" for n in re.findall(rf"`((?:{layers})/[\w.<>-]+)`", README)}
    assert len(named) > 30
    missing = [n for n in sorted(named) if "<" not in n and "*" not in n and not (ROOT / n).exists()]
    assert missing == []


def test_the_architecture_names_every_layer_and_kind() -> None:
    section = README[README.index("## Architecture"): README.index("## Reliability")]
    for folder in ("run", "output", "fixes", "checks", "surfaces", "analysis", "knowledge"):
        assert f"`codemods/{folder}/`" in section
    from codemods.surfaces import kinds

    for kind in kinds():
        assert f"`{kind}`" in section
