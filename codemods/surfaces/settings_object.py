"""settings_object: an options object that carries the limit while its model sits on the call it
is given to: the OpenAI Agents SDK's `Agent(model="gpt-4.1", model_settings=ModelSettings(max_tokens=...))`
and `RunConfig(model=..., model_settings=ModelSettings(...))`.

The options class is found by its qualified name; its owner is the call it is passed to as
`owner_keyword`, directly or through a name bound once (`settings = ModelSettings(...)`). The
owner's `model=` names the model:

- on a RunConfig it is the model that runs (it replaces every agent's);
- on an Agent it is only the model until a RunConfig replaces it at run time, which may happen
  anywhere: the model is taken for the checks, but no fix may rest on it;
- a Model object (`OpenAIChatCompletionsModel(model=..., openai_client=...)`, `LitellmModel`)
  names the model by its own `model=`, and its client, which is not read here, the endpoint;
- with no owner or no `model=`, the model is the SDK's default, which depends on its version
  and on OPENAI_DEFAULT_MODEL: unknown.

The provider comes from the model (the SDK's default client is OpenAI's, but
`set_default_openai_client` may replace it in any module), so a fix that needs the endpoint
stays unsafe. The limit's own name is the options class's, whatever the API: a wrong name
raises TypeError in the SDK, and its rename is safe everywhere.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional, Sequence

from ..knowledge import Surface
from ..knowledge.schema import SdkCall

if TYPE_CHECKING:
    from ..analysis.callsites import CallSite, CallSiteFinder

# The rules load on every run and read `Options`; the analysis is imported only where a file
# may call a model, so the hooks import it when first called (tests/test_lazy_imports.py).

KIND = "settings_object"


@dataclass(frozen=True)
class Options(SdkCall):
    functions: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()  # the calls the object is given to, whose model it takes
    replaceable_owners: tuple[str, ...] = ()  # owners whose model another may replace at run time (an Agent's, by a RunConfig)
    owner_keyword: str = "model_settings"


def at_function(finder: "CallSiteFinder", call: ast.Call, surface: Surface, name: str,
                chain: Sequence[str]) -> Optional["CallSite"]:
    from ..analysis.receivers import Receiver
    from ..analysis.sdk_call import sdk_site
    from ..analysis.targets import PRAGMA

    options: Options = surface.options
    owner, owner_name = _owner(finder, call, options)
    model_object = None
    if owner is not None:
        given = next((k.value for k in owner.keywords if k.arg in options.model_keywords), None)
        if isinstance(given, ast.Name):
            given = (finder.r.assigned_value(given) or (given,))[0]  # `model = OpenAIChatCompletionsModel(...)`
        if isinstance(given, ast.Call):
            model_object = given  # its own `model=` names the model
    source = model_object if model_object is not None else owner
    # a routing prefix on the owner's model (pydantic-ai's "openai:gpt-4o") names the provider
    routed = Receiver(construction=owner) if options.routing and owner is not None and model_object is None else None
    site = sdk_site(finder, call, surface, name, routed, source=source if source is not None else call, can_insert=False)
    if site is None:
        return None
    site.door_seen = True  # the options class is named by its qualified name: no guess
    target = site.target
    if owner is None:
        target.note(call.lineno, f"not given to {' or '.join(dict.fromkeys(_short(o) for o in options.owners))} here: the model is not seen")
        return site
    target.note(owner.lineno, f"given to {_short(owner_name)}(...) as `{options.owner_keyword}=`")
    if model_object is not None and target.provider_source != PRAGMA:
        target.provider, target.provider_source, target.opaque = None, None, True
        target.note(model_object.lineno, "a model object: its own client, not read here, decides the endpoint")
    model_stated = any(e.text.startswith("pragma model=") for e in target.evidence)  # `# tokenfix: model=...` says which runs
    if owner_name in options.replaceable_owners and target.model_name is not None and not model_stated:
        target.deployment = True
        target.note(owner.lineno, f"a RunConfig(model=...) may replace {_short(owner_name)}'s model at run time: "
                                  "fixes that rest on the model are unsafe")
    return site


def _owner(finder: "CallSiteFinder", call: ast.Call, options: Options) -> tuple[Optional[ast.Call], str]:
    """The owner call the object is given to, and its qualified name, or (None, "")."""
    r = finder.r
    parent = r.parent(call)
    if isinstance(parent, ast.keyword) and parent.arg == options.owner_keyword:
        owner = r.parent(parent)
        if isinstance(owner, ast.Call):
            name = _owner_name(finder, owner, options)
            return (owner, name) if name else (None, "")
    if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name):
        bound = parent.targets[0].id
        found = []
        for other in finder.calls:
            arg = next((k for k in other.keywords if k.arg == options.owner_keyword), None)
            if arg is not None and isinstance(arg.value, ast.Name) and arg.value.id == bound:
                if (r.assigned_value(arg.value) or (None,))[0] is call:
                    name = _owner_name(finder, other, options)
                    if name:
                        found.append((other, name))
        if len(found) == 1:  # given to one owner: its model; to several, which one runs is not one answer
            return found[0]
    return None, ""


def _owner_name(finder: "CallSiteFinder", owner: ast.Call, options: Options) -> str:
    return next((n for n in sorted(finder.r.qualified_names(owner.func)) if n in options.owners), "")


def _short(name: str) -> str:
    return name.rsplit(".", 1)[-1]
