"""Writing fixes: atomic, mode kept, symlinks and files changed meanwhile left alone."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from codemods.run.write import WriteError, atomic_write
from conftest import FIXTURES, tokenfix


def test_mode_is_kept_and_no_temp_file_is_left(tmp_path: Path) -> None:
    target = tmp_path / "a.py"
    shutil.copyfile(FIXTURES / "openai_module_level" / "input.py", target)
    os.chmod(target, 0o750)
    assert tokenfix("fix", str(target)).returncode == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o750
    assert target.read_bytes() == (FIXTURES / "openai_module_level" / "expected.py").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py"]


def test_symlink_is_not_written_through(tmp_path: Path) -> None:
    real = tmp_path / "real.py"
    shutil.copyfile(FIXTURES / "openai_module_level" / "input.py", real)
    link = tmp_path / "link.py"
    link.symlink_to(real)
    res = tokenfix("fix", str(link))
    assert res.returncode == 2
    assert "is a symbolic link; not written through (fix its target instead)" in res.stderr.decode()
    assert link.is_symlink() and real.read_bytes() == (FIXTURES / "openai_module_level" / "input.py").read_bytes()


def test_file_changed_between_read_and_write_is_skipped(tmp_path: Path) -> None:
    target = tmp_path / "a.py"
    target.write_bytes(b"new content\n")
    with pytest.raises(WriteError, match="changed on disk"):
        atomic_write(target, b"fixed\n", expected=b"old content\n")
    assert target.read_bytes() == b"new content\n"


def test_failed_write_leaves_original_and_no_temp(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "a.py"
    target.write_bytes(b"old\n")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(WriteError, match="No space left on device"):
        atomic_write(target, b"new\n", expected=b"old\n")
    assert target.read_bytes() == b"old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.py"]


def test_a_signal_as_the_temporary_file_is_made_leaves_no_temporary_file(tmp_path: Path, monkeypatch) -> None:
    """SIGINT (Ctrl-C; the CLI turns SIGTERM and SIGHUP into the same) arriving just after the
    temporary file exists and before its name is known: before, the name that would remove it
    was never bound, and a stale `.tokenfix-tmp` stayed beside the file. Now the signal waits
    for the write to end: the file is whole (new), and the run stops right after."""
    import signal
    import tempfile

    target = tmp_path / "a.py"
    target.write_bytes(b"old\n")
    real = tempfile.mkstemp

    def mkstemp(*args, **kwargs):
        made = real(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGINT)  # Python's own handler raises KeyboardInterrupt at the next chance
        return made

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    # A shell starts a background job (`pytest &`, some CI runners) with SIGINT ignored, and
    # Python then keeps it ignored: give SIGINT the handler an interactive run has.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            atomic_write(target, b"new\n", b"old\n")
    finally:
        signal.signal(signal.SIGINT, previous)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py"]
    assert target.read_bytes() == b"new\n"
