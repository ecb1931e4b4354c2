"""The cache trusts nothing in the tree it serves (issue 17).

An entry is believed only with a MAC made with a key kept outside the tree (a committed
`.tokenfix_cache/` from another machine or user is a miss), a fix is never written from the
cache (file contents are not stored: a file with a fix to make is analysed again), the cache's
records are read without blocking or flooding (a FIFO, /dev/zero, a huge file), and the
markers (`.gitignore`, `CACHEDIR.TAG`) go only into a folder tokenfix created.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

import codemods.run.cache
from codemods.run import runner
from codemods.run.cache import LAYOUT, Cache
from codemods.knowledge.config import SettingsResolver

from conftest import CACHE_NAMES as NAMES, FIXTURES

PLANT = "import os\nos.system('touch PWNED')\n"


@pytest.fixture(autouse=True)
def key_home(tmp_path: Path, monkeypatch) -> Path:
    """The user's cache home, where the key is kept: never the real one."""
    home = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home



def expected(name: str) -> bytes:
    return (FIXTURES / name / "expected.py").read_bytes()


def cli(cwd: Path, *args: str, env: dict | None = None, limit_memory: bool = False, timeout: float = 120) -> subprocess.CompletedProcess:
    """The CLI without the suite's shared cache folder (each test says where the cache goes)."""
    base = {k: v for k, v in os.environ.items() if k != "TOKENFIX_CACHE_DIR"}

    def limit() -> None:  # a cache that read /dev/zero whole would take the machine's memory
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))

    return subprocess.run([sys.executable, "-c", READ_COUNTER, *args], cwd=cwd, capture_output=True, timeout=timeout,
                          env={**base, "NO_COLOR": "1", "COLUMNS": "200", **(env or {})}, preexec_fn=limit if limit_memory else None)


# The CLI, and at its exit the bytes this process read (/proc/self/io's rchar): the cache is
# read here, in the parent; files are analysed in workers, whose reads are not counted.
READ_COUNTER = """\
import atexit, runpy, sys
def _count():
    try:
        sys.stderr.write("rchar=" + open("/proc/self/io").read().split()[1] + "\\n")
    except OSError:
        pass
atexit.register(_count)
sys.argv[0] = "tokenfix"
runpy.run_module("codemods", run_name="__main__")
"""


def _stderr_lines(res: subprocess.CompletedProcess) -> list[str]:
    return [line for line in res.stderr.decode().splitlines() if not line.startswith("rchar=")]


def _rchar(res: subprocess.CompletedProcess) -> int:
    return int(next(line for line in res.stderr.decode().splitlines() if line.startswith("rchar="))[6:])


def _tree(folder: Path) -> dict[str, bytes | str]:
    return {str(p.relative_to(folder)): (os.readlink(p) if p.is_symlink() else p.read_bytes() if p.is_file() else "dir")
            for p in sorted(folder.rglob("*"))}


def run(project: Path, cache: Cache | None, *, fix: bool = False, write: bool = False) -> runner.RunResult:
    files = sorted(project.glob("*.py"))
    return runner.run(files, SettingsResolver(None, {}), fix=fix, unsafe_fixes=False, write=write, roots=[project], cache=cache)


def report(result: runner.RunResult) -> list[tuple]:
    return [(r.path, f.code, f.row, f.column, f.message, f.fixed, [(e.content, e.row, e.column) for e in f.edits])
            for r in result.files for f in r.findings] + [("errors", *result.errors)]


# -- 3: markers only in a folder tokenfix made; never a cache folder over the checked paths ------

def test_markers_go_only_into_a_folder_tokenfix_creates(project: Path, tmp_path: Path) -> None:
    existing = tmp_path / "existing"
    existing.mkdir()
    outside = tmp_path / "outside.txt"
    os.symlink(outside, existing / "CACHEDIR.TAG")  # dangling: writing the marker would create outside.txt
    first = run(project, Cache(existing))
    assert first.findings and len([p for p in (existing / f"v{LAYOUT}").rglob("*") if p.is_file()]) == 4  # used
    assert not (existing / ".gitignore").exists() and not outside.exists()
    assert (existing / "CACHEDIR.TAG").is_symlink()
    made = tmp_path / "new" / "cache"
    run(project, Cache(made))
    assert (made / "CACHEDIR.TAG").is_file() and (made / ".gitignore").read_text().splitlines()[-1] == "*"
    assert not (tmp_path / "new" / ".gitignore").exists()  # the folders above it are not the cache's


@pytest.mark.parametrize("how", ["option-dot", "env-src", "option-parent", "option-symlink"])
def test_a_cache_folder_that_holds_the_checked_paths_is_refused(project: Path, tmp_path: Path, how: str) -> None:
    """`--cache-dir .` wrote `.gitignore` (`*`) and `CACHEDIR.TAG` into the project: git then
    hid every new file, tokenfix skipped them, and backup tools skipped the project."""
    src = project / "src"
    src.mkdir()
    shutil.copyfile(project / "openai_self_client.py", src / "a.py")
    os.symlink(src, tmp_path / "link")
    args, env = {
        "option-dot": (("check", "--cache-dir", ".", "."), {}),
        "env-src": (("check", "src/a.py"), {"TOKENFIX_CACHE_DIR": "src"}),
        "option-parent": (("check", "--cache-dir", str(tmp_path), "src"), {}),
        "option-symlink": (("check", "--cache-dir", str(tmp_path / "link"), "src/a.py"), {}),
    }[how]
    before = _tree(project)
    res = cli(project, *args, env=env)
    lines = _stderr_lines(res)
    assert res.returncode == 2 and len(lines) == 1, lines
    assert lines[0].startswith("tokenfix: error: the cache folder ") and "holds the files being checked" in lines[0]
    assert "--no-cache" in lines[0] and "Traceback" not in lines[0]
    assert _tree(project) == before  # nothing written into the project
    assert not (tmp_path / ".gitignore").exists() and not (tmp_path / "CACHEDIR.TAG").exists()


@pytest.mark.parametrize("link", ["the-folder", "its-entries", "every-subfolder"])
def test_a_committed_cache_folder_with_links_is_not_written_through(project: Path, tmp_path: Path, link: str) -> None:
    """A committed `.tokenfix_cache` (or a folder in it) that links elsewhere: tokenfix wrote there."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    folder = project / ".tokenfix_cache"
    if link == "the-folder":
        os.symlink(elsewhere, folder)
    elif link == "its-entries":
        folder.mkdir()
        os.symlink(elsewhere, folder / f"v{LAYOUT}")
    else:
        (folder / f"v{LAYOUT}").mkdir(parents=True)
        for n in range(256):
            os.symlink(elsewhere, folder / f"v{LAYOUT}" / f"{n:02x}")
    res = cli(project, "check", ".")
    assert res.returncode == 1 and res.stdout
    assert list(elsewhere.iterdir()) == []
    warning = {"the-folder": "tokenfix: warning: .tokenfix_cache is a symbolic link; the cache is not used",
               "its-entries": f"tokenfix: warning: .tokenfix_cache/v{LAYOUT} is not a folder (a symbolic link?); the cache is not used",
               "every-subfolder": None}[link]
    assert warning is None or warning in res.stderr.decode()


# -- 4: forged entries ---------------------------------------------------------------------------

def _old_checksum(payload) -> str:
    import hashlib

    return hashlib.blake2b(json.dumps(payload, sort_keys=True).encode("utf-8"), digest_size=16).hexdigest()


FORGED_RESULT = {"findings": [], "sites": [], "fixed": PLANT, "error": None, "error_line": 0, "encoding": "utf-8", "notes": []}


def _forge_old(name: str) -> bytes:
    """An entry as the old layout had it: its checksum is right, anyone can compute it."""
    return json.dumps({"key": name, "sum": _old_checksum(FORGED_RESULT), "result": FORGED_RESULT}).encode()


def _forge_with(secret: bytes, name: str) -> bytes:
    """An entry sealed with a real key, another one than the reader's (another machine's)."""
    return codemods.run.cache._seal(secret, name, json.dumps({"key": name, "result": FORGED_RESULT}).encode())


@pytest.mark.parametrize("forger", ["old-checksum", "attacker-key"])
def test_a_committed_cache_cannot_plant_code_or_hide_findings(project: Path, tmp_path: Path, forger: str) -> None:
    """A `.tokenfix_cache/` committed with the tree: every entry in it claims the file has no
    finding and that its fix is `os.system(...)`. The maintainer's `check` still reports the
    real findings and `fix` writes the real fixes, never the planted code."""
    attacker = {"XDG_CACHE_HOME": str(tmp_path / "attacker-home")}
    assert cli(project, "check", ".", env=attacker).returncode == 1
    assert cli(project, "diff", ".", env=attacker).returncode == 1
    planted = [p for p in (project / ".tokenfix_cache").rglob("*") if p.is_file() and p.parent.name != ".tokenfix_cache"
               and p.name != "ruled-out.json"]
    assert planted
    secret = None if forger == "old-checksum" else Cache(tmp_path / "unused", key_file=tmp_path / "attacker-home" / "tokenfix" / "key")._secret()
    for path in planted:
        path.write_bytes(_forge_old(path.name) if secret is None else _forge_with(secret, path.name))
    clean = cli(project, "check", "--no-cache", ".")
    maintainer = {"XDG_CACHE_HOME": str(tmp_path / "maintainer-home")}
    checked = cli(project, "check", ".", env=maintainer)
    assert checked.returncode == 1 and checked.stdout == clean.stdout and clean.stdout
    fixed = cli(project, "fix", ".", env=maintainer)
    assert fixed.returncode in (0, 1), fixed.stderr.decode()
    for name in NAMES:
        assert (project / f"{name}.py").read_bytes() == expected(name), name
    assert not (project / "PWNED").exists()


@pytest.mark.parametrize("forger", ["old-checksum", "other-key"])
def test_a_forged_entry_under_its_right_name_is_not_believed(project: Path, tmp_path: Path, monkeypatch, forger: str) -> None:
    """Even at the very name the maintainer's run looks up (which only the key can give), an
    entry not sealed with the maintainer's key is a miss; and no entry can carry a file's
    contents, so `fix` makes every fix from the file itself."""
    cache_dir, victim = tmp_path / "cache", tmp_path / "victim-home" / "key"
    names: list[str] = []
    real_get = Cache.get
    monkeypatch.setattr(Cache, "get", lambda self, key, *rest: names.append(key) or real_get(self, key, *rest))
    clean_check, clean_fix = run(project, None), run(project, None, fix=True)
    run(project, Cache(cache_dir, key_file=victim))
    run(project, Cache(cache_dir, key_file=victim), fix=True)
    assert len(set(names)) == 8  # 4 files, checked and fixed
    other = Cache(tmp_path / "other", key_file=tmp_path / "other-home" / "key")._secret()
    for name in set(names):
        folder = cache_dir / f"v{LAYOUT}" / name[:2]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(_forge_old(name) if forger == "old-checksum" else _forge_with(other, name))
    cache = Cache(cache_dir, key_file=victim)
    assert report(run(project, cache)) == report(clean_check)
    assert cache.hits == 0
    fixed = run(project, Cache(cache_dir, key_file=victim), fix=True, write=True)
    assert report(fixed) == report(clean_fix)
    for name in NAMES:
        assert (project / f"{name}.py").read_bytes() == expected(name), name


def test_a_fix_is_never_served_from_the_cache(project: Path, tmp_path: Path) -> None:
    """An entry sealed with the right key still holds no file contents: a file with a fix to
    make is analysed again (a miss), the others are hits."""
    cache_dir = tmp_path / "cache"
    run(project, Cache(cache_dir), fix=True)
    for entry in (cache_dir / f"v{LAYOUT}").rglob("*"):
        if entry.is_file():
            assert b"max_completion_tokens=" not in entry.read_bytes() and b'"fixed":"' not in entry.read_bytes()
    cache = Cache(cache_dir)
    run(project, cache, fix=True, write=True)
    assert (cache.hits, cache.misses) == (1, 3)
    for name in NAMES:
        assert (project / f"{name}.py").read_bytes() == expected(name), name


def test_an_entry_sealed_with_the_right_key_still_cannot_write_code(project: Path, tmp_path: Path) -> None:
    """Even an entry that passes the seal (the key leaked, say) is a report, never a file's
    contents: what it claims the file should become is not written by `fix`."""
    cache_dir = tmp_path / "cache"
    run(project, Cache(cache_dir), fix=True)
    secret = Cache(tmp_path / "unused")._secret()  # the reader's own key
    entries = [p for p in (cache_dir / f"v{LAYOUT}").rglob("*") if p.is_file() and p.name != "ruled-out.json"]
    assert entries  # the files with nothing to fix
    for path in entries:
        entry = json.loads(path.read_bytes().partition(b"\n")[2])
        entry["result"]["fixed"] = PLANT
        path.write_bytes(codemods.run.cache._seal(secret, path.name, json.dumps(entry).encode()))
    plain = (project / "plain.py").read_bytes()
    cache = Cache(cache_dir)
    run(project, cache, fix=True, write=True)
    assert cache.hits == len(entries)  # believed, and still nothing planted
    for name in NAMES:
        assert (project / f"{name}.py").read_bytes() == expected(name), name
    assert (project / "plain.py").read_bytes() == plain


# -- the key -------------------------------------------------------------------------------------

def test_the_key_is_private_and_outside_the_tree(project: Path, tmp_path: Path, key_home: Path) -> None:
    res = cli(project, "check", str(project))  # the paths as run() below is given them: the same entries
    assert res.returncode == 1
    key = key_home / "tokenfix" / "key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and stat.S_IMODE(key.parent.stat().st_mode) == 0o700
    assert len(bytes.fromhex(key.read_text().strip())) == 32
    assert not list(project.rglob("key"))
    again = Cache(project / ".tokenfix_cache")
    run(project, again)
    assert (again.hits, again.misses) == (4, 0)  # the CLI's entries, read back with the same key


def test_a_key_others_can_read_is_replaced(project: Path, tmp_path: Path, key_home: Path) -> None:
    cache_dir = tmp_path / "cache"
    run(project, Cache(cache_dir))
    key = key_home / "tokenfix" / "key"
    old = key.read_bytes()
    os.chmod(key, 0o644)  # restored from a backup, say: others may have read it
    cache = Cache(cache_dir)
    run(project, cache)
    assert (cache.hits, cache.misses) == (0, 4)  # what that key sealed is not believed
    assert key.read_bytes() != old and stat.S_IMODE(key.stat().st_mode) == 0o600


def test_a_key_folder_others_can_write_is_not_used(project: Path, tmp_path: Path, key_home: Path) -> None:
    """Others could replace the key in it: the run goes on without a cache and says so once."""
    run(project, Cache(tmp_path / "cache"))
    os.chmod(key_home / "tokenfix", 0o777)
    clean = cli(project, "check", "--no-cache", ".")
    res = cli(project, "check", ".")
    assert res.returncode == 1 and res.stdout == clean.stdout
    warnings = [line for line in _stderr_lines(res) if line.startswith("tokenfix: warning: ")]
    assert len(warnings) == 1 and "no cache this run: cannot keep the cache key" in warnings[0], warnings
    assert "is not a private folder of this user" in warnings[0]
    assert not (project / ".tokenfix_cache").exists()


@pytest.mark.parametrize("home", ["a-file", "relative"])
def test_without_a_place_for_the_key_the_run_goes_on_without_cache(project: Path, tmp_path: Path, home: str) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    env = ({"XDG_CACHE_HOME": str(blocker)} if home == "a-file"
           else {"XDG_CACHE_HOME": "relative/cache", "HOME": str(blocker)})  # a relative XDG path is ignored (XDG spec)
    clean = cli(project, "check", "--no-cache", ".")
    res = cli(project, "check", ".", env=env)
    assert res.returncode == 1 and res.stdout == clean.stdout
    warnings = [line for line in _stderr_lines(res) if line.startswith("tokenfix: warning: ")]
    assert len(warnings) == 1 and "no cache this run: cannot keep the cache key" in warnings[0], warnings
    assert "XDG_CACHE_HOME" in warnings[0]
    assert not (project / ".tokenfix_cache").exists() and not (project / "relative").exists()
    assert blocker.read_text() == "not a folder"


# -- 8: the cache's own records never block or flood the run -------------------------------------

@pytest.mark.parametrize("kind", ["fifo", "fifo-link", "dev-zero-link", "huge"])
def test_cache_records_that_are_no_regular_file_are_refused_unread(project: Path, tmp_path: Path, kind: str) -> None:
    """Every entry and the record of ruled-out files replaced by a FIFO (a read blocks forever),
    a link to one or to /dev/zero (endless), or a 600 MB file: the run neither hangs nor reads
    them, reports as before, and rebuilds the cache."""
    cache_dir = tmp_path / "cache"
    env = {"TOKENFIX_CACHE_DIR": str(cache_dir)}
    time.sleep(codemods.run.cache.RACY_SECONDS + 0.1)  # plain.py not changed a moment ago: the record remembers it
    first = cli(project, "check", ".", env=env)
    records = [p for p in (cache_dir / f"v{LAYOUT}").rglob("*") if p.is_file()]
    assert len(records) == 5 and (cache_dir / f"v{LAYOUT}" / "ruled-out.json") in records
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for path in records:
        path.unlink()
        if kind == "fifo":
            os.mkfifo(path)
        elif kind == "fifo-link":
            os.symlink(fifo, path)
        elif kind == "dev-zero-link":
            os.symlink("/dev/zero", path)
        else:
            with open(path, "wb") as handle:
                handle.truncate(600 << 20)  # sparse: no disk, but 600 MB to read
    again = cli(project, "check", ".", env=env, limit_memory=True, timeout=60)
    assert again.returncode == 1 and again.stdout == first.stdout, _stderr_lines(again)
    assert _stderr_lines(again) == _stderr_lines(first)
    assert _rchar(again) < _rchar(first) + (64 << 20)  # not one of them read
    assert all(p.is_file() and not p.is_symlink() and p.stat().st_size < 1 << 20 for p in records)  # rebuilt
