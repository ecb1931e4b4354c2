"""tokenfix: find and fix the output-token parameters of LLM API calls.

The package is named `codemods` so that its LibCST codemod commands run through
`python -m libcst.tool codemod` too. The functions here are the Python API.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "analyze", "fix_source"]


def analyze(source, path: str = "<string>", settings=None, *, unsafe_fixes: bool = False):
    """Findings for one piece of source code (str or bytes), as the CLI would report them."""
    from .knowledge.config import Settings
    from .run.engine import analyze as _analyze
    from .knowledge import load

    settings = settings or Settings()
    data = source.encode("utf-8") if isinstance(source, str) else source
    return _analyze(data, path, load(settings.extra_rules), settings, fix=False, unsafe_fixes=unsafe_fixes, edits=True).findings


def fix_source(source, path: str = "<string>", settings=None, *, unsafe_fixes: bool = False):
    """The source with fixes applied (same type as given); unchanged when nothing applies."""
    from .knowledge.config import Settings
    from .run.engine import analyze as _analyze
    from .knowledge import load

    settings = settings or Settings()
    data = source.encode("utf-8") if isinstance(source, str) else source
    result = _analyze(data, path, load(settings.extra_rules), settings, fix=True, unsafe_fixes=unsafe_fixes)
    fixed = result.fixed if result.changed else data
    return fixed.decode("utf-8") if isinstance(source, str) else fixed
