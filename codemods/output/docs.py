"""The README's table of checks, rendered from rules/checks.toml (`python -m codemods.output.docs`)."""

from __future__ import annotations

from ..knowledge import Knowledge, load


def checks_table(knowledge: Knowledge) -> str:
    rows = ["| Code | Name | Severity | What it finds | Fix |", "|---|---|---|---|---|"]
    for code in sorted(knowledge.checks):
        info = knowledge.checks[code]
        severity = " / ".join([info.severity, *(f"{s} ({why})" for why, s in info.severities.items())])
        rows.append(f"| {info.code} | `{info.name}` | {severity} | {info.summary} | {info.fix} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(checks_table(load()), end="")
