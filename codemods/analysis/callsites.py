"""Find the LLM calls of a module and what each says about its output-token limit.

One `CallSite` per call: the API surface it uses, the nodes that carry its limit (a keyword,
a `**spread` dict, a JSON payload, an Ollama `options` dict), and its target. Receivers are
traced to their construction (`client = OpenAI(...)`, `self.client = ...` in the class,
`with httpx.Client() as c`) through the scope analysis of scopes.py; calls whose receiver cannot be
traced are kept only where the method chain or the model string leaves no doubt.

The tree is the standard library's `ast` (source.py); the nodes a finding points at or a fix
replaces are found again in LibCST's tree only when a fix is applied or shown (engine.py).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Optional, Sequence, Union

from .clients import OPTION_CALLS, environment_writes, read_client, timeout_given, with_options
from ..knowledge.config import Settings
from .environment import Environment, EnvSetting
from ..knowledge import Knowledge, Surface
from .nodes import find_all, is_name, is_self_attribute, is_true, keyword, positional, walk
from .scopes import Scopes
from .source import Source, order
from .targets import CLIENT, CONFIG, MODEL, PRAGMA, URL, URL_KEYWORDS, ClientFacts, Target, apply_client, parse_url, provider_from_url
from .values import UNKNOWN_PART, DictItem, DictValue, Resolver, StrValue

LIMIT_NAMES = ("max_tokens", "max_completion_tokens", "max_output_tokens", "num_predict")

# Attribute hops that return the same client (or a view of it) and say nothing about the target.
_PASS_THROUGH_ATTRS = {"with_raw_response", "with_streaming_response", "aio"}
_PASS_THROUGH_CALLS = set(OPTION_CALLS)

_HTTP_FUNCTIONS = {
    "requests.post", "requests.api.post", "requests.request", "requests.api.request",
    "httpx.post", "httpx.request", "httpx.AsyncClient.post", "httpx.Client.post",
}
_HTTP_SESSIONS = {
    "requests.Session", "requests.session", "requests.sessions.Session",
    "httpx.Client", "httpx.AsyncClient", "aiohttp.ClientSession",
}

# SDK modules that double as a default client (`openai.chat.completions.create(...)`).
_MODULE_PROVIDERS = {"openai": "openai", "anthropic": "anthropic", "ollama": "ollama", "groq": "groq", "together": "together"}


@dataclass
class LimitParam:
    """One place where the call's limit is written."""

    name: str
    key_node: Union[ast.keyword, ast.expr]  # the keyword, or the string literal (dict key), carrying the name
    value: ast.expr
    owner: Union[ast.keyword, DictItem, ast.Assign]  # what a diagnostic points at
    via: str  # "keyword", "**spread", "payload", "options"
    conditional: bool = False  # written in a branch: the code may choose the name at run time
    maybe_absent: bool = False  # its value may be a "not given" sentinel: the SDK may leave it out


@dataclass
class CallSite:
    call: ast.Call
    surface: Surface
    method: str
    target: Target
    limits: list[LimitParam] = field(default_factory=list)
    names_present: set[str] = field(default_factory=set)  # keys already in the limit's container
    open_ended: bool = False  # the container may hold keys we cannot see
    streaming: bool = False
    has_timeout: bool = False  # a timeout is given (call, client or with_options): the SDK's cap is lifted
    cap_seen: bool = True  # nothing unseen (a spread, a variable `stream=`) may lift that cap
    can_insert: bool = False  # a missing keyword can be added to the call itself
    sdk: Optional[str] = None  # the provider whose SDK makes the call (rules' keyword_since)
    sdk_package: Optional[str] = None  # that SDK's package (`openai`, `groq`)
    line: int = 0


class _Receiver:
    """What an expression that a method is called on was built from."""

    def __init__(self, construction: Optional[ast.Call] = None, module: Optional[str] = None, function: bool = False,
                 candidates: Sequence[int] = (), facts: Optional[ClientFacts] = None):
        self.facts = facts  # a client built in another module of the run
        self.construction = construction
        self.module = module
        self.function = function  # a module-level SDK function named by its qualified name
        self.candidates = candidates  # lines of several constructions the name may hold


class CallSiteFinder:
    """Collects calls in one walk of the module; analyses them once comments are all known."""

    # Parents and scopes (scopes.py) come from one walk of the module, positions and comments
    # from its Source (source.py).

    def __init__(self, knowledge: Knowledge, settings: Settings, index=None, module_names: Sequence[str] = (), source: Optional[Source] = None):
        self.source = source
        self.knowledge = knowledge
        self.settings = settings
        self.index = index  # ClientIndex of the whole run: clients imported from other modules
        self.module_names = module_names  # dotted names of this file, for relative imports
        self.comments = source.comments if source is not None else None
        self.sites: list[CallSite] = []
        self._calls: list[ast.Call] = []
        self._class_of: dict[int, Optional[ast.ClassDef]] = {}  # id(call) -> the class it is written in
        self.r = Resolver(self)
        self.parents: dict[int, ast.AST] = {}  # id(node) -> parent
        self.scopes: Optional[Scopes] = None
        self._built: dict[tuple[int, str], Optional[ast.Call]] = {}  # (id(class), attr) -> its construction
        # What may redirect an SDK's default endpoint: the project's files, then this module's writes.
        self.env: Environment = getattr(index, "environment", None) or Environment()
        self._redirected: dict[str, int] = {}  # `client.base_url = ...` after construction: name -> line

    def prepare(self, module: ast.Module) -> None:
        """The walk without the analysis of calls: what the client reader needs (clientindex.py)."""
        self._walk(module)

    # -- traversal -------------------------------------------------------------------------
    def collect(self, module: ast.Module) -> None:
        """One walk (nodes.walk): parents, string literals (for the comments), the calls and their
        classes; then each call is analysed, once every comment (pragmas, noqa) is known."""
        self._walk(module)
        for call in self._calls:
            site = self._analyse(call)
            if site is not None:
                self.sites.append(site)

    def _walk(self, module: ast.Module) -> None:
        parents, calls, class_of = self.parents, self._calls, self._class_of
        enclosing: dict[int, Optional[ast.ClassDef]] = {id(module): None}
        strings, assigns = [], []
        walked = list(walk(module))
        for node, parent in walked:
            if parent is None:
                continue
            parents[id(node)] = parent
            owner = parent if type(parent) is ast.ClassDef else enclosing[id(parent)]
            enclosing[id(node)] = owner
            kind = type(node)
            if kind is ast.Call:
                if type(node.func) is ast.Attribute or type(node.func) is ast.Name:
                    calls.append(node)
                    class_of[id(node)] = owner
            elif kind is ast.Constant or kind is ast.JoinedStr:
                if type(parent) is not ast.JoinedStr and type(parent) is not ast.FormattedValue:
                    strings.append(node)
            elif kind is ast.Assign:
                assigns.append(node)
        self.source.scan_comments(strings)
        calls.sort(key=lambda call: (call.lineno, call.col_offset))
        self.scopes = Scopes(module, walked, parents, order)
        text = self.source.text
        if "environ" in text or "putenv" in text or "base_url" in text or "api_base" in text or "setattr" in text \
                or "dotenv" in text:
            self.env = self.env.with_writes(environment_writes(self, [*assigns, *calls]))
        if "base_url" in text or "api_base" in text:
            self._redirected = _redirected_clients(assigns)

    # -- positions -------------------------------------------------------------------------
    def span(self, node: ast.AST) -> tuple[int, int, int, int]:
        """(line, column, end line, end column): lines 1-based, columns 0-based."""
        return self.source.span(node)

    def line(self, node: ast.AST) -> int:
        return node.lineno

    # -- analysis --------------------------------------------------------------------------
    def _analyse(self, call: ast.Call) -> Optional[CallSite]:
        chain, root = self._chain(call.func)
        if not chain:
            return None
        qualified = self.r.qualified_names(call.func)
        for name in sorted(qualified):
            surface = self.knowledge.surface_for_function(name)
            if surface is not None:
                receiver = _Receiver(construction=call) if surface.constructor else _Receiver(module=name.split(".")[0], function=True)
                return self._sdk_site(call, surface, name, chain, receiver)
        http = self._http_site(call, chain, root, qualified)
        if http is not None:
            return http
        if chain[-1] == "bind" and root is not None:
            return self._bind_site(call, chain, root)
        found = self.knowledge.surface_for_method(chain)
        if found is None:
            return None
        surface, method = found
        receiver = self._receiver(root, call, chain) if root is not None else None
        return self._sdk_site(call, surface, method, chain, receiver)

    def _bind_site(self, call: ast.Call, chain, root) -> Optional[CallSite]:
        """`llm.bind(max_tokens=...)` on a LangChain chat model: the limit joins the model's."""
        receiver = self._receiver(root, call) if len(chain) == 1 else None
        if receiver is None or receiver.construction is None:
            return None
        for name in sorted(self.r.qualified_names(receiver.construction.func)):
            surface = self.knowledge.surface_for_function(name)
            if surface is not None and surface.constructor:
                return self._sdk_site(call, surface, f"{name}(...).bind", chain, receiver)
        return None

    def _chain(self, func: ast.expr) -> tuple[tuple[str, ...], Optional[ast.expr]]:
        """Attribute names from the receiver to the method, skipping client pass-throughs."""
        names: list[str] = []
        node = func
        while True:
            if is_self_attribute(node) and node is not func:
                break  # `self.client`: the receiver is the attribute, traced through the class
            if isinstance(node, ast.Attribute):
                if node.attr not in _PASS_THROUGH_ATTRS:
                    names.append(node.attr)
                node = node.value
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in _PASS_THROUGH_CALLS
            ):
                node = node.func.value
            else:
                break
        if isinstance(func, ast.Name):
            return (func.id,), None
        return tuple(reversed(names)), node

    def _receiver(self, root: ast.expr, call: ast.Call, chain: Sequence[str] = ()) -> Optional[_Receiver]:
        """Trace the receiver to the call that built it, an SDK module, or an imported client."""
        if isinstance(root, ast.Call):
            return _Receiver(construction=root)
        if isinstance(root, ast.Name):
            qualified = self.r.qualified_names(root)
            for name in qualified:
                top = name.split(".")[0]
                if top in _MODULE_PROVIDERS and name == top:
                    return _Receiver(module=top)
            imported = self._imported_client(qualified, chain)
            if imported is not None:
                return _Receiver(facts=imported)
            built = self._binding_call(root)
            if built is not None:
                return _Receiver(construction=built)
            candidates = self._candidates(root)
            if len(candidates) > 1 and self._same_target(candidates):
                return _Receiver(construction=candidates[0])  # every branch builds the same client
            return _Receiver(candidates=sorted(self.line(c) for c in candidates)) if len(candidates) > 1 else None
        if is_self_attribute(root):
            owner = self._class_of.get(id(call))
            if owner is not None:
                built = self._attribute_construction(owner, root.attr)
                if built is not None:
                    return _Receiver(construction=built)
        return None

    def _imported_client(self, qualified: set[str], chain: Sequence[str]) -> Optional[ClientFacts]:
        """`from app.llm import client` or `import app.llm as llm; llm.client...`, via the run's index."""
        if self.index is None or not len(self.index):
            return None
        for name in sorted(qualified):
            for absolute in self._absolute(name):
                for candidate in (absolute, f"{absolute}.{chain[0]}" if chain else None):
                    facts = self.index.lookup(candidate) if candidate else None
                    if facts is not None:
                        return facts
        return None

    def _absolute(self, name: str) -> list[str]:
        """A relative import's dotted name made absolute from this file's own module names."""
        if not name.startswith("."):
            return [name]
        level = len(name) - len(name.lstrip("."))
        rest = name.lstrip(".")
        found = []
        for module in self.module_names:
            package = module.split(".")[: -level] if level else module.split(".")
            found.append(".".join([*package, rest]) if rest else ".".join(package))
        return found

    def _same_target(self, constructions: list[ast.Call]) -> bool:
        targets = []
        for construction in constructions:
            target = Target()
            if self._from_construction(construction, target)[0] is None or target.opaque or target.provider is None:
                return False
            targets.append((target.provider.id, target.api_version, target.azure_v1))
        return len(set(targets)) == 1

    def _candidates(self, name: ast.Name) -> list[ast.Call]:
        """The LLM-client constructions a name is bound to, when it is bound in several places."""
        found = []
        for assignment in self.r.assignments(name):
            node = getattr(assignment, "node", None)
            statement = self.r.parent(node) if isinstance(node, ast.Name) else None
            value = statement.value if isinstance(statement, ast.Assign) and any(t is node for t in statement.targets) else None
            if isinstance(value, ast.Await):
                value = value.value
            if isinstance(value, ast.Call) and any(self.knowledge.provider_for_client(n) for n in self.r.qualified_names(value.func)):
                found.append(value)
        return found

    def _binding_call(self, name: ast.Name) -> Optional[ast.Call]:
        found = self.r.assigned_value(name)
        if found is not None:
            value = found[0]
            return value if isinstance(value, ast.Call) else None
        assignment = self.r.single_assignment(name)
        if assignment is None:
            return None
        item = self.r.parent(assignment.node)
        if isinstance(item, ast.withitem) and item.optional_vars is assignment.node and isinstance(item.context_expr, ast.Call):
            return item.context_expr
        return None

    def _attribute_construction(self, owner: ast.ClassDef, attr: str) -> Optional[ast.Call]:
        """`self.attr = SomeClient(...)` anywhere in the class, or `attr = ...` in its body.

        Asked for every `self.client.….create(...)` of the class: the class is walked once an attribute."""
        key = (id(owner), attr)
        if key not in self._built:
            self._built[key] = self._find_attribute_construction(owner, attr)
        return self._built[key]

    def _find_attribute_construction(self, owner: ast.ClassDef, attr: str) -> Optional[ast.Call]:
        found: list[ast.Call] = []
        def builds_self_attr(assign: ast.Assign) -> bool:
            return (isinstance(assign.value, ast.Call) and len(assign.targets) == 1
                    and is_self_attribute(assign.targets[0], attr, receivers=("self",)))

        for statement in owner.body:
            found += [assign.value for assign in find_all(statement, ast.Assign, builds_self_attr)]
        body = owner.body
        for at, statement in enumerate(body):
            # one statement on its line (LibCST's SimpleStatementLine of one), not `a = 1; b = X()`
            alone = (at == 0 or body[at - 1].end_lineno != statement.lineno) and (
                at + 1 == len(body) or body[at + 1].lineno != statement.end_lineno)
            if isinstance(statement, ast.Assign) and alone:
                if isinstance(statement.value, ast.Call) and len(statement.targets) == 1 and is_name(statement.targets[0], attr):
                    found.append(statement.value)
        if len(found) == 1 or (len(found) > 1 and self._same_target(found)):
            return found[0]  # several branches that build the same client are one client
        return None

    # -- SDK calls -------------------------------------------------------------------------
    def _sdk_site(
        self,
        call: ast.Call,
        surface: Surface,
        method: str,
        chain: Sequence[str],
        receiver: Optional[_Receiver],
    ) -> Optional[CallSite]:
        target = Target()
        keywords = {k.arg: k for k in call.keywords if k.arg is not None}
        # A constructor (or `.bind` on one) carries the model and the endpoint.
        source = receiver.construction if receiver is not None and surface.constructor and receiver.construction is not None else call
        model_node = self._model_node(source, surface)
        model = self.r.str_value(model_node) if model_node is not None else None
        self._pragmas(call, target)
        known_receiver = False
        sdk = None
        client: Optional[ClientFacts] = None
        if receiver is not None and receiver.function:
            known_receiver = True
            sdk = _MODULE_PROVIDERS.get(receiver.module or "")
            if sdk is not None:
                self._from_module(sdk, receiver.module, call, target)
            elif surface.routing:
                model = self._route(source, surface, model, target)
        elif surface.routing and receiver is not None and receiver.construction is not None and (
            surface.constructor or self.r.qualified_names(receiver.construction.func) & set(surface.receivers)
        ):
            known_receiver = True  # init_chat_model(...), litellm.Router(...): the provider comes from the model
            model = self._route(source if surface.constructor else call, surface, model, target)
        elif receiver is not None and receiver.facts is not None:
            client = with_options(self, receiver.facts, _chained_options(call))
            sdk = apply_client(self.knowledge, client, target, self.settings.default_endpoint)
            known_receiver = sdk is not None
        elif receiver is not None and receiver.candidates:
            target.opaque = True  # which client reaches this call is decided at run time
            shown = ", ".join(str(n) for n in receiver.candidates)
            target.note(self.line(call), f"the client is built in {len(receiver.candidates)} places (lines {shown}): target ambiguous")
        elif receiver is not None and receiver.module is not None:
            sdk = _MODULE_PROVIDERS.get(receiver.module)
            known_receiver = sdk is not None and self._from_module(sdk, receiver.module, call, target)
        elif receiver is not None and receiver.construction is not None:
            sdk, client = self._from_construction(receiver.construction, target, _chained_options(call))
            known_receiver = sdk is not None
            if not known_receiver:
                return None  # built by something we know is not an LLM client
        if sdk is not None and surface.sdks and sdk not in surface.sdks:
            return None  # e.g. `.chat(...)` on an OpenAI client is not Ollama's chat
        redirected = self._redirected.get(_root_name(call.func)) if self._redirected else None
        if redirected is not None and target.provider_source != PRAGMA:
            target.provider, target.provider_source, target.opaque = None, None, True
            target.note(redirected, "the client's base_url is assigned after it is built: provider unknown")
        deployment = next((keywords[k] for k in surface.deployment_keywords if k in keywords), None)
        if deployment is not None and target.provider_source != PRAGMA:
            target.provider, target.provider_source, target.opaque, target.deployment = None, None, True, True
            target.note(self.line(deployment), f"`{deployment.arg}=` names a deployment (openai 0.x on Azure): "
                                               "its endpoint, API version and model are not seen")
        self._model(model, model_node, target)
        if not known_receiver and not self._distinctive(surface, method, target):
            return None
        if target.provider is None and not target.opaque and surface.provider is not None:
            target.provider = self.knowledge.provider(surface.provider)
            target.provider_source = CLIENT if known_receiver else MODEL
            target.note(self.line(call), f"{surface.id} is {surface.provider}'s API")
        self._fallbacks(target, call)
        site = CallSite(call, surface, method, target, line=self.line(call))
        site.sdk = sdk
        site.sdk_package = client.class_name.split(".")[0] if client is not None else (
            receiver.module if receiver is not None and receiver.module in _MODULE_PROVIDERS else None)
        site.streaming = method in surface.streaming_methods or self._is_true(keywords.get("stream"))
        if surface.container_key:
            holder = keywords.get(surface.container_key)
            if holder is not None:
                self._collect_dict(site, self.r.config_value(holder.value), surface.container_key)
        else:
            site.can_insert = not surface.constructor
            self._collect_keywords(site, call)
        self._timeouts(site, call, keywords, client)
        return site

    def _model_node(self, call: ast.Call, surface: Surface) -> Optional[ast.expr]:
        for arg in call.keywords:
            if arg.arg is not None and arg.arg in surface.model_keywords:
                return arg.value
        if surface.model_positional:
            plain = positional(call)
            if plain:
                return plain[0]
        return self._spread_value(call, "model")

    def _route(self, call: ast.Call, surface: Surface, model: Optional[StrValue], target: Target) -> Optional[StrValue]:
        """Provider from a routing prefix (`ollama/llama3`, `ollama:llama3`) or a provider keyword."""
        line = self.line(call)
        if surface.provider_keyword:
            arg = keyword(call, surface.provider_keyword)
            named = self.r.str_value(arg.value) if arg is not None else None
            if named is not None and named.value in surface.routing:
                self._set_provider(target, surface.routing[named.value], CLIENT, line, f"{surface.provider_keyword}={named.value!r}")
                return model
        if model is None or not model.complete:
            return model
        for separator in ("/", ":"):
            prefix, found, rest = model.value.partition(separator)
            if found and prefix in surface.routing:
                self._set_provider(target, surface.routing[prefix], CLIENT, line, f"model prefix {prefix!r}")
                return StrValue(rest, model.evidence)
        return model

    def _set_provider(self, target: Target, provider_id: str, source: str, line: int, why: str) -> None:
        if target.provider is not None:
            return
        target.provider = self.knowledge.provider(provider_id)
        target.provider_source = source
        target.note(line, f"{why}: {target.provider.name if target.provider else provider_id}")

    def _spread_value(self, call: ast.Call, key: str) -> Optional[ast.expr]:
        """The value of `key` in a `**dict` the call spreads, when that dict is known."""
        for arg in call.keywords:
            if arg.arg is None:
                spread = self.r.dict_value(arg.value)
                for entry in spread.entries if spread else ():
                    if entry.key == key:
                        return entry.value
        return None

    def _distinctive(self, surface: Surface, method: str, target: Target) -> bool:
        """Without a traced receiver, keep a call only when it cannot be something else."""
        if "chat.completions" in method or method.startswith("ChatCompletion"):
            return True
        if target.provider_source == PRAGMA:
            return True
        if target.model is not None:
            wanted = {surface.provider} if surface.provider else {"openai", "azure"}
            return bool(wanted & set(target.model.providers))
        return False

    def _from_module(self, provider_id: str, module: str, call: ast.Call, target: Target) -> bool:
        """`openai.chat.completions.create(...)`: the module's own client, built as `Client()` would be,
        so the environment (and `openai.base_url = ...`) redirects it the same way."""
        if target.provider is not None:
            return True
        provider = self.knowledge.provider(provider_id)
        if provider is None:
            return True
        facts = ClientFacts(provider.clients[0] if provider.clients else module, self.line(call))
        setting = self.env.lookup(f"{module}.base_url") or self.env.lookup(f"{module}.api_base") \
            or next(filter(None, (self.env.lookup(var) for var in provider.env)), None)
        switch = next(filter(None, (self.env.lookup(var) for var in provider.module_env)), None)
        if switch is not None and setting is None:
            setting = EnvSetting(switch.var, None, switch.kind, switch.origin, switch.line)  # it is no URL: the endpoint is unknown
        facts.env = setting
        target.note(self.line(call), f"module-level `{module}` client")
        apply_client(self.knowledge, facts, target, self.settings.default_endpoint)
        return True

    def _from_construction(self, construction: ast.Call, target: Target,
                           chained: Sequence[ast.Call] = ()) -> tuple[Optional[str], Optional[ClientFacts]]:
        """The provider whose SDK built this client (None if it is no LLM client), and what it says;
        `chained`: the option calls on the call's chain (`.with_options(base_url=...)`)."""
        facts = read_client(self, construction, self.env, chained)
        if facts is None:
            return None, None
        return apply_client(self.knowledge, facts, target, self.settings.default_endpoint), facts

    def _timeouts(self, site: CallSite, call: ast.Call, keywords: dict, client: Optional[ClientFacts]) -> None:
        """Whether a timeout lifts the Anthropic SDK's non-streaming cap, and whether that is all seen.

        The SDK checks the cap only when the call passes no `timeout` (even `timeout=None`
        counts as given) and the client's timeout is still its DEFAULT_TIMEOUT: a client-level
        `timeout=` or `.with_options(timeout=...)` lifts it as well (anthropic-python,
        resources/messages/messages.py). A `**kwargs` on the call or the client, or a `stream=`
        that is not a literal, may lift it unseen."""
        chained = timeout_given(_chained_options(call), self.r)
        client_timeout = client.timeout if client is not None else False
        site.has_timeout = "timeout" in keywords or chained is True or client_timeout is True
        stream = keywords.get("stream")
        stream_unseen = stream is not None and not isinstance(stream.value, ast.Constant)
        site.cap_seen = not (site.open_ended or chained is None or client_timeout is None or stream_unseen
                             or (client is not None and client.hidden is not None))

    def _pragmas(self, call: ast.Call, target: Target) -> None:
        first, _, last, _ = self.span(call)
        statement_first = max(first - 1, 1)
        found = self.comments.pragma("provider", statement_first, last)
        if found is not None:
            provider = self.knowledge.provider(found[1])
            if provider is not None:
                target.provider, target.provider_source = provider, PRAGMA
                target.note(found[0], f"pragma provider={found[1]}")
            else:
                target.note(found[0], f"pragma names unknown provider {found[1]!r}: ignored")
        found = self.comments.pragma("model", statement_first, last)
        if found is not None:
            target.model_name = found[1]
            target.note(found[0], f"pragma model={found[1]}")

    def _model(self, model: Optional[StrValue], arg: Optional[ast.AST], target: Target) -> None:
        if target.model_name is None and (model is None or not model.complete) and self.settings.model:
            target.model_name = self.settings.model
            target.note(self.line(arg) if arg is not None else 0, f"configured model for this path: {self.settings.model}")
        if target.model_name is None and model is not None and model.complete:
            target.model_name = model.value
            for node, text in model.evidence:
                target.note(self.line(node), text)
            if arg is not None:
                target.note(self.line(arg), f"model {model.value!r}")
                if target.provider is not None and target.provider.id == "azure":
                    target.deployment = True
                    target.note(self.line(arg), "on Azure `model` names a deployment, which may run any model: "
                                                "fixes that rest on the model are unsafe (pragma `# tokenfix: model=...` to say which)")
        provider_id = target.provider.id if target.provider else None
        target.model = self.knowledge.find_model(target.model_name, provider_id)
        if target.model is None and target.model_name and target.provider is None:
            target.model = self.knowledge.find_model(target.model_name)

    def _fallbacks(self, target: Target, call: ast.Call) -> None:
        """Model string, then the configured default, when nothing stronger said anything."""
        if target.provider is not None:
            return
        # Where the code names an endpoint we cannot see, the model string proves nothing.
        model = None if target.opaque else target.model
        if model is not None and (len(model.providers) == 1 or model.providers[0] == "openai"):
            target.provider = self.knowledge.provider(model.providers[0])
            target.provider_source = MODEL
            target.note(self.line(call), f"model {model.id} is served by {', '.join(model.providers)}: assuming {model.providers[0]}")
            return
        if self.settings.provider:
            target.provider = self.knowledge.provider(self.settings.provider)
            target.provider_source = CONFIG
            target.note(self.line(call), f"configured default provider {self.settings.provider}")

    @staticmethod
    def _is_true(arg: Optional[ast.keyword]) -> bool:
        return arg is not None and is_true(arg.value)

    # -- where the limit is written --------------------------------------------------------
    def _collect_keywords(self, site: CallSite, call: ast.Call) -> None:
        for arg in call.keywords:
            if arg.arg is not None:
                site.names_present.add(arg.arg)
                if arg.arg in LIMIT_NAMES:
                    site.limits.append(LimitParam(arg.arg, arg, arg.value, arg, "keyword",
                                                  maybe_absent=self.r.may_be_absent(arg.value)))
            else:
                spread = self.r.dict_value(arg.value)
                if spread is None:
                    site.open_ended = True
                else:
                    self._collect_dict(site, spread, "**spread")

    def _collect_dict(self, site: CallSite, value: Optional[DictValue], via: str) -> None:
        if value is None:
            site.open_ended = True
            return
        site.open_ended = site.open_ended or not value.complete
        for entry in value.entries:
            site.names_present.add(entry.key)
            if entry.key in LIMIT_NAMES:
                site.limits.append(LimitParam(entry.key, entry.key_node, entry.value, entry.owner, via, entry.conditional,
                                              self.r.may_be_absent(entry.value)))

    # -- raw HTTP --------------------------------------------------------------------------
    def _http_site(self, call: ast.Call, chain: Sequence[str], root, qualified: set[str]) -> Optional[CallSite]:
        if chain[-1] not in ("post", "request"):
            return None
        if not (qualified & _HTTP_FUNCTIONS):
            session = self._binding_call(root) if isinstance(root, ast.Name) else None
            if session is not None and not (self.r.qualified_names(session.func) & _HTTP_SESSIONS):
                return None
        plain = positional(call)
        if chain[-1] == "request":
            # requests.request("POST", url, json=...): SiliconFlow's own documented sample.
            given = keyword(call, "method")
            method_node = given.value if given is not None else (plain.pop(0) if plain else None)
            method = self.r.str_value(method_node) if method_node is not None else None
            if method is None or method.value.upper() != "POST":
                return None
        given = keyword(call, "url")
        url_node = given.value if given is not None else (plain[0] if plain else None)
        if url_node is None:
            return None
        url = self.r.str_value(url_node)
        if url is None:
            return None
        host, port, path = parse_url(url.value)
        surface = self.knowledge.surface_for_path(path)
        if surface is None:
            return None
        body = next((k for k in call.keywords if k.arg in ("json", "data", "content")), None)
        if body is None:
            return None
        body_value = body.value
        if isinstance(body_value, ast.Call) and self.r.qualified_names(body_value.func) & {"json.dumps"} and (body_value.args or body_value.keywords):
            first = _first_argument(body_value)
            if first is None:
                return None
            body_value = first
        payload = self.r.dict_value(body_value)
        if payload is None:
            return None
        target = Target()
        self._pragmas(call, target)
        line = self.line(call)
        for node, text in url.evidence:
            target.note(self.line(node), text)
        if target.provider is None:
            provider, azure_v1 = provider_from_url(self.knowledge, url.value)
            if provider is not None:
                target.provider, target.provider_source, target.azure_v1 = provider, URL, azure_v1
                target.note(line, f"POST to {host}: {provider.name}")
            elif surface.provider:
                target.provider = self.knowledge.provider(surface.provider)
                target.provider_source = URL
                target.note(line, f"POST to {path}: {surface.provider}'s API path")
            else:
                target.opaque = True
                shown = url.value.replace(UNKNOWN_PART, "{...}")
                target.note(line, f"POST to {shown!r}: no known provider serves this host")
        model_entry = next((e for e in payload.entries if e.key == "model"), None)
        model = self.r.str_value(model_entry.value) if model_entry else None
        self._model(model, model_entry.owner if model_entry else None, target)
        self._fallbacks(target, call)
        site = CallSite(call, surface, f"POST {path}", target, line=line)
        stream = next((e for e in payload.entries if e.key == "stream"), None)
        site.streaming = stream is not None and is_true(stream.value)
        if surface.container_key:
            options = next((e for e in payload.entries if e.key == surface.container_key), None)
            if options is not None:
                self._collect_dict(site, self.r.dict_value(options.value), surface.container_key)
        else:
            self._collect_dict(site, payload, "payload")
        return site


def _root_name(func: ast.expr) -> Optional[str]:
    """`client` of `client.chat.completions.create`, `client` of `self.client.chat...`."""
    node = func
    while isinstance(node, (ast.Attribute, ast.Call)):
        if is_self_attribute(node):
            return node.attr
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _chained_options(call: ast.Call) -> list[ast.Call]:
    """`client.with_options(...).chat.completions.create(...)`: the option calls on the call's
    chain between the client and the method, outermost (applied last) first."""
    options = []
    node = call.func
    while isinstance(node, (ast.Attribute, ast.Call)):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute) and node.func.attr in OPTION_CALLS:
                options.append(node)
            node = node.func
        else:
            node = node.value
    return options


def _redirected_clients(assigns: list) -> dict[str, int]:
    """Names (or `self.` attributes) whose `.base_url` / `.api_base` the module assigns."""
    found: dict[str, int] = {}
    for assign in assigns:
        for target in assign.targets:
            if isinstance(target, ast.Attribute) and target.attr in ("base_url", "api_base"):
                name = _root_name(target.value) if not isinstance(target.value, ast.Name) else target.value.id
                if name is not None and name not in _MODULE_PROVIDERS:  # `openai.base_url = ...`: environment_writes
                    found.setdefault(name, assign.lineno)
    return found


def _first_argument(call: ast.Call) -> Optional[ast.expr]:
    """The call's first argument as written (LibCST's args[0]), or None for a `*`/`**` spread."""
    items = [*call.args, *call.keywords]
    first = min(items, key=lambda item: (item.lineno, item.col_offset))
    if isinstance(first, ast.Starred) or (isinstance(first, ast.keyword) and first.arg is None):
        return None
    return first.value if isinstance(first, ast.keyword) else first
