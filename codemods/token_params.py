"""The fixer as a LibCST codemod command, for `python -m libcst.tool codemod`.

    python -m libcst.tool codemod --no-format token_params.FixTokenParams src/

It runs the same analysis as `tokenfix fix` and reports each finding as a codemod warning.
The tokenfix CLI is the better door (exit codes, JSON, diff mode); this one exists so that
teams who drive their migrations through LibCST's runner can include tokenfix in them.
"""

from __future__ import annotations

import argparse

import libcst as cst
from libcst.codemod import CodemodCommand, CodemodContext, SkipFile

from .knowledge.config import Settings
from .run.engine import analyze
from .knowledge import load


class FixTokenParams(CodemodCommand):
    DESCRIPTION = "Fix output-token parameters of LLM API calls (max_tokens, max_completion_tokens, ...)."

    def __init__(self, context: CodemodContext, provider: str = "", unsafe_fixes: bool = False) -> None:
        super().__init__(context)
        self.settings = Settings(provider=provider or None)
        self.unsafe_fixes = unsafe_fixes

    @staticmethod
    def add_args(arg_parser: argparse.ArgumentParser) -> None:
        arg_parser.add_argument("--provider", default="", help="Provider to assume where the code does not say.")
        arg_parser.add_argument("--unsafe-fixes", action="store_true", help="Also apply fixes marked unsafe.")

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        result = analyze(tree.bytes, self.context.filename or "<module>", load(), self.settings, fix=True, unsafe_fixes=self.unsafe_fixes)
        if result.error:
            raise SkipFile(result.error)
        for finding in result.findings:
            if not finding.fixed:
                self.warn(f"{finding.row}:{finding.column}: {finding.code} {finding.message}")
        return cst.parse_module(result.fixed) if result.changed else tree
