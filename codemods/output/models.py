"""`tokenfix models`: the knowledge base as a table a person reads, or JSON a script reads.

Into a terminal it is a rich table; piped, plain columns (a rich table cut to 80 columns and
drawn with box characters is no use to `grep` or `less`). The footer gives the counts and the
day the imported rows were taken, and warns when that is old: their sources move weekly.
"""

from __future__ import annotations

import datetime
import json
from typing import IO, Optional

from ..knowledge import Knowledge, Model

STALE_DAYS = 120
COLUMNS = ("model", "providers", "context", "max output", "reasoning", "parameter", "retired", "origin", "source")


def model_rows(knowledge: Knowledge, pattern: Optional[str], provider: Optional[str]) -> list[Model]:
    """Curated rows (as a lookup returns them: with the retirement facts merged in), then the
    imported rows a lookup can reach: one that a curated id, alias or glob answers first for
    each of its providers is shadowed, so the list shows what tokenfix uses."""
    curated = sorted((knowledge.find_model(m.id, m.providers[0]) or m for m in knowledge.models),
                     key=lambda m: (m.providers[0], m.id))
    imported = [m for m in knowledge.imported_models()
                if any(getattr(knowledge.find_model(m.id, p), "imported", True) for p in m.providers)]
    imported.sort(key=lambda m: (m.providers[0], m.id))
    wanted = pattern.lower() if pattern else None
    return [m for m in (*curated, *imported)
            if (provider is None or provider in m.providers) and (wanted is None or wanted in m.id.lower())]


def _parameter(knowledge: Knowledge, model: Model) -> str:
    if model.responses_only:
        return "max_output_tokens (Responses API only)"
    return ", ".join(sorted({knowledge.providers[p].preferred for p in model.providers}))


def _record(knowledge: Knowledge, model: Model) -> dict:
    return {"id": model.id, "providers": list(model.providers), "context": model.context,
            "max_input": model.max_input, "max_output": model.max_output, "reasoning": model.reasoning,
            "responses_only": model.responses_only, "parameter": _parameter(knowledge, model),
            "origin": "imported" if model.imported else "curated", "corroborated": model.corroborated if model.imported else None,
            "deprecation_date": model.deprecation_date or None, "successor": model.successor or None,
            "retirement_source": model.retirement_source or None, "alias_of": model.alias_of or None, "source": model.source}


def _cells(knowledge: Knowledge, model: Model) -> tuple[str, ...]:
    origin = ("imported" + (", both sources" if model.corroborated else "")) if model.imported else "curated"
    return (model.id, ", ".join(model.providers), f"{model.context:,}",
            f"{model.max_output:,}" if model.max_output else "= context", "yes" if model.reasoning else "",
            _parameter(knowledge, model), _retired(model), origin, model.source)


def _retired(model: Model) -> str:
    if not model.deprecation_date:
        return ""
    return model.deprecation_date + (f" -> {model.successor}" if model.successor else "")


def footer(knowledge: Knowledge, rows: list[Model], today: Optional[datetime.date] = None) -> list[str]:
    curated = sum(not m.imported for m in rows)
    lines = [f"{len(rows):,} models: {curated:,} curated (rules/models.toml), {len(rows) - curated:,} imported "
             "(rules/models_imported.toml; no fix rests on them)."]
    taken = knowledge.imported_on()
    if taken is not None:
        age = ((today or datetime.date.today()) - datetime.date.fromisoformat(taken)).days
        lines.append(f"Imported rows taken on {taken}.")
        if age > STALE_DAYS:
            lines.append(f"warning: the imported rows are {age} days old: run scripts/import_models.py with newer pins")
    return lines


def write_models(knowledge: Knowledge, rows: list[Model], output_format: str, out: IO[str],
                 provider: Optional[str], pattern: Optional[str]) -> None:
    if output_format == "json":
        out.write(json.dumps({"models": [_record(knowledge, m) for m in rows], "imported_on": knowledge.imported_on()},
                             indent=2) + "\n")
        return
    if not rows:
        chosen = knowledge.providers.get(provider) if provider else None
        if chosen is not None and chosen.self_hosted:
            out.write(f"{chosen.name}'s context windows are deployment settings (num_ctx, --max-model-len), not facts "
                      f"of the model: tokenfix treats every model there as unknown, so it lists none.\n")
        else:
            out.write(f"No model matches{f' {pattern!r}' if pattern else ''}{f' for {provider}' if provider else ''}.\n")
        return
    cells = [_cells(knowledge, m) for m in rows]
    if out.isatty():
        from rich.console import Console
        from rich.table import Table

        table = Table(title="tokenfix knowledge base")
        for column in COLUMNS:
            table.add_column(column, overflow="fold")
        for row in cells:
            table.add_row(*row)
        console = Console(file=out, highlight=False, soft_wrap=False)
        console.print(table)
        for line in footer(knowledge, rows):
            console.print(line)
        return
    widths = [max(len(c[i]) for c in (*cells, COLUMNS)) for i in range(len(COLUMNS) - 1)]
    for row in (COLUMNS, *cells):
        out.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[-1] + "\n")
    out.write("\n" + "\n".join(footer(knowledge, rows)) + "\n")
