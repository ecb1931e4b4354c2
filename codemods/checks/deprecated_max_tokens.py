"""TOK002: `max_tokens` where the target has deprecated it for `max_completion_tokens`."""

from __future__ import annotations

from typing import Iterator

from ..analysis.callsites import CallSite
from ..output.findings import SAFE, UNSAFE, Finding
from ..analysis.targets import azure_accepts_mct
from . import Check, Context, endpoint_seen, model_known, rename_fix, sdk_lacks


class DeprecatedMaxTokens(Check):
    CODE = "TOK002"

    def run(self, site: CallSite, ctx: Context) -> Iterator[Finding]:
        provider = site.target.provider
        if site.surface.limit != "provider" or provider is None:
            return
        if "max_tokens" not in provider.deprecated or provider.preferred != "max_completion_tokens":
            return
        model = site.target.model
        for limit in site.limits:
            if limit.name != "max_tokens":
                continue
            rejects = rejects_max_tokens(provider, model)
            if _chosen_at_run_time(site, limit) and not rejects:
                continue  # the code picks the name per model; nothing says this target rejects `max_tokens`
            why = f"`max_tokens` is deprecated on {provider.name}"
            if rejects:
                why = f"{model.id} is a reasoning model: {provider.name} rejects `max_tokens` (\"{provider.errors.get('max_tokens', '')}\")"
            fix = None
            accepted = azure_accepts_mct(provider, site.target) if provider.api_versioned else True
            if accepted is not True:
                version = site.target.api_version or "unknown"
                verb = "does not accept" if accepted is False else "may not accept"
                message = f"{why}; api_version {version} {verb} `max_completion_tokens`: move to {provider.min_api_version} or later (or the v1 API), then rename"
            else:
                message = f"{why}: use `max_completion_tokens`"
                applicability = SAFE if endpoint_seen(site) else UNSAFE
                if provider.deployments and not model_known(site) and not (rejects and not model.imported):
                    # Whether Azure takes max_completion_tokens depends on the model version behind
                    # the deployment too (gpt-35-turbo and gpt-4-turbo-2024-04-09 reject it on
                    # current api-versions): a deployment name does not say which model that is.
                    # One named for a reasoning model is the exception: there `max_tokens` is
                    # rejected, so the call cannot be working as written.
                    applicability = UNSAFE
                    message += (" (on Azure this depends on the model behind the deployment, which its name does not prove: "
                                "check, or state it with `# tokenfix: model=...`)")
                lacking = sdk_lacks(site, ctx, "max_completion_tokens")
                if lacking:
                    applicability = UNSAFE
                    message += f" (unsafe to rename here: {lacking})"
                fix = rename_fix(site, limit, "max_completion_tokens", "Rename to `max_completion_tokens`", applicability)
                if fix is None and "max_completion_tokens" in site.names_present:
                    if any(lim.conditional for lim in site.limits):
                        message += " (the code picks `max_tokens` or `max_completion_tokens` at run time: not renamed)"
                    else:
                        message += " (the call also passes `max_completion_tokens`: see TOK007)"
            yield self.finding(message, limit.owner, site, fix, consequence="rejected" if rejects else None)


def _chosen_at_run_time(site: CallSite, limit) -> bool:
    """`max_tokens` in one branch (or behind a "not given" sentinel), `max_completion_tokens` beside it."""
    return (limit.conditional or limit.maybe_absent) and any(other.name == "max_completion_tokens" for other in site.limits)


def rejects_max_tokens(provider, model) -> bool:
    """The provider's curated family rule (`reasoning_rejects` in providers.toml: OpenAI's and
    Azure's reasoning models fail on `max_tokens`) says this model rejects it. Another provider's
    reasoning model only has the name deprecated: nothing says its call fails."""
    return model is not None and model.reasoning and "max_tokens" in provider.reasoning_rejects
