"""Worker processes for the files that need parsing: parsing and analysis are CPU-bound and
hold the GIL, and LibCST's native parser (which makes the fixes, and words syntax errors) can
crash the process it runs in (a stack overflow on expressions nested a few thousand deep) or
take minutes on a pathological file.

So parsing never happens in the process that reports and writes: each file goes to a worker,
one file at a time, and a worker that dies or overruns its time costs that one file (reported
as such), never the run. Workers are forked with the analysis (and LibCST, when fixes are to
be made) already imported where fork is safe.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Optional


def default_jobs() -> int:
    """The CPUs this process may run on (a container's limit, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def memory_share(jobs: int) -> int:
    """The address space one worker may use: this machine's memory (or its container's limit)
    shared among the workers and the main process, and never less than 1 GiB.

    LibCST needs about 1.2 GB a megabyte of a long data literal (a 1 MB list of numbers took
    1.27 GB): without a limit, two workers on two big generated files exhausted a 24 GiB
    machine. With it, the file that needs more fails alone (MemoryError), as a crash does.
    """
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 0
    for limit_file in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            with open(limit_file, "rb") as handle:
                text = handle.read(64).strip()
            if text.isdigit():
                total = min(total, int(text))
        except OSError:
            continue
    return max(1 << 30, total // (max(1, jobs) + 1))


def _quiet_stderr() -> None:
    """A worker reports through its pipe only: what a native parser prints as it dies (Rust's
    "memory allocation of N bytes failed" and its backtrace) would reach the user's terminal
    raw, beside the one line that names the file."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)
        os.close(null)
    except OSError:
        pass


def _limit_memory(memory: int) -> None:
    if memory <= 0:
        return
    try:
        import resource

        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            memory = min(memory, hard)
        resource.setrlimit(resource.RLIMIT_AS, (memory, hard))
    except (ImportError, ValueError, OSError):  # Windows; a limit the system refuses
        pass


@dataclass
class Failure:
    """A task that produced no result: its worker died, or ran past the time limit."""

    reason: str


def _context():
    import multiprocessing

    # fork starts a worker in milliseconds, with its modules already imported; it is only safe while
    # this process has a single thread (a progress bar runs one), so spawn otherwise.
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _die_with_parent(parent: int, inherited: Iterable[int]) -> None:
    """Make a worker end when the process that started it does, even by SIGKILL.

    A forked worker inherits every pipe end the parent held, its own pipe's other end among
    them: with those open, a dead parent never reads as end-of-file, and the worker waited
    forever. They are closed here; on Linux the kernel also sends SIGKILL when the parent dies
    (PR_SET_PDEATHSIG), which stops a worker in the middle of a long parse too.
    """
    for fd in inherited:
        try:
            os.close(fd)
        except OSError:
            pass
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            import signal

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


def _serve(conn, function: Callable, initializer: Callable, parent: int = 0, inherited: tuple = (), memory: int = 0) -> None:
    if parent:
        _die_with_parent(parent, inherited)
    _limit_memory(memory)
    _quiet_stderr()
    initializer()
    while True:
        try:
            item = conn.recv()
        except (EOFError, OSError):
            return
        if item is None:
            return
        try:
            reply = (True, function(item))
        except Exception as exc:  # noqa: BLE001 - reported for this task, the worker goes on
            reply = (False, f"{type(exc).__name__}: {exc}")
        conn.send(reply)


class _Worker:
    def __init__(self, context, function: Callable, initializer: Callable, others: Iterable["_Worker"] = (), memory: int = 0):
        self.conn, child = context.Pipe()
        # a forked worker holds copies of this end and of the other workers' ends: it closes them
        inherited = (self.conn.fileno(), *(w.conn.fileno() for w in others if not w.conn.closed)) \
            if context.get_start_method() == "fork" else ()
        self.process = context.Process(target=_serve, args=(child, function, initializer, os.getpid(), inherited, memory),
                                       daemon=True)
        self.process.start()
        child.close()
        self.slot: Optional[int] = None  # the task it is working on
        self.since = 0.0

    def give(self, slot: int, task) -> None:
        self.slot, self.since = slot, time.monotonic()
        self.conn.send(task)

    def stop(self, now: bool) -> None:
        try:
            if not now:
                self.conn.send(None)
            self.conn.close()
        except OSError:
            pass
        if now or self.slot is not None:
            self.process.terminate()
        self.process.join(timeout=5)
        if self.process.is_alive():  # pragma: no cover - a worker that ignores SIGTERM
            self.process.kill()
            self.process.join()


@dataclass
class PoolStats:
    """What a run of ordered_map did: how many tasks, and how many workers it started."""

    tasks: int = 0
    workers: int = 0


# Tasks read ahead of the workers at most: enough to keep them fed, few enough that a run's
# files are not all held in memory at once.
READ_AHEAD = 64


def ordered_map(function: Callable, tasks: Iterable, jobs: int, initializer: Callable, timeout: float,
                min_pool: int = 1, stats: Optional[PoolStats] = None, memory: int = 0) -> Iterator:
    """function(task), or a Failure, for every task, yielded in the order of tasks.

    tasks may be lazy (a generator that reads files): it is read while the workers are busy,
    so that reading the files overlaps their analysis instead of coming before it. The first
    task starts one worker; more start, up to `jobs`, once `min_pool` tasks have been seen and
    one is waiting for a worker (a handful of files, as in pre-commit, stay in one).
    Each worker takes one task at a time, so a slow file does not hold up a chunk of others,
    and at most one task a worker is in flight (nothing piles up in the pipes).
    A worker that dies is replaced and its task reported with the signal that killed it; a
    task still running after `timeout` seconds has its worker terminated and replaced. Each
    worker's address space is limited to `memory` bytes (0: no limit).
    On Ctrl-C or SIGTERM in this process every worker is terminated at once.
    """
    stats = stats if stats is not None else PoolStats()
    source = iter(tasks)
    waiting: deque = deque()  # (slot, task): read, not yet given to a worker
    exhausted = False

    def pull() -> bool:
        nonlocal exhausted
        if exhausted:
            return False
        try:
            task = next(source)
        except StopIteration:
            exhausted = True
            return False
        waiting.append((stats.tasks, task))
        stats.tasks += 1
        return True

    context = None
    done: dict[int, object] = {}
    workers: list[_Worker] = []

    def start() -> None:
        nonlocal context
        if context is None:
            context = _context()
        if context.get_start_method() == "fork":
            # A forked worker shares the parent's pages until it writes to them, and the cyclic
            # collector writes to every object it visits: frozen objects are left alone, so the
            # imported modules and the rules stay shared instead of being copied into each worker.
            gc.collect()
            gc.freeze()
        workers.append(_Worker(context, function, initializer, workers, memory))
        stats.workers += 1

    interrupted = True
    try:
        next_out = 0
        while True:
            if not workers and (waiting or pull()):
                start()
            for worker in workers:
                # a free worker takes a new file only while the results held for the order are few
                if worker.slot is None and (waiting or (len(done) < READ_AHEAD and pull())):
                    worker.give(*waiting.popleft())
            if waiting and len(workers) < jobs and stats.tasks >= min_pool:
                start()  # work is waiting and every worker is busy
                continue
            busy = [w for w in workers if w.slot is not None]
            if not busy:
                break  # every task read and done
            from multiprocessing.connection import wait  # not before a file needs a worker (test_lazy_imports)
            handles = [w.conn for w in busy] + [w.process.sentinel for w in busy]
            # Read ahead only while fewer than READ_AHEAD tasks are read and not yet handed out or
            # done and not yet yielded: a slow first file must not let the others pile up results.
            room = not exhausted and len(waiting) + len(done) < READ_AHEAD
            ready = wait(handles, timeout=0) if room else []
            if not ready:
                if room and pull():
                    continue  # read the next file while the workers work
                deadline = min(w.since for w in busy) + timeout
                ready = wait(handles, timeout=max(0.0, deadline - time.monotonic()))
            for index, worker in enumerate(workers):
                if worker.slot is None:
                    continue
                failure = None
                if worker.conn in ready or worker.conn.poll():
                    try:
                        ok, value = worker.conn.recv()
                        done[worker.slot] = value if ok else Failure(f"internal error: {value}")
                        worker.slot = None
                        continue
                    except (EOFError, OSError):
                        failure = _death(worker)
                elif worker.process.sentinel in ready:
                    failure = _death(worker)
                elif time.monotonic() - worker.since > timeout:
                    failure = Failure(f"analysis took longer than {timeout:g} s; stopped and skipped")
                if failure is not None:
                    done[worker.slot] = failure
                    worker.stop(now=True)
                    workers[index] = _Worker(context, function, initializer, workers, memory)
            while next_out in done:
                yield done.pop(next_out)
                next_out += 1
        while next_out in done:
            yield done.pop(next_out)
            next_out += 1
        interrupted = False
    finally:
        for worker in workers:
            worker.stop(now=interrupted)


def _death(worker: _Worker) -> Failure:
    worker.process.join(timeout=5)
    code = worker.process.exitcode
    if code is not None and code < 0:
        import signal

        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        how = f"killed by {name}"
        if name == "SIGSEGV":  # what LibCST's native parser does on code nested thousands deep
            how += ": most often code nested too deeply for LibCST's parser"
        elif name == "SIGABRT":  # what LibCST's native parser does when an allocation fails
            how += ": most often more memory than a worker may use"
            return Failure(f"the parser crashed on this file ({how}); skipped (set TOKENFIX_WORKER_MEMORY to more MiB to check it)")
    else:
        how = f"exited with status {code}"
    return Failure(f"the parser crashed on this file ({how}); skipped (please report)")
