"""`tokenfix sites`: every LLM call the analysis sees, with or without a limit, and why it
thinks what it thinks, so that a user can audit what tokenfix understands of their code.

An inventory, not a lint: it exits 0 (2 on errors), and it reads every file that names a door
(run/prefilter.py, for_sites), where `check` reads only the files with a limit word. One line a
call (path, row, column, door, provider and where that came from, model, the limit as written),
the evidence indented below it; or JSON, one object a call.
"""

from __future__ import annotations

import json
from typing import IO, Iterable

from .findings import FileResult
from .report import printable


def _limits(record: dict) -> str:
    if not record["limits"]:
        return "no limit"
    return ", ".join(f"{item['name']}={item['value']:,}" if item["value"] is not None else f"{item['name']}=?"
                     for item in record["limits"])


def _location(result: FileResult, site) -> str:
    cell = f"cell {site.cell}:" if site.cell is not None else ""
    return f"{result.path}:{cell}{site.line}:{site.record['column']}"


def write_sites_text(results: Iterable[FileResult], out: IO[str], evidence: bool = True) -> None:
    for result in results:
        for site in result.sites:
            record = site.record
            extra = " (open-ended: **kwargs)" if record["open_ended"] else ""
            if record.get("ignored"):
                extra += f" ({', '.join(record['ignored'])} written but ignored by the door)"
            out.write(printable(f"{_location(result, site)}: {site.headline}; {_limits(record)}{extra}") + "\n")
            if evidence:
                for line in site.evidence:
                    out.write(printable(f"    {line}") + "\n")


def write_sites_json(results: Iterable[FileResult], out: IO[str]) -> None:
    rows = []
    for result in results:
        for site in result.sites:
            rows.append({"filename": result.path, "cell": site.cell, "row": site.line, **site.record, "evidence": list(site.evidence)})
    out.write(json.dumps({"sites": rows}, indent=2, ensure_ascii=False) + "\n")


def summary(results: list[FileResult], checked: int) -> str:
    sites = [s.record for r in results for s in r.sites]
    with_limit = sum(bool(s["limits"]) for s in sites)
    provider = sum(s["provider"] is not None for s in sites)
    model = sum(s["model"] is not None for s in sites)
    files = sum(bool(r.sites) for r in results)
    return (f"{len(sites):,} LLM call{'s' if len(sites) != 1 else ''} in {files:,} of {checked:,} file{'s' if checked != 1 else ''}: "
            f"{with_limit:,} with a limit, provider known for {provider:,}, model known for {model:,}.")
