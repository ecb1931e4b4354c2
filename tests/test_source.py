"""source.py: what the analysis knows of the text without LibCST, held to tokenize and LibCST.

Comments come from a scan for `#` outside string literals; columns from ast's byte offsets
converted to characters. Both are compared here with the tools that know for sure: the
tokenizer's COMMENT tokens, and the positions LibCST gives the same nodes.
"""

from __future__ import annotations

import ast
import io
import sysconfig
import tokenize
import warnings
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import assume, given

import test_properties  # noqa: F401 - registers and loads the hypothesis profile
from codemods.analysis.nodes import walk
from codemods.analysis.source import Source, is_single_string, parse

ROOT = Path(__file__).resolve().parent.parent
STDLIB = Path(sysconfig.get_paths()["stdlib"])


def _source(text: str) -> Source:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tree = ast.parse(text)
    source = Source(text)
    strings = [node for node, parent in walk(tree) if isinstance(node, (ast.Constant, ast.JoinedStr))
               and not isinstance(parent, (ast.JoinedStr, ast.FormattedValue))]
    source.scan_comments(strings)
    return source


def _tokenized_comments(text: str) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    # lines split as Python splits them: a lone CR ends a line too (`#\r0` is a comment, then 0)
    for token in tokenize.generate_tokens(io.StringIO(text, newline="").readline):
        if token.type == tokenize.COMMENT:
            found.setdefault(token.start[0], []).append(token.string)
    return found


def _readable(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
        list(tokenize.generate_tokens(io.StringIO(text).readline))
    except Exception:  # noqa: BLE001 - the library's own test data: bad encodings, Python 2
        return False
    return True


SAMPLE = [p for p in sorted(STDLIB.rglob("*.py"))[::25] if "site-packages" not in p.parts and _readable(p)]
SAMPLE += [p for p in [*sorted((ROOT / "tests" / "fixtures").rglob("*.py")), *sorted((ROOT / "examples").glob("*.py"))] if _readable(p)]


def _stripped(comments: dict[int, list[str]]) -> dict[int, list[str]]:
    # tokenize keeps a comment's trailing whitespace on some lines and not on others; LibCST
    # (and so tokenfix) always keeps it
    return {line: [c.rstrip() for c in found] for line, found in comments.items()}


@pytest.mark.parametrize("path", SAMPLE, ids=lambda p: str(p.relative_to(p.parents[1])))
def test_comments_are_the_tokenizers(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert _stripped(_source(text).comments.by_line) == _stripped(_tokenized_comments(text))


def test_the_sample_is_real() -> None:
    assert len(SAMPLE) > 100


@pytest.mark.parametrize("text, comments", [
    ('x = "# not a comment"  # one\n', {1: ["# one"]}),
    ('x = ("a"  # between\n     "b")\n', {1: ["# between"]}),  # one ast node spans both literals
    ('x = f"{y!r:#>10}"  # spec\n', {1: ["# spec"]}),
    ('x = """\n# inside\n"""\n# after\n', {4: ["# after"]}),
    ('s = "é#"  # é\n', {1: ["# é"]}),
    ("#\r0\r# two\r", {1: ["#"], 3: ["# two"]}),  # old Mac line ends, as ast and LibCST read them
])
def test_comments_outside_strings(text: str, comments: dict) -> None:
    assert _source(text).comments.by_line == comments


@given(hypothesmith.from_grammar())
def test_comments_on_generated_programs(text: str) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
        expected = _tokenized_comments(text)
    except Exception:  # noqa: BLE001 - some generated programs do not parse
        assume(False)
    assert _stripped(_source(text).comments.by_line) == _stripped(expected)


def test_columns_count_characters_as_libcst_does() -> None:
    text = 'héllo = "ünïcode"; call(max_tokens=1)\n'
    tree, source, _ = parse(text.encode("utf-8"))
    keyword = next(n for n, _ in walk(tree) if isinstance(n, ast.keyword))
    assert source.span(keyword) == (1, text.index("max_tokens"), 1, text.index("1)") + 1)


def test_a_single_literal_is_not_an_implicit_concatenation() -> None:
    tree, source, _ = parse(b'd = {"a": 1, "b" "c": 2, rb"\\"x": 3, """t""": 4}\n')
    keys = next(n for n, _ in walk(tree) if isinstance(n, ast.Dict)).keys
    assert [is_single_string(source, key) for key in keys] == [True, False, True, True]


def test_encoding_and_bom_are_read_as_python_reads_them() -> None:
    assert parse(b"\xef\xbb\xbfx = 1\n")[2] == "utf-8-sig"
    tree, source, encoding = parse("# -*- coding: latin-1 -*-\ns = 'é'\n".encode("latin-1"))
    assert encoding == "iso-8859-1" and tree.body[0].value.value == "é"


def test_the_comment_scan_is_linear_on_a_long_line_that_is_not_ascii() -> None:
    """Each `#` in a string used to re-encode the line up to it: 100,000 of them on one line of
    `é#` took about 14 s (and a minute at 200,000). The real comment after it is still found."""
    import ast
    import time

    text = 'x = "' + "é#" * 100_000 + '"  # é real\ny = 1  # two\n'
    tree = ast.parse(text)
    source = Source(text)
    started = time.perf_counter()
    source.scan_comments([n for n in ast.walk(tree) if isinstance(n, ast.Constant)])
    assert time.perf_counter() - started < 3.0
    assert source.comment_spans == [(1, 200_008, 200_016), (2, 7, 12)]
