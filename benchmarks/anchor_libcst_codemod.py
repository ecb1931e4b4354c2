"""The same job as LibCST's codemod framework would do it: for `python -m libcst.tool codemod`.

The minimal equivalent of tokenfix's most common fix (TOK002): rename `max_tokens` to
`max_completion_tokens` in `*.create(...)` calls. It parses every file it is given, as every
LibCST codemod does, with no scope analysis: a floor for what the framework costs per file.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m
from libcst.codemod import VisitorBasedCodemodCommand


class RenameMaxTokens(VisitorBasedCodemodCommand):
    DESCRIPTION = "Rename max_tokens to max_completion_tokens in .create() calls."

    @m.call_if_inside(m.Call(func=m.Attribute(attr=m.Name("create"))))
    def leave_Arg(self, original_node: cst.Arg, updated_node: cst.Arg) -> cst.Arg:
        if m.matches(updated_node, m.Arg(keyword=m.Name("max_tokens"))):
            return updated_node.with_changes(keyword=cst.Name("max_completion_tokens"))
        return updated_node
