"""Writing a fixed file without ever leaving it half-written, changing its mode or owner, or
writing anywhere but where the run was pointed."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Sequence

TEMP_SUFFIX = ".tokenfix-tmp"


class WriteError(Exception):
    pass


def atomic_write(path: Path, data: bytes, expected: bytes, roots: Sequence[Path] = ()) -> None:
    """Replace path's content with data, if it still holds `expected`.

    The new content goes to a temporary file in the same folder, which then replaces the
    original in one rename: a crash, a full disk or a signal leaves either the old file or the
    new one, never a mix, and never the temporary file. What the rename would get wrong is
    refused instead: a symlink (it would become a regular file), a file with other hard links
    (they would keep the old content), a file that is no longer under the roots the run was
    given (a folder swapped for a symlink meanwhile), and a file that changed since it was read.
    """
    if path.is_symlink():
        raise WriteError("is a symbolic link; not written through (fix its target instead)")
    if roots and not _under(path, roots):
        raise WriteError("is no longer under the paths given (a folder on its way is a symbolic link now); not written")
    try:
        before = os.stat(path)  # before the read: a change after it shows in the stat again below
        current = path.read_bytes()
    except OSError as exc:
        raise WriteError(f"cannot read it again before writing: {exc.strerror or exc}") from None
    if current != expected:
        raise WriteError("changed on disk while tokenfix was working; skipped (run again)")
    if before.st_nlink > 1:
        raise WriteError(f"has {before.st_nlink} hard links; not rewritten, as the other links would keep the old content")
    temp_name = None
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        try:  # owner first: chown clears the set-user-ID and set-group-ID bits that chmod restores
            os.chown(temp_name, before.st_uid, before.st_gid)
        except (PermissionError, AttributeError):
            pass
        os.chmod(temp_name, before.st_mode & 0o7777)
        now = os.stat(path)
        if (now.st_ino, now.st_size, now.st_mtime_ns) != (before.st_ino, before.st_size, before.st_mtime_ns):
            raise WriteError("changed on disk while tokenfix was writing; skipped (run again)")
        os.replace(temp_name, path)
    except BaseException as exc:
        if temp_name is not None:
            try:
                os.unlink(temp_name)
            except OSError:
                pass
        if isinstance(exc, OSError):
            raise WriteError(f"cannot write: {exc.strerror or exc}") from None
        raise


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

