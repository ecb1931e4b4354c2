"""sdk_function: a module-level function of an SDK (`ollama.chat`, `litellm.completion`), and the
same function as a method of the SDK's client or router (`ollama.Client().chat`,
`litellm.Router().completion`).

The function is found by its qualified name through the module's imports; its module is the
SDK's default client, so the environment redirects it as it would the client. A router
(`receivers`) or a routing prefix (`ollama/llama3`) names the provider through the model.
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

KIND = "sdk_function"


@dataclass(frozen=True)
class Options(SdkCall):
    functions: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()


def at_function(finder: "CallSiteFinder", call: ast.Call, surface: Surface, name: str,
                chain: Sequence[str]) -> Optional["CallSite"]:
    from ..analysis.receivers import Receiver
    from ..analysis.sdk_call import sdk_site

    return sdk_site(finder, call, surface, name, Receiver(module=name.split(".")[0], function=True))


def at_method(finder: "CallSiteFinder", call: ast.Call, surface: Surface, method: str,
              receiver: Optional["Receiver"]) -> Optional["CallSite"]:
    from ..analysis.sdk_call import sdk_site

    return sdk_site(finder, call, surface, method, receiver)
