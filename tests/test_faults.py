"""Faults during `fix`: the original stays whole, no temporary file is left, the user is told
which file and why, and the other files are still fixed.

Each fault is real where a root-run CI can make it real (a file-size limit that stops a write
half-way, a concurrent writer, a folder swapped for a symlink, SIGTERM) and injected at the
system call otherwise (tests/fault_harness.py).
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, tokenfix_with_fault

ORIGINAL = (FIXTURES / "openai_module_level" / "input.py").read_bytes()
FIXED = (FIXTURES / "openai_module_level" / "expected.py").read_bytes()
ENV = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", "PYTHONPATH": str(ROOT)}


def tree(tmp_path: Path, count: int = 2) -> Path:
    folder = tmp_path / "tree"
    folder.mkdir()
    for i in range(count):
        (folder / f"m{i}.py").write_bytes(ORIGINAL)
    return folder


def leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith(".tokenfix-tmp")]


@pytest.mark.parametrize("fault, message", [
    ("mkstemp-eacces", "cannot write: Permission denied"),
    ("replace-eacces", "cannot write: Permission denied"),
    ("fsync-enospc", "cannot write: No space left on device"),
])
def test_a_failed_write_keeps_the_original(tmp_path: Path, fault: str, message: str) -> None:
    folder = tree(tmp_path)
    res = tokenfix_with_fault(fault, "", "fix", "--no-cache", str(folder))
    err = res.stderr.decode()
    assert res.returncode == 2 and "Traceback" not in err
    for i in range(2):
        assert f"tokenfix: error: {folder / f'm{i}.py'}: {message}" in err
        assert (folder / f"m{i}.py").read_bytes() == ORIGINAL
    assert leftovers(folder) == []


def test_a_write_stopped_half_way_by_the_file_size_limit(tmp_path: Path) -> None:
    """A real short write: RLIMIT_FSIZE makes the kernel refuse the temporary file's bytes past
    the limit (EFBIG), as a full disk would; the big file keeps every byte, the small one is fixed."""
    folder = tmp_path / "tree"
    folder.mkdir()
    big = ORIGINAL + b"# padding\n" * 20_000  # 200 kB: more than the limit
    (folder / "big.py").write_bytes(big)
    (folder / "small.py").write_bytes(ORIGINAL)
    limit = 64 * 1024

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    res = subprocess.run([sys.executable, "-m", "codemods", "fix", "--no-cache", str(folder)], capture_output=True, env=ENV,
                         timeout=300, preexec_fn=limited)
    err = res.stderr.decode()
    assert res.returncode == 2 and "Traceback" not in err
    assert f"tokenfix: error: {folder / 'big.py'}: cannot write: File too large" in err
    assert (folder / "big.py").read_bytes() == big
    assert (folder / "small.py").read_bytes() == FIXED
    assert leftovers(folder) == []


def test_ctrl_c_during_a_write(tmp_path: Path) -> None:
    folder = tree(tmp_path)
    res = tokenfix_with_fault("fsync-interrupt", "", "fix", "--no-cache", str(folder))
    err = res.stderr.decode()
    assert res.returncode == 2 and "interrupted" in err and "Traceback" not in err
    assert [(folder / f"m{i}.py").read_bytes() for i in range(2)] == [ORIGINAL, ORIGINAL]
    assert leftovers(folder) == []


def test_a_file_edited_between_read_and_write_is_skipped(tmp_path: Path) -> None:
    folder = tree(tmp_path)
    res = tokenfix_with_fault("edit-before-write", "", "fix", "--no-cache", str(folder))
    err = res.stderr.decode()
    assert res.returncode == 2 and "Traceback" not in err
    for i in range(2):
        assert f"{folder / f'm{i}.py'}: changed on disk while tokenfix was working; skipped (run again)" in err
        assert (folder / f"m{i}.py").read_bytes() == ORIGINAL + b"# edited meanwhile\n"  # the other writer's bytes, all of them
    assert leftovers(folder) == []


def test_a_folder_swapped_for_a_symlink_is_not_written_through(tmp_path: Path) -> None:
    folder = tree(tmp_path, 0)
    (folder / "sub").mkdir()
    (folder / "sub" / "a.py").write_bytes(ORIGINAL)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "a.py").write_bytes(ORIGINAL)  # the same bytes, so only the path check can tell
    res = tokenfix_with_fault("swap-before-write", f"{folder / 'sub'}={outside}", "fix", "--no-cache", str(folder))
    err = res.stderr.decode()
    assert res.returncode == 2 and "Traceback" not in err
    assert "is no longer under the paths given" in err
    assert (outside / "a.py").read_bytes() == ORIGINAL
    assert leftovers(tmp_path) == []


def test_hard_linked_file_is_not_split(tmp_path: Path) -> None:
    folder = tree(tmp_path, 1)
    os.link(folder / "m0.py", tmp_path / "other-name.py")
    res = subprocess.run([sys.executable, "-m", "codemods", "fix", "--no-cache", str(folder)], capture_output=True, env=ENV, timeout=300)
    assert res.returncode == 2 and b"has 2 hard links; not rewritten" in res.stderr
    assert (folder / "m0.py").read_bytes() == ORIGINAL == (tmp_path / "other-name.py").read_bytes()


def test_mode_owner_and_special_bits_are_kept(tmp_path: Path) -> None:
    folder = tree(tmp_path, 1)
    target = folder / "m0.py"
    if os.geteuid() == 0:
        os.chown(target, 1234, 5678)  # as root (CI), a real change of owner
    os.chmod(target, 0o2751)
    before = target.stat()
    res = subprocess.run([sys.executable, "-m", "codemods", "fix", "--no-cache", str(folder)], capture_output=True, env=ENV, timeout=300)
    assert res.returncode == 0, res.stderr.decode()
    after = target.stat()
    assert target.read_bytes() == FIXED
    assert stat.S_IMODE(after.st_mode) == 0o2751 and (after.st_uid, after.st_gid) == (before.st_uid, before.st_gid)
    assert after.st_ino != before.st_ino  # replaced by a rename, not rewritten in place


def test_two_runs_at_once_leave_every_file_whole(tmp_path: Path) -> None:
    folder = tree(tmp_path, 60)
    for i in range(60):  # a tree with other fixes too
        shutil.copyfile(FIXTURES / "anthropic_single_line" / "input.py", folder / f"a{i}.py")
    runs = [subprocess.Popen([sys.executable, "-m", "codemods", "fix", "--cache-dir", str(tmp_path / "cache"), str(folder)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV) for _ in range(2)]
    outputs = [run.communicate(timeout=300) for run in runs]
    for run, (_, err) in zip(runs, outputs):
        assert run.returncode in (0, 2) and b"Traceback" not in err, err.decode()[-2000:]
        for line in err.decode().splitlines():  # the only complaint allowed: the other run got there first
            assert not line.startswith("tokenfix: error:") or "changed on disk" in line, line
    anthropic = (FIXTURES / "anthropic_single_line" / "expected.py").read_bytes()
    assert all((folder / f"m{i}.py").read_bytes() == FIXED for i in range(60))
    assert all((folder / f"a{i}.py").read_bytes() == anthropic for i in range(60))
    assert leftovers(tmp_path) == []


def nobody():
    """The unprivileged user `nobody` (CI runs as root, where no permission is ever refused);
    the test is skipped where that user or setpriv is missing."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root to become nobody")
    import pwd

    try:
        return pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("no user nobody")


def run_as(user, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in ENV.items() if k != "TOKENFIX_CACHE_DIR"}
    command = ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups",
               sys.executable, "-m", "codemods", "fix", "--no-cache", *args]
    return subprocess.run(command, capture_output=True, env={**env, "HOME": str(cwd)}, cwd=cwd, timeout=300)


@pytest.fixture
def shared_tmp():
    """A folder `nobody` can reach (pytest's own tmp_path is under a root-only folder)."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="tokenfix-nobody-"))
    os.chmod(folder, 0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_a_group_that_cannot_be_kept_is_refused_not_changed(shared_tmp: Path) -> None:
    """As non-root, chown to a group the user is not in fails: the file is refused, not handed
    to the user's own group (that failure was swallowed before)."""
    user = nobody()
    folder = tree(shared_tmp, 2)
    for path in [shared_tmp, *shared_tmp.rglob("*")]:
        os.lchown(path, user.pw_uid, user.pw_gid)
    os.chown(folder / "m0.py", -1, 0)  # group root: nobody is not a member
    os.chmod(folder / "m0.py", 0o664)
    res = run_as(user, shared_tmp, str(folder))
    assert res.returncode == 2, res.stderr.decode()
    assert b"m0.py: its owner or group (uid 65534, gid 0) cannot be kept by this user; not rewritten" in res.stderr
    assert b"Traceback" not in res.stderr
    assert (folder / "m0.py").read_bytes() == ORIGINAL and (folder / "m0.py").stat().st_gid == 0
    assert (folder / "m1.py").read_bytes() == FIXED and leftovers(folder) == []


@pytest.mark.parametrize("mode", [0o444, 0o555])
def test_a_read_only_file_is_not_rewritten(tmp_path: Path, mode: int) -> None:
    folder = tree(tmp_path, 2)
    os.chmod(folder / "m0.py", mode)
    res = subprocess.run([sys.executable, "-m", "codemods", "fix", "--no-cache", str(folder)], capture_output=True, env=ENV, timeout=300)
    assert res.returncode == 2
    assert b"m0.py: is read-only; not rewritten (make it writable to fix it)" in res.stderr
    assert (folder / "m0.py").read_bytes() == ORIGINAL and stat.S_IMODE((folder / "m0.py").stat().st_mode) == mode
    assert (folder / "m1.py").read_bytes() == FIXED and leftovers(folder) == []


def test_a_file_swapped_for_a_fifo_before_the_write_is_refused_without_hanging(tmp_path: Path) -> None:
    from codemods.run.write import WriteError, atomic_write

    target = tmp_path / "a.py"
    os.mkfifo(target)  # what stands where the analysed file was
    previous = signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(TimeoutError("the write hung on a FIFO")))
    signal.alarm(10)
    try:
        with pytest.raises(WriteError, match="is no longer a regular file; not written"):
            atomic_write(target, FIXED, expected=ORIGINAL)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert stat.S_ISFIFO(os.lstat(target).st_mode) and leftovers(tmp_path) == []


def test_the_second_read_stops_one_byte_past_the_expected_size(tmp_path: Path, monkeypatch) -> None:
    """A file grown huge meanwhile (or /dev/zero put in its place) is not read whole."""
    from codemods.run import write
    target = tmp_path / "a.py"
    target.write_bytes(ORIGINAL + b"#" * 10_000_000)
    _, current = write._read_again(target, len(ORIGINAL))
    assert current == ORIGINAL + b"#"


def test_a_243_byte_file_name_can_be_fixed(tmp_path: Path) -> None:
    """The temporary file's name fits NAME_MAX (255) whatever the file's own name."""
    folder = tmp_path / "tree"
    folder.mkdir()
    target = folder / ("é" * 60 + "x" * 120 + ".py")  # 60 two-byte characters: 243 bytes
    assert len(os.fsencode(target.name)) == 243
    target.write_bytes(ORIGINAL)
    res = subprocess.run([sys.executable, "-m", "codemods", "fix", "--no-cache", str(folder)], capture_output=True, env=ENV, timeout=300)
    assert res.returncode == 0, res.stderr.decode()
    assert target.read_bytes() == FIXED and leftovers(folder) == []


def test_a_stale_temporary_file_is_removed_by_the_next_fix(tmp_path: Path) -> None:
    """A run killed between creating its temporary file and the rename leaves it behind; the
    next fix of that file removes it and says so. A fresh one (another run at work) stays."""
    folder = tree(tmp_path, 1)
    stale = folder / ".m0.py.k2j4_9zq.tokenfix-tmp"
    fresh = folder / ".m0.py.abcdefgh.tokenfix-tmp"
    other = folder / ".m0.py.notours.tokenfix-tmp"  # not a name tokenfix makes
    for path in (stale, fresh, other):
        path.write_bytes(FIXED[:10])
    os.utime(stale, (1, 1))
    os.utime(other, (1, 1))
    res = subprocess.run([sys.executable, "-m", "codemods", "fix", "--no-cache", str(folder)], capture_output=True, env=ENV, timeout=300)
    assert res.returncode == 0, res.stderr.decode()
    assert b"tokenfix: warning: " in res.stderr and b"removed .m0.py.k2j4_9zq.tokenfix-tmp, a temporary file left by a tokenfix run that was killed" in res.stderr
    assert not stale.exists() and fresh.exists() and other.exists()
    assert (folder / "m0.py").read_bytes() == FIXED
