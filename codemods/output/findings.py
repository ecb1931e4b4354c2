"""What a check reports: a finding, with an optional fix made of node replacements."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional

if TYPE_CHECKING:  # LibCST is imported only when a fix is applied or shown (see engine.py)
    import libcst as cst

SAFE, UNSAFE, DISPLAY_ONLY = "safe", "unsafe", "display-only"


def display_name(path) -> str:
    """A path as reports show it: a name that is not valid UTF-8 (bytes Python decoded as
    surrogates) gets its odd bytes written as \\xNN, so every output can be encoded."""
    return str(path).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


# Whether a replacement can drop a comment: never; when one is written inside the node it
# replaces (the parentheses around it are kept); or only LibCST's tree can tell.
KEEPS, SCAN, ASK_LIBCST = "keeps", "scan", "ask-libcst"


@dataclass
class Replacement:
    """A node of the analysed (ast) tree to replace, and how: `make` turns the LibCST node at
    the same place, of one of the LibCST classes in `kind`, into its replacement. The LibCST
    tree is built only when the fix is applied or its edit is shown."""

    original: Any  # an ast node, or anything with its four position attributes (source.Located)
    kind: tuple[str, ...]  # LibCST class names the node has there ("BaseExpression": any expression)
    make: Callable[["cst.CSTNode"], "cst.CSTNode"]
    comments: str = KEEPS


@dataclass
class Fix:
    applicability: str  # SAFE, UNSAFE or DISPLAY_ONLY, as in ruff
    message: str
    replacements: list[Replacement]
    comment_note: str = " (unsafe: it would drop a comment)"  # added when a dropped comment makes it unsafe
    nodes: list = field(default_factory=list)  # (LibCST original, new) pairs, once made (engine.py)


@dataclass
class Edit:
    """A fix as text: replace [location, end_location) with content (rows 1-based, columns 1-based)."""

    content: str
    row: int
    column: int
    end_row: int
    end_column: int


@dataclass
class Finding:
    code: str
    name: str
    message: str
    node: Any  # where the finding points (an ast node or a source.Located span)
    suppress_node: Any  # a noqa on any line of this node suppresses the finding
    fix: Optional[Fix] = None
    evidence: list = field(default_factory=list)
    # Filled in by the engine from the positions of the source:
    row: int = 0
    column: int = 0  # 1-based
    end_row: int = 0
    end_column: int = 0
    edits: list[Edit] = field(default_factory=list)
    fixed: bool = False
    cell: Optional[int] = None  # the notebook cell (1-based, every cell counted) the rows are relative to
    # The facts that were seen when the finding was made (docs/safety.md's vocabulary:
    # endpoint-seen, model-known, call-closed, cap-seen, ...): what a safe fix may rest on.
    basis: tuple[str, ...] = ()
    # error (the call fails), warning (it runs, but the limit is lost or the answer cut), info
    # (advice: deprecated, still works): the check's, or the one its consequence names (checks.toml)
    severity: str = "error"


@dataclass
class FileResult:
    path: str  # as reports show it (display_name)
    source: bytes
    findings: list[Finding] = field(default_factory=list)
    sites: list[Any] = field(default_factory=list)  # CallSite
    fixed: Optional[bytes] = None  # the new content when fixes were applied and changed it
    error: Optional[str] = None  # why the file could not be handled (parse error, ...)
    error_line: int = 0
    encoding: str = "utf-8"
    notes: list[str] = field(default_factory=list)  # fixes dropped, and why
    # The path's own bytes, as the file system spells them: `path` has a byte that is not
    # UTF-8 written as \xNN, and `diff` must name the file by these for `git apply`. None for
    # stdin, whose --stdin-filename `path` is as given.
    name: Optional[bytes] = None

    @property
    def changed(self) -> bool:
        return self.fixed is not None and self.fixed != self.source


@dataclass
class SiteSummary:
    """A call site as --show-evidence prints it, without the syntax tree it came from."""

    line: int
    headline: str  # "surface -> provider X (source), model Y"
    evidence: list[str] = field(default_factory=list)
    cell: Optional[int] = None  # the notebook cell (1-based, every cell counted) the line is relative to
    # `tokenfix sites`: the same as data (column, surface, provider, model, limits); not cached
    record: Optional[dict] = None


def evidence_text(evidence: Any, path: str) -> str:
    """An evidence line as the report on the file shown as `path` writes it: a line of another
    file (a client's module, a `.env`) names that file the way `path` is written, relative to
    the working folder when `path` is relative and the file is under it, else in full."""
    origin = getattr(evidence, "origin", "")
    if not origin:
        return str(evidence)
    shown = origin
    if not os.path.isabs(path):
        try:
            relative = os.path.relpath(origin)
        except ValueError:  # another drive (Windows)
            relative = origin
        if not relative.startswith(os.pardir):
            shown = relative
    return evidence.shown(display_name(shown))


def summarize_site(site: Any, cite: Callable[[Any], Any] = lambda evidence: evidence, path: str = "") -> SiteSummary:
    target = site.target
    provider = target.provider.id if target.provider else "unknown"
    model = target.model.id if target.model else (f"{target.model_name} (not in the knowledge base)" if target.model_name else "unknown")
    source = target.provider_source or ("unresolvable" if target.opaque else "no evidence")
    record = {
        "column": site.call.col_offset + 1, "surface": site.surface.id,
        "provider": target.provider.id if target.provider else None, "provider_source": target.provider_source,
        "endpoint_unseen": bool(target.opaque), "model": target.model.id if target.model else None,
        "model_name": target.model_name, "model_origin": None if target.model is None else ("imported" if target.model.imported else "curated"),
        "limits": [{"name": limit.name, "value": limit.resolved.value if limit.resolved is not None else None} for limit in site.limits],
        "open_ended": bool(site.open_ended),
        "ignored": [limit.name for limit in site.ignored],
    }
    return SiteSummary(site.line, f"{site.surface.id} -> provider {provider} ({source}), model {model}",
                       [evidence_text(cite(e), path) for e in target.evidence], record=record)


def detach(result: FileResult) -> FileResult:
    """The result as reports need it: text and numbers, no LibCST nodes.

    Such a result is small, crosses process boundaries (--jobs) and goes into the cache;
    the syntax tree it was computed from can be freed at once.
    """
    for finding in result.findings:
        finding.node = finding.suppress_node = None
        finding.evidence = [evidence_text(e, result.path) for e in finding.evidence]
        if finding.fix is not None:
            finding.fix.replacements = []
            finding.fix.nodes = []
    result.sites = [s if isinstance(s, SiteSummary) else summarize_site(s, path=result.path) for s in result.sites]
    return result
