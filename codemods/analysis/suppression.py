"""Comments that talk to tokenfix: `# noqa[: CODES]` and `# tokenfix: provider=NAME model=NAME`.

Calls to LLM APIs are nearly always spread over several lines, so a comment on any line of
the token argument counts (ruff #7006 is what happens otherwise).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)
_PRAGMA = re.compile(r"#\s*tokenfix:\s*(?P<body>.*)$")
_PRAGMA_ITEM = re.compile(r"(provider|model)\s*=\s*([^\s,]+)")


@dataclass
class Comments:
    """Comment text by line number (1-based), as the scan of source.py finds it (LibCST's spelling: trailing blanks kept)."""

    by_line: dict[int, list[str]] = field(default_factory=dict)

    def add(self, line: int, text: str) -> None:
        self.by_line.setdefault(line, []).append(text)

    def is_suppressed(self, code: str, first_line: int, last_line: int) -> bool:
        for line in range(first_line, last_line + 1):
            for text in self.by_line.get(line, ()):
                match = _NOQA.search(text)
                if match is None:
                    continue
                codes = match.group("codes")
                if codes is None:
                    return True
                if code.upper() in {c.upper() for c in re.split(r"[\s,]+", codes) if c}:
                    return True
        return False

    def pragma(self, key: str, first_line: int, last_line: int) -> Optional[tuple[int, str]]:
        """The value of `# tokenfix: key=VALUE` on one of these lines, with its line."""
        for line in range(first_line, last_line + 1):
            for text in self.by_line.get(line, ()):
                match = _PRAGMA.search(text)
                if match is None:
                    continue
                for name, value in _PRAGMA_ITEM.findall(match.group("body")):
                    if name == key:
                        return line, value
        return None
