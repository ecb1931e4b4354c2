"""A byte scan that decides which files are worth parsing at all.

Analysing a file (an `ast` parse, scopes, call sites) costs milliseconds, and a LibCST
parse, for a file with a fix to apply, ten times `ast.parse`; a byte search costs next to
nothing. Every finding needs one of these words in the file: a limit name (TOK001-TOK004),
or an Anthropic messages call (TOK005).

The scan is literal `bytes` searches (`in`), not one regex: Python's `re` tries each
alternative at every byte, about 15 ns a byte, while `in` runs at memory speed. Three short
words rule out nearly every file; the exact words then confirm the few left (a tokenizer
module says `_tokens` too). TRIGGERS states the same rule as one regex, for grep and the tests.
"""

from __future__ import annotations

import re

TRIGGERS = re.compile(rb"max_tokens|max_completion_tokens|max_output_tokens|num_predict|messages\.(?:create|stream)")


def may_have_findings(data: bytes) -> bool:
    # spelled out, not any(...): a generator per file costs more than the scans on a small file
    if not (b"_tokens" in data or b"num_predict" in data or b"messages." in data):
        return False
    return (b"max_tokens" in data or b"max_completion_tokens" in data or b"max_output_tokens" in data
            or b"num_predict" in data or b"messages.create" in data or b"messages.stream" in data)


# Files that may build a client other modules import: kept for the ClientIndex (clientindex.py).
CLIENT_TRIGGER = re.compile(rb"(?:OpenAI|Anthropic\w*|Groq|Together|Client|ChatOpenAI|ChatOllama|ChatAnthropic|Mistral)\s*\(")
_CLIENT_WORDS = (b"OpenAI", b"Anthropic", b"Groq", b"Together", b"Client", b"ChatOllama", b"Mistral")


def may_build_client(data: bytes) -> bool:
    return any(word in data for word in _CLIENT_WORDS) and CLIENT_TRIGGER.search(data) is not None
