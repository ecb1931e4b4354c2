"""Names that are not regular files, and files too large to hold: refused with one line each,
without blocking, without reading them whole, and the run goes on.

Each CLI run has a time-out and an address-space limit of its own, so a regression (a read
that waits for a FIFO's writer, or reads `/dev/zero` until memory runs out) fails the test
instead of hanging CI or the machine.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

from codemods.run.reading import CHUNK, NotRegular, TooBig, read_regular, scan

CALL = b'from openai import OpenAI\nOpenAI().chat.completions.create(model="o3-mini", messages=[], max_tokens=500)\n'
FIXED = CALL.replace(b"max_tokens", b"max_completion_tokens")
SIX_GB = 6 * 1024**3
MEMORY = 2 * 1024**3  # the CLI's address space here: far less than the 6 GB file, far more than a run needs
TIMEOUT = 60


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def tokenfix(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", "PYTHONPATH": str(ROOT), "TOKENFIX_FILE_TIMEOUT": "20"}
    return subprocess.run([sys.executable, "-m", "codemods", *args, "--no-cache"], capture_output=True, env=env,
                          timeout=TIMEOUT, preexec_fn=_limit_memory)


def errors(res: subprocess.CompletedProcess) -> list[str]:
    err = res.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err, err[-3000:]
    return [line for line in err.splitlines() if line.startswith("tokenfix: error:")]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """good.py (an LLM call), a FIFO and a 6 GB sparse file in the tree; links to /dev/zero and
    to a FIFO outside it, and a link to a regular file outside it."""
    folder, outside = tmp_path / "tree", tmp_path / "outside"
    folder.mkdir()
    outside.mkdir()
    (folder / "good.py").write_bytes(CALL)
    os.mkfifo(folder / "fifo.py")
    os.mkfifo(outside / "fifo")
    (folder / "fifo_link.py").symlink_to(outside / "fifo")
    (folder / "dev_zero.py").symlink_to("/dev/zero")
    with open(folder / "sparse.py", "wb") as handle:  # no disk used: a hole of 6 GB
        handle.truncate(SIX_GB)
    (outside / "o.py").write_bytes(CALL)
    (folder / "link.py").symlink_to(outside / "o.py")
    return folder


NAMED = {
    "fifo.py": "is a FIFO, not a regular file; skipped",
    "fifo_link.py": "is a FIFO, not a regular file; skipped",
    "dev_zero.py": "is a character device, not a regular file; skipped",
    "sparse.py": f"{SIX_GB:,} bytes is over the 10,485,760-byte limit; skipped",
}


@pytest.mark.parametrize("mode", ["check", "fix", "diff"])
def test_fifos_devices_and_huge_files_named_are_refused_and_the_run_goes_on(tree: Path, mode: str) -> None:
    res = tokenfix(mode, str(tree), *(str(tree / name) for name in (*NAMED, "link.py")))
    lines = errors(res)
    for name, message in NAMED.items():
        mine = [line for line in lines if f"{tree / name}:" in line]
        assert mine == [f"tokenfix: error: {tree / name}: {message}"], (name, lines)
    assert res.returncode == 2
    out = res.stdout.decode()
    if mode == "check":
        assert f"{tree / 'good.py'}:2:" in out and f"{tree / 'link.py'}:2:" in out  # a link to a regular file is read
    assert (tree / "good.py").read_bytes() == (FIXED if mode == "fix" else CALL)
    assert (tree / "fifo.py").is_fifo() and (tree / "sparse.py").stat().st_size == SIX_GB


def test_a_huge_file_met_while_walking_is_not_read_whole(tree: Path) -> None:
    """The walk skips FIFOs and links; the 6 GB file it meets is refused by its size, unread."""
    res = tokenfix("check", str(tree))
    assert errors(res) == [f"tokenfix: error: {tree / 'sparse.py'}: {NAMED['sparse.py']}"]
    assert res.returncode == 2 and f"{tree / 'good.py'}:2:" in res.stdout.decode()


def test_a_file_over_the_limit_is_ruled_out_by_a_scan_in_chunks(tmp_path: Path) -> None:
    """Between the limit and the scan limit a file is scanned a chunk at a time: without a
    trigger word it is left out silently, as when it was read whole; with one (here split
    across a chunk's end) it is reported."""
    quiet, loud = tmp_path / "quiet.py", tmp_path / "loud.py"
    body = b"x = 1\n" * (12 * 1024 * 1024 // 6)
    quiet.write_bytes(body)
    cut = 3 * CHUNK - 5
    loud.write_bytes(body[:cut] + b"max_tokens" + body[cut:])
    res = tokenfix("check", str(quiet), str(loud))
    assert errors(res) == [f"tokenfix: error: {loud}: {len(body) + 10:,} bytes is over the 10,485,760-byte limit; skipped"]
    found = scan(loud, 64 * 1024 * 1024, [lambda window: b"max_tokens" in window], overlap=32)
    assert found == [True]


def test_reading_checks_the_type_and_bounds_the_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(NotRegular, match="a FIFO"):
        read_regular(tmp_path / "fifo", 100)
    with pytest.raises(NotRegular, match="a character device"):
        read_regular(Path("/dev/zero"), 100)
    with pytest.raises(IsADirectoryError):
        read_regular(tmp_path, 100)
    # /proc files say they are empty and hold more: the read stops at limit + 1 bytes
    with pytest.raises(TooBig):
        read_regular(Path("/proc/self/maps"), 10)
    (tmp_path / "a.py").write_bytes(CALL)
    assert read_regular(tmp_path / "a.py", len(CALL)) == CALL
    with pytest.raises(TooBig):
        read_regular(tmp_path / "a.py", len(CALL) - 1)


def test_a_name_swapped_for_a_fifo_after_its_stat_is_refused_without_waiting(tmp_path: Path) -> None:
    """The file was a regular one when looked at, and is a FIFO when opened (swapped in
    between): the open does not wait for a writer, and the FIFO is refused, not read as empty."""
    import signal

    path = tmp_path / "a.py"
    path.write_bytes(CALL)
    info = os.stat(path)  # what the run saw first
    path.unlink()
    os.mkfifo(path)

    def stuck(signum, frame):
        raise TimeoutError("the open waited for a writer")

    previous = signal.signal(signal.SIGALRM, stuck)
    signal.alarm(10)
    try:
        with pytest.raises(NotRegular, match="a FIFO"):
            read_regular(path, 1000, info)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
