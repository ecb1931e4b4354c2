"""The same job as a Fixit 2 rule: for `fixit --rules benchmarks.anchor_fixit_rule lint`.

The minimal equivalent of tokenfix's most common finding (TOK002): `max_tokens=` in a
`*.create(...)` call, with the rename as its autofix.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m
from fixit import Invalid, LintRule, Valid


class MaxTokensRename(LintRule):
    VALID = [Valid("client.chat.completions.create(model='o3-mini', max_completion_tokens=100)")]
    INVALID = [
        Invalid(
            "client.chat.completions.create(model='o3-mini', max_tokens=100)",
            expected_replacement="client.chat.completions.create(model='o3-mini', max_completion_tokens=100)",
        )
    ]

    def visit_Call(self, node: cst.Call) -> None:
        if not m.matches(node.func, m.Attribute(attr=m.Name("create"))):
            return
        for arg in node.args:
            if m.matches(arg, m.Arg(keyword=m.Name("max_tokens"))):
                self.report(arg, "Use max_completion_tokens", replacement=arg.with_changes(keyword=cst.Name("max_completion_tokens")))
