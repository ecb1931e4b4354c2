"""TOK010: a call names a model its provider has retired."""

from __future__ import annotations

from typing import Iterator

from ..analysis.callsites import CallSite
from ..output.findings import Finding
from . import Check, Context, retired


class RetiredModel(Check):
    CODE = "TOK010"

    def run(self, site: CallSite, ctx: Context) -> Iterator[Finding]:
        model = retired(site, ctx.knowledge)
        if model is None:
            return
        name = site.target.model_name or model.id
        owners = [ctx.knowledge.providers[p].name if p in ctx.knowledge.providers else p for p in model.providers]
        provider = site.target.provider.name if site.target.provider is not None else ", ".join(owners)
        said = f"`{name}`" + (f" ({model.id})" if name.lower() != model.id.lower() else "")
        message = (f"{said} was retired by {provider} on {model.deprecation_date} (per {model.retirement_source}): "
                   "calls to it fail once the provider has removed it")
        message += f"; its successor is `{model.successor}`" if model.successor else "; move to a current model"
        yield self.finding(message + " (no fix: another model is a change of behaviour)", site.call, site)
