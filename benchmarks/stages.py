"""Where the time of one file goes: each stage of tokenfix's analysis of a dense file, timed alone.

    python benchmarks/stages.py            # 100 generated dense files, 3 rounds

Not a test. The collector is paused during each file, as the pool's workers pause it
(runner._analyze_remote); figures are medians over every file and round, in milliseconds,
printed as a Markdown table that the README quotes. The analysis (`check`) reads the `ast`
tree; the LibCST stages are what a file with a fix to apply or show costs on top of it.
"""

from __future__ import annotations

import argparse
import ast
import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import libcst as cst  # noqa: E402

from codemods.analysis.callsites import CallSiteFinder  # noqa: E402
from codemods.fixes.positions import NodePositions  # noqa: E402
from codemods.knowledge.config import Settings  # noqa: E402
from codemods.run.engine import analyze  # noqa: E402
from codemods.knowledge import load  # noqa: E402
from codemods.analysis.nodes import walk  # noqa: E402
from codemods.analysis.scopes import Scopes  # noqa: E402
from codemods.analysis.source import order, parse  # noqa: E402
from corpus import build_dense  # noqa: E402

STAGES = ("ast parse and decode (source.py)", "walk and parents (nodes.py)", "scopes (scopes.py)",
          "call sites and comments (callsites.py)", "whole check (engine.analyze)",
          "with JSON edits (LibCST parse, codegen, edits)", "LibCST parse alone", "codegen pass alone (codegen.py)")


def _timed(function) -> tuple[float, object]:
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


def stages(data: bytes, knowledge, settings) -> list[float]:
    seconds, (tree, source, _) = _timed(lambda: parse(data))
    spent = [seconds]

    def walked_and_parents():
        walked = walk(tree)
        return walked, {id(node): parent for node, parent in walked if parent is not None}

    seconds, (walked, parents) = _timed(walked_and_parents)
    spent.append(seconds)
    spent.append(_timed(lambda: Scopes(tree, walked, parents, order))[0])
    _, (tree, source, _) = _timed(lambda: parse(data))
    finder = CallSiteFinder(knowledge, settings, source=source)
    spent.append(_timed(lambda: finder.collect(tree))[0])  # walks, scopes, then the call sites
    spent[-1] -= spent[1] + spent[2]
    spent.append(_timed(lambda: analyze(data, "dense.py", knowledge, settings))[0])
    spent.append(_timed(lambda: analyze(data, "dense.py", knowledge, settings, edits=True))[0])
    seconds, module = _timed(lambda: cst.parse_module(data))
    spent.append(seconds)
    spent.append(_timed(lambda: NodePositions(module))[0])
    return spent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    folder = build_dense(Path(tempfile.mkdtemp(prefix="tokenfix-stages-")), args.files)
    files = [path.read_bytes() for path in sorted(folder.glob("*.py"))]
    knowledge, settings = load(), Settings()
    analyze(files[0], "warm-up.py", knowledge, settings)
    samples: list[list[float]] = [[] for _ in STAGES]
    for _ in range(args.rounds):
        for data in files:
            gc.disable()
            for sample, seconds in zip(samples, stages(data, knowledge, settings)):
                sample.append(seconds)
            gc.enable()
            gc.collect()
    print("| stage, per dense file | median (ms) |")
    print("|---|---:|")
    for name, sample in zip(STAGES, samples):
        print(f"| {name} | {statistics.median(sample) * 1000:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
