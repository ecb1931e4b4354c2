"""A byte scan that decides which files are worth parsing at all.

Parsing with LibCST costs about ten times `ast.parse`, and its scope metadata several parses
more; `bytes` search costs next to nothing. Every finding needs one of these words in the
file: a limit name (TOK001-TOK004), or an Anthropic messages call (TOK005).
"""

from __future__ import annotations

import re

TRIGGERS = re.compile(rb"max_tokens|max_completion_tokens|max_output_tokens|num_predict|messages\.(?:create|stream)")


def may_have_findings(data: bytes) -> bool:
    return TRIGGERS.search(data) is not None


# Files that may build a client other modules import: kept for the ClientIndex (clientindex.py).
CLIENT_TRIGGER = re.compile(rb"(?:OpenAI|Anthropic\w*|Groq|Together|Client|ChatOpenAI|ChatOllama|ChatAnthropic|Mistral)\s*\(")
