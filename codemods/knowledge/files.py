"""Reading a rules or settings file: bounded, typed on the descriptor, never blocking.

Rules and settings files may be named by the tree being checked (`extend`, `extra-rules`), and
the tree is untrusted."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import tomllib

from ..run.reading import read_at_most
from .schema import KnowledgeError


def rules_dir() -> Path:
    """Where the shipped TOML lives: inside the package in a wheel, at the repo top when editable."""
    package = Path(__file__).resolve().parent.parent  # codemods/
    for candidate in (package / "rules", package.parent / "rules"):
        if (candidate / "providers.toml").is_file():
            return candidate
    raise KnowledgeError(f"rules/*.toml not found next to {package}; reinstall tokenfix")



MAX_SETTINGS_BYTES = 4 * 1024 * 1024  # a configuration or rules file larger than this is not read


def read_bounded(path: Path, limit: int = MAX_SETTINGS_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; OSError (with a strerror that says
    why) for anything else.

    Settings and rules files are named by the tree being checked (`extend`, `extra-rules`), and
    the tree is untrusted: the file is opened without blocking and its type checked on the
    descriptor, so a FIFO or a device (`/dev/zero`) can neither hang nor flood the run, and at
    most limit + 1 bytes are read whatever the file claims."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except ValueError:  # a NUL byte in the name
        raise OSError(errno.EINVAL, "not a valid file name") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise OSError(errno.EISDIR, "is a directory")
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        data = read_at_most(fd, limit)
        if len(data) > limit:
            raise OSError(errno.EFBIG, f"{max(info.st_size, len(data)):,} bytes, over the {limit:,}-byte limit")
        return data
    finally:
        os.close(fd)


def parse_toml(data: bytes) -> dict:
    """TOML bytes as a dict; ValueError (tomllib's, or one that says why) for anything else.

    tomllib recurses once per nesting level, so `a = [[[...]]]` 3,000 deep raises
    RecursionError; that is a malformed file like any other, not a crash."""
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8: {exc.reason} at byte {exc.start}") from None
    except RecursionError:
        raise ValueError("nested too deeply") from None


def _read(path: Path, contents: list[bytes]) -> dict:
    """A rules file as a dict; its bytes are appended to `contents` (what the cache keys on)."""
    try:
        data = read_bounded(path)
        contents.append(data)
        return parse_toml(data)
    except OSError as exc:
        raise KnowledgeError(f"{path}: cannot read rules file ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise KnowledgeError(f"{path}: invalid TOML ({exc})") from None

