"""TOK011: a limit below a floor the calling library itself enforces for the model (dspy.LM)."""

from __future__ import annotations

import ast
import re
from typing import Iterator

from ..analysis.callsites import CallSite
from ..output.findings import SAFE, UNSAFE, Finding
from . import RETIRED_NO_FIX, Check, Context, model_known, retired, value_fix


class LimitBelowDoorMinimum(Check):
    CODE = "TOK011"

    def run(self, site: CallSite, ctx: Context) -> Iterator[Finding]:
        yield from self._budget(site)
        surface = site.surface
        name = site.target.model_name
        if surface.min_limit is None or not name or not re.match(surface.min_limit_models, name.rsplit("/", 1)[-1]):
            return
        for limit in site.limits:
            value = limit.resolved
            if value is None or not value.value or value.value >= surface.min_limit:
                continue  # 0 and None are "not given" to dspy (`max_tokens and ...`)
            message = (f"`{limit.name}={value.value:,}` is below what {surface.id} accepts for `{name}` "
                       f"({surface.min_limit:,} or more): it raises {surface.min_limit_error}")
            temperature = _temperature(site.call)
            if temperature is not None and temperature and temperature != 1.0:
                message += f"; `temperature={temperature}` is refused too (1.0 or None)"
            if retired(site, ctx.knowledge):
                yield self.finding(message + RETIRED_NO_FIX, limit.owner, site)
                continue
            applicability = SAFE if model_known(site) else UNSAFE  # the floor applies to this model, by the rules' facts
            yield self.finding(message, limit.owner, site, value_fix(value, surface.min_limit, applicability))


    def _budget(self, site: CallSite) -> Iterator[Finding]:
        """The limit at or below a budget the call spends inside it (`thinking.budget_tokens`): the
        API refuses the request. No fix: which of the two to move is the author's call."""
        surface = site.surface
        if not surface.limit_above:
            return
        holder, key = surface.limit_above.split(".", 1)
        budget = _literal_key(site.call, holder, key)
        if budget is None:
            return
        for limit in site.limits:
            value = limit.resolved
            if value is not None and value.value <= budget:
                yield self.finding(f"`{limit.name}={value.value:,}` is not above `{surface.limit_above}={budget:,}`, which is spent "
                                   f"inside it: the API refuses the call ({surface.limit_above_error}); raise `{limit.name}` "
                                   f"above the budget by what the answer needs, or lower the budget", limit.owner, site)


def _literal_key(call: ast.Call, holder: str, key: str):
    """An int literal under `key` in the dict literal of keyword `holder` (`thinking={"budget_tokens": 8000}`),
    unless the dict says it is off (`"type": "disabled"`)."""
    given = next((k.value for k in call.keywords if k.arg == holder), None)
    if not isinstance(given, ast.Dict):
        return None
    items = {k.value: v for k, v in zip(given.keys, given.values) if isinstance(k, ast.Constant) and isinstance(k.value, str)}
    kind = items.get("type")
    if isinstance(kind, ast.Constant) and kind.value == "disabled":
        return None
    value = items.get(key)
    return value.value if isinstance(value, ast.Constant) and type(value.value) is int else None


def _temperature(call: ast.Call):
    for keyword in call.keywords:
        if keyword.arg == "temperature" and isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, (int, float)):
            return keyword.value.value
    return None
