"""TOK008: a reasoning model whose limit leaves little room for reasoning plus visible output."""

from __future__ import annotations

from typing import Iterator

from ..analysis.callsites import CallSite
from ..output.findings import Finding
from . import Check, Context


class ReasoningBudgetTooSmall(Check):
    CODE = "TOK008"

    def run(self, site: CallSite, ctx: Context) -> Iterator[Finding]:
        model = site.target.model
        if model is None or not model.reasoning:
            return
        provider = site.target.provider or ctx.knowledge.provider(model.providers[0])
        if provider is None or not provider.thinking_counts:
            return  # no source says this provider spends the thinking inside the limit (thinking_counts)
        reserve = ctx.settings.reasoning_reserve or int(self.info.options.get("threshold", 25_000))
        for limit in site.limits:
            value = limit.resolved
            if value is None or value.value <= 0 or value.value >= reserve:
                continue
            # the reserve is OpenAI's own advice; elsewhere only the fact that thinking counts is sourced
            advice = (f"OpenAI's reasoning guide recommends reserving at least {reserve:,} tokens for reasoning and output"
                      if provider.id in self.info.options.get("guide_providers", ("openai", "azure"))
                      else f"on {provider.name} the thinking is spent inside the limit too (the reserve asked here is {reserve:,})")
            message = (
                f"{model.id} is a reasoning model: its reasoning tokens count against `{limit.name}={value.value:,}`, "
                f"which leaves little or nothing for the visible answer (finish_reason \"length\", or an incomplete "
                f"response); {advice}"
            )
            yield self.finding(message, limit.owner, site)
