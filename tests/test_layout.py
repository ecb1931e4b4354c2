"""Inserting a keyword keeps the call's own layout, byte for byte."""

from __future__ import annotations

import libcst as cst
import pytest

from codemods.fixes.edits import integer, renamed_key, with_keyword, without_element


def insert(code: str) -> str:
    module = cst.parse_module(code)
    call = module.body[0].body[0].value
    new = module.deep_replace(call, with_keyword(call, "max_tokens", integer(1024)))
    return new.code


@pytest.mark.parametrize("before, after", [
    ("f()\n", "f(max_tokens=1024)\n"),
    ("f(a)\n", "f(a, max_tokens=1024)\n"),
    ("f(a, b=2)\n", "f(a, b=2, max_tokens=1024)\n"),
    ("f(a, b=2,)\n", "f(a, b=2, max_tokens=1024,)\n"),
    ("f(\n    a,\n    b=2,\n)\n", "f(\n    a,\n    b=2,\n    max_tokens=1024,\n)\n"),
    ("f(\n    a,\n    b=2\n)\n", "f(\n    a,\n    b=2,\n    max_tokens=1024\n)\n"),
    ("f(\n    a,\n    b=2,  # two\n)\n", "f(\n    a,\n    b=2,  # two\n    max_tokens=1024,\n)\n"),
    ("f(\n    a,\n    b=2  # two\n)\n", "f(\n    a,\n    b=2,  # two\n    max_tokens=1024\n)\n"),
    ("f(a,\n  b=2)\n", "f(a,\n  b=2,\n  max_tokens=1024)\n"),
    ("f(\r\n    a,\r\n    b=2,\r\n)\r\n", "f(\r\n    a,\r\n    b=2,\r\n    max_tokens=1024,\r\n)\r\n"),
    ("f(\n\ta=1,\n\tb=2,\n)\n", "f(\n\ta=1,\n\tb=2,\n\tmax_tokens=1024,\n)\n"),
    ("f(*args)\n", "f(*args, max_tokens=1024)\n"),
])
def test_with_keyword(before: str, after: str) -> None:
    result = insert(before)
    assert result == after
    cst.parse_module(result)


@pytest.mark.parametrize("before, after", [
    ("max_tokens", "max_completion_tokens"),
    ('"max_tokens"', '"max_completion_tokens"'),
    ("'max_tokens'", "'max_completion_tokens'"),
    ('"""max_tokens"""', '"""max_completion_tokens"""'),
    ("u'max_tokens'", "u'max_completion_tokens'"),
])
def test_renamed_key_keeps_quotes(before: str, after: str) -> None:
    node = cst.parse_expression(before)
    assert cst.Module([]).code_for_node(renamed_key(node, "max_completion_tokens")) == after


def remove(code: str, name: str) -> tuple[str, bool]:
    module = cst.parse_module(code)
    call = module.body[0].body[0].value
    arg = next(a for a in call.args if a.keyword is not None and a.keyword.value == name)
    new, comments_kept = without_element(call, arg)
    return module.deep_replace(call, new).code, comments_kept


@pytest.mark.parametrize("before, name, after, safe", [
    ("f(a=1, b=2)\n", "a", "f(b=2)\n", True),
    ("f(a=1, b=2)\n", "b", "f(a=1)\n", True),
    ("f(a=1, b=2,)\n", "b", "f(a=1,)\n", True),
    ("f(\n    a=1,\n    b=2,\n    c=3,\n)\n", "b", "f(\n    a=1,\n    c=3,\n)\n", True),
    ("f(\n    a=1,\n    b=2,\n)\n", "b", "f(\n    a=1,\n)\n", True),
    ("f(\n    a=1,\n    b=2\n)\n", "b", "f(\n    a=1\n)\n", True),
    ("f(\n    a=1,  # one\n    b=2,\n)\n", "b", "f(\n    a=1,  # one\n)\n", True),
    ("f(\n    a=1,\n    b=2,  # two\n)\n", "b", "f(\n    a=1,\n)\n", False),
])
def test_without_element(before: str, name: str, after: str, safe: bool) -> None:
    result, comments_kept = remove(before, name)
    assert result == after
    assert comments_kept is safe
    cst.parse_module(result)
