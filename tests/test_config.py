"""Configuration and discovery as ruff users expect them."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from codemods.config import ConfigError, Settings, SettingsResolver, find_config, load_settings
from conftest import FIXTURES, tokenfix

PARAM_CLIENT = FIXTURES / "config_provider_default" / "input.py"  # max_completion_tokens, client unknown
REASONING = FIXTURES / "openai_module_level" / "input.py"  # one TOK002


def codes(res) -> list[tuple[str, int, str]]:
    return sorted((Path(d["filename"]).name, d["location"]["row"], d["code"]) for d in json.loads(res.stdout))


def test_closest_config_wins_and_extend_is_explicit(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.tokenfix]\nprovider = "ollama"\nignore = ["TOK002"]\n')
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "tokenfix.toml").write_text('select = ["TOK001"]\n')
    (tmp_path / "ext").mkdir()
    (tmp_path / "ext" / "tokenfix.toml").write_text('extend = "../pyproject.toml"\nextend-select = ["TOK008"]\n')
    resolver = SettingsResolver(None, {})
    top = resolver.for_folder(tmp_path)
    assert top.provider == "ollama" and top.ignore == ("TOK002",)
    sub = resolver.for_folder(tmp_path / "sub")
    assert sub.provider is None and sub.select == ("TOK001",)  # closest wins, no merge
    ext = resolver.for_folder(tmp_path / "ext")
    assert ext.provider == "ollama" and ext.ignore == ("TOK002",) and ext.extend_select == ("TOK008",)
    assert find_config(tmp_path / "sub" / "x.py") == tmp_path / "sub" / "tokenfix.toml"


def test_pyproject_without_table_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.tokenfix]\nprovider = "ollama"\n')
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert find_config(tmp_path / "pkg") == tmp_path / "pyproject.toml"


@pytest.mark.parametrize("text, message", [
    ('[tool.tokenfix]\nselct = ["TOK001"]\n', "unknown key 'selct'; allowed:"),
    ('[tool.tokenfix]\nbuffer = -1\n', "buffer must be a non-negative integer"),
    ('[tool.tokenfix]\nselect = "TOK001"\n', "select must be a list of strings"),
    ('[tool.tokenfix]\nper-file-ignores = { "a.py" = "TOK001" }\n', "per-file-ignores must be a table of glob = [codes]"),
    ('[[tool.tokenfix.overrides]]\nprovider = "ollama"\n', "overrides #1: `paths` (a list of globs) is required"),
    ('[[tool.tokenfix.overrides]]\npaths = ["*"]\nprovder = "x"\n', "overrides #1: unknown key 'provder'"),
    ('[tool.tokenfix]\nextend = "nope.toml"\n', "extend = 'nope.toml': no such file"),
    ('[tool.tokenfix\n', "invalid TOML"),
])
def test_bad_configuration_is_named(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_settings(config)
    assert str(config) in str(info.value) and message in str(info.value)
    (tmp_path / "a.py").write_text("x = 1\n")
    res = tokenfix("check", str(tmp_path / "a.py"))
    assert res.returncode == 2 and message in res.stderr.decode()


def test_unknown_provider_and_code_in_config_exit_2(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.tokenfix]\nprovider = "olama"\n')
    shutil.copyfile(REASONING, tmp_path / "a.py")
    res = tokenfix("check", str(tmp_path))
    assert res.returncode == 2 and "unknown provider 'olama'" in res.stderr.decode()
    (tmp_path / "pyproject.toml").write_text('[tool.tokenfix]\nper-file-ignores = { "a.py" = ["TOK999"] }\n')
    res = tokenfix("check", str(tmp_path))
    assert res.returncode == 2 and "unknown check 'TOK999'" in res.stderr.decode()


def test_per_file_ignores_and_overrides(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.tokenfix]\nper-file-ignores = { "legacy/*.py" = ["TOK002"] }\n'
        '[[tool.tokenfix.overrides]]\npaths = ["local/**/*.py", "local/*.py"]\nprovider = "ollama"\n'
        '[[tool.tokenfix.overrides]]\npaths = ["cloud/*.py"]\nprovider = "openai"\nmodel = "o3-mini"\n'
    )
    for folder in ("legacy", "local", "cloud"):
        (tmp_path / folder).mkdir()
    shutil.copyfile(REASONING, tmp_path / "legacy" / "a.py")
    shutil.copyfile(REASONING, tmp_path / "top.py")
    shutil.copyfile(PARAM_CLIENT, tmp_path / "local" / "b.py")
    (tmp_path / "cloud" / "c.py").write_text("def f(client, m):\n    return client.chat.completions.create(model=m, messages=[], max_tokens=99999999)\n")
    res = tokenfix("check", "--format", "json", str(tmp_path))
    found = codes(res)
    assert ("a.py", 8, "TOK002") not in found and ("top.py", 8, "TOK002") in found
    assert ("b.py", 2, "TOK003") in found  # provider from the override
    assert ("c.py", 2, "TOK001") in found and ("c.py", 2, "TOK002") in found  # model from the override
    c = next(d for d in json.loads(res.stdout) if d["code"] == "TOK001")
    assert "o3-mini's context window" in c["message"]


def test_select_extend_select_and_default_off(tmp_path: Path) -> None:
    shutil.copyfile(FIXTURES / "reasoning_budget" / "input.py", tmp_path / "a.py")
    assert tokenfix("check", str(tmp_path)).returncode == 0  # TOK008 is off by default
    res = tokenfix("check", "--format", "json", "--extend-select", "TOK008", str(tmp_path))
    assert {c for _, _, c in codes(res)} == {"TOK008"}
    (tmp_path / "pyproject.toml").write_text('[tool.tokenfix]\nselect = ["TOK"]\nreasoning-reserve = 40000\n')
    res = tokenfix("check", "--format", "json", str(tmp_path))
    assert [row for _, row, c in codes(res) if c == "TOK008"] == [4, 5, 7]  # 30,000 < 40,000 now


def test_excludes_force_exclude_and_gitignore(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.tokenfix]\nextend-exclude = ["vendored", "*_pb2.py"]\n')
    (tmp_path / "vendored").mkdir()
    (tmp_path / "ignored").mkdir()
    for name in ("vendored/a.py", "b_pb2.py", "ignored/c.py", "keep.py"):
        shutil.copyfile(REASONING, tmp_path / name)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("ignored/\n")
    res = tokenfix("check", "--format", "json", str(tmp_path))
    assert {name for name, _, _ in codes(res)} == {"keep.py"}
    # Named on the command line, an excluded file is checked, unless --force-exclude.
    assert tokenfix("check", str(tmp_path / "b_pb2.py")).returncode == 1
    res = tokenfix("check", "--force-exclude", str(tmp_path / "b_pb2.py"))
    assert res.returncode == 0 and b"0 files checked" in res.stderr


def test_generated_files_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "gen.py").write_text("# @generated by protoc\n" + REASONING.read_text())
    res = tokenfix("check", str(tmp_path))
    assert res.returncode == 0 and b"1 @generated skipped" in res.stderr


def test_settings_for_file_matching(tmp_path: Path) -> None:
    settings = Settings(per_file_ignores=(("tests/*", ("TOK001",)),), root=tmp_path)
    assert not settings.for_file(tmp_path / "tests" / "t.py").enabled("TOK001")
    assert settings.for_file(tmp_path / "src" / "t.py").enabled("TOK001")


def test_walk_order_symlinks_and_odd_entries(tmp_path: Path) -> None:
    """The walk lists Python files depth-first in name order, prunes excluded folders, and
    leaves out symlinks (to files and to folders), folders named like modules and non-Python
    files; inside git, only what git would track, matched through a symlinked root too."""
    from codemods.discover import discover

    tree = tmp_path / "tree"
    for name in ("b.py", "a/z.py", "a/b/c.pyi", "a/nb.ipynb", "c.py/inner.py", "build/x.py", "d/readme.txt", "d/e.py"):
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_text("x = 1\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "o.py").write_text("x = 1\n")
    (tree / "link.py").symlink_to(outside / "o.py")
    (tree / "linked").symlink_to(outside, target_is_directory=True)
    (tree / "broken.py").symlink_to(tmp_path / "missing.py")
    resolver = SettingsResolver(None, {})
    files, missing = discover([tree], resolver)
    assert [f.relative_to(tree).as_posix() for f in files] == ["b.py", "a/nb.ipynb", "a/z.py", "a/b/c.pyi", "c.py/inner.py", "d/e.py"]
    assert missing == []

    subprocess.run(["git", "init", "-q", str(tree)], check=True)
    (tree / ".gitignore").write_text("a/b/\nd/\n")
    alias = tmp_path / "alias"
    alias.symlink_to(tree, target_is_directory=True)
    files, _ = discover([alias], SettingsResolver(None, {}))
    assert [f.relative_to(alias).as_posix() for f in files] == ["b.py", "a/nb.ipynb", "a/z.py", "c.py/inner.py"]


DEFAULT_CLIENT = '''from openai import OpenAI

client = OpenAI()
client.chat.completions.create(model="gpt-4o", messages=[], max_tokens=400)
'''


@pytest.mark.parametrize("how", ["config", "cli"])
def test_default_endpoint_unknown_renames_nothing(tmp_path: Path, how: str) -> None:
    app = tmp_path / "app.py"
    app.write_text(DEFAULT_CLIENT)
    args = []
    if how == "config":
        (tmp_path / "pyproject.toml").write_text('[tool.tokenfix]\ndefault-endpoint = "unknown"\n')
    else:
        args = ["--default-endpoint", "unknown"]
    result = tokenfix("fix", "--no-cache", "--show-evidence", *args, str(tmp_path))
    assert app.read_text() == DEFAULT_CLIENT
    out = result.stdout.decode()
    assert "provider unknown (unresolvable)" in out
    assert "default-endpoint = 'unknown': the environment may redirect openai.OpenAI, provider unknown" in out
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "app.py").write_text(DEFAULT_CLIENT)
    (plain / "pyproject.toml").write_text('[tool.tokenfix]\ndefault-endpoint = "trusted"\n')
    trusted = tokenfix("diff", "--no-cache", str(plain / "app.py"))
    assert trusted.returncode == 1 and "+client.chat.completions.create(model=\"gpt-4o\", messages=[], max_completion_tokens=400)" in trusted.stdout.decode()


def test_default_endpoint_must_be_trusted_or_unknown(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.tokenfix]\ndefault-endpoint = "maybe"\n')
    (tmp_path / "app.py").write_text(DEFAULT_CLIENT)
    result = tokenfix("check", "--no-cache", str(tmp_path))
    assert result.returncode == 2
    assert f"{tmp_path / 'pyproject.toml'}: [tool.tokenfix]: default-endpoint must be one of 'trusted', 'unknown', not 'maybe'" in result.stderr.decode()
    assert "Traceback" not in result.stderr.decode()


@pytest.mark.parametrize("value", ["inf", "0", "-1", "abc", "nan", "1e7"])
def test_a_bad_file_timeout_is_a_one_line_error(tmp_path: Path, value: str) -> None:
    """`inf` crashed the pool (OverflowError), `abc` silently became 300 s, 0 and -1 timed out every file."""
    shutil.copyfile(REASONING, tmp_path / "a.py")
    res = tokenfix("check", "--no-cache", str(tmp_path), env={"TOKENFIX_FILE_TIMEOUT": value})
    assert res.returncode == 2
    assert res.stderr.decode().splitlines() == [
        f"tokenfix: error: TOKENFIX_FILE_TIMEOUT='{value}': not a time limit; set it to the seconds one file may take, "
        "more than 0 and at most 1,000,000 (unset, it is 300)"]
    assert tokenfix("check", "--no-cache", str(tmp_path), env={"TOKENFIX_FILE_TIMEOUT": "30"}).returncode == 1
