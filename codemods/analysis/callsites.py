"""Find the LLM calls of a module and what each says about its output-token limit.

One `CallSite` per call: the API surface it uses, the nodes that carry its limit (a keyword,
a `**spread` dict, a JSON payload, an Ollama `options` dict), and its target. The finder makes
one walk of the module (parents, calls, the classes they are written in, the comments, the
scopes of scopes.py, the environment the module writes), then hands each call to the kind of
door that claims it (codemods/surfaces/): by its qualified name (an SDK function, a chat
model's constructor), by a pattern (a raw HTTP POST, `.bind`), or by its method chain. The
kinds share the receivers (receivers.py), the one target inference (inference.py) and the
limit reader (limits.py).

The tree is the standard library's `ast` (source.py); the nodes a finding points at or a fix
replaces are found again in LibCST's tree only when a fix is applied or shown (fixes/).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Optional, Sequence

from ..knowledge import Knowledge, Surface
from ..knowledge.config import Settings
from .clients import environment_writes
from .environment import Environment
from .limits import LimitParam
from .nodes import is_self_attribute, walk
from .receivers import binding_call, chain, receiver, redirected_clients, subclassed
from .scopes import Scopes
from .source import Source, order
from .targets import Target
from .values import Resolver

__all__ = ["CallSite", "CallSiteFinder", "LimitParam"]


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
    door_seen: bool = True  # the surface is known from the call's name or receiver, not guessed from its method and model
    ignored: list[LimitParam] = field(default_factory=list)  # written where the door drops it (ignored_keywords)
    scope: Optional[ast.AST] = None  # the function (or module) the call is in, where its surface has stop_fields (TOK013)


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
        self.calls: list[ast.Call] = []  # every call of the module, in the order of the text
        self.assigns: list[ast.Assign] = []  # every assignment statement (environment writes, `llm.max_tokens = N`)
        self._class_of: dict[int, Optional[ast.ClassDef]] = {}  # id(call) -> the class it is written in
        self.r = Resolver(self)
        self.parents: dict[int, ast.AST] = {}  # id(node) -> parent
        self.scopes: Optional[Scopes] = None
        self.built: dict[tuple[int, str], Optional[ast.Call]] = {}  # (id(class), attr) -> its construction (receivers.py)
        # What may redirect an SDK's default endpoint: the project's files, then this module's writes.
        self.env: Environment = getattr(index, "environment", None) or Environment()
        self.redirected: dict[str, int] = {}  # `client.base_url = ...` after construction: name -> line
        self.proxies: dict[str, str] = {}  # `litellm = LazyLiteLLM()` of this module: name -> the module it forwards to
        self.callable_doors = False  # the module names the SDK of a door that is its instance's call (`llm(...)`)
        self._kinds = knowledge.kinds

    def prepare(self, module: ast.Module) -> None:
        """The walk without the analysis of calls: what the client reader needs (clientindex.py)."""
        self._walk(module)

    # -- traversal -------------------------------------------------------------------------
    def collect(self, module: ast.Module) -> None:
        """One walk (nodes.walk): parents, string literals (for the comments), the calls and their
        classes; then each call is analysed, once every comment (pragmas, noqa) is known."""
        self._walk(module)
        for call in self.calls:
            site = self._analyse(call)
            if site is not None:
                if site.surface.stop_fields:
                    site.scope = self._scope_of(call)
                self.sites.append(site)
        if any(site.surface.kind == "constructor" for site in self.sites):
            self._assigned_limits()

    def _assigned_limits(self) -> None:
        """`llm.max_tokens = 500` on a chat model built here (`llm = ChatOpenAI(...)`): LangChain's
        models are mutable and read their fields at each call, so the limit joins the
        construction's. Only a plain name bound once to the construction is followed."""
        names, r = self.knowledge.limit_names, self.r
        built = {id(site.call): site for site in self.sites if site.surface.kind == "constructor"}
        for assign in self.assigns:
            target = assign.targets[0] if len(assign.targets) == 1 else None
            if not (isinstance(target, ast.Attribute) and target.attr in names and isinstance(target.value, ast.Name)):
                continue
            construction = binding_call(self, target.value)
            site = built.get(id(construction)) if construction is not None else None
            if site is None:
                continue
            site.names_present.add(target.attr)
            site.limits.append(LimitParam(target.attr, target, assign.value, assign, "assignment",
                                          maybe_absent=r.may_be_absent(assign.value), resolved=r.int_value(assign.value)))

    def _walk(self, module: ast.Module) -> None:
        parents, calls, class_of = self.parents, self.calls, self._class_of
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
        self.assigns = assigns
        self.source.scan_comments(strings)
        calls.sort(key=lambda call: (call.lineno, call.col_offset))
        self.scopes = Scopes(module, walked, parents, order)
        text = self.source.text
        words = self.knowledge.callable_words
        self.callable_doors = bool(words) and any(word in text for word in words)
        if "__getattr__" in text:
            from .clientindex import module_proxies

            self.proxies = module_proxies(module)
        if "environ" in text or "putenv" in text or "base_url" in text or "api_base" in text or "setattr" in text \
                or "dotenv" in text:
            self.env = self.env.with_writes(environment_writes(self, [*assigns, *calls]))
        if "base_url" in text or "api_base" in text:
            self.redirected = redirected_clients(self, assigns)

    def _scope_of(self, node: ast.AST) -> Optional[ast.AST]:
        """The function, lambda or module a node is written in."""
        current = self.parents.get(id(node))
        while current is not None and not isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.Module)):
            current = self.parents.get(id(current))
        return current

    def _aliased(self, name: ast.Name) -> Optional[tuple[tuple[str, ...], ast.expr]]:
        """The attribute chain a name holds (`api = client.beta.messages`): its names and its root.
        Of `a.beta.messages if x else a.messages` the part both arms end with, on one root."""
        found = self.r.assigned_value(name)
        value = found[0] if found is not None else None
        arms = [value.body, value.orelse] if type(value) is ast.IfExp else [value]
        chains = [chain(self, arm) for arm in arms if type(arm) is ast.Attribute]
        if not chains or len(chains) != len(arms):
            return None
        roots = {getattr(root, "id", None) for _, root in chains}
        if len(roots) != 1 or None in roots:
            return None
        common: tuple[str, ...] = chains[0][0]
        for names, _ in chains[1:]:
            size = 0
            while size < min(len(common), len(names)) and common[-1 - size] == names[-1 - size]:
                size += 1
            common = common[len(common) - size:]
        return (common, chains[0][1]) if common else None

    # -- positions -------------------------------------------------------------------------
    def span(self, node: ast.AST) -> tuple[int, int, int, int]:
        """(line, column, end line, end column): lines 1-based, columns 0-based."""
        return self.source.span(node)

    def line(self, node: ast.AST) -> int:
        return node.lineno

    def class_of(self, call: ast.Call) -> Optional[ast.ClassDef]:
        """The class a call is written in (for `self.client...`), or None."""
        return self._class_of.get(id(call))

    # -- dispatch to the kinds of door -----------------------------------------------------
    def _analyse(self, call: ast.Call) -> Optional[CallSite]:
        names, root = chain(self, call.func)
        if not names:
            return None
        kinds = self._kinds
        qualified = self.r.qualified_names(call.func)
        for name in (*sorted(qualified), *subclassed(self, call.func)):  # a class of the module built on a door's class too
            surface = self.knowledge.surface_for_function(name)
            if surface is not None:
                return kinds[surface.kind].at_function(self, call, surface, name, names)
        for kind in self.knowledge.call_hooks:
            site = kind.at_call(self, call, names, root, qualified)
            if site is not None:
                return site
        found = self.knowledge.surfaces_for_method(names)
        if not found and type(root) is ast.Name and self.knowledge.ends_a_method(names[-1]):
            aliased = self._aliased(root)  # `api = client.messages` (or `client.beta.messages if betas else ...`)
            if aliased is not None:
                names, root = (*aliased[0], *names), aliased[1]
                found = self.knowledge.surfaces_for_method(names)
        if not found and self.callable_doors and (type(call.func) is ast.Name or is_self_attribute(call.func)):
            # `llm(prompt, max_tokens=64)` on a `Llama(...)`: the instance itself is the door
            names, root, found = ("__call__",), call.func, self.knowledge.surfaces_for_method(("__call__",))
        if not found:
            return None
        traced = receiver(self, root, call, names) if root is not None else None
        if names == ("__call__",) and (traced is None or traced.construction is None):
            return None  # only an instance traced to its construction is a door when called: not every bare call
        for surface, method in found:  # the first door whose SDK the receiver is (sdk_call.py), in order
            site = kinds[surface.kind].at_method(self, call, surface, method, traced)
            if site is not None:
                return site
        return None
