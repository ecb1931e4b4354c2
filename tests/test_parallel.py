"""--jobs: the same report and the same fixes whatever the number of processes, in the order given."""

from __future__ import annotations

import os

import shutil
from pathlib import Path

import pytest

import codemods.run.pool
from codemods.run import runner
from codemods.knowledge.config import SettingsResolver

from conftest import FIXTURES, tokenfix


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    """Every fixture input as its own module, plus files the prefilter drops, interleaved."""
    folder = tmp_path_factory.mktemp("tree")
    for number, source in enumerate(sorted(FIXTURES.glob("*/input.py"))):
        shutil.copyfile(source, folder / f"m{number:03d}_{source.parent.name}.py")
        (folder / f"m{number:03d}_plain.py").write_text(f"VALUE = {number}\n")
    return folder


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.py"))}


def test_reports_are_identical_with_one_or_two_processes(tree: Path) -> None:
    runs = {jobs: tokenfix("check", "--no-cache", "--format", "json", "-j", jobs, str(tree)) for jobs in ("1", "2")}
    assert runs["1"].returncode == runs["2"].returncode == 1
    assert runs["1"].stdout == runs["2"].stdout and len(runs["1"].stdout) > 10_000
    assert runs["1"].stderr == runs["2"].stderr
    text = tokenfix("check", "--no-cache", "-j", "2", str(tree)).stdout.decode().splitlines()
    files = [line.split(":", 1)[0] for line in text if ": TOK" in line]
    assert files == sorted(files)  # output in path order, not in completion order


def test_fixes_are_identical_with_one_or_two_processes(tree: Path, tmp_path: Path) -> None:
    copies = {}
    for jobs in ("1", "2"):
        copy = tmp_path / f"j{jobs}"
        shutil.copytree(tree, copy)
        res = tokenfix("fix", "--no-cache", "-j", jobs, str(copy))
        assert res.returncode in (0, 1), res.stderr.decode()[-2000:]
        copies[jobs] = snapshot(copy)
    assert copies["1"] == copies["2"] and copies["1"] != snapshot(tree)


def test_many_files_share_the_pool_a_handful_go_to_one_worker(tree: Path, monkeypatch) -> None:
    calls = []
    real = codemods.run.pool.ordered_map

    def spy(function, tasks, jobs, initializer, timeout, min_pool=1, memory=0):
        stats = codemods.run.pool.PoolStats()
        calls.append(stats)
        return real(function, tasks, jobs, initializer, timeout, min_pool, stats, memory)

    monkeypatch.setattr(codemods.run.pool, "ordered_map", spy)
    files = sorted(tree.glob("*.py"))
    resolver = SettingsResolver(None, {})
    parsed = len([f for f in files if not f.name.endswith("_plain.py")])
    pooled = runner.run(files, resolver, fix=True, unsafe_fixes=False, write=False, roots=[tree], jobs=2)
    serial = runner.run(files, resolver, fix=True, unsafe_fixes=False, write=False, roots=[tree], jobs=1)
    assert [(c.tasks, c.workers) for c in calls] == [(parsed, 2), (parsed, 1)]
    assert [(r.path, r.fixed, [f.message for f in r.findings]) for r in pooled.files] == \
        [(r.path, r.fixed, [f.message for f in r.findings]) for r in serial.files]
    handful = files[: 2 * (runner.POOL_MIN_FILES - 1)]  # fewer files to parse than POOL_MIN_FILES
    runner.run(handful, resolver, fix=False, unsafe_fixes=False, write=False, roots=[tree], jobs=2)
    assert calls[2].workers == 1 and calls[2].tasks < runner.POOL_MIN_FILES


def test_jobs_must_be_positive(tree: Path) -> None:
    res = tokenfix("check", "-j", "0", str(tree))
    assert res.returncode == 2 and b"--jobs" in res.stderr


def _task(item):
    import signal
    import time

    if item == "crash":
        os.kill(os.getpid(), signal.SIGSEGV)  # as LibCST's parser does on code nested thousands deep
    if item == "slow":
        time.sleep(120)
    if item == "raise":
        raise ValueError("boom")
    return item * 2


def test_a_worker_that_dies_or_overruns_costs_one_task_not_the_run() -> None:
    import time

    from codemods.run.pool import Failure, ordered_map

    started = time.monotonic()
    import faulthandler

    # pytest's faulthandler, inherited by the forked workers, would dump their stacks on SIGSEGV
    out = list(ordered_map(_task, [1, "crash", 2, "slow", 3, "raise", 4, "crash", 5], 2, faulthandler.disable, timeout=3))
    assert time.monotonic() - started < 60
    assert [o if not isinstance(o, Failure) else o.reason.split(" (")[0].split(";")[0] for o in out] == [
        2, "the parser crashed on this file", 4, "analysis took longer than 3 s", 6, "internal error: ValueError: boom", 8,
        "the parser crashed on this file", 10]
    assert "killed by SIGSEGV" in out[1].reason


def test_tasks_are_read_while_the_workers_work_and_no_further_ahead_than_the_limit() -> None:
    """runner reads files lazily through the pool: reading overlaps analysis, and memory stays bounded."""
    import faulthandler

    from codemods.run.pool import READ_AHEAD, PoolStats, ordered_map

    results: list = []
    seen_at_pull: list[int] = []

    def tasks():
        for item in range(READ_AHEAD * 3):
            seen_at_pull.append(len(results))
            yield item

    stats = PoolStats()
    for value in ordered_map(_task, tasks(), 2, faulthandler.disable, timeout=30, min_pool=4, stats=stats):
        results.append(value)
    assert results == [item * 2 for item in range(READ_AHEAD * 3)]
    assert stats.tasks == READ_AHEAD * 3 and stats.workers == 2
    assert seen_at_pull.count(0) <= READ_AHEAD + 2  # not everything read before the first result
    assert seen_at_pull[-1] > 0


def _slow_first(item):
    import time

    if item == 0:
        time.sleep(1.5)
    return item


def test_a_slow_first_task_does_not_let_the_others_pile_up_results() -> None:
    """ordered_map yields in order: what the fast workers finish waits for the slow first task, so
    tasks read and not yet yielded (waiting, in flight or done) stay within READ_AHEAD and the jobs."""
    import faulthandler

    from codemods.run.pool import READ_AHEAD, ordered_map

    results: list = []
    seen_at_pull: list[int] = []

    def tasks():
        for item in range(READ_AHEAD * 4):
            seen_at_pull.append(len(results))
            yield item

    for value in ordered_map(_slow_first, tasks(), 2, faulthandler.disable, timeout=30, min_pool=1):
        results.append(value)
    assert results == list(range(READ_AHEAD * 4))
    assert READ_AHEAD <= seen_at_pull.count(0) <= READ_AHEAD + 2


def test_an_error_while_reading_stops_the_workers() -> None:
    import faulthandler

    from codemods.run.pool import ordered_map

    def tasks():
        yield from range(10)
        raise RuntimeError("a configuration error found half-way")

    with pytest.raises(RuntimeError, match="half-way"):
        list(ordered_map(_task, tasks(), 2, faulthandler.disable, timeout=30, min_pool=1))
    import multiprocessing

    assert multiprocessing.active_children() == []


def _slow_tree(folder: Path, count: int = 5) -> list[str]:
    """Files whose fix keeps a worker busy for seconds: a call to fix beside a long data literal."""
    data = "DATA = [" + ", ".join(str(i) for i in range(60000)) + "]\n"
    call = 'from openai import OpenAI\nclient = OpenAI()\nr = client.chat.completions.create(model="gpt-4o", max_tokens=99999999, messages=[])\n'
    names = []
    for i in range(count):
        (folder / f"big{i}.py").write_text(call + data)
        names.append(str(folder / f"big{i}.py"))
    return names


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _start_and_wait_for_workers(args: list[str]) -> tuple:
    import subprocess
    import sys
    import time

    proc = subprocess.Popen([sys.executable, "-m", "codemods", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while time.monotonic() < deadline and len(workers) < 2:
        time.sleep(0.2)
        workers = _children(proc.pid)
    assert len(workers) == 2, "the run never started its two workers"
    time.sleep(0.5)
    return proc, workers


def _gone_within(pids: list[int], seconds: float) -> bool:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(_alive(p) for p in pids):
            return True
        time.sleep(0.1)
    return False


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc")
def test_workers_end_when_the_main_process_is_killed(tmp_path: Path) -> None:
    """SIGKILL gives the main process no chance to stop its workers: they must see it die
    (before, each held its own pipe's other end and lived on, busy or idle, for ever)."""
    import signal

    names = _slow_tree(tmp_path)
    proc, workers = _start_and_wait_for_workers(["diff", "--no-cache", "-j", "2", *names])
    proc.kill()
    proc.wait(timeout=30)
    try:
        assert _gone_within(workers, 10), "workers outlived the killed run"
    finally:
        for pid in workers:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc")
def test_sighup_stops_the_run_like_sigterm(tmp_path: Path) -> None:
    """A closed terminal or SSH session: the run stops cleanly, its workers with it, and each
    file is whole."""
    import signal

    names = _slow_tree(tmp_path)
    before = {name: Path(name).read_bytes() for name in names}
    proc, workers = _start_and_wait_for_workers(["fix", "--no-cache", "-j", "2", *names])
    proc.send_signal(signal.SIGHUP)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and b"tokenfix: interrupted" in err and b"Traceback" not in err
    assert _gone_within(workers, 10)
    for name in names:
        assert Path(name).read_bytes() == before[name] or b"max_tokens=99999999" not in Path(name).read_bytes()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tokenfix-tmp")]


def test_a_file_that_needs_more_memory_than_a_worker_may_use_costs_that_file(tmp_path: Path) -> None:
    """A big generated data file beside a call: LibCST needs about 1.2 GB a megabyte of it.
    Each worker's address space is limited (RLIMIT_AS), so the file fails alone, in one line,
    and what the native parser prints as it dies does not reach the terminal."""
    big = _slow_tree(tmp_path, 1)[0]
    small = tmp_path / "small.py"
    shutil.copyfile(FIXTURES / "openai_module_level" / "input.py", small)
    res = tokenfix("fix", "--no-cache", big, str(small), env={"TOKENFIX_WORKER_MEMORY": "300"})
    err = res.stderr.decode()
    assert res.returncode == 2, err
    assert "big0.py" in err and "more memory than a worker may use" in err and "set TOKENFIX_WORKER_MEMORY to more MiB" in err
    assert "memory allocation" not in err and "backtrace" not in err and "Traceback" not in err
    assert b"max_tokens=99999999" in Path(big).read_bytes()
    assert small.read_bytes() == (FIXTURES / "openai_module_level" / "expected.py").read_bytes()


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1e9", "12.5", "inf", "³", "٣٠٠"])
def test_a_bad_worker_memory_limit_is_one_line(tmp_path: Path, value: str) -> None:
    small = tmp_path / "small.py"
    shutil.copyfile(FIXTURES / "openai_module_level" / "input.py", small)
    res = tokenfix("check", "--no-cache", str(small), env={"TOKENFIX_WORKER_MEMORY": value})
    lines = res.stderr.decode().strip().splitlines()
    assert res.returncode == 2 and len(lines) == 1 and lines[0].startswith("tokenfix: error: TOKENFIX_WORKER_MEMORY="), lines


def test_each_worker_gets_its_share_of_the_machine() -> None:
    from codemods.run.pool import memory_share

    total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    assert memory_share(2) >= 1 << 30
    assert memory_share(2) <= max(1 << 30, total // 3)
    assert memory_share(8) <= memory_share(1)
