"""TOK006: a limit within the window but above what the model (or the calling SDK) will emit."""

from __future__ import annotations

from typing import Iterator

from ..analysis.callsites import CallSite
from ..output.findings import SAFE, UNSAFE, Finding
from . import RETIRED_NO_FIX, Check, Context, caps_excess, endpoint_seen, model_known, retired, surface_cap, value_fix


class ExceedsModelOutput(Check):
    CODE = "TOK006"

    def run(self, site: CallSite, ctx: Context) -> Iterator[Finding]:
        model = site.target.model
        if model is None:
            return
        cap, cap_reason = surface_cap(site)
        for limit in site.limits:
            value = limit.resolved
            if value is None or value.value > model.context:
                continue  # unknown, or TOK001's business
            reasons = []
            over_model = model.max_output is not None and value.value > model.max_output and not caps_excess(site)
            if over_model:
                reasons.append(f"{model.id}'s max output ({model.max_output:,} tokens)")
            if cap is not None and value.value > cap:
                reasons.append(f"the {cap_reason} ({cap:,}; pass stream=True or a timeout to lift it)")
            if not reasons:
                continue
            safe = ctx.safe_default(site)
            # Over the SDK's cap alone, the call fails only if nothing unseen (a **spread, a
            # `stream=` variable, a client built from a spread) lifts the cap.
            why_unsafe = []
            if not (over_model or site.cap_seen):
                why_unsafe.append("a timeout or stream flag tokenfix cannot see may lift the cap")
            if not endpoint_seen(site):
                why_unsafe.append("where the call goes is not seen")
            if not model_known(site):
                why_unsafe.append("the model's limits are not curated" if model.imported else "the model behind the deployment is not seen")
            applicability = UNSAFE if why_unsafe else SAFE
            unseen = f" ({'; '.join(why_unsafe)}: check before fixing)" if why_unsafe else ""
            message = f"`{limit.name}={value.value:,}` exceeds {' and '.join(reasons)}{unseen}; safe default: {safe.explanation}"
            if retired(site, ctx.knowledge):
                yield self.finding(message + RETIRED_NO_FIX, limit.owner, site)
                continue
            yield self.finding(message, limit.owner, site, value_fix(value, safe.value, applicability))
