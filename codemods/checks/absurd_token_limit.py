"""TOK001: a limit larger than the model's whole context window (or than any window known)."""

from __future__ import annotations

from typing import Iterator

from ..analysis.callsites import CallSite
from ..output.findings import SAFE, UNSAFE, Finding
from . import RETIRED_NO_FIX, Check, Context, caps_excess, endpoint_seen, model_known, retired, value_fix


class AbsurdTokenLimit(Check):
    CODE = "TOK001"

    def run(self, site: CallSite, ctx: Context) -> Iterator[Finding]:
        if caps_excess(site):
            return  # the provider lowers an excessive limit itself: the call works as written
        model = site.target.model
        for limit in site.limits:
            value = limit.resolved
            if value is None:
                continue
            if model is not None:
                ceiling, what = model.context, f"{model.id}'s context window ({model.context:,} tokens)"
            else:
                ceiling = ctx.knowledge.sanity_cap
                what = f"every known context window (the largest is {ceiling:,} tokens)"
            if value.value <= ceiling:
                continue
            safe = ctx.safe_default(site)
            shown = f"{limit.name}={value.value:,}" + (f" (from {value.definition_name})" if value.definition_name else "")
            message = f"`{shown}` exceeds {what}; safe default: {safe.explanation}"
            if retired(site, ctx.knowledge):
                yield self.finding(message + RETIRED_NO_FIX, limit.owner, site)
                continue
            yield self.finding(message, limit.owner, site, value_fix(value, safe.value, SAFE if model_known(site) and endpoint_seen(site) else UNSAFE))
