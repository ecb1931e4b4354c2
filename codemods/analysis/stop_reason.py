"""Whether the code around a call can notice a cut-off answer: TOK012 and TOK013 ask the same question.

A response says it stopped at the limit in one field (the surface's `stop_fields`:
`finish_reason`, `stop_reason`, `done_reason`...). Code that reads that field, or hands the
response on whole to a caller that may read it, sees a cut-off answer; code that reads only the
text passes it on as whole."""

from __future__ import annotations

import ast
from typing import Iterable


def stop_unseen(call: ast.Call, scope: ast.AST, fields: Iterable[str], text_fields: Iterable[str]) -> bool:
    """The function reads the answer's text (one of `text_fields`) and never one of `fields`,
    and does not return or yield the response itself."""
    read = names_read(scope)
    if read & set(fields) or hands_on(call, scope):
        return False  # checked here, or the response leaves the function whole: the caller may check
    return bool(read & set(text_fields))


def names_read(scope: ast.AST) -> set[str]:
    """The attributes and the string keys the function reads (`r.choices[0].finish_reason`, `r["done_reason"]`, `r.get("stop_reason")`)."""
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


def hands_on(call: ast.Call, scope: ast.AST) -> bool:
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
