"""TOK013: the answer of a call whose limit is below the model's max output is read, its stop reason never."""

from __future__ import annotations

import ast
from typing import Iterator

from ..analysis.callsites import CallSite
from ..output.findings import Finding
from . import Check, Context


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
        read = _names_read(scope)
        if read & set(fields) or _hands_on(site.call, scope):
            return  # checked here, or the response leaves the function whole: the caller may check
        if not read & set(self.info.options.get("text_fields", ())):
            return  # the answer's text is not read here
        shown = " or ".join(f"`{f}`" for f in fields)
        message = (f"the answer is read but never {shown}: with `{limit.name}={limit.resolved.value:,}`, below "
                   f"{model.id}'s max output of {model.output_cap:,}, a longer answer is cut off without a word; "
                   f"check {shown} (or raise the limit)")
        yield self.finding(message, limit.owner, site)


def _names_read(scope: ast.AST) -> set[str]:
    """The attributes and the string keys the function reads (`r.choices[0].finish_reason`, `r["done_reason"]`)."""
    found = set()
    for node in ast.walk(scope):
        if isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
            found.add(node.slice.value)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" and node.args \
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            found.add(node.args[0].value)
    return found


def _hands_on(call: ast.Call, scope: ast.AST) -> bool:
    """The response itself is returned or yielded (directly, or the name it is bound to)."""
    bound = set()
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign) and node.value is call:
            bound.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.withitem) and node.context_expr is call and isinstance(node.optional_vars, ast.Name):
            bound.add(node.optional_vars.id)
    for node in ast.walk(scope):
        if isinstance(node, (ast.Return, ast.Yield, ast.YieldFrom)) and node.value is not None:
            value = node.value.value if isinstance(node.value, ast.Await) else node.value
            if value is call or (isinstance(value, ast.Name) and value.id in bound):
                return True
    return isinstance(scope, ast.Lambda)
