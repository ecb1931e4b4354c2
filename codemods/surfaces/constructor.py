"""constructor: a chat model whose construction carries the limit (`ChatOpenAI(max_tokens=...)`,
`init_chat_model("gpt-4o", max_tokens=...)`), and `.bind(max_tokens=...)` on one.

The construction names the model and the endpoint; the limit is a keyword of the construction
or of the `.bind` call, whose receiver must be traced to a construction of this kind. A
missing limit is never inserted: the object is built once and used elsewhere.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional, Sequence

from ..knowledge import Surface
from ..knowledge.schema import SdkCall

if TYPE_CHECKING:
    from ..analysis.callsites import CallSite, CallSiteFinder
    from ..analysis.receivers import Receiver

# The rules load on every run and read `Options`; the analysis is imported only where a file
# may call a model, so the hooks import it when first called (tests/test_lazy_imports.py).

KIND = "constructor"
STAGE = 2  # after http_post: `.bind` is tried on calls no name claims


@dataclass(frozen=True)
class Options(SdkCall):
    functions: tuple[str, ...] = ()


def at_function(finder: "CallSiteFinder", call: ast.Call, surface: Surface, name: str,
                chain: Sequence[str]) -> Optional["CallSite"]:
    from ..analysis.receivers import Receiver
    from ..analysis.sdk_call import sdk_site

    return _built(sdk_site(finder, call, surface, name, Receiver(construction=call), source=call, can_insert=False))


def _built(site: Optional["CallSite"]) -> Optional["CallSite"]:
    """The object is built here and its requests are made elsewhere: whether they stream (and so
    whether the Anthropic SDK's non-streaming cap applies) is decided there, unseen."""
    if site is not None:
        site.cap_seen = False
    return site


def at_call(finder: "CallSiteFinder", call: ast.Call, chain: Sequence[str], root: Optional[ast.expr],
            qualified: set[str]) -> Optional["CallSite"]:
    """`llm.bind(max_tokens=...)` on a LangChain chat model: the limit joins the model's."""
    if chain[-1] != "bind" or root is None or len(chain) != 1:
        return None
    from ..analysis.receivers import receiver
    from ..analysis.sdk_call import sdk_site

    traced = receiver(finder, root, call)
    if traced is None or traced.construction is None:
        return None
    for name in sorted(finder.r.qualified_names(traced.construction.func)):
        surface = finder.knowledge.surface_for_function(name)
        if surface is not None and surface.kind == KIND:
            return _built(sdk_site(finder, call, surface, f"{name}(...).bind", traced, source=traced.construction, can_insert=False))
    return None
