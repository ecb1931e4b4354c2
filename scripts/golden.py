"""Record everything tokenfix prints and writes for a set of trees, and compare two records.

A refactor that moves code between modules must not change one byte a user sees. This runs
one checkout's tokenfix (`PYTHONPATH=<checkout> python -m codemods`) over each tree in a
scratch copy, with relative paths, one job and no cache, and keeps: `check` as text, JSON and
SARIF, `check --show-evidence`, `diff --unsafe-fixes`, and the bytes of every file after
`fix --unsafe-fixes` (with the exit code of each). The fixtures count as one tree each, run
with the arguments their `args.txt` gives.

    python scripts/golden.py record --checkout /tmp/wt/before --out /tmp/golden/before \
        --tree examples=examples --tree dense=/tmp/dense --fixtures tests/fixtures
    python scripts/golden.py compare /tmp/golden/before /tmp/golden/after
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

MODES: dict[str, list[str]] = {
    "check.txt": ["check"],
    "check.json": ["check", "--format", "json"],
    "check.sarif": ["check", "--format", "sarif"],
    "evidence.txt": ["check", "--show-evidence"],
    "diff.txt": ["diff", "--unsafe-fixes"],
}
COMMON = ["--no-cache", "-j1"]


def _run(checkout: Path, cwd: Path, args: list[str]) -> tuple[int, bytes]:
    env = dict(os.environ, PYTHONPATH=str(checkout), NO_COLOR="1", COLUMNS="120", TERM="dumb")
    env.pop("TOKENFIX_CACHE_DIR", None)
    done = subprocess.run([sys.executable, "-m", "codemods", *args], cwd=cwd, env=env,
                          capture_output=True, timeout=900)
    return done.returncode, done.stdout + b"\n--- stderr ---\n" + done.stderr


def _tree_digest(root: Path) -> dict[str, str]:
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            out[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def record_tree(checkout: Path, source: Path, out: Path, extra: list[str], targets: list[str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    codes = {}
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch) / "tree"
        shutil.copytree(source, work, symlinks=True)
        for name, mode in MODES.items():
            code, text = _run(checkout, work, [*mode, *COMMON, *extra, *targets])
            (out / name).write_bytes(text)
            codes[name] = code
        code, text = _run(checkout, work, ["fix", "--unsafe-fixes", *COMMON, *extra, *targets])
        (out / "fix.txt").write_bytes(text)
        codes["fix.txt"] = code
        (out / "tree.json").write_text(json.dumps(_tree_digest(work), indent=1, sort_keys=True))
        changed = out / "written"
        before = _tree_digest(source)
        for rel, digest in _tree_digest(work).items():
            if before.get(rel) != digest:
                (changed / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(work / rel, changed / rel)
    (out / "exit_codes.json").write_text(json.dumps(codes, indent=1, sort_keys=True))


def record(args: argparse.Namespace) -> int:
    checkout = Path(args.checkout).resolve()
    out = Path(args.out)
    if out.exists():
        shutil.rmtree(out)
    for spec in args.tree:
        name, _, path = spec.partition("=")
        record_tree(checkout, Path(path).resolve(), out / name, [], ["."])
        print(f"recorded {name}", flush=True)
    if args.fixtures:
        fixtures = Path(args.fixtures).resolve()
        for case in sorted(p for p in fixtures.iterdir() if (p / "input.py").exists()):
            extra = shlex.split((case / "args.txt").read_text()) if (case / "args.txt").exists() else []
            extra = [a for a in extra if a != "--unsafe-fixes"]
            with tempfile.TemporaryDirectory() as scratch:
                only = Path(scratch) / case.name
                only.mkdir()
                shutil.copyfile(case / "input.py", only / "input.py")
                record_tree(checkout, only, out / "fixtures" / case.name, extra, ["input.py"])
        print(f"recorded {len(list((out / 'fixtures').iterdir()))} fixtures", flush=True)
    return 0


def compare(args: argparse.Namespace) -> int:
    left, right = Path(args.left), Path(args.right)
    files_left = {p.relative_to(left) for p in left.rglob("*") if p.is_file()}
    files_right = {p.relative_to(right) for p in right.rglob("*") if p.is_file()}
    differ = 0
    for rel in sorted(files_left | files_right):
        a, b = left / rel, right / rel
        if not a.exists() or not b.exists():
            print(f"only in {'left' if a.exists() else 'right'}: {rel}")
            differ += 1
        elif a.read_bytes() != b.read_bytes():
            print(f"differs: {rel}")
            differ += 1
    print(f"{len(files_left | files_right)} files compared, {differ} differ")
    return 1 if differ else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("record")
    rec.add_argument("--checkout", required=True, help="the checkout whose codemods/ runs")
    rec.add_argument("--out", required=True)
    rec.add_argument("--tree", action="append", default=[], help="NAME=PATH, scanned as '.'")
    rec.add_argument("--fixtures", help="a folder of fixture cases (input.py, args.txt)")
    cmp_ = sub.add_parser("compare")
    cmp_.add_argument("left")
    cmp_.add_argument("right")
    args = parser.parse_args()
    return record(args) if args.command == "record" else compare(args)


if __name__ == "__main__":
    raise SystemExit(main())
