"""`--since REF`: the lines added or changed since a git ref, which a review reports and fixes.

What changed is worked out here, not asked of `git diff`: the tree is untrusted, and its
`.git/config` can name programs that git runs while it compares a work tree (clean filters,
`diff.external`, textconv, an fsmonitor hook, a pager). Only plumbing that reads objects is
run: `rev-parse`, `ls-tree` (each file's blob at REF), `diff-index --cached` (renames, index
against REF: blobs only, no work-tree file read) and `cat-file --batch` (the old blobs). Each
runs with a time limit, no pager, no prompt, no optional lock, no fsmonitor. A file whose blob
equals REF's is unchanged without a byte of it compared; for the others the lines are compared
here, a CR before a line's LF ignored (`core.autocrlf` checkouts), a notebook cell by cell.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path
from typing import Optional, Union

from .linediff import Budget, opcodes


# A file's changed lines: the rows (1-based), or for a notebook its cells' (cell number -> rows);
# None when the whole file is new since REF (every line counts).
Lines = Union[frozenset, dict, None]

GIT_TIMEOUT = 60.0
MAX_BLOB_BYTES = 10 * 1024 * 1024  # runner.MAX_FILE_BYTES: a larger file is not analysed either
_SAFE_CONFIG = ("-c", "core.fsmonitor=false", "-c", "core.pager=cat", "-c", "diff.external=")


class SinceError(Exception):
    """Why --since cannot be used here: the message says what to do (exit 2)."""


def _git(args: list[str], cwd: Path, stdin: Optional[bytes] = None) -> bytes:
    env = {**os.environ, "GIT_PAGER": "cat", "PAGER": "cat", "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}
    env.pop("GIT_EXTERNAL_DIFF", None)
    try:
        done = subprocess.run(["git", "--no-pager", *_SAFE_CONFIG, *args], cwd=cwd, input=stdin, capture_output=True,
                              env=env, timeout=GIT_TIMEOUT, stdin=None if stdin is not None else subprocess.DEVNULL)
    except FileNotFoundError:
        raise SinceError("--since needs git, and no `git` command was found") from None
    except subprocess.TimeoutExpired:
        raise SinceError(f"--since: `git {args[0]}` took longer than {GIT_TIMEOUT:.0f} s in {cwd}") from None
    if done.returncode != 0:
        raise _GitFailed(done.stderr.decode("utf-8", "replace").strip())
    return done.stdout


class _GitFailed(Exception):
    pass


class Since:
    """The changes since `ref` of the work tree holding `cwd`."""

    def __init__(self, ref: str, cwd: Path):
        self.ref = ref
        try:
            top = _git(["rev-parse", "--show-toplevel"], cwd)
        except _GitFailed as failed:
            said = str(failed).splitlines()[0] if str(failed) else ""
            if "dubious ownership" in said:  # a checkout owned by another user (CI containers): git's own refusal
                raise SinceError(f"--since {ref}: git refuses the work tree of {cwd}, owned by another user ({said.removeprefix('fatal: ')}); "
                                 "if the checkout is yours, `git config --global --add safe.directory <its path>`") from None
            raise SinceError(f"--since {ref}: {cwd} is not inside a git work tree; run it in a clone, or leave --since out") from None
        self.root = Path(os.fsdecode(top.rstrip(b"\n"))).resolve()
        if ref.startswith("-"):
            raise SinceError(f"--since {ref}: not a git ref (it starts with '-')")
        try:
            self.commit = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], self.root).decode().strip()
        except _GitFailed:
            raise SinceError(f"--since {ref}: no such commit in {self.root} (a branch, tag or commit id; "
                             "in CI fetch it first, e.g. `git fetch origin main`)") from None
        try:
            self.sha256 = _git(["rev-parse", "--show-object-format"], self.root).strip() == b"sha256"
        except _GitFailed:  # a git before 2.25 knows only SHA-1 repositories
            self.sha256 = False
        self.blobs = self._tree()
        self.renamed = self._renames()
        self._cat: Optional[subprocess.Popen] = None

    def _tree(self) -> dict[str, tuple[str, int]]:
        """path -> (blob id, size) of every file at REF."""
        found = {}
        for entry in _git(["ls-tree", "-r", "-l", "-z", "--full-tree", self.commit], self.root).split(b"\0"):
            head, _, name = entry.partition(b"\t")
            parts = head.split()
            if len(parts) == 4 and parts[1] == b"blob" and parts[3].isdigit() and parts[0] != b"120000":  # a link: no file's text
                found[os.fsdecode(name)] = (parts[2].decode(), int(parts[3]))
        return found

    def _renames(self) -> dict[str, str]:
        """new path -> its path at REF, for the renames git sees between REF and the index
        (committed or staged; a file moved but not added is a new file)."""
        out = _git(["diff-index", "--cached", "-M", "-z", "--name-status", "--no-ext-diff", "--no-textconv", self.commit, "--"], self.root)
        fields, renamed, i = out.split(b"\0"), {}, 0
        while i < len(fields) and fields[i]:
            status = fields[i]
            if status[:1] in (b"R", b"C") and i + 2 < len(fields):
                renamed[os.fsdecode(fields[i + 2])] = os.fsdecode(fields[i + 1])
                i += 3
            else:
                i += 2
        return renamed

    def lines(self, path: Path, data: bytes) -> Lines:
        """What of the file at `path` (holding `data`) changed since REF."""
        name = self._name(path)
        if name is None:
            raise SinceError(f"--since {self.ref}: {path} is outside the git work tree {self.root}")
        old = self.blobs.get(self.renamed.get(name, name))
        if old is None:
            return None  # new since REF: every line
        oid, size = old
        if oid == self._oid(data):
            return frozenset()
        if size > MAX_BLOB_BYTES:
            return None
        before = self._blob(oid, size)
        if before is None:
            return None
        if path.suffix == ".ipynb":
            return _cells_changed(before, data)
        return _rows_changed(before, data)

    def _name(self, path: Path) -> Optional[str]:
        """The path as git names it: the link itself where the file is a symbolic link in the tree
        (its target's text is no blob of the repository: the whole file counts), else the real path."""
        absolute = Path(os.path.abspath(path))
        for candidate in (absolute.parent.resolve() / absolute.name, absolute.resolve()):
            try:
                return candidate.relative_to(self.root).as_posix()
            except ValueError:
                continue
        return None

    def _oid(self, data: bytes) -> str:
        digest = hashlib.sha256() if self.sha256 else hashlib.sha1()
        digest.update(b"blob %d\0" % len(data))
        digest.update(data)
        return digest.hexdigest()

    def _blob(self, oid: str, size: int) -> Optional[bytes]:
        if self._cat is None:
            self._cat = subprocess.Popen(["git", "--no-pager", *_SAFE_CONFIG, "cat-file", "--batch"], cwd=self.root,
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                         env={**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0"})
        try:
            self._cat.stdin.write(oid.encode() + b"\n")
            self._cat.stdin.flush()
            header = self._cat.stdout.readline(200).split()
            if len(header) != 3 or header[1] != b"blob" or int(header[2]) != size:
                self.close()
                return None
            data = self._cat.stdout.read(size + 1)[:size]
        except (OSError, ValueError):
            self.close()
            return None
        return data if len(data) == size else None

    def close(self) -> None:
        if self._cat is not None:
            try:
                self._cat.stdin.close()
                self._cat.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self._cat.kill()
            self._cat = None


def _split(data: bytes) -> list[bytes]:
    return [line[:-1] if line.endswith(b"\r") else line for line in data.split(b"\n")]


def _rows_changed(before: bytes, after: bytes) -> frozenset:
    """The rows of `after` added or changed against `before` (a removed line touches none)."""
    return frozenset(_changed(_split(before), _split(after), Budget()))


def _changed(old: list, new: list, budget: Budget) -> set[int]:
    rows: set[int] = set()
    for tag, _, _, j1, j2 in opcodes(old, new, budget):
        if tag in ("replace", "insert"):
            rows.update(range(j1 + 1, j2 + 1))
    return rows


def _cells_changed(before: bytes, after: bytes) -> Optional[dict]:
    """cell number -> its changed rows, for each analysed code cell of the notebook `after`:
    cells are paired by their text, a changed cell's lines compared with its old text."""
    from .notebook import Notebook, NotebookError

    try:
        old, new = Notebook.parse(before).cells, Notebook.parse(after).cells
    except NotebookError:
        return None
    changed: dict[int, frozenset] = {}
    budget = Budget()  # one for the notebook, not one per cell
    for tag, i1, i2, j1, j2 in opcodes([c.python for c in old], [c.python for c in new], budget):
        if tag == "equal":
            continue
        for k, cell in enumerate(new[j1:j2]):
            lines = cell.python.split("\n")
            if tag == "replace" and i1 + k < i2:
                changed[cell.number] = frozenset(_changed(old[i1 + k].python.split("\n"), lines, budget))
            else:
                changed[cell.number] = frozenset(range(1, len(lines) + 1))
    return changed


def touches(lines: Lines, first: int, last: int) -> bool:
    """A finding on rows first..last lies on a changed line."""
    if lines is None:
        return True
    return any(row in lines for row in range(first, max(first, last) + 1))


def carried(lines: Lines, before: bytes, after: bytes) -> Lines:
    """The changed rows of `before` as rows of `after`, its fixed text: a row a fix made or
    changed counts as changed (it belongs to a finding that was kept)."""
    if lines is None or not isinstance(lines, frozenset):
        return lines
    old, new = _split(before), _split(after)
    rows: set[int] = set()
    for tag, i1, i2, j1, j2 in opcodes(old, new):
        if tag == "equal":
            rows.update(j1 + 1 + k for k in range(i2 - i1) if i1 + 1 + k in lines)
        else:
            rows.update(range(j1 + 1, j2 + 1))
    return frozenset(rows)
