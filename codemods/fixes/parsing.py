"""LibCST's parse of a file, and why a file does not parse in words a user can act on.

LibCST's messages are the ones users have seen from other tools; the others (a bad coding
cookie, nesting too deep for a parser) are said plainly, with the line they concern.
"""

from __future__ import annotations

import libcst as cst


def parse(data: bytes) -> cst.Module:
    return cst.parse_module(data)


def parse_error(exc: BaseException) -> tuple[str, int]:
    """A one-line reason and the line it concerns (0 when unknown)."""
    if isinstance(exc, cst.ParserSyntaxError):
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else "syntax error"
        return f"syntax error: {message}", exc.raw_line
    if isinstance(exc, RecursionError):
        return "too deeply nested for the parser (RecursionError)", 0
    if isinstance(exc, (UnicodeDecodeError, LookupError)):
        return f"cannot decode the file: {exc}", 0
    if isinstance(exc, SyntaxError) and "encoding" in str(exc):  # how LibCST reports a bad or missing coding cookie
        return f"cannot decode the file: {exc.msg if exc.msg else exc} (it is not UTF-8; a coding declaration must name its encoding)", exc.lineno or 0
    if isinstance(exc, SyntaxError) and "too many nested" in str(exc.msg):
        return f"too deeply nested for the parser ({exc.msg})", exc.lineno or 0
    if isinstance(exc, SyntaxError):
        return f"syntax error: {exc.msg} (line {exc.lineno})", exc.lineno or 0
    return f"cannot parse: {type(exc).__name__}: {exc}", 0
