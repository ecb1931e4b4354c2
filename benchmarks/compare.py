"""Two checkouts of tokenfix side by side, in one run on the same corpora. Not a test.

    git worktree add /tmp/before <commit>
    python benchmarks/compare.py --before /tmp/before            # --after defaults to this checkout

A change's cost is measured against the code before it, not against figures of another day:
this machine's load moves every figure by up to 30 %, so the two run in turn, rep by rep, and
each row gives both medians and their ratio. Each checkout runs as `python -m codemods` with
that checkout first on PYTHONPATH, under the same interpreter and dependencies.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus import build_dense, build_monorepo  # noqa: E402


def _run(checkout: Path, args: list[str]) -> float:
    env = {**os.environ, "PYTHONPATH": str(checkout), "NO_COLOR": "1"}
    env.pop("TOKENFIX_CACHE_DIR", None)
    started = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "codemods", *args], env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, timeout=1800)
    took = time.perf_counter() - started
    if res.returncode not in (0, 1):
        raise SystemExit(f"{checkout}: tokenfix {' '.join(args)} exited {res.returncode}: {res.stderr.decode()[-400:]}")
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="a checkout of the code before the change")
    parser.add_argument("--after", type=Path, default=HERE.parent, help="a checkout of the code after it (this one)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "tokenfix-compare")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--files", type=int, default=20_000, help="files in the monorepo")
    args = parser.parse_args()
    sides = {"before": args.before.resolve(), "after": args.after.resolve()}
    for name, checkout in sides.items():
        if not (checkout / "codemods" / "__main__.py").is_file():
            parser.error(f"--{name} {checkout}: not a tokenfix checkout (no codemods/__main__.py)")

    dense = build_dense(args.work / "dense", 100)
    monorepo = build_monorepo(args.work / "monorepo", args.files)
    caches = args.work / "caches"

    def cache(side: str, corpus: str) -> list[str]:
        return ["--cache-dir", str(caches / side / corpus)]

    def cold(side: str, corpus: str) -> None:
        shutil.rmtree(caches / side / corpus, ignore_errors=True)

    runs = [  # (label, arguments for a side, what to do before each timed run)
        ("dense `check --no-cache -j1`", lambda s: ["check", "--no-cache", "-j", "1", str(dense)], None),
        ("dense `check --no-cache -j2`", lambda s: ["check", "--no-cache", "-j", "2", str(dense)], None),
        ("dense `diff --no-cache -j2`", lambda s: ["diff", "--no-cache", "-j", "2", str(dense)], None),
        ("dense `diff` warm", lambda s: ["diff", *cache(s, "dense"), str(dense)], "warm"),
        ("monorepo `check` cold `-j2`", lambda s: ["check", *cache(s, "mono"), str(monorepo)], "cold"),
        ("monorepo `check` warm `-j2`", lambda s: ["check", *cache(s, "mono"), str(monorepo)], "warm"),
    ]
    started = time.perf_counter()
    load = os.getloadavg()[0]
    print("| run | before | after | ratio |\n|---|---:|---:|---:|")
    for label, arguments, prepare in runs:
        times: dict[str, list[float]] = {side: [] for side in sides}
        for rep in range(args.reps):
            order = list(sides) if rep % 2 == 0 else list(reversed(sides))  # neither side always goes first
            for side in order:
                corpus = "dense" if label.startswith("dense") else "mono"
                if prepare == "cold":
                    cold(side, corpus)
                elif prepare == "warm" and rep == 0:
                    cold(side, corpus)
                    _run(sides[side], arguments(side))  # fills the cache; not timed
                times[side].append(_run(sides[side], arguments(side)))
        before, after = (statistics.median(times[side]) for side in sides)
        print(f"| {label} | {before:.2f} s | {after:.2f} s | {after / before:.2f}× |", flush=True)
    print(f"\n{args.reps} runs a side, alternating; {time.perf_counter() - started:.0f} s in all; "
          f"load average before {load:.2f}, after {os.getloadavg()[0]:.2f}; {os.cpu_count()} CPUs, Python "
          f"{sys.version.split()[0]}, {time.strftime('%Y-%m-%d')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
