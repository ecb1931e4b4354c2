"""A process pool for the files that need parsing: LibCST is CPU-bound and holds the GIL."""

from __future__ import annotations

import gc
import os
import sys
import threading
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Sequence

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor


def default_jobs() -> int:
    """The CPUs this process may run on (a container's limit, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def _context():
    import multiprocessing

    # fork starts a worker in milliseconds, with LibCST already imported; it is only safe while
    # this process has a single thread (a progress bar runs one), so spawn otherwise.
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def ordered_map(function: Callable, tasks: Sequence, jobs: int, initializer: Callable, initargs: tuple) -> Iterator:
    """function(task) for every task, computed by `jobs` processes, yielded in the order of tasks.

    Tasks go out in chunks (one per worker and round, a few per worker in all) so that a
    slow file does not leave the other worker idle for long. On Ctrl-C or SIGTERM the pool is
    torn down at once: workers ignore SIGINT and are terminated by the parent.
    """
    from concurrent.futures import ProcessPoolExecutor  # imported only when there is work to share

    workers = max(1, min(jobs, len(tasks)))
    chunk = max(1, len(tasks) // (workers * 8))
    context = _context()
    if context.get_start_method() == "fork":
        # A forked worker shares the parent's pages until it writes to them, and the cyclic
        # collector writes to every object it visits: frozen objects are left alone, so the
        # imported LibCST and the rules stay shared instead of being copied into each worker.
        gc.collect()
        gc.freeze()
    executor = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=initializer, initargs=initargs)
    try:
        yield from executor.map(function, tasks, chunksize=chunk)
    except BaseException:
        _stop(executor)
        raise
    else:
        executor.shutdown(wait=True)


def _stop(executor: "ProcessPoolExecutor") -> None:
    processes: Iterable = list((getattr(executor, "_processes", None) or {}).values())
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
