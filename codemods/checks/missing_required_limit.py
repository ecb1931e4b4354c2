"""TOK005: an API that requires an output-token limit called without one."""

from __future__ import annotations

from typing import Iterator

from ..analysis.callsites import CallSite
from ..output.findings import KEEPS, SAFE, UNSAFE, Finding, Fix, Replacement
from . import RETIRED_NO_FIX, Check, Context, adding_keyword, retired


class MissingRequiredLimit(Check):
    CODE = "TOK005"

    def run(self, site: CallSite, ctx: Context) -> Iterator[Finding]:
        surface = site.surface
        if not surface.required or site.limits or site.open_ended:
            return
        name = surface.limit
        safe = ctx.safe_default(site)
        message = f"`{name}` is required on {surface.id} ({surface.required_error or 'the request fails without it'}); safe default: {safe.explanation}"
        fix = None
        if retired(site, ctx.knowledge):
            message += RETIRED_NO_FIX
        elif site.can_insert:
            # The new keyword takes the line break before `)`; every comment stays (fixes/edits.py).
            # On a door guessed from the method and the model (an untraced receiver), the call may be
            # another library's, which the new keyword would break.
            applicability = SAFE if site.door_seen else UNSAFE
            if not site.door_seen:
                message += " (the receiver is not traced to this SDK's client: check it is one before adding the limit)"
            fix = Fix(applicability, f"Add `{name}={safe.value}`", [Replacement(site.call, ("Call",), adding_keyword(name, safe.value), KEEPS)])
        yield self.finding(message, site.call, site, fix)

