"""tokenfix against its floors and its anchors, in one run on this machine. Not a test.

    python benchmarks/run.py                  # everything, about 20 minutes on 2 cores
    python benchmarks/run.py --quick          # fewer repetitions, no 16x scale run

It builds its corpora (benchmarks/corpus.py) under --work, times every contender --reps
times, and prints Markdown tables of medians and ratios (the README quotes them) and the
issue's targets with the measured figure. Contenders are run as users run them, as separate
processes: interpreter start-up and imports are part of every figure.

Peak memory is sampled every 20 ms from /proc over a run's process and its children (a
pool's workers count too), two ways: the sum of resident sizes (RSS; a page a forked worker
shares with its parent counts twice) and the sum of proportional sizes (PSS; shared pages
split among the processes that map them, which is what the run really holds).

Needs the bench extra for the anchors: pip install -e '.[bench]' (Fixit 2).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from corpus import _pool, build_dense, build_monorepo, dense_file  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")
BIN = Path(sys.executable).parent


@dataclass
class Timing:
    corpus: str
    contender: str
    seconds: list[float] = field(default_factory=list)
    peak_mb: float = 0.0
    peak_pss_mb: float = 0.0
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def _tree_memory(pid: int) -> tuple[int, int]:
    """Resident and proportional set sizes (bytes) summed over pid and its descendants.

    The resident sum counts a page shared by a forked worker and its parent twice; the
    proportional size (PSS) splits each shared page among the processes that map it, so its
    sum is what the run really holds. Both are reported.
    """
    rss = pss = 0
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/statm") as statm:
                rss += int(statm.read().split()[1]) * PAGE
            with open(f"/proc/{current}/smaps_rollup") as rollup:
                for line in rollup:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
                        break
            with open(f"/proc/{current}/task/{current}/children") as children:
                stack += [int(c) for c in children.read().split()]
        except (OSError, ValueError):
            continue
    return rss, pss


def measure(command: list[str], *, cwd: Optional[Path] = None, env: Optional[dict] = None, ok=(0, 1)) -> tuple[float, float, float]:
    """Wall-clock seconds, peak resident and peak proportional megabytes of one run of `command`."""
    peak = [0, 0]
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            rss, pss = _tree_memory(process.pid)
            peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    if process.returncode not in ok:
        raise SystemExit(f"benchmark: {' '.join(command)} exited {process.returncode}:\n{stderr.decode()[-2000:]}")
    return elapsed, peak[0] / 2**20, peak[1] / 2**20


class Bench:
    def __init__(self, work: Path, reps: int):
        self.work = work
        self.reps = reps
        self.rows: list[Timing] = []
        self.env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", "TOKENFIX_NO_PROGRESS": "1"}
        self.env.pop("TOKENFIX_CACHE_DIR", None)

    def time(self, corpus: str, contender: str, make: Callable[[int], list[str]], *, reps: Optional[int] = None,
             prepare: Optional[Callable[[int], None]] = None, cwd: Optional[Path] = None, note: str = "",
             ok: tuple[int, ...] = (0, 1)) -> Timing:
        row = Timing(corpus, contender, note=note)
        for rep in range(reps or self.reps):
            if prepare is not None:
                prepare(rep)
            seconds, peak, pss = measure(make(rep), cwd=cwd or self.work, env=self.env, ok=ok)
            row.seconds.append(seconds)
            row.peak_mb, row.peak_pss_mb = max(row.peak_mb, peak), max(row.peak_pss_mb, pss)
        self.rows.append(row)
        print(f"  {corpus:>10} {contender:<34} median {row.median:8.3f} s  peak RSS {row.peak_mb:6.0f} MB, PSS {row.peak_pss_mb:6.0f} MB  "
              f"({', '.join(f'{s:.2f}' for s in row.seconds)})", file=sys.stderr, flush=True)
        return row

    def get(self, corpus: str, contender: str) -> Optional[Timing]:
        return next((r for r in self.rows if r.corpus == corpus and r.contender == contender), None)


def trigger_regex() -> str:
    """The prefilter's pattern as grep -E spells it."""
    from codemods.run.prefilter import TRIGGERS

    return TRIGGERS.pattern.decode().replace("(?:", "(")


def tokenfix_contenders(bench: Bench, corpus: str, folder: Path, *, reps: Optional[int] = None) -> None:
    tokenfix = str(BIN / "tokenfix")
    caches = bench.work / "caches" / corpus

    def fresh(rep: int) -> None:
        shutil.rmtree(caches, ignore_errors=True)

    bench.time(corpus, "tokenfix check (cold cache, -j2)", lambda rep: [tokenfix, "check", "--cache-dir", str(caches), str(folder)],
               prepare=fresh, reps=reps)
    bench.time(corpus, "tokenfix check (warm cache)", lambda rep: [tokenfix, "check", "--cache-dir", str(caches), str(folder)], reps=reps)
    bench.time(corpus, "tokenfix check --no-cache -j1", lambda rep: [tokenfix, "check", "--no-cache", "-j", "1", str(folder)], reps=reps)
    bench.time(corpus, "tokenfix check --no-cache -j2", lambda rep: [tokenfix, "check", "--no-cache", "-j", "2", str(folder)], reps=reps)
    bench.time(corpus, "grep -rlE (floor)", lambda rep: ["grep", "-rlE", "--include=*.py", trigger_regex(), str(folder)], reps=reps)


def anchor_contenders(bench: Bench, corpus: str, folder: Path, reps: int) -> None:
    """The anchors parse every file they are given; a file LibCST cannot parse makes them exit non-zero."""
    python = sys.executable
    bench.time(corpus, "libcst.parse_module, 1 core (floor)", lambda rep: [python, str(HERE / "parse_floor.py"), str(folder)], reps=reps)
    # --unified-diff prints the changes instead of writing them, as `tokenfix check` writes nothing
    bench.time(corpus, "libcst.tool codemod --no-format -j2",
               lambda rep: [python, "-m", "libcst.tool", "codemod", "-x", "benchmarks.anchor_libcst_codemod.RenameMaxTokens",
                            "--no-format", "--unified-diff", "1", "--hide-progress", "-j", "2", str(folder)], cwd=folder, reps=reps, ok=(0, 1, 2))
    if shutil.which("fixit", path=str(BIN)) is None:
        print("  (fixit not installed: pip install -e '.[bench]')", file=sys.stderr)
        return
    bench.time(corpus, "fixit lint (minimal rule)", lambda rep: [str(BIN / "fixit"), "--rules", "benchmarks.anchor_fixit_rule", "lint", str(folder)],
               cwd=folder, reps=reps, ok=(0, 1, 2))


def precommit_contenders(bench: Bench) -> None:
    """What a commit waits for: one staged file, most often one with no LLM call."""
    folder = bench.work / "single"
    folder.mkdir(parents=True, exist_ok=True)
    plain = folder / "decoder.py"
    shutil.copyfile(Path(os.__file__).parent / "json" / "decoder.py", plain)
    llm = folder / "service.py"
    llm.write_text(dense_file(7), encoding="utf-8")
    caches = bench.work / "caches" / "single"
    tokenfix = str(BIN / "tokenfix")
    bench.time("one file", "python -c pass (interpreter floor)", lambda rep: [sys.executable, "-c", "pass"])
    bench.time("one file", "tokenfix check, no LLM call", lambda rep: [tokenfix, "check", str(plain)])
    bench.time("one file", "tokenfix check, dense file, cold", lambda rep: [tokenfix, "check", "--no-cache", str(llm)])
    bench.time("one file", "tokenfix check, dense file, warm", lambda rep: [tokenfix, "check", "--cache-dir", str(caches), str(llm)],
               prepare=lambda rep: rep or measure([tokenfix, "check", "--cache-dir", str(caches), str(llm)], env=bench.env))
    if shutil.which("fixit", path=str(BIN)) is not None:
        bench.time("one file", "fixit lint, no LLM call", lambda rep: [str(BIN / "fixit"), "--rules", "benchmarks.anchor_fixit_rule", "lint", str(plain)],
                   cwd=folder)


def table(rows: list[Timing], reference: dict[str, str]) -> str:
    lines = ["| corpus | contender | median (s) | runs | ratio | peak RSS sum (MB) | peak PSS (MB) |", "|---|---|---:|---:|---|---:|---:|"]
    for row in rows:
        ref_name = reference.get(row.corpus)
        ref = next((r for r in rows if r.corpus == row.corpus and r.contender == ref_name), None)
        ratio = f"{row.median / ref.median:.2f}× {_short(ref_name)}" if ref is not None and ref is not row else "reference" if ref is row else ""
        lines.append(f"| {row.corpus} | {row.contender} | {row.median:.3f} | {len(row.seconds)} | {ratio} | {row.peak_mb:.0f} | {row.peak_pss_mb:.0f} |")
    return "\n".join(lines)


def _short(name: Optional[str]) -> str:
    return {"grep -rlE (floor)": "grep", "libcst.parse_module, 1 core (floor)": "parse",
            "python -c pass (interpreter floor)": "python"}.get(name or "", name or "")


def targets(bench: Bench) -> str:
    def ratio(corpus: str, a: str, b: str) -> Optional[float]:
        x, y = bench.get(corpus, a), bench.get(corpus, b)
        return None if x is None or y is None else x.median / y.median

    cold, warm = "tokenfix check (cold cache, -j2)", "tokenfix check (warm cache)"
    j1, j2 = "tokenfix check --no-cache -j1", "tokenfix check --no-cache -j2"
    parse, grep = "libcst.parse_module, 1 core (floor)", "grep -rlE (floor)"
    checks = [
        ("monorepo cold ≤ 2× grep", ratio("monorepo", cold, grep), lambda v: v <= 2, "{:.1f}×"),
        ("monorepo warm ≤ 0.2× cold", ratio("monorepo", warm, cold), lambda v: v <= 0.2, "{:.2f}×"),
        ("dense -j1 ≤ 1.5× raw parse", ratio("dense", j1, parse), lambda v: v <= 1.5, "{:.1f}×"),
        ("dense -j2 faster than raw parse on 1 core", ratio("dense", j2, parse), lambda v: v < 1, "{:.2f}×"),
        ("dense ≥ 5× faster than libcst.tool codemod", ratio("dense", "libcst.tool codemod --no-format -j2", cold), lambda v: v >= 5, "{:.2f}× faster"),
        ("dense ≥ 5× faster than Fixit", ratio("dense", "fixit lint (minimal rule)", cold), lambda v: v >= 5, "{:.2f}× faster"),
        ("one non-LLM file < 0.25 s", (bench.get("one file", "tokenfix check, no LLM call") or Timing("", "", [float("nan")])).median,
         lambda v: v < 0.25, "{:.3f} s"),
        ("peak RSS < 300 MB, monorepo -j2 (sum over processes)", (bench.get("monorepo", j2) or Timing("", "", [0.0], float("nan"))).peak_mb,
         lambda v: v < 300, "{:.0f} MB"),
    ]
    lines = ["| target | measured | met |", "|---|---:|---|"]
    for name, value, test, fmt in checks:
        if value is None or value != value:
            lines.append(f"| {name} | not measured | |")
        else:
            lines.append(f"| {name} | {fmt.format(value)} | {'yes' if test(value) else '**no**'} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "tokenfix-bench")
    parser.add_argument("--reps", type=int, default=5, help="runs per contender on the small corpora")
    parser.add_argument("--monorepo-reps", type=int, default=3)
    parser.add_argument("--anchor-reps", type=int, default=3, help="runs per anchor (they take minutes on the stdlib)")
    parser.add_argument("--files", type=int, default=20_000, help="files in the monorepo at 1x")
    parser.add_argument("--dense", type=int, default=100, help="files in the dense corpus")
    parser.add_argument("--scale", default="1,4,16", help="monorepo sizes for the scale run")
    parser.add_argument("--quick", action="store_true", help="3 runs each, scale 1,4")
    args = parser.parse_args()
    if args.quick:
        args.reps, args.monorepo_reps, args.anchor_reps, args.scale = 3, 3, 1, "1,4"
    args.work.mkdir(parents=True, exist_ok=True)
    bench = Bench(args.work, args.reps)
    started = time.perf_counter()
    load_before = os.getloadavg()[0]  # other work on the machine skews every figure: it is printed

    print("building corpora...", file=sys.stderr, flush=True)
    stdlib = args.work / "stdlib-pool"
    _pool(stdlib)
    dense = args.work / "dense"
    shutil.rmtree(dense, ignore_errors=True)
    build_dense(dense, args.dense)
    monorepo = build_monorepo(args.work / "monorepo", files=args.files)

    print("one file (pre-commit):", file=sys.stderr)
    precommit_contenders(bench)
    for name, folder in (("stdlib", stdlib), ("dense", dense)):
        print(f"{name}:", file=sys.stderr)
        tokenfix_contenders(bench, name, folder)
        anchor_contenders(bench, name, folder, args.anchor_reps)
    print("monorepo:", file=sys.stderr)
    tokenfix_contenders(bench, "monorepo", monorepo, reps=args.monorepo_reps)

    scale_rows = []
    tokenfix = str(BIN / "tokenfix")
    for factor in (int(f) for f in args.scale.split(",")):
        if factor == 1:  # the monorepo rows above
            scale_rows.append((1, args.files, bench.get("monorepo", "tokenfix check (cold cache, -j2)"), bench.get("monorepo", "grep -rlE (floor)")))
            continue
        folder = build_monorepo(args.work / f"monorepo{factor}x", files=args.files * factor)
        label, caches = f"monorepo {factor}×", args.work / "caches" / f"scale{factor}"
        print(f"{label}:", file=sys.stderr)
        row = bench.time(label, "tokenfix check (cold cache, -j2)", lambda rep, c=caches, f=folder: [tokenfix, "check", "--cache-dir", str(c), str(f)],
                         prepare=lambda rep, c=caches: shutil.rmtree(c, ignore_errors=True), reps=1)  # minutes a run
        grep = bench.time(label, "grep -rlE (floor)", lambda rep, f=folder: ["grep", "-rlE", "--include=*.py", trigger_regex(), str(f)], reps=1)
        scale_rows.append((factor, args.files * factor, row, grep))
        shutil.rmtree(folder)

    print(f"\n## Benchmark ({platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"{time.strftime('%Y-%m-%d')}; {time.perf_counter() - started:.0f} s in all; load average before {load_before:.2f}, "
          f"after {os.getloadavg()[0]:.2f})\n")
    print(f"Corpora: stdlib = {sum(1 for _ in stdlib.glob('*.py'))} modules of this machine's standard library; "
          f"dense = {args.dense} generated modules, 14 LLM calls each; monorepo = {args.files:,} modules, 1% dense.\n")
    main_rows = [r for r in bench.rows if not r.corpus.startswith("monorepo ")]
    print(table(main_rows, {"stdlib": "grep -rlE (floor)", "dense": "libcst.parse_module, 1 core (floor)",
                            "monorepo": "grep -rlE (floor)", "one file": "python -c pass (interpreter floor)"}))
    print("\n### Scale (tokenfix check, cold cache, -j2)\n")
    print("| size | files | tokenfix median (s) | per 1,000 files (s) | vs 1× | grep (s) | peak RSS sum (MB) | peak PSS (MB) |\n"
          "|---|---:|---:|---:|---:|---:|---:|---:|")
    base = scale_rows[0][2].median if scale_rows else 1.0
    for factor, files, row, grep in scale_rows:
        print(f"| {factor}× | {files:,} | {row.median:.2f} | {row.median / files * 1000:.3f} | {row.median / base:.2f} | {grep.median:.2f} "
              f"| {row.peak_mb:.0f} | {row.peak_pss_mb:.0f} |")
    print("\n### Targets\n")
    print(targets(bench))


if __name__ == "__main__":
    main()
