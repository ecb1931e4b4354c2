"""The long fuzzing run: the property tests with many more examples than CI gives them.

    python scripts/fuzz.py                    # 5,000 examples a property (the "long" profile)
    python scripts/fuzz.py --examples 20000   # any other count

CI runs the same properties with 40 examples each (tests/test_properties.py, profile "ci").
This script runs them with --examples each. It prints as it goes: each property as it ends,
with its time, and a line a minute while one runs (a run of hours printed nothing until its
end). Then hypothesis's statistics (how many examples each property really ran, how many were
invalid) and a Markdown summary line to paste into docs/reliability.md. A failure is printed
with its shrunk example and the script exits 1.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ["tests/test_properties.py", "tests/test_output_safety.py::test_every_format_is_valid_for_any_name_and_string",
         "tests/test_notebook_properties.py"]
HEARTBEAT = 60.0  # seconds between "still running" lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=5000, help="examples per property")
    args = parser.parse_args()
    env = {**os.environ, "HYPOTHESIS_PROFILE": "long", "TOKENFIX_FUZZ_EXAMPLES": str(args.examples),
           "TOKENFIX_NOTEBOOK_EXAMPLES": str(args.examples)}
    started = time.perf_counter()
    output, code = stream([sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", "--hypothesis-show-statistics", *TESTS],
                          env, started)
    elapsed = time.perf_counter() - started
    status = "passed" if code == 0 else f"FAILED (pytest exit {code})"
    print(summary(output, args.examples, elapsed, status), flush=True)
    return 0 if code == 0 else 1


def stream(command: list[str], env: dict, started: float) -> tuple[str, int]:
    """Run command, echoing each line as it comes (stamped with the minutes so far) and a line
    a minute while it is quiet; its whole output and exit code."""
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    lines: list[str] = []
    last = [time.perf_counter()]
    done = threading.Event()

    def heartbeat() -> None:
        while not done.wait(HEARTBEAT / 4):
            if time.perf_counter() - last[0] >= HEARTBEAT:
                print(f"[{(time.perf_counter() - started) / 60:5.1f} min] still running", flush=True)
                last[0] = time.perf_counter()

    threading.Thread(target=heartbeat, daemon=True).start()
    try:
        for line in proc.stdout:
            lines.append(line)
            print(f"[{(time.perf_counter() - started) / 60:5.1f} min] {line}", end="", flush=True)
            last[0] = time.perf_counter()
    finally:
        done.set()
    return "".join(lines), proc.wait()


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
