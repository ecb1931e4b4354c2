"""sdk_method: a method chain on a client or an SDK module (`client.chat.completions.create`,
`client.messages.create`, `openai.chat.completions.create`).

The chain is matched by its longest known suffix, after the client hops that say nothing of
the target (`with_raw_response`, `.with_options(...)`); the receiver is traced to what built
it, and a call whose receiver cannot be traced is kept only where the method or the model
leaves no doubt (`distinctive`, `model_providers`).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from ..knowledge import Surface
from ..knowledge.schema import SdkCall

if TYPE_CHECKING:
    from ..analysis.callsites import CallSite, CallSiteFinder
    from ..analysis.receivers import Receiver

# The rules load on every run and read `Options`; the analysis is imported only where a file
# may call a model, so the hooks import it when first called (tests/test_lazy_imports.py).

KIND = "sdk_method"


@dataclass(frozen=True)
class Options(SdkCall):
    methods: tuple[str, ...] = ()


def at_method(finder: "CallSiteFinder", call: ast.Call, surface: Surface, method: str,
              receiver: Optional["Receiver"]) -> Optional["CallSite"]:
    from ..analysis.sdk_call import sdk_site

    return sdk_site(finder, call, surface, method, receiver)
