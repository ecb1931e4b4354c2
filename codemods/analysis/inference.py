"""The one target inference: which provider and model an SDK call reaches, and how we know.

Every SDK door (sdk_method, sdk_function, constructor, settings_object) asks `infer` with the
call, its surface and what its receiver was traced to (receivers.py). The order of the
evidence is DESIGN.md's: a `# tokenfix:` pragma, the client (its construction, read once by
clients.py, whether built here or in an imported module), an SDK module's own client, a
routing prefix or keyword, the model string, the configured default. Anything that may
redirect the endpoint unseen (a spread, an environment setting, a `client.base_url = ...`
after construction, an openai 0.x deployment keyword) leaves the provider unknown.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from ..knowledge import Surface
from .clients import client_target, with_options
from .environment import EnvSetting
from .nodes import keyword, positional
from .receivers import Receiver, chained_options, root_name
from .targets import CLIENT, CONFIG, MODEL, PRAGMA, ClientFacts, Target, apply_client
from .values import StrValue

if TYPE_CHECKING:
    from .callsites import CallSiteFinder
    from .sdk_call import SdkCall


@dataclass
class Inferred:
    """The target of one SDK call, and the facts the call site keeps beside it."""

    target: Target
    sdk: Optional[str]  # the provider whose SDK makes the call
    client: Optional[ClientFacts]  # the client's construction as read, when one is seen
    known_receiver: bool


def infer(finder: "CallSiteFinder", call: ast.Call, surface: Surface, method: str,
          receiver: Optional[Receiver], source: ast.Call) -> Optional[Inferred]:
    """The target of `call`; `source` is the call that names the model and the endpoint (the
    call itself, or the chat model's construction for a constructor door). None when the
    receiver is traced to something that is no LLM client of this surface."""
    options: SdkCall = surface.options
    r = finder.r
    target = Target()
    keywords = {k.arg: k for k in call.keywords if k.arg is not None}
    node = model_node(finder, source, options)
    model = r.str_value(node) if node is not None else None
    pragmas(finder, call, target)
    known_receiver = False
    sdk = None
    client: Optional[ClientFacts] = None
    constructor = surface.kind == "constructor"
    modules = finder.knowledge.module_providers
    if receiver is not None and receiver.function:
        known_receiver = True
        sdk = modules.get(receiver.module or "")
        if sdk is not None:
            from_module(finder, sdk, receiver.module, call, target)
        elif options.routing:
            model = route(finder, source, options, model, target)
    elif options.routing and receiver is not None and receiver.construction is not None and (
        constructor or r.qualified_names(receiver.construction.func) & set(options.receivers)
    ):
        known_receiver = True  # init_chat_model(...), litellm.Router(...): the provider comes from the model
        model = route(finder, source if constructor else call, options, model, target)
    elif receiver is not None and receiver.facts is not None:
        client = with_options(finder, receiver.facts, chained_options(finder, call))
        sdk = apply_client(finder.knowledge, client, target, finder.settings.default_endpoint)
        known_receiver = sdk is not None
    elif receiver is not None and receiver.annotated is not None:
        sdk = annotated_client(finder, receiver.annotated, target)
        known_receiver = sdk is not None
    elif receiver is not None and receiver.candidates:
        target.opaque = True  # which client reaches this call is decided at run time
        shown = ", ".join(str(n) for n in receiver.candidates)
        if receiver.injected:
            target.note(call.lineno, f"the client is the caller's, else the one built on line {shown}: target unknown")
        elif receiver.union:
            target.note(call.lineno, f"the parameter of line {shown} may hold any of {receiver.union} client classes: target unknown")
        else:
            target.note(call.lineno, f"the client is built in {len(receiver.candidates)} places (lines {shown}): target ambiguous")
        sdks = receiver.candidate_sdks
        if sdks and None not in sdks and (not options.sdks or all(s in options.sdks for s in sdks)):
            sdk, known_receiver = sdks[0], True  # every one of them is this door's SDK: the door is seen
    elif receiver is not None and receiver.module is not None:
        sdk = modules.get(receiver.module)
        known_receiver = sdk is not None and from_module(finder, sdk, receiver.module, call, target)
    elif receiver is not None and receiver.construction is not None:
        sdk, client = client_target(finder, receiver.construction, target, chained_options(finder, call))
        known_receiver = sdk is not None
        if not known_receiver:
            return None  # built by something we know is not an LLM client
    if sdk is not None and options.sdks and sdk not in options.sdks:
        return None  # e.g. `.chat(...)` on an OpenAI client is not Ollama's chat
    redirected = finder.redirected.get(root_name(call.func)) if finder.redirected else None
    if redirected is not None and target.provider_source != PRAGMA:
        target.provider, target.provider_source, target.opaque = None, None, True
        target.note(redirected, "the client's base_url is assigned after it is built: provider unknown")
    deployment = next((keywords[k] for k in options.deployment_keywords if k in keywords), None)
    if deployment is not None and target.provider_source != PRAGMA:
        target.provider, target.provider_source, target.opaque, target.deployment = None, None, True, True
        target.note(deployment.lineno, f"`{deployment.arg}=` names a deployment (openai 0.x on Azure): "
                                       "its endpoint, API version and model are not seen")
    apply_model(finder, model, node, target)
    if not known_receiver and not distinctive(surface, method, target):
        return None
    if target.provider is None and not target.opaque and surface.provider is not None:
        target.provider = finder.knowledge.provider(surface.provider)
        target.provider_source = CLIENT if known_receiver else MODEL
        target.note(call.lineno, f"{surface.id} is {surface.provider}'s API")
    fallbacks(finder, target, call)
    return Inferred(target, sdk, client, known_receiver)


def model_node(finder: "CallSiteFinder", call: ast.Call, options: "SdkCall") -> Optional[ast.expr]:
    """The expression that names the model: a model keyword, the first positional argument
    where the door takes it there, or a `model` key of a dict the call spreads."""
    for arg in call.keywords:
        if arg.arg is not None and arg.arg in options.model_keywords:
            return arg.value
    if options.model_positional:
        plain = positional(call)
        if plain:
            return plain[0]
    return spread_value(finder, call, "model")


def spread_value(finder: "CallSiteFinder", call: ast.Call, key: str) -> Optional[ast.expr]:
    """The value of `key` in a `**dict` the call spreads, when that dict is known."""
    for arg in call.keywords:
        if arg.arg is None:
            spread = finder.r.dict_value(arg.value)
            for entry in spread.entries if spread else ():
                if entry.key == key:
                    return entry.value
    return None


def route(finder: "CallSiteFinder", call: ast.Call, options: "SdkCall", model: Optional[StrValue],
          target: Target) -> Optional[StrValue]:
    """Provider from a routing prefix (`ollama/llama3`, `ollama:llama3`) or a provider keyword."""
    line = call.lineno
    if options.provider_keyword:
        arg = keyword(call, options.provider_keyword)
        named = finder.r.str_value(arg.value) if arg is not None else None
        if named is not None and named.value in options.routing:
            _set_provider(finder, target, options.routing[named.value], line, f"{options.provider_keyword}={named.value!r}")
            return model
    if model is None or not model.complete:
        return model
    for separator in ("/", ":"):
        prefix, found, rest = model.value.partition(separator)
        if found and prefix in options.routing:
            _set_provider(finder, target, options.routing[prefix], line, f"model prefix {prefix!r}")
            return StrValue(rest, model.evidence)
    return model


def _set_provider(finder: "CallSiteFinder", target: Target, provider_id: str, line: int, why: str) -> None:
    if target.provider is not None:
        return
    target.provider = finder.knowledge.provider(provider_id)
    target.provider_source = CLIENT
    target.note(line, f"{why}: {target.provider.name if target.provider else provider_id}")


def distinctive(surface: Surface, method: str, target: Target) -> bool:
    """Without a traced receiver, keep a call only when it cannot be something else."""
    options: SdkCall = surface.options
    if options.distinctive:
        return True
    if target.provider_source == PRAGMA:
        return True
    if target.model is not None:
        wanted = set(options.model_providers) or ({surface.provider} if surface.provider else set())
        return bool(wanted & set(target.model.providers))
    return False


def from_module(finder: "CallSiteFinder", provider_id: str, module: str, call: ast.Call, target: Target) -> bool:
    """`openai.chat.completions.create(...)`: the module's own client, built as `Client()` would be,
    so the environment (and `openai.base_url = ...`) redirects it the same way."""
    if target.provider is not None:
        return True
    knowledge, env = finder.knowledge, finder.env
    provider = knowledge.provider(provider_id)
    if provider is None:
        return True
    facts = ClientFacts(provider.clients[0] if provider.clients else module, call.lineno)
    setting = next(filter(None, (env.lookup(f"{module}.{attr}") for attr in knowledge.clients.module_url_attributes)), None) \
        or next(filter(None, (env.lookup(var) for var in provider.env)), None)
    switch = next(filter(None, (env.lookup(var) for var in provider.module_env)), None)
    if switch is not None and setting is None:
        setting = EnvSetting(switch.var, None, switch.kind, switch.origin, switch.line)  # it is no URL: the endpoint is unknown
    facts.env = setting
    target.note(call.lineno, f"module-level `{module}` client")
    apply_client(knowledge, facts, target, finder.settings.default_endpoint)
    return True


def pragmas(finder: "CallSiteFinder", call: ast.Call, target: Target) -> None:
    """`# tokenfix: provider=... model=...` on the call's lines or the line above."""
    first, _, last, _ = finder.span(call)
    statement_first = max(first - 1, 1)
    found = finder.comments.pragma("provider", statement_first, last)
    if found is not None:
        provider = finder.knowledge.provider(found[1])
        if provider is not None:
            target.provider, target.provider_source = provider, PRAGMA
            target.note(found[0], f"pragma provider={found[1]}")
        else:
            target.note(found[0], f"pragma names unknown provider {found[1]!r}: ignored")
    found = finder.comments.pragma("model", statement_first, last)
    if found is not None:
        target.model_name = found[1]
        target.note(found[0], f"pragma model={found[1]}")


def annotated_client(finder: "CallSiteFinder", annotated: tuple[str, ast.arg], target: Target) -> Optional[str]:
    """A parameter annotated with a client class: the door is that SDK's, but the client is
    built by the caller, so its endpoint is not seen. Only a class that fixes its API whatever
    the endpoint (Azure's, Ollama's native one: class_decides) says the provider."""
    name, arg = annotated
    provider = finder.knowledge.provider_for_client(name)
    if provider is None:
        return None
    if target.provider is not None:  # a pragma decided
        return provider.id
    target.note(arg.lineno, f"`{arg.arg}` is a parameter annotated {name}: the caller builds the client, its endpoint is not seen")
    if provider.class_decides:
        target.provider, target.provider_source = provider, CLIENT
        if provider.api_versioned:
            target.note(arg.lineno, "api_version not seen")
    else:
        target.opaque = True
    return provider.id


def apply_model(finder: "CallSiteFinder", model: Optional[StrValue], arg: Optional[ast.AST], target: Target) -> None:
    """The model: a pragma's, else the configured one where the code names none we can read,
    else the code's; looked up for the provider already known."""
    knowledge, settings = finder.knowledge, finder.settings
    if target.model_name is None and (model is None or not model.complete) and settings.model:
        target.model_name = settings.model
        target.note(arg.lineno if arg is not None else 0, f"configured model for this path: {settings.model}")
    if target.model_name is None and model is not None and model.complete:
        target.model_name = model.value
        for node, text in model.evidence:
            target.note(node.lineno, text)
        if arg is not None:
            target.note(arg.lineno, f"model {model.value!r}")
            if model.fallback:
                target.model_default = True
                target.note(arg.lineno, "only a default: another model may run, so no fix rests on this one")
            if target.provider is not None and target.provider.deployments:
                target.deployment = True
                target.note(arg.lineno, "on Azure `model` names a deployment, which may run any model: "
                                        "fixes that rest on the model are unsafe (pragma `# tokenfix: model=...` to say which)")
    provider_id = target.provider.id if target.provider else None
    target.model = knowledge.find_model(target.model_name, provider_id)
    if target.model is None and target.model_name and target.provider is None:
        target.model = knowledge.find_model(target.model_name)
    found = target.model
    if found is not None:
        line = arg.lineno if arg is not None else 0
        if found.alias_of:
            target.note(line, f"{found.id} is an alias of {found.alias_of}")
        if found.imported:
            target.note(line, f"{found.id}: limits from {found.source}, not curated: no fix rests on them")
        else:
            target.note(line, f"{found.id}: limits from {found.source} (curated, rules/models.toml)")


def fallbacks(finder: "CallSiteFinder", target: Target, call: ast.Call) -> None:
    """Model string, then the configured default, when nothing stronger said anything."""
    if target.provider is not None:
        return
    knowledge, settings = finder.knowledge, finder.settings
    # Where the code names an endpoint we cannot see, the model string proves nothing.
    model = None if target.opaque else target.model
    if model is not None and (len(model.providers) == 1 or model.providers[0] == "openai"):
        target.provider = knowledge.provider(model.providers[0])
        target.provider_source = MODEL
        target.note(call.lineno, f"model {model.id} is served by {', '.join(model.providers)}: assuming {model.providers[0]}")
        return
    if settings.provider:
        target.provider = knowledge.provider(settings.provider)
        target.provider_source = CONFIG
        target.note(call.lineno, f"configured default provider {settings.provider}")
