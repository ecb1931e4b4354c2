"""Node edits that keep the code's own layout: renamed keys, new keyword arguments.

LibCST keeps whitespace and comments on the nodes around an argument, so an edit has to
move them deliberately: the comment after the old last argument stays on its line, and a
call written one argument per line with a trailing comma stays so (anchors.md, C4).
"""

from __future__ import annotations

from typing import Union

import libcst as cst


def renamed_key(node: cst.CSTNode, new_name: str) -> cst.CSTNode:
    """The same key spelled new_name: a keyword Name, or a string literal with its own quotes."""
    if isinstance(node, cst.Name):
        return node.with_changes(value=new_name)
    if isinstance(node, cst.SimpleString):
        prefix = node.prefix
        quote = node.quote
        return node.with_changes(value=f"{prefix}{quote}{new_name}{quote}")
    raise TypeError(f"cannot rename a {type(node).__name__}")


def as_extra_body(arg: cst.Arg, name: str) -> cst.Arg:
    """`max_completion_tokens=N` as `extra_body={"max_tokens": N}`: the value sent under `name`."""
    body = cst.Dict([cst.DictElement(cst.SimpleString(f'"{name}"'), arg.value)])
    return arg.with_changes(keyword=cst.Name("extra_body"), value=body)


def integer(value: int, replacing: "cst.BaseExpression | None" = None) -> cst.Integer:
    """An int literal; in place of an expression it keeps that expression's parentheses
    (and so the comments written inside them)."""
    if replacing is None:
        return cst.Integer(str(value))
    return cst.Integer(str(value), lpar=replacing.lpar, rpar=replacing.rpar)


def _separator(call: cst.Call) -> Union[cst.SimpleWhitespace, cst.ParenthesizedWhitespace]:
    """The whitespace that separates this call's arguments, without any comment."""
    args = call.args
    source = None
    if len(args) >= 2 and isinstance(args[-2].comma, cst.Comma):
        source = args[-2].comma.whitespace_after
    elif isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace):
        source = call.whitespace_before_args
    if isinstance(source, cst.ParenthesizedWhitespace):
        return source.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=())
    return cst.SimpleWhitespace(" ")


def with_keyword(call: cst.Call, name: str, value: cst.BaseExpression) -> cst.Call:
    """The call with `name=value` appended as its last argument, in the call's own style."""
    new_arg = cst.Arg(value=value, keyword=cst.Name(name), equal=cst.AssignEqual(
        whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")))
    args = list(call.args)
    if not args:
        return call.with_changes(args=[new_arg])
    last = args[-1]
    separator = _separator(call)
    # What follows the old last argument: after its trailing comma, or before the `)`.
    has_comma = isinstance(last.comma, cst.Comma)
    old_after = last.comma.whitespace_after if has_comma else last.whitespace_after_arg
    if isinstance(old_after, cst.ParenthesizedWhitespace) and isinstance(separator, cst.ParenthesizedWhitespace):
        # Multi-line: the old argument keeps the comment on its own line; the new one takes
        # the line break and indentation before the closing parenthesis.
        keep = separator.with_changes(first_line=old_after.first_line, empty_lines=old_after.empty_lines)
        closing = old_after.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=())
    else:
        keep, closing = separator, old_after
    if has_comma:
        args[-1] = last.with_changes(comma=last.comma.with_changes(whitespace_after=keep))
        args.append(new_arg.with_changes(comma=cst.Comma(whitespace_after=closing)))
    else:
        args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=keep), whitespace_after_arg=cst.SimpleWhitespace(""))
        args.append(new_arg.with_changes(whitespace_after_arg=closing))
    return call.with_changes(args=args)


def comments(node: cst.CSTNode) -> list[str]:
    """The comments inside a node, sorted: a fix that changes them is not safe."""
    from .positions import walk

    return sorted(n.value for n, _ in walk(node) if isinstance(n, cst.Comment))


def without_element(container: Union[cst.Call, cst.Dict], element: Union[cst.Arg, cst.DictElement]) -> tuple[cst.CSTNode, bool]:
    """The call or dict without one argument or entry, and whether every comment survived.

    The element after the removed one takes its place; when the last one goes, the one before
    it takes over its comma (or lack of one) and the whitespace before the closing bracket.
    """
    is_call = isinstance(container, cst.Call)
    items = list(container.args if is_call else container.elements)
    index = next(i for i, item in enumerate(items) if item is element)
    removed = items.pop(index)
    if index == len(items) and items:  # the removed element was the last
        prev = items[-1]
        prev_after = prev.comma.whitespace_after if isinstance(prev.comma, cst.Comma) else None
        if isinstance(removed.comma, cst.Comma):
            after = removed.comma.whitespace_after
            if isinstance(prev_after, cst.ParenthesizedWhitespace) and isinstance(after, cst.ParenthesizedWhitespace):
                after = after.with_changes(first_line=prev_after.first_line)
            items[-1] = prev.with_changes(comma=prev.comma.with_changes(whitespace_after=after))
        else:
            changes = {"comma": cst.MaybeSentinel.DEFAULT}
            if is_call:
                changes["whitespace_after_arg"] = removed.whitespace_after_arg
            items[-1] = prev.with_changes(**changes)
    new = container.with_changes(args=items) if is_call else container.with_changes(elements=items)
    kept_comments = comments(container) == sorted(comments(new) + comments(removed))
    return new, kept_comments and not comments(removed)
