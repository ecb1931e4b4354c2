"""Writing a fixed file without ever leaving it half-written, changing its mode or owner, or
writing anywhere but where the run was pointed.

A read-only file (no write bit for its owner, or one this user may not write) is not
rewritten: the rename would replace it anyway, since a rename asks only the folder, and a file
someone made read-only is not ours to change. A file whose owner or group this user cannot give
the new file (as non-root, a group it is not in) is refused too, rather than silently changing
hands. A run killed half-way leaves its temporary file; the next `fix` of that file removes it.
"""

from __future__ import annotations

import os
import re
import signal
import stat
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Sequence

from .reading import read_at_most

TEMP_SUFFIX = ".tokenfix-tmp"
# mkstemp's random part: 8 characters of [a-z0-9_]
_RANDOM = 8
# A temporary file younger than this may be another run's, still being written.
STALE_SECONDS = 60.0


class WriteError(Exception):
    pass


def atomic_write(path: Path, data: bytes, expected: bytes, roots: Sequence[Path] = ()) -> list[str]:
    """Replace path's content with data, if it still holds `expected`.

    The new content goes to a temporary file in the same folder, which then replaces the
    original in one rename: a crash, a full disk or a signal leaves either the old file or the
    new one, never a mix, and never the temporary file. What the rename would get wrong is
    refused instead: a symlink (it would become a regular file), a file with other hard links
    (they would keep the old content), a file that is no longer under the roots the run was
    given (a folder swapped for a symlink meanwhile), a file that changed since it was read or is
    no longer a regular file (a FIFO put in its place would hang the read), a read-only file, and
    one whose owner or group cannot be kept. Returns the names of stale temporary files of this
    file, left by a run that was killed, which it removed.
    """
    if path.is_symlink():
        raise WriteError("is a symbolic link; not written through (fix its target instead)")
    if roots and not _under(path, roots):
        raise WriteError("is no longer under the paths given (a folder on its way is a symbolic link now); not written")
    before, current = _read_again(path, len(expected))
    if current != expected:
        raise WriteError("changed on disk while tokenfix was working; skipped (run again)")
    if before.st_nlink > 1:
        raise WriteError(f"has {before.st_nlink} hard links; not rewritten, as the other links would keep the old content")
    if not before.st_mode & stat.S_IWUSR or not os.access(path, os.W_OK):
        raise WriteError("is read-only; not rewritten (make it writable to fix it)")
    removed = _remove_stale_temps(path)
    with _signals_held():
        _replace(path, data, before)
    return removed


# The signals a run turns into KeyboardInterrupt (cli.py): held while a file is replaced, so
# that one cannot land between the temporary file's creation and the name that removes it
# (it is delivered, and the run stops, once the file is whole again).
_HELD = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


@contextmanager
def _signals_held():
    mask = getattr(signal, "pthread_sigmask", None)
    if mask is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = mask(signal.SIG_BLOCK, _HELD)
    try:
        yield
    finally:
        mask(signal.SIG_SETMASK, previous)


def _replace(path: Path, data: bytes, before: os.stat_result) -> None:
    temp_name = None
    try:
        handle, temp_name = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=TEMP_SUFFIX, dir=path.parent)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        # owner first: chown clears the set-user-ID and set-group-ID bits that chmod restores
        made = os.stat(temp_name)
        if (made.st_uid, made.st_gid) != (before.st_uid, before.st_gid):
            try:
                os.chown(temp_name, before.st_uid, before.st_gid)
            except PermissionError:
                raise WriteError(f"its owner or group (uid {before.st_uid}, gid {before.st_gid}) cannot be kept by this user; "
                                 "not rewritten (run as its owner, or as a member of its group)") from None
        os.chmod(temp_name, before.st_mode & 0o7777)
        now = os.stat(path)
        if (now.st_ino, now.st_size, now.st_mtime_ns) != (before.st_ino, before.st_size, before.st_mtime_ns):
            raise WriteError("changed on disk while tokenfix was writing; skipped (run again)")
        os.replace(temp_name, path)
        temp_name = None
    except BaseException as exc:
        if temp_name is not None:
            try:
                os.unlink(temp_name)
            except OSError:
                pass
        if isinstance(exc, OSError):
            raise WriteError(f"cannot write: {exc.strerror or exc}") from None
        raise


def _read_again(path: Path, size: int) -> tuple[os.stat_result, bytes]:
    """The file's stat and bytes, read without following a link or blocking on a FIFO, and never
    more than one byte past the size it had: what stands there now may be anything."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise WriteError(f"cannot read it again before writing: {exc.strerror or exc}") from None
    try:
        before = os.fstat(fd)  # before the read: a change after it shows in the stat again below
        if not stat.S_ISREG(before.st_mode):
            raise WriteError("is no longer a regular file; not written")
        return before, read_at_most(fd, size)
    except OSError as exc:
        raise WriteError(f"cannot read it again before writing: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def _temp_prefix(path: Path) -> str:
    """`.NAME.`, the name cut so that the temporary name fits the folder's NAME_MAX: a 243-byte
    file name would otherwise make a 266-byte temporary one, which no file system takes."""
    try:
        limit = os.pathconf(path.parent, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        limit = 255
    room = limit - len(TEMP_SUFFIX) - _RANDOM - 2
    name = os.fsencode(path.name)
    if len(name) > room:
        name = name[:room]
        while name and name[-1] & 0xC0 == 0x80:  # do not cut a UTF-8 character in two
            name = name[:-1]
        if name and name[-1] >= 0xC0:
            name = name[:-1]
    return "." + os.fsdecode(name) + "."


def _remove_stale_temps(path: Path) -> list[str]:
    """Remove this file's temporary files that a killed run left (older than STALE_SECONDS, so
    never one that a run at work now is writing)."""
    prefix = os.fsencode(_temp_prefix(path))
    pattern = re.compile(re.escape(prefix) + rb"[a-z0-9_]{%d}" % _RANDOM + re.escape(TEMP_SUFFIX.encode()) + rb"\Z")
    removed = []
    try:
        names = os.listdir(os.fsencode(path.parent))
    except OSError:
        return removed
    now = time.time()
    for name in names:
        if not pattern.match(name):
            continue
        stale = path.parent / os.fsdecode(name)
        try:
            info = os.lstat(stale)
            if stat.S_ISREG(info.st_mode) and now - info.st_mtime > STALE_SECONDS:
                os.unlink(stale)
                removed.append(stale.name)
        except OSError:
            continue
    return removed


def _under(path: Path, roots: Sequence[Path]) -> bool:
    """Whether path, its folders resolved, is one of the files given or inside a folder given."""
    try:
        real = path.parent.resolve() / path.name
        for root in roots:
            if str(root) == "-":
                continue
            if root.is_dir():
                if real.is_relative_to(root.resolve()):
                    return True
            elif real == root.parent.resolve() / root.name:
                return True
    except (OSError, RuntimeError):
        return False
    return False

