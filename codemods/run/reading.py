"""Reading a file of the scanned tree without trusting what the name stands for.

A name ending in `.py` can be a FIFO (a read waits for a writer forever), a character device
(`/dev/zero` behind a symlink reads without end), or a sparse file of many gigabytes (read
whole, it exhausts memory before any size check). So the type is checked before the file is
opened (opening a device alone can act: a tape rewinds, a watchdog starts), again on the open
descriptor (the name may be swapped in between), the open never blocks (`O_NONBLOCK`), and no
more than the limit plus one byte is ever held.

A symlink named on the command line is followed: its target is read when it is a regular
file (its findings are reported; write.py refuses to write through it).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from contextlib import closing
from typing import Callable, Iterator, Optional, Sequence

CHUNK = 1024 * 1024

_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class Refused(Exception):
    """A file tokenfix does not read; str() says why, for the one line that names it."""


class NotRegular(Refused):
    def __init__(self, mode: int):
        kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
        super().__init__(f"is {kind}, not a regular file; skipped")


class TooBig(Refused):
    def __init__(self, size: int, limit: int):
        self.size, self.limit = size, limit
        super().__init__(f"{size:,} bytes is over the {limit:,}-byte limit; skipped")


def _check(info: os.stat_result, limit: int) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError
    if not stat.S_ISREG(info.st_mode):
        raise NotRegular(info.st_mode)
    if info.st_size > limit:
        raise TooBig(info.st_size, limit)


def read_at_most(fd: int, limit: int) -> bytes:
    """At most limit + 1 bytes of an open descriptor, whatever the file claims: the one byte
    over tells a file that is larger than allowed (or grew) without holding more of it."""
    parts, left = [], limit + 1
    while left > 0:
        part = os.read(fd, min(left, CHUNK))
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def chunks(path: Path, limit: int, info: Optional[os.stat_result] = None) -> Iterator[bytes]:
    """The bytes of the regular file at path, CHUNK at a time, at most `limit` in all.

    Raises IsADirectoryError, NotRegular, TooBig (by its size, or when more than `limit`
    bytes arrive: the file grew) or OSError. `info` is the path's stat when the caller has it.
    """
    _check(info if info is not None else os.stat(path), limit)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        _check(info, limit)  # swapped for something else since the stat
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, CHUNK))
            if not chunk:
                return
            left -= len(chunk)
            if left <= 0:  # grown past the limit since the fstat
                raise TooBig(max(info.st_size, limit + 1), limit)
            yield chunk
    finally:
        os.close(fd)


def read_regular(path: Path, limit: int, info: Optional[os.stat_result] = None) -> bytes:
    """The whole of the regular file at path, when it holds at most `limit` bytes (chunks())."""
    return b"".join(chunks(path, limit, info))


def scan(path: Path, limit: int, tests: Sequence[Callable[[bytes], bool]], overlap: int,
         info: Optional[os.stat_result] = None) -> list[bool]:
    """Which of `tests` hold somewhere in a file of at most `limit` bytes, read CHUNK at a time.

    For a file too large to hold: the prefilter can still rule it out without keeping more
    than a chunk. Each window keeps the last `overlap` bytes of the one before, so a word of
    up to `overlap` bytes split by a chunk's end is seen. Raises as chunks() does."""
    found = [False] * len(tests)
    tail = b""
    with closing(chunks(path, limit, info)) as stream:
        for chunk in stream:
            window = tail + chunk
            found = [done or test(window) for done, test in zip(found, tests)]
            if all(found):
                break
            tail = window[-overlap:]
    return found
