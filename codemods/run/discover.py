"""Which files a run looks at: the files given, and the Python files under the folders given.

Folders are walked without descending into excluded folders (the defaults, `exclude`,
`extend-exclude`) and, inside a git work tree, without the files git ignores. Files named on
the command line are always checked, unless `--force-exclude` (as pre-commit passes them).
"""

from __future__ import annotations

import errno
import fnmatch
import os
import re
import stat
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator, Optional

from ..knowledge.config import Settings, SettingsResolver
from ..output.findings import display_name

# Folders that hold other people's code, tool caches or build output.
DEFAULT_EXCLUDES = (
    ".git", ".hg", ".svn", ".bzr", ".venv", "venv", ".tox", ".nox", ".eggs", ".mypy_cache",
    ".ruff_cache", ".pytest_cache", ".hypothesis", ".tokenfix_cache", "__pycache__", "__pypackages__",
    "node_modules", "site-packages", "build", "dist", ".ipynb_checkpoints", "*.egg-info",
)
SUFFIXES = (".py", ".pyi", ".ipynb")


def excluded(path: Path, settings: Settings, whole_path: bool = False) -> bool:
    """Whether an exclude pattern matches: a bare name (`build`, `*_pb2.py`) matches the file or
    folder name (or, with whole_path, any part of it); a pattern with `/` the relative path."""
    names_pattern, path_patterns = _patterns(settings.exclude, settings.extend_exclude)
    names = path.parts if whole_path else (path.name,)
    if names_pattern is not None and any(names_pattern.match(name) for name in names):
        return True
    return any(settings.matches(path, pattern) for pattern in path_patterns)


@lru_cache(maxsize=64)
def _patterns(exclude: Optional[tuple[str, ...]], extend: tuple[str, ...]) -> tuple[Optional[re.Pattern], tuple[str, ...]]:
    """The bare-name patterns as one compiled regex (a walk tests every name), and the path ones."""
    patterns = (*(exclude if exclude is not None else DEFAULT_EXCLUDES), *extend)
    names = [fnmatch.translate(p) for p in patterns if "/" not in p]
    return (re.compile("|".join(names)) if names else None), tuple(p for p in patterns if "/" in p)


# git is run on a tree nobody vouched for, whose `.git/config` (and any file it includes) its
# author wrote. ls-files and check-ignore run no hooks, filters, pagers or aliases, but an index
# read runs `core.fsmonitor`, and an index write (were git to save a refreshed index or untracked
# cache) would run the `post-index-change` hook. So fsmonitor is switched off for the run (an empty value: off for every
# git version, where "false" would name a program to old ones), hooks point nowhere, nothing is
# written (GIT_OPTIONAL_LOCKS=0), nothing can prompt or page. Options given with -c outrank every
# configuration file, included ones too. The system and global configuration are the user's own,
# not the tree's, and are kept: their `core.excludesFile` is part of what the user sees ignored.
GIT_OPTIONS = ("--no-pager", "-c", "core.fsmonitor=", "-c", "core.hooksPath=/dev/null")
GIT_TIMEOUT = 60  # seconds; a config include naming a FIFO would make git wait for ever
_GIT_ENV = {"GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": "", "LC_ALL": "C"}
_NOT_APPLIED = "walked without git, so its ignore files were not applied"


def _git(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """git in folder, as GIT_OPTIONS and _GIT_ENV say: nothing the tree configures runs."""
    return subprocess.run(["git", *GIT_OPTIONS, "-C", str(folder), *args], capture_output=True, stdin=subprocess.DEVNULL,
                          timeout=GIT_TIMEOUT, env={**os.environ, **_GIT_ENV})


def git_visible(folder: Path) -> tuple[Optional[set[Path]], Optional[str]]:
    """Files git tracks or would track under folder (ignored ones left out), or None outside
    git; and a warning when git was there but would not answer (the folder is walked whole)."""
    try:
        # A folder named on the command line that is itself ignored (a virtualenv's stdlib
        # inside a pyenv checkout, say) was asked for explicitly: it is walked in full.
        ignored = _git(folder, "check-ignore", "-q", ".")
        if ignored.returncode == 0:
            return None, None
        if ignored.returncode != 1:  # 128: not a repository, or one git will not read
            if b"dubious ownership" in ignored.stderr or b"unsafe repository" in ignored.stderr:
                return None, (f"{display_name(folder)}: git refuses to read this repository (it belongs to another user: "
                              f"see git's safe.directory); {_NOT_APPLIED}")
            return None, None
        res = _git(folder, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", ".")
    except subprocess.TimeoutExpired:
        return None, f"{display_name(folder)}: git did not answer in {GIT_TIMEOUT} s; {_NOT_APPLIED}"
    except (OSError, subprocess.SubprocessError):
        return None, None
    if res.returncode != 0:
        return None, None
    # git lists paths as they are in the tree; the folder is resolved once, not every file
    # (a resolve is a system call per path component, and a monorepo lists 20,000 files).
    base = folder.resolve()
    return {base / name for name in res.stdout.decode("utf-8", "surrogateescape").split("\0") if name}, None


def _git_ignores(top: Path, folder: Path) -> bool:
    """Whether git ignores folder (under top): asked only for a folder that cannot be read,
    which git cannot list either, so that an ignored one (a container's volume owned by root,
    say) is passed over silently as git passes over it."""
    try:
        return _git(top, "check-ignore", "-q", "--", str(folder.relative_to(top))).returncode == 0
    except (OSError, ValueError, subprocess.SubprocessError):
        return False


def _cannot(problems: list[str], what: str, top: Path, here: Path, visible: Optional[set[Path]], exc: OSError) -> None:
    """One line for a folder the walk could not go into: its files were not checked, and the
    run must not look clean (exit 2). Not for a folder git ignores."""
    if visible is None or not _git_ignores(top, here):
        problems.append(f"{display_name(here)}: cannot {what} this folder ({exc.strerror or exc}); the files in it were not checked")


def _walk(top: Path, resolver: SettingsResolver, visible: Optional[set[Path]],
          problems: list[str]) -> Iterator[tuple[Path, Optional[tuple[int, int]]]]:
    """The Python files under top, in sorted order, pruning excluded folders; each with its
    (device, inode), or None when it cannot be had.

    os.scandir's entries know their type from the directory listing, so a walk over a
    20,000-file tree costs one stat-free pass instead of three system calls per name; each
    folder is resolved once (for the comparison with git's list), never each file.

    A folder that cannot be listed (no permission; a path longer than PATH_MAX) is named in
    `problems`, once: its files were not checked, and the run must not look clean.
    """
    stack = [top]
    while stack:
        here = stack.pop()
        try:
            with os.scandir(here) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as exc:
            _cannot(problems, "list", top, here, visible, exc)
            continue
        try:
            settings = resolver.for_folder(here, strict=True)
        except OSError as exc:  # the folder was listed, but a name in it makes a path too long
            _cannot(problems, "look for a configuration file in", top, here, visible, exc)
            continue
        real = here.resolve() if visible is not None else None
        folders = []
        for entry in entries:
            name = entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    if not excluded(here / name, settings):
                        folders.append(here / name)
                    continue
                if not name.endswith(SUFFIXES) or entry.is_symlink() or not entry.is_file():
                    continue
            except OSError:
                continue
            candidate = here / name
            if excluded(candidate, settings):
                continue
            if real is not None and real / name not in visible:
                continue
            try:
                # (device, inode): a file met again (through a symlinked folder given too, or
                # a hard link) is the same file. One lstat per Python file; a folder's device
                # and the listing's inode number would disagree with it on overlayfs.
                info = entry.stat(follow_symlinks=False)
                identity: Optional[tuple[int, int]] = (info.st_dev, info.st_ino)
            except OSError:
                identity = None
            yield candidate, identity
        stack.extend(reversed(folders))


def discover(paths: Iterable[Path], resolver: SettingsResolver, force_exclude: bool = False,
             warnings: Optional[list[str]] = None) -> tuple[list[Path], list[str]]:
    """Files to check (sorted, no duplicates) and messages about paths that do not exist.

    A file is checked once however many names reach it (`a.py $PWD/a.py`, a folder and a
    symlink to it, a hard link): told apart by device and inode, under the first name given,
    except that a symlink's name gives way to a later one that is no link (a fix is written to
    the file, never through a link). Twice, its second write found it changed by the first.

    What does not stop a file from being checked but changes which are (git would not say
    what it ignores) is added to `warnings`."""
    found = _Found()
    missing: list[str] = []
    for path in paths:
        try:
            info = os.stat(path)
        except OSError as exc:
            # Not there at all: said here. There but not to be looked at (a folder on the way
            # that cannot be entered, a path longer than PATH_MAX, a dangling symlink): a file
            # the run names with the reason it cannot be read.
            if exc.errno in (errno.ENOENT, errno.ENOTDIR) and not _is_link(path):
                missing.append(f"{path}: no such file or directory")
                continue
            info = None
        if info is not None and stat.S_ISDIR(info.st_mode):
            visible, warning = git_visible(path)
            if warning is not None and warnings is not None:
                warnings.append(warning)
            for candidate, identity in _walk(path, resolver, visible, missing):
                found.add(candidate, identity, link=False)
        else:
            if force_exclude and excluded(path, resolver.for_path(path), whole_path=True):
                continue
            found.add(path, (info.st_dev, info.st_ino) if info is not None else None, link=_is_link(path))
    return list(found.files), missing


def _is_link(path: Path) -> bool:
    """Path.is_symlink, but False where lstat fails for any reason (it raises on EACCES)."""
    try:
        return stat.S_ISLNK(os.lstat(path).st_mode)
    except OSError:
        return False


class _Found:
    """The files found so far, in the order met, one name for each (device, inode)."""

    def __init__(self) -> None:
        self.files: dict[Path, None] = {}
        self._names: dict[tuple[int, int], Path] = {}
        self._links: set[Path] = set()

    def add(self, path: Path, identity: Optional[tuple[int, int]], link: bool) -> None:
        if path in self.files:
            return
        if identity is None:  # cannot be told apart: the read will say what is wrong with it
            self.files[path] = None
            return
        first = self._names.get(identity)
        if first is None:
            self._names[identity] = path
            self.files[path] = None
            if link:
                self._links.add(path)
        elif first in self._links and not link:  # the file's own name takes the link's place
            self._names[identity] = path
            self.files = {(path if name == first else name): None for name in self.files}
