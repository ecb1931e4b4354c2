"""The README's table of checks, rendered from rules/checks.toml (`python -m codemods.output.docs`)."""

from __future__ import annotations

from ..knowledge import Knowledge, load


def checks_table(knowledge: Knowledge) -> str:
    rows = ["| Code | Name | What it finds | Fix |", "|---|---|---|---|"]
    for code in sorted(knowledge.checks):
        info = knowledge.checks[code]
        rows.append(f"| {info.code} | `{info.name}` | {info.summary} | {info.fix} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(checks_table(load()), end="")
