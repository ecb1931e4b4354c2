"""Any value of any setting, in any configuration file the tree holds, ends the run with an
exit code of 0, 1 or 2 and a one-line message at most: never a traceback.

Run in-process through click's CliRunner (a run takes some 50 ms here, a subprocess 300 ms),
which hands back the exception a run raised instead of printing it.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given, strategies as st

import test_properties  # noqa: F401 - registers and loads the hypothesis profiles
from codemods.cli import main
from codemods.knowledge.config import _KEYS, _OVERRIDE_KEYS
from codemods.knowledge import CheckInfo, Model, Provider, Surface
from conftest import FIXTURES

LLM_FILE = FIXTURES / "openai_module_level" / "input.py"  # one TOK002


def toml_string(text: str) -> str:
    """A TOML basic string: every character TOML forbids raw, escaped."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{toml_string(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(value)


# Strings a setting is likely to get wrong: globs that match nothing, paths that are not
# files, names of no provider or check, and anything else.
ODD_STRINGS = st.sampled_from(["", ".", "/", "**", "*", "[", "a/[", "\x00", "..", "../..", "/dev/zero", "/dev/null", "/",
                               "TOK", "TOK001", "ALL", "ollama", "openai", "trusted", "unknown", "tokenfix.toml", "pyproject.toml"])
STRINGS = st.one_of(ODD_STRINGS, st.text(max_size=12))
GLOBS = st.one_of(st.sampled_from(["", ".", "*", "**", "*.py", "/", "a/[", "sub/*", "\x00", " "]), st.text(max_size=6))
SCALARS = st.one_of(STRINGS, st.booleans(), st.integers(min_value=-(2**63), max_value=2**63 - 1),
                    st.floats(allow_nan=True, allow_infinity=True))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(STRINGS, inner, max_size=3)),
                      max_leaves=8)
# Three times in four a value of the right type with odd content, which gets past the type checks
# to the code that uses it (a glob that matches nothing crashed pathlib's match()).
WELL_TYPED = {
    str: STRINGS,
    int: st.integers(min_value=-(2**63), max_value=2**63 - 1),
    list: st.lists(STRINGS, max_size=3),
    "globs": st.lists(GLOBS, min_size=1, max_size=3),
    dict: st.dictionaries(GLOBS, st.lists(st.sampled_from(["TOK001", "TOK002", "TOK", "ALL"]), max_size=2), min_size=1, max_size=2),
    "overrides": st.just(None),  # written as [[overrides]] tables (OVERRIDES)
}


@st.composite
def settings_tables(draw) -> dict:
    keys = draw(st.lists(st.sampled_from(sorted(_KEYS)), max_size=3, unique=True))
    return {key: draw(VALUES if draw(st.integers(0, 3)) == 0 else WELL_TYPED[_KEYS[key]]) for key in keys}


@st.composite
def override_tables(draw) -> dict:
    keys = draw(st.lists(st.sampled_from(sorted(_OVERRIDE_KEYS)), max_size=3, unique=True))
    return {key: draw(VALUES if draw(st.integers(0, 3)) == 0 else WELL_TYPED[_OVERRIDE_KEYS[key]]) for key in keys}


SETTINGS = settings_tables()
OVERRIDES = st.lists(override_tables(), max_size=2)


def config_text(settings: dict, overrides: list, in_pyproject: bool) -> str:
    head = "[tool.tokenfix]\n" if in_pyproject else ""
    lines = [head, *(f"{key} = {toml_value(value)}\n" for key, value in settings.items() if key != "overrides")]
    for entry in overrides:
        lines.append("[[tool.tokenfix.overrides]]\n" if in_pyproject else "[[overrides]]\n")
        lines.extend(f"{key} = {toml_value(value)}\n" for key, value in entry.items())
    return "".join(lines)


def run_in(tree: Path, *args: str, env: dict | None = None):
    result = CliRunner().invoke(main, [*args, "--no-cache", "-j", "1", str(tree)], env=env)
    output = result.output
    assert isinstance(result.exception, SystemExit) or result.exception is None, (result.exception, output)
    assert result.exit_code in (0, 1, 2), output
    assert "Traceback" not in output
    return result


def make_tree(root: Path) -> Path:
    tree = root / "tree"
    (tree / "sub").mkdir(parents=True)
    shutil.copyfile(LLM_FILE, tree / "a.py")
    shutil.copyfile(LLM_FILE, tree / "sub" / "b.py")
    return tree


@given(settings=SETTINGS, overrides=OVERRIDES, in_pyproject=st.booleans(), nested=st.booleans())
def test_any_value_of_any_setting_is_an_exit_code_not_a_traceback(settings: dict, overrides: list, in_pyproject: bool,
                                                                   nested: bool) -> None:
    with tempfile.TemporaryDirectory() as root:
        tree = make_tree(Path(root))
        folder = tree / "sub" if nested else tree
        name = "pyproject.toml" if in_pyproject else "tokenfix.toml"
        (folder / name).write_text(config_text(settings, overrides, in_pyproject), encoding="utf-8")
        run_in(tree, "check")
        run_in(tree, "diff")


ENTRY_TYPES = {"provider": Provider, "model": Model, "surface": Surface, "check": CheckInfo}
REQUIRED = {
    "provider": {"id": "corp", "name": "Corp", "source": "https://x"},
    "model": {"id": "corp-1", "providers": ["openai"], "context": 8192, "source": "https://x"},
    "surface": {"id": "corp.s", "kind": "sdk", "limit": "max_tokens", "methods": ["corp.create"], "source": "https://x"},
    "check": {"code": "TOK001", "name": "n", "severity": "error", "summary": "s", "fix": "f", "docs": "d", "source": "https://x"},
}


@st.composite
def rules_entries(draw):
    table = draw(st.sampled_from(sorted(ENTRY_TYPES)))
    entry = dict(REQUIRED[table])
    fields = sorted(ENTRY_TYPES[table].__dataclass_fields__)
    for key in draw(st.lists(st.sampled_from(fields), min_size=1, max_size=3, unique=True)):
        entry[key] = draw(VALUES)
    return table, entry


@given(entries=st.lists(rules_entries(), min_size=1, max_size=3))
def test_any_value_in_extra_rules_is_an_exit_code_not_a_traceback(entries: list) -> None:
    with tempfile.TemporaryDirectory() as root:
        tree = make_tree(Path(root))
        text = "".join(f"[[{table}]]\n" + "".join(f"{k} = {toml_value(v)}\n" for k, v in entry.items()) for table, entry in entries)
        (tree / "rules.toml").write_text(text, encoding="utf-8")
        (tree / "tokenfix.toml").write_text('extra-rules = ["rules.toml"]\n')
        result = run_in(tree, "check")
        run_in(tree, "diff")
        assert "internal error" not in result.output


@given(value=st.one_of(st.sampled_from(["inf", "-inf", "nan", "0", "-1", "abc", "1e400", "0x10", "", " ", "1e7"]), st.text(max_size=8)))
def test_any_file_timeout_is_an_exit_code_not_a_traceback(value: str) -> None:
    with tempfile.TemporaryDirectory() as root:
        tree = make_tree(Path(root))
        if "\x00" in value:
            return  # no environment can hold a NUL byte
        run_in(tree, "check", env={"TOKENFIX_FILE_TIMEOUT": value})
