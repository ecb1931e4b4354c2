"""TOK004: a limit under a name the called API surface does not take."""

from __future__ import annotations

from typing import Iterator, Optional

from ..analysis.callsites import CallSite
from ..output.findings import SAFE, UNSAFE, Finding
from . import Check, Context, rename_fix


class WrongParameterForApi(Check):
    CODE = "TOK004"

    def run(self, site: CallSite, ctx: Context) -> Iterator[Finding]:
        surface = site.surface
        if surface.silent_wrong:
            return  # accepted and ignored without a word: TOK009's business
        right = self._right_name(site)
        for limit in site.limits:
            if limit.name not in surface.wrong:
                continue
            where = "in `options`" if limit.via == "options" else f"on {surface.id}"
            error = surface.wrong_error.replace("{name}", limit.name)
            if right is None:
                message = f"`{limit.name}` is not taken {where} ({error}); the right name depends on the provider, which is unknown"
                yield self.finding(message, limit.owner, site)
                continue
            message = f"`{limit.name}` is not taken {where} ({error}): use `{right}`"
            # Only the door's own SDK is known to reject the name: where the surface is guessed from
            # the method and the model (an untraced receiver, maybe a wrapper), the rename is unsafe.
            fix = rename_fix(site, limit, right, f"Rename to `{right}`", SAFE if site.door_seen else UNSAFE)
            if fix is None and right in site.names_present:
                message += f" (`{right}` is passed too: remove one by hand)"
            yield self.finding(message, limit.owner, site, fix)

    @staticmethod
    def _right_name(site: CallSite) -> Optional[str]:
        if site.surface.limit == "translated":
            return None
        if site.surface.limit != "provider":
            return site.surface.limit
        provider = site.target.provider
        return provider.preferred if provider is not None else None
