"""The floor for any LibCST tool: read every .py file under a folder and parse it, on one core."""

from __future__ import annotations

import sys
from pathlib import Path

import libcst


def main(folder: str) -> int:
    parsed = failed = 0
    for path in sorted(Path(folder).rglob("*.py")):
        try:
            libcst.parse_module(path.read_bytes())
            parsed += 1
        except Exception:  # noqa: BLE001 - a file LibCST cannot parse is skipped by every tool
            failed += 1
    print(f"{parsed} parsed, {failed} failed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
