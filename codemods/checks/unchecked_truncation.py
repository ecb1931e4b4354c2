"""TOK013: the answer of a call whose limit is below the model's max output is read, its stop reason never."""

from __future__ import annotations

from typing import Iterator

from ..analysis.callsites import CallSite
from ..analysis.stop_reason import stop_unseen
from ..output.findings import Finding
from . import Check, Context
from .gateway_default_limit import GatewayDefaultLimit, far_below


class UncheckedTruncation(Check):
    """A limit below what the model can write cuts long answers off, and the response says so in
    one field (`finish_reason == "length"`, `stop_reason == "max_tokens"`: the surface's
    `stop_fields`). Code that reads the answer's text and never that field passes a cut-off answer
    on as whole. Off by default: a short limit is often meant, and the field may be read by a
    caller the response is handed to (then nothing is reported)."""

    CODE = "TOK013"

    def run(self, site: CallSite, ctx: Context) -> Iterator[Finding]:
        fields, scope, model = site.surface.stop_fields, site.scope, site.target.model
        if not fields or scope is None or model is None:
            return
        limit = next((l for l in site.limits if l.resolved is not None), None)
        if limit is None or limit.resolved.value >= model.output_cap:
            return
        if not stop_unseen(site.call, scope, fields, self.info.options.get("text_fields", ())):
            return  # checked here, handed on whole (the caller may check), or the text is not read here
        if ctx.settings.enabled(GatewayDefaultLimit.CODE, ctx.knowledge.checks[GatewayDefaultLimit.CODE].default) \
                and far_below(site, ctx) is not None:
            return  # through a gateway, far below: TOK012 says it, with a fix
        shown = " or ".join(f"`{f}`" for f in fields)
        message = (f"the answer is read but never {shown}: with `{limit.name}={limit.resolved.value:,}`, below "
                   f"{model.id}'s max output of {model.output_cap:,}, a longer answer is cut off without a word; "
                   f"check {shown} (or raise the limit)")
        yield self.finding(message, limit.owner, site)
