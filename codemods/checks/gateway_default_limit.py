"""TOK012: a model whose own API requires a limit, reached through an OpenAI-compatible door without one."""

from __future__ import annotations

from typing import Iterator

from ..analysis.callsites import CallSite
from ..output.findings import KEEPS, UNSAFE, Finding, Fix, Replacement
from . import RETIRED_NO_FIX, Check, Context, adding_keyword, retired


class GatewayDefaultLimit(Check):
    """Anthropic's Messages API refuses a request without `max_tokens`, so an endpoint that takes
    the OpenAI format for a Claude model and gets no limit must pick one itself, and gateways pick
    small ones (new-api's 8,192 cut the seed's SQL answer mid-statement). What the endpoint picks
    is not seen in code: the finding gives the numbers known for it, and the fix, the safe default,
    is unsafe."""

    CODE = "TOK012"

    def run(self, site: CallSite, ctx: Context) -> Iterator[Finding]:
        if site.surface.id not in self.info.options.get("doors", ()) or site.limits or site.open_ended:
            return
        target, knowledge = site.target, ctx.knowledge
        model, owner = self._native(target, knowledge)
        if model is None or owner is None:
            return  # unknown stays unknown: nothing says the model needs a limit
        provider = target.provider
        if provider is not None and provider.id not in model.providers and provider.missing_limit is None:
            return  # an endpoint known not to serve this model: the call fails before any limit matters
        safe = ctx.safe_default(site, model)
        if provider is not None and provider.missing_limit is not None:
            if provider.missing_limit >= safe.value:
                return  # what it picks is no less than the safe default would be
            picks = (f"{provider.name} then sends {provider.missing_limit:,} ({provider.missing_limit_source}), "
                     f"below its max output of {model.output_cap:,}")
        else:
            picks = f"the endpoint picks a limit of its own, not seen here ({self.info.options.get('unknown', '')})"
        name = provider.preferred if provider is not None else "max_tokens"
        message = (f"{model.id} needs an output limit on {owner.name}'s own API, and this {site.surface.id} call sends "
                   f"none: {picks}; a longer answer is cut off (finish_reason \"length\"): pass `{name}`; "
                   f"safe default: {safe.explanation}")
        fix = None
        if retired(site, knowledge):
            message += RETIRED_NO_FIX
        elif site.can_insert:
            fix = Fix(UNSAFE, f"Add `{name}={safe.value}`", [Replacement(site.call, ("Call",), adding_keyword(name, safe.value), KEEPS)])
        yield self.finding(message, site.call, site, fix)

    @staticmethod
    def _native(target, knowledge):
        """The model, and the provider of its own API where that requires a limit. A gateway's id
        (`anthropic/claude-sonnet-4-5`) is looked up by its last part too: the row of the gateway,
        if any, lists the gateway alone."""
        names = [target.model_name] if target.model_name else []
        if target.model_name and "/" in target.model_name:
            names.append(target.model_name.rsplit("/", 1)[1])
        for model in [target.model, *(knowledge.find_model(name) for name in names)]:
            for provider_id in model.providers if model is not None else ():
                provider = knowledge.provider(provider_id)
                if provider is not None and provider.requires_limit:
                    return model, provider
        return target.model, None

