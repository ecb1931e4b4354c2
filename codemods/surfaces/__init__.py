"""Kinds of door: how a `[[surface]]` row of `rules/surfaces.toml` is found in code.

One module per kind, found the way `checks/` are. A kind module says:

- `KIND`: the name rows give as `kind = "..."`;
- `Options`: a frozen dataclass of the keys a row of this kind may have beyond the ones every
  surface shares (`codemods.knowledge.schema.Surface`); the loader checks each row against it,
  so an unknown or mistyped key is an error naming the file, the row and the key;
- where its doors are: an option named `functions` (qualified names), `methods` (attribute
  chains) or `paths` (URL path suffixes) is indexed by the knowledge base, and a call that
  matches one is handed to the kind's `at_function(finder, call, surface, name, chain)` or
  `at_method(finder, call, surface, method, chain, root)`; a kind whose doors are a pattern
  rather than a name (a raw HTTP POST, `.bind` on a chat model) has `at_call(finder, call,
  chain, root, qualified)`, tried in the order of its `STAGE`.

Each hook returns a `CallSite` (analysis/callsites.py) or None. The modules are imported when
the rules are loaded, after the layers below them (knowledge, analysis) are complete, so this
package's own import costs nothing and makes no cycle.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from types import ModuleType


@lru_cache(maxsize=1)
def kinds() -> dict[str, ModuleType]:
    """Every kind module of this package, by the name rows give it."""
    found: dict[str, ModuleType] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        name = getattr(module, "KIND", None)
        if name:
            found[name] = module
    return found


def call_hooks() -> list[ModuleType]:
    """The kinds with an `at_call` hook, in the order they are tried."""
    return sorted((k for k in kinds().values() if hasattr(k, "at_call")), key=lambda k: k.STAGE)
