"""The long fuzzing run: the property tests with many more examples than CI gives them.

    python scripts/fuzz.py                    # 5,000 examples a property (the "long" profile)
    python scripts/fuzz.py --examples 20000   # any other count

CI runs the same properties with 40 examples each (tests/test_properties.py, profile "ci").
This script runs them with --examples each, prints hypothesis's statistics (how many examples
each property really ran, how many were invalid) and a Markdown summary line to paste into
docs/reliability.md. A failure is printed with its shrunk example and the script exits 1.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ["tests/test_properties.py", "tests/test_output_safety.py::test_every_format_is_valid_for_any_name_and_string"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=5000, help="examples per property")
    args = parser.parse_args()
    env = {**os.environ, "HYPOTHESIS_PROFILE": "long", "TOKENFIX_FUZZ_EXAMPLES": str(args.examples)}
    started = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--hypothesis-show-statistics", *TESTS],
                         cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    print(res.stdout[-20000:])
    print(res.stderr[-5000:], file=sys.stderr)
    status = "passed" if res.returncode == 0 else f"FAILED (pytest exit {res.returncode})"
    print(summary(res.stdout, args.examples, elapsed, status))
    return 0 if res.returncode == 0 else 1


def summary(statistics: str, asked: int, seconds: float, status: str) -> str:
    """The docs' table row, from hypothesis's statistics: per property and phase it prints
    "N passing, N failing, and N invalid test cases"."""
    cases = [tuple(map(int, m)) for m in re.findall(r"(\d+) passing, (\d+) failing, and (\d+) invalid test cases", statistics)]
    properties = len(re.findall(r"^tests/\S+::\S+:$", statistics, flags=re.M))
    passing, failing, invalid = (sum(c[i] for c in cases) for i in range(3))
    return (f"| {time.strftime('%Y-%m-%d')} | {properties} | {passing:,} passing, {failing} failing "
            f"({invalid:,} invalid drafts discarded) | {asked:,} a property | {seconds / 60:.0f} min | {status} |")


if __name__ == "__main__":
    sys.exit(main())
