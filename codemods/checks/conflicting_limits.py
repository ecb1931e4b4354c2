"""TOK007: `max_tokens` and `max_completion_tokens` on one call; keep the one the target takes."""

from __future__ import annotations

import ast
from typing import Iterator, Optional

from ..analysis.callsites import CallSite, LimitParam
from ..output.findings import ASK_LIBCST, SAFE, UNSAFE, Finding, Fix, Replacement
from ..analysis.targets import accepts_mct
from ..analysis.values import DictItem
from . import Check, Context, endpoint_seen


# OpenAI's answer to a request with both names, whatever the model (rules/checks.toml cites it).
PAIR_ERROR = "Setting 'max_tokens' and 'max_completion_tokens' at the same time is not supported."


class ConflictingLimits(Check):
    CODE = "TOK007"

    def run(self, site: CallSite, ctx: Context) -> Iterator[Finding]:
        if site.surface.limit != "provider":
            return
        by_name = {limit.name: limit for limit in site.limits}
        old, new = by_name.get("max_tokens"), by_name.get("max_completion_tokens")
        if old is None or new is None or old.conditional or new.conditional or old.maybe_absent or new.maybe_absent:
            return  # one set in a branch, or maybe a "not given" sentinel: the code picks the name at run time
        provider = site.target.provider
        takes_mct = accepts_mct(site.target)
        if provider is None or takes_mct is None:
            message = ("both `max_tokens` and `max_completion_tokens` are passed (OpenAI rejects the pair on every model: "
                       f"\"{PAIR_ERROR}\"); the target is unknown, so keep one by hand")
            yield self.finding(message, old.owner, site)
            return
        keep, drop = (new, old) if takes_mct and provider.preferred == "max_completion_tokens" else (old, new)
        message = f"both `max_tokens` and `max_completion_tokens` are passed; {provider.name} takes `{keep.name}`: remove `{drop.name}`"
        fix = self._fix(site, ctx, keep, drop)
        same = _same_value(ctx, keep, drop)
        yield self.finding(message, drop.owner, site, fix, basis=("values-equal",) if same else ())

    def _fix(self, site: CallSite, ctx: Context, keep: LimitParam, drop: LimitParam) -> Optional[Fix]:
        if keep.via != drop.via or not isinstance(drop.owner, (ast.keyword, DictItem)):
            return None  # one sits in a **spread or a `d["k"] = v` statement: edit by hand
        if isinstance(drop.owner, ast.keyword):
            container, kind = site.call, ("Call",)
            if not any(k is drop.owner for k in container.keywords):
                return None  # written in a `dict(...)` the call spreads: edit by hand
            # LibCST keeps positional and keyword arguments in one list, in the order written
            written = sorted([*container.args, *container.keywords], key=lambda a: (a.lineno, a.col_offset))
            index = next(i for i, a in enumerate(written) if a is drop.owner)
        else:
            container, kind, index = drop.owner.container, ("Dict",), drop.owner.index
        applicability = SAFE if _same_value(ctx, keep, drop) and endpoint_seen(site) else UNSAFE
        # Whether every comment survives the removal is LibCST's to say (layout.without_element):
        # if one would not, the fix is unsafe, as it was always meant to be.
        return Fix(applicability, f"Remove `{drop.name}`", [Replacement(container, kind, _without(index), ASK_LIBCST)],
                   comment_note="")


def _same_value(ctx: Context, keep: LimitParam, drop: LimitParam) -> bool:
    kept, dropped = keep.resolved, drop.resolved
    return kept is not None and dropped is not None and kept.value == dropped.value


def _without(index: int):
    def make(container):
        from ..fixes.edits import without_element

        items = container.args if type(container).__name__ == "Call" else container.elements
        return without_element(container, items[index])[0]
    return make
