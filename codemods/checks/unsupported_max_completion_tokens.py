"""TOK003: `max_completion_tokens` sent to a server that only takes `max_tokens`."""

from __future__ import annotations

from typing import Iterator

from ..analysis.callsites import CallSite
from ..output.findings import SAFE, UNSAFE, Finding
from ..analysis.targets import accepts_mct
from . import Check, Context, endpoint_seen, enforcing_risk, rename_fix


class UnsupportedMaxCompletionTokens(Check):
    CODE = "TOK003"

    def run(self, site: CallSite, ctx: Context) -> Iterator[Finding]:
        provider = site.target.provider
        if site.surface.limit != "provider" or provider is None:
            return
        if accepts_mct(site.target) is not False:
            return  # accepted, or not known: leave it alone
        for limit in site.limits:
            if limit.name != "max_completion_tokens":
                continue
            error = provider.errors.get("max_completion_tokens", "")
            if provider.api_versioned:
                message = (
                    f"api_version {site.target.api_version} of {provider.name} rejects `max_completion_tokens` "
                    f"(\"{error}\"): move to {provider.min_api_version} or later"
                )
                yield self.finding(message, limit.owner, site)
                continue
            message = f"{provider.name} does not take `max_completion_tokens`" + (f" ({error})" if error else "") + ": use `max_tokens`"
            applicability = SAFE if endpoint_seen(site) else UNSAFE
            # A name dropped without an error leaves a working call, which the rename may break
            # (DeepSeek: "the valid range of max_tokens is [1, 8192]"); a name refused today
            # (Mistral's 422) breaks nothing more.
            dropped = error.startswith("no error") or not error
            risk = enforcing_risk(site, limit, "max_tokens") if dropped else None
            if risk is not None:
                applicability = UNSAFE
                message += f"; {risk}"
            fix = rename_fix(site, limit, "max_tokens", "Rename to `max_tokens`", applicability)
            yield self.finding(message, limit.owner, site, fix, consequence="dropped" if dropped else None)

