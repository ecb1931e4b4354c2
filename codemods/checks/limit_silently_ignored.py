"""TOK009: the limit is written, but never reaches the server, or reaches it under a name it drops."""

from __future__ import annotations

import ast
from typing import Iterator, Optional

from ..analysis.callsites import CallSite
from ..output.findings import DISPLAY_ONLY, SAFE, UNSAFE, Finding, Fix, Replacement
from ..analysis.targets import accepts_mct
from . import Check, Context, enforcing_risk, rename_fix


class LimitSilentlyIgnored(Check):
    CODE = "TOK009"

    def run(self, site: CallSite, ctx: Context) -> Iterator[Finding]:
        surface = site.surface
        for limit in site.ignored:
            message = f"`{limit.name}` is silently ignored by {surface.id}: {surface.options.ignored_error}"
            yield self.finding(message, limit.owner, site, None)
        if surface.silent_wrong:
            for limit in site.limits:
                if limit.name in surface.wrong:
                    message = f"`{limit.name}` is silently ignored by {surface.id} ({surface.wrong_error}): use `{surface.limit}`"
                    risk = enforcing_risk(site, limit, surface.limit)
                    if risk is not None:
                        message += f"; {risk}"
                    fix = rename_fix(site, limit, surface.limit, f"Rename to `{surface.limit}`", SAFE if risk is None else UNSAFE)
                    yield self.finding(message, limit.owner, site, fix)
            return
        provider = site.target.provider
        if surface.wire_name is None or provider is None or not site.limits:
            return
        if surface.wire_name == "max_completion_tokens" and accepts_mct(site.target) is False:
            limit = site.limits[0]
            fate = "drops it, so the request has no limit" if "max_completion_tokens" in provider.ignored else "rejects it"
            message = (
                f"{surface.id} always sends the limit as `max_completion_tokens` (langchain-openai 0.2.10+), and "
                f"{provider.name} {fate}; renaming the keyword changes nothing on the wire: pass "
                f"`extra_body={{\"max_tokens\": N}}` instead"
                + (", or use ChatOllama(num_predict=N)" if provider.id == "ollama" else "")
            )
            yield self.finding(message, limit.owner, site, self._extra_body(site, limit))

    @staticmethod
    def _extra_body(site: CallSite, limit) -> Optional[Fix]:
        """Shown, never applied: which of the options fits is the author's call (ruff's display-only)."""
        if not isinstance(limit.owner, ast.keyword) or "extra_body" in site.names_present:
            return None
        return Fix(DISPLAY_ONLY, "Send the limit as extra_body={\"max_tokens\": N}", [Replacement(limit.owner, ("Arg",), _extra_body)])


def _extra_body(arg):
    from ..fixes.edits import as_extra_body  # LibCST only when a fix is shown

    return as_extra_body(arg, "max_tokens")
