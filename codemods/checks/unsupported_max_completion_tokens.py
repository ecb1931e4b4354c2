"""TOK003: `max_completion_tokens` sent to a server that only takes `max_tokens`."""

from __future__ import annotations

from typing import Iterator

from ..analysis.callsites import CallSite
from ..output.findings import SAFE, UNSAFE, Finding
from ..analysis.targets import accepts_mct
from . import Check, Context, endpoint_seen, rename_fix, within_cap


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
            # A name dropped without an error leaves a working call: the rename makes the limit
            # enforced, and one above the model's cap may then be refused (DeepSeek: "the valid
            # range of max_tokens is [1, 8192]"). A name refused today (Mistral's 422) breaks nothing more.
            silent = error.startswith("no error") or not error
            tolerant = provider.self_hosted or provider.caps_excess
            if silent and not tolerant and not within_cap(site, limit):
                applicability = UNSAFE
                verb = "rejects" if provider.range_checked else "may reject"
                message += (f"; {provider.name} {verb} a `max_tokens` above the model's output cap, and this value "
                            "is not seen to be within a known model's cap: check it before renaming")
            fix = rename_fix(site, limit, "max_tokens", "Rename to `max_tokens`", applicability)
            yield self.finding(message, limit.owner, site, fix)

