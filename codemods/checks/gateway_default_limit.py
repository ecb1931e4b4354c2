"""TOK012: a model whose own API requires a limit, reached through an OpenAI-compatible door without one, or with one far below its max output."""

from __future__ import annotations

from typing import Iterator, Optional

from ..analysis.callsites import CallSite
from ..analysis.dependencies import version_tuple
from ..analysis.stop_reason import stop_unseen
from ..output.findings import KEEPS, UNSAFE, Finding, Fix, Replacement
from . import RETIRED_NO_FIX, Check, Context, adding_keyword, retired, value_fix


class GatewayDefaultLimit(Check):
    """Anthropic's Messages API refuses a request without `max_tokens`, so an endpoint that takes
    the OpenAI format for a Claude model and gets no limit must pick one itself, and gateways pick
    small ones (new-api's 8,192 cut the seed's SQL answer mid-statement). What the endpoint picks
    is not seen in code: the finding gives the numbers known for it, and the fix, the safe default,
    is unsafe. A library that fills the limit in itself (LiteLLM's flat 4,096 before 1.81) is
    reported where the project allows such a release; a limit the code gives far below the
    model's max output, where nothing reads the stop reason, is the same cut-off by hand."""

    CODE = "TOK012"

    def run(self, site: CallSite, ctx: Context) -> Iterator[Finding]:
        if site.surface.missing_limit is not None:
            yield from self._library(site, ctx)
        elif site.surface.id in self.info.options.get("doors", ()):
            if site.limits:
                yield from self._far_below(site, ctx)
            elif not site.open_ended:
                yield from self._missing(site, ctx)

    def _missing(self, site: CallSite, ctx: Context) -> Iterator[Finding]:
        target, knowledge = site.target, ctx.knowledge
        model, owner = native(site, knowledge)
        if model is None or owner is None:
            return  # unknown stays unknown: nothing says the model needs a limit
        provider = target.provider
        if not _may_serve(provider, model):
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
        yield self.finding(message + self._retired(site, knowledge), site.call, site, self._adding(site, ctx, name, safe.value))

    def _far_below(self, site: CallSite, ctx: Context) -> Iterator[Finding]:
        found = far_below(site, ctx)
        if found is None:
            return
        limit, model, share, safe = found
        fields = " or ".join(f"`{f}`" for f in site.surface.stop_fields)
        message = (f"`{limit.name}={limit.resolved.value:,}` is {share:.0%} of {model.id}'s max output of "
                   f"{model.output_cap:,}, and this function never reads {fields}: through this {site.surface.id} "
                   f"endpoint a longer answer is cut off without a word; raise the limit or check {fields}; "
                   f"safe default: {safe.explanation}")
        fix = None
        if retired(site, ctx.knowledge):
            message += RETIRED_NO_FIX
        else:
            fix = value_fix(limit.resolved, safe.value, UNSAFE)
        yield self.finding(message, limit.owner, site, fix)

    def _library(self, site: CallSite, ctx: Context) -> Iterator[Finding]:
        """The library fills a missing limit in itself: flatly before a release the rules name."""
        surface = site.surface
        if site.limits or site.open_ended:
            return
        model, owner = native(site, ctx.knowledge)
        provider = site.target.provider
        if model is None or owner is None or (provider is not None and provider.id != owner.id):
            return  # another route (Bedrock, Vertex) fills it its own way, not seen here
        declared = ctx.declared.get(surface.missing_limit_package)
        until = surface.missing_limit_until
        if declared is None or version_tuple(declared.version) >= version_tuple(until):
            return  # the release the project gets sends the model's own max output
        safe = ctx.safe_default(site, model)
        if surface.missing_limit >= safe.value:
            return
        how = f"pins {declared.package} {declared.version}" if declared.locked else f"allows {declared.package} {declared.version}"
        message = (f"{model.id} needs an output limit on {owner.name}'s own API, and this call sends none: "
                   f"{declared.origin} {how}, and {declared.package} before {until} then sends {surface.missing_limit:,} "
                   f"({surface.missing_limit_source}), below its max output of {model.output_cap:,}; a longer answer "
                   f"is cut off (finish_reason \"length\"): pass `max_tokens`; safe default: {safe.explanation}")
        yield self.finding(message + self._retired(site, ctx.knowledge), site.call, site,
                           self._adding(site, ctx, "max_tokens", safe.value))

    @staticmethod
    def _retired(site: CallSite, knowledge) -> str:
        return RETIRED_NO_FIX if retired(site, knowledge) else ""

    @staticmethod
    def _adding(site: CallSite, ctx: Context, name: str, value: int) -> Optional[Fix]:
        if retired(site, ctx.knowledge) or not site.can_insert:
            return None
        return Fix(UNSAFE, f"Add `{name}={value}`", [Replacement(site.call, ("Call",), adding_keyword(name, value), KEEPS)])


def far_below(site: CallSite, ctx: Context):
    """(limit, model, its share of the max output, the safe default) for a limit the code gives
    through a gateway door far below what the Claude-like model can write, where the function
    reads the answer's text and never its stop reason; else None. TOK013 leaves these calls to
    TOK012. What reading the text looks like is TOK013's `text_fields`: one list for both."""
    options = ctx.knowledge.checks[GatewayDefaultLimit.CODE].options
    if site.surface.id not in options.get("doors", ()) or site.scope is None:
        return None
    limit = next((l for l in site.limits if l.resolved is not None), None)
    model, owner = native(site, ctx.knowledge)
    if limit is None or model is None or owner is None or not model.output_cap or not _may_serve(site.target.provider, model):
        return None
    share = limit.resolved.value / model.output_cap
    if share >= options.get("far_below", 0):
        return None
    safe = ctx.safe_default(site, model)
    if limit.resolved.value >= safe.value:
        return None  # the safe default would be no more (a small window)
    text_fields = ctx.knowledge.checks["TOK013"].options.get("text_fields", ())
    if not stop_unseen(site.call, site.scope, site.surface.stop_fields, text_fields):
        return None
    return limit, model, share, safe


def _may_serve(provider, model) -> bool:
    """An unknown endpoint, a host of the model, or a gateway whose default the rules know."""
    return provider is None or provider.id in model.providers or provider.missing_limit is not None


def native(site: CallSite, knowledge):
    """The model, and the provider of its own API where that requires a limit. A gateway's id
    (`anthropic/claude-sonnet-4-5`) is looked up by its last part too: the row of the gateway,
    if any, lists the gateway alone."""
    target = site.target
    names = [target.model_name] if target.model_name else []
    if target.model_name and "/" in target.model_name:
        names.append(target.model_name.rsplit("/", 1)[1])
    for model in [target.model, *(knowledge.find_model(name) for name in names)]:
        for provider_id in model.providers if model is not None else ():
            provider = knowledge.provider(provider_id)
            if provider is not None and provider.requires_limit:
                return model, provider
    return target.model, None
