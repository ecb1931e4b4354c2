"""Configuration and discovery as ruff users expect them."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from codemods.knowledge.config import _KEYS, ConfigError, Settings, SettingsResolver, find_config, load_settings
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
        '[[tool.tokenfix.overrides]]\npaths = ["cloud/*.py"]\nprovider = "openai"\nmodel = "gpt-5-mini"\n'
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
    assert "gpt-5-mini's context window" in c["message"]


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
    from codemods.run.discover import discover

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


# -- configurations a real tree holds that are not tokenfix's, or are broken (issue 17) ------

HUGE_LIMIT = "def f(client, m):\n    return client.chat.completions.create(model=m, messages=[], max_tokens=99999999)\n"
TEMPLATE_PYPROJECT = '[project]\nname = "{{cookiecutter.project_slug}}"\n{% if cookiecutter.use_openai %}\ndependencies = ["openai"]\n{% endif %}\n'


def template_tree(tmp_path: Path, pyproject: str, top: str = "") -> tuple[Path, Path]:
    """A project with a cookiecutter template inside it (as microsoft/autogen and crewAI ship):
    the template's pyproject.toml is Jinja, not TOML. An LLM file on each side."""
    if top:
        (tmp_path / "pyproject.toml").write_text(top)
    template = tmp_path / "templates" / "{{cookiecutter.project_slug}}"
    template.mkdir(parents=True)
    (template / "pyproject.toml").write_text(pyproject)
    shutil.copyfile(REASONING, tmp_path / "app.py")
    shutil.copyfile(REASONING, template / "main.py")
    return tmp_path / "app.py", template / "main.py"


def test_a_template_pyproject_that_never_names_tokenfix_is_not_read_as_settings(tmp_path: Path) -> None:
    """Its bytes do not mention tokenfix, so it holds no tokenfix settings: never parsed, and
    it costs nothing (before: `invalid TOML`, exit 2, no report at all)."""
    template_tree(tmp_path, TEMPLATE_PYPROJECT)
    res = tokenfix("check", "--no-cache", "--format", "json", str(tmp_path))
    assert res.returncode == 1, res.stderr
    assert res.stderr == b""
    assert codes(res) == [("app.py", 8, "TOK002"), ("main.py", 8, "TOK002")]


@pytest.mark.parametrize("dependency", ['[dependency-groups]\ndev = ["tokenfix>=1.0"]\n',
                                        '[tool.poetry.group.dev.dependencies]\ntokenfix = { version = "^1.0" }\n'])
def test_an_unparsable_pyproject_without_a_tokenfix_table_falls_back_to_the_settings_above(tmp_path: Path, dependency: str) -> None:
    """It mentions tokenfix (a dependency, Poetry's inline table too) but shows no [tool.tokenfix]
    table: reported, and the files under it are checked with the settings above it (here: TOK002
    ignored in templates/)."""
    pyproject = TEMPLATE_PYPROJECT + dependency
    app, main = template_tree(tmp_path, pyproject, top='[tool.tokenfix]\nper-file-ignores = { "templates/**" = ["TOK002"] }\n')
    (main.parent / "huge.py").write_text(HUGE_LIMIT)  # TOK001 and TOK002: checked, TOK002 ignored from above
    res = tokenfix("check", "--no-cache", "--format", "json", str(tmp_path))
    lines = res.stderr.decode().splitlines()
    assert res.returncode == 2
    assert lines == [f"tokenfix: error: {main.parent / 'pyproject.toml'}: cannot read as TOML (Invalid statement (at line 3, column 1)); "
                     "it shows no [tool.tokenfix] table, so the files under it were checked with the settings above it"]
    assert codes(res) == [("app.py", 8, "TOK002"), ("huge.py", 2, "TOK001")]


@pytest.mark.parametrize("name, text, message", [
    ("pyproject.toml", '[tool.tokenfix]\nprovider = "{{ cookiecutter.provider }}\n', "invalid TOML (Illegal character"),
    ("pyproject.toml", '[tool.tokenfix]\nselct = ["TOK001"]\n', "[tool.tokenfix]: unknown key 'selct'"),
    ("pyproject.toml", "[tool]\ntokenfix = 5\n", "tool.tokenfix must be a table"),
    ("tokenfix.toml", 'provider = "olama"\n', "unknown provider 'olama'"),
    ("tokenfix.toml", 'extra-rules = ["rules.toml"]\n', "extra-rules: "),
    ("tokenfix.toml", "buffer = " + "[" * 3000 + "]" * 3000 + "\n", "invalid TOML (nested too deeply)"),
])
def test_a_broken_tokenfix_configuration_costs_its_own_files_not_the_run(tmp_path: Path, name: str, text: str, message: str) -> None:
    """Exit 2 with its message, its files skipped and counted; every other file checked and fixed."""
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / name).write_text(text)
    (sub / "rules.toml").write_text("[[surface]]\nid = 5\n")
    shutil.copyfile(REASONING, tmp_path / "top.py")
    shutil.copyfile(REASONING, sub / "a.py")
    shutil.copyfile(REASONING, sub / "b.py")
    res = tokenfix("fix", "--no-cache", str(tmp_path))
    lines = res.stderr.decode().splitlines()
    assert res.returncode == 2 and "Traceback" not in res.stderr.decode()
    assert lines[0].startswith(f"tokenfix: error: {sub / name}: ") and message in lines[0], lines
    assert lines[0].endswith("; 2 files under it not checked until it is fixed")
    assert lines[1:] == ["Fixed 1 finding in 1 file (1 file checked, 1 error)."]
    assert "max_completion_tokens" in (tmp_path / "top.py").read_text()
    assert (sub / "a.py").read_bytes() == (sub / "b.py").read_bytes() == REASONING.read_bytes()


def test_a_broken_configuration_read_from_stdin_stops_the_run(tmp_path: Path) -> None:
    """With `-`, the one file is the whole run: it is not fixed with settings that are not its
    own (the defaults), and nothing is written to stdout."""
    (tmp_path / "tokenfix.toml").write_text("selct = []\n")
    res = tokenfix("fix", "--stdin-filename", str(tmp_path / "a.py"), "-", input=REASONING.read_bytes())
    assert res.returncode == 2 and res.stdout == b""
    assert res.stderr.decode().splitlines() == [f"tokenfix: error: {tmp_path / 'tokenfix.toml'}: unknown key 'selct'; allowed: "
                                                f"{', '.join(sorted(_KEYS))}"]


def test_a_pyproject_is_parsed_only_when_it_mentions_tokenfix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A 100 MB pyproject.toml took 6 s to parse for nothing: now one without the word is not
    parsed at all (not even read past the size limit), and one too large to read that might
    hold settings is an error."""
    import codemods.knowledge.config as config
    from codemods.knowledge import MAX_SETTINGS_BYTES

    parsed = []
    real = config.parse_toml
    monkeypatch.setattr(config, "parse_toml", lambda data: parsed.append(len(data)) or real(data))
    (tmp_path / "tokenfix.toml").write_text('provider = "ollama"\n')
    for name, body in [("small", '[project]\nname = "x"\n'), ("large", "# padding\n" * (MAX_SETTINGS_BYTES // 5)),
                       ("nested", "x = " + "[" * 3000 + "]" * 3000 + "\n")]:
        (tmp_path / name).mkdir()
        (tmp_path / name / "pyproject.toml").write_text(body)
        assert find_config(tmp_path / name) == tmp_path / "tokenfix.toml"
        assert SettingsResolver(None, {}).for_folder(tmp_path / name).provider == "ollama"
    assert parsed == [len('provider = "ollama"\n')] * 3  # the tokenfix.toml alone, once a resolver
    huge = tmp_path / "huge"
    huge.mkdir()
    (huge / "pyproject.toml").write_text("[tool.tokenfix]\n" + "# padding\n" * (MAX_SETTINGS_BYTES // 5))
    settings = SettingsResolver(None, {}).for_folder(huge)
    assert settings.unusable is not None and "-byte limit" in settings.unusable and str(huge / "pyproject.toml") in settings.unusable


def test_an_extend_chain_1500_long_is_an_error_not_a_recursion(tmp_path: Path) -> None:
    for i in range(1500):
        (tmp_path / f"c{i}.toml").write_text(f'extend = "c{i + 1}.toml"\n' if i < 1499 else "buffer = 5\n")
    (tmp_path / "tokenfix.toml").write_text('extend = "c0.toml"\n')
    shutil.copyfile(REASONING, tmp_path / "a.py")
    res = tokenfix("check", "--no-cache", str(tmp_path))
    assert res.returncode == 2 and "Traceback" not in res.stderr.decode()
    assert f"{tmp_path / 'tokenfix.toml'}: `extend` goes through more than 64 files" in res.stderr.decode()
    (tmp_path / "c64.toml").write_text("buffer = 5\n")  # 64 files in all: allowed
    assert load_settings(tmp_path / "c1.toml").buffer == 5


@pytest.mark.parametrize("text, message", [
    ('per-file-ignores = { "" = ["TOK001"] }\n', "per-file-ignores: '' is an empty glob"),
    ('per-file-ignores = { "." = ["TOK001"] }\n', "per-file-ignores: '.' is an empty glob"),
    ('[[overrides]]\npaths = [""]\nprovider = "ollama"\n', "overrides #1: paths: '' is an empty glob"),
    ('extend-exclude = [" "]\n', "extend-exclude: ' ' is an empty glob"),
])
def test_an_empty_glob_is_named(tmp_path: Path, text: str, message: str) -> None:
    """pathlib's match() raised `ValueError: empty pattern` on the first file (a traceback, exit 1)."""
    (tmp_path / "tokenfix.toml").write_text(text)
    shutil.copyfile(REASONING, tmp_path / "a.py")
    res = tokenfix("check", "--no-cache", str(tmp_path))
    assert res.returncode == 2 and "Traceback" not in res.stderr.decode()
    assert f"tokenfix: error: {tmp_path / 'tokenfix.toml'}: {message}, which matches no path" in res.stderr.decode()


@pytest.mark.parametrize("entry, message", [
    ('[[surface]]\nid = 5\nkind = "sdk_method"\nlimit = "max_tokens"\nsource = "https://x"\n', "surface #1: id must be a string, not 5"),
    ('[[surface]]\nid = "s"\nkind = "sdk_method"\nlimit = "max_tokens"\nsource = "https://x"\nmethods = 5\n', "surface #1: methods must be a list of strings, not 5"),
    ('[[provider]]\nid = "p"\nname = "p"\nsource = "https://x"\nports = ["a"]\n', "provider #1: ports must be a list of positive integers"),
    ('[[provider]]\nid = "p"\nname = "p"\nsource = "https://x"\nself_hosted = "yes"\n', "provider #1: self_hosted must be true or false"),
    ('[[model]]\nid = "m"\nproviders = "openai"\ncontext = 8192\nsource = "https://x"\n', "model #1 (m): providers must be a list of strings"),
    ('[[model]]\nid = "m"\nproviders = ["openai"]\ncontext = 8192.5\nsource = "https://x"\n', "model #1 (m): context must be a positive integer"),
    ('[[surface]]\nid = "s"\nkind = "sdk_method"\nlimit = "max_tokens"\nsource = "https://x"\nrouting = { a = "nope" }\n', "surface s: unknown provider 'nope'"),
    ('[[surface]]\nid = "s"\nkind = "sdk_method"\nlimit = "max_tokens"\nsource = "https://x"\nnonstreaming_model_caps = { a = "x" }\n',
     "surface #1: nonstreaming_model_caps must be a table of positive integers"),
    ('provider = 5\n', "provider must be an array of tables ([[provider]]), not 5"),
    ('provider = [5]\n', "provider #1: must be a table, not 5"),
    ('[[check]]\ncode = "TOK001"\nname = "n"\nseverity = "error"\nsummary = "s"\nfix = "f"\ndocs = "d"\nsource = "https://x"\n'
     'options = { threshold = "abc" }\n', "check #1: options.threshold must be a positive integer"),
])
def test_a_wrongly_typed_extra_rules_entry_is_named(tmp_path: Path, entry: str, message: str) -> None:
    """Before, `methods = 5` was a TypeError traceback and `id = 5` was taken as it is."""
    (tmp_path / "rules.toml").write_text(entry)
    (tmp_path / "tokenfix.toml").write_text('extra-rules = ["rules.toml"]\n')
    shutil.copyfile(REASONING, tmp_path / "a.py")
    res = tokenfix("check", "--no-cache", str(tmp_path))
    stderr = res.stderr.decode()
    assert res.returncode == 2 and "Traceback" not in stderr
    assert stderr.startswith(f"tokenfix: error: {tmp_path / 'tokenfix.toml'}: extra-rules: ") and message in stderr.splitlines()[0]


@pytest.mark.parametrize("path", ["/dev/zero", "/dev/null", "rules"])
def test_extra_rules_that_are_not_a_regular_file_are_named_not_read(tmp_path: Path, path: str) -> None:
    """A device or a folder named as a rules file: /dev/zero was read until memory ran out."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "tokenfix.toml").write_text(f'extra-rules = ["{path}"]\n')
    shutil.copyfile(REASONING, tmp_path / "a.py")
    res = tokenfix("check", "--no-cache", str(tmp_path))
    assert res.returncode == 2 and "cannot read rules file (" in res.stderr.decode() and "Traceback" not in res.stderr.decode()


def test_extra_rules_naming_a_fifo_are_refused_without_waiting(tmp_path: Path) -> None:
    """A FIFO named as a rules file: a blocking open would wait for a writer for ever."""
    import os
    import sys

    os.mkfifo(tmp_path / "rules.toml")
    (tmp_path / "tokenfix.toml").write_text('extra-rules = ["rules.toml"]\n')
    shutil.copyfile(REASONING, tmp_path / "a.py")
    res = subprocess.run([sys.executable, "-m", "codemods", "check", "--no-cache", str(tmp_path)], capture_output=True,
                         env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}, timeout=60)
    stderr = res.stderr.decode()
    assert res.returncode == 2 and "Traceback" not in stderr
    assert stderr.splitlines()[0] == (f"tokenfix: error: {tmp_path / 'tokenfix.toml'}: extra-rules: "
                                      f"{tmp_path / 'rules.toml'}: cannot read rules file (not a regular file); 1 file under it not checked until it is fixed"), stderr


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
