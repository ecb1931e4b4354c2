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


def _temperature(call: ast.Call):
    for keyword in call.keywords:
        if keyword.arg == "temperature" and isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, (int, float)):
            return keyword.value.value
    return None
