"""What a method is called on: the construction, SDK module or imported client behind a receiver.

`client.chat.completions.create(...)` is only as good as what `client` is. A receiver is traced
through the scopes (scopes.py) to the call that built it (`client = OpenAI(...)`, `with
httpx.Client() as c`, `self.client = ...` anywhere in the class), to an SDK module that doubles
as a client (`openai.chat...`), or to a client another module of the run builds (the run's
ClientIndex). A name built in several places is one client only when every place builds the
same target; otherwise the call's target is decided at run time and stays unknown.
The client hops that say nothing of the target (`with_raw_response`, `.with_options(...)`)
are in rules/clients.toml.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Optional, Sequence

from .clients import client_target
from .modules import absolute_names
from .nodes import find_all, is_name, is_self_attribute, returns
from .targets import ClientFacts, Target

if TYPE_CHECKING:
    from .callsites import CallSiteFinder


class Receiver:
    """What an expression that a method is called on was built from."""

    __slots__ = ("facts", "construction", "module", "function", "candidates", "annotated", "candidate_sdks", "injected", "union")

    def __init__(self, construction: Optional[ast.Call] = None, module: Optional[str] = None, function: bool = False,
                 candidates: Sequence[int] = (), facts: Optional[ClientFacts] = None,
                 annotated: Optional[tuple[str, ast.arg]] = None, candidate_sdks: Sequence[Optional[str]] = (),
                 injected: bool = False, union: int = 0):
        self.facts = facts  # a client built in another module of the run
        self.construction = construction
        self.module = module
        self.function = function  # a module-level SDK function named by its qualified name
        self.candidates = candidates  # lines of several constructions the name may hold
        self.annotated = annotated  # a parameter annotated with a client class: (its qualified name, the parameter)
        self.candidate_sdks = tuple(candidate_sdks)  # the provider whose SDK each of the candidates is (None: not known)
        self.injected = injected  # `client or OpenAI()`: the caller's client, else the one built here
        self.union = union  # `client: Anthropic | AnthropicVertex`: how many client classes the annotation allows


def chain(finder: "CallSiteFinder", func: ast.expr) -> tuple[tuple[str, ...], Optional[ast.expr]]:
    """Attribute names from the receiver to the method, skipping client pass-throughs."""
    rules = finder.knowledge.clients
    names: list[str] = []
    node = func
    while True:
        if is_self_attribute(node) and node is not func:
            break  # `self.client`: the receiver is the attribute, traced through the class
        if isinstance(node, ast.Attribute):
            if node.attr not in rules.pass_through_attributes:
                names.append(node.attr)
            node = node.value
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in rules.option_calls
        ):
            node = node.func.value
        else:
            break
    if isinstance(func, ast.Name):
        return (func.id,), None
    return tuple(reversed(names)), node


def receiver(finder: "CallSiteFinder", root: ast.expr, call: ast.Call, names: Sequence[str] = ()) -> Optional[Receiver]:
    """Trace the receiver to the call that built it, an SDK module, or an imported client."""
    r = finder.r
    if isinstance(root, ast.Call):
        return through_factory(finder, root, call)
    if isinstance(root, ast.Name):
        qualified = r.qualified_names(root)
        modules = finder.knowledge.module_providers
        for name in qualified:
            top = name.split(".")[0]
            if top in modules and name == top:
                return Receiver(module=top)
        imported = _imported_client(finder, qualified, names)
        if imported is not None:
            return Receiver(facts=imported)
        built = binding_call(finder, root)
        if built is not None:
            return through_factory(finder, built, call)
        annotated = annotated_parameter(finder, root)
        if annotated is not None:
            return Receiver(annotated=annotated)
        union = _annotated_union(finder, root)
        if union is not None:
            return union
        reached = _reaching_value(finder, root)
        if isinstance(reached, ast.Call):
            return through_factory(finder, reached, call)
        fallback = _injected(finder, reached) if reached is not None else None
        if fallback is not None:
            return fallback
        candidates = _candidates(finder, root)
        if len(candidates) > 1 and same_target(finder, candidates):
            return Receiver(construction=candidates[0])  # every branch builds the same client
        return _ambiguous(finder, candidates) if len(candidates) > 1 else None
    if is_self_attribute(root):
        owner = finder.class_of(call)
        if owner is not None:
            built = attribute_construction(finder, owner, root.attr)
            if built is not None:
                return Receiver(construction=built)
            values = [assign.value for statement in owner.body for assign in find_all(
                statement, (ast.Assign,), lambda a: len(a.targets) == 1 and is_self_attribute(a.targets[0], root.attr, receivers=("self",)))]
            if len(values) == 1:
                return _injected(finder, values[0])
    return None


def _injected(finder: "CallSiteFinder", value: ast.expr) -> Optional[Receiver]:
    """`client or OpenAI()`, `client if client else OpenAI()`, `OpenAI() if client is None else client`:
    the caller's client where one is given, else the one built here. Injection stands in for the
    default's type, so the door is the default's SDK's; which endpoint the caller's reaches is
    not seen, so the target stays unknown."""
    built = None
    if isinstance(value, ast.BoolOp) and isinstance(value.op, ast.Or) and isinstance(value.values[-1], ast.Call) \
            and all(isinstance(v, (ast.Name, ast.Attribute)) for v in value.values[:-1]):
        built = value.values[-1]
    elif isinstance(value, ast.IfExp):
        arms = [arm for arm in (value.body, value.orelse) if isinstance(arm, ast.Call)]
        others = [arm for arm in (value.body, value.orelse) if isinstance(arm, (ast.Name, ast.Attribute))]
        built = arms[0] if len(arms) == 1 and len(others) == 1 else None
    provider = _client_provider(finder, built) if built is not None else None
    if provider is None:
        return None
    return Receiver(candidates=[built.lineno], candidate_sdks=[provider.id], injected=True)


def through_factory(finder: "CallSiteFinder", built: ast.Call, call: ast.Call) -> Receiver:
    """A client built by a factory of the run: `client = make_client()` where `make_client` (a
    function of this module, a method of the call's class, or a function another module of the
    run exports, `functools.cache`-decorated or not) returns one construction, or several of one
    target. One level only: a factory of a factory is not followed. Anything else stays the
    call it is (an LLM client's construction, or something known to be none)."""
    if _client_provider(finder, built) is not None:
        return Receiver(construction=built)
    function = finder.r.local_function(built)
    if function is not None:
        returned = returned_constructions(finder, function)
        if len(returned) == 1 or (returned and same_target(finder, returned)):
            return Receiver(construction=returned[0])
        if returned:  # clients of several targets: which one is decided at run time
            return _ambiguous(finder, returned)
    elif isinstance(built.func, (ast.Name, ast.Attribute)):  # `get_client()`, `clients.get_client()`
        imported = _imported_client(finder, finder.r.qualified_names(built.func), ())
        if imported is not None:
            return Receiver(facts=imported)
    return Receiver(construction=built)


def annotated_parameter(finder: "CallSiteFinder", name: ast.Name) -> Optional[tuple[str, ast.arg]]:
    """`def ask(client: Groq)` / `client: Optional[AsyncAnthropic] = None`: the client class a
    parameter is annotated with (Optional[...], `X | None` and `Union[X, None]` unwrapped), when
    the parameter is never rebound in the function."""
    assignment = finder.r.single_assignment(name)
    arg = getattr(assignment, "node", None)
    if not isinstance(arg, ast.arg) or arg.annotation is None:
        return None
    annotation = arg.annotation
    while True:
        if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
            sides = [side for side in (annotation.left, annotation.right) if not _is_none(side)]
            if len(sides) != 1:
                return None
            annotation = sides[0]
        elif isinstance(annotation, ast.Subscript) and finder.r.qualified_names(annotation.value) & _OPTIONAL:
            inner = annotation.slice
            sides = [e for e in (inner.elts if isinstance(inner, ast.Tuple) else [inner]) if not _is_none(e)]
            if len(sides) != 1:
                return None
            annotation = sides[0]
        else:
            break
    for qualified in sorted(finder.r.qualified_names(annotation)):
        if finder.knowledge.provider_for_client(qualified) is not None:
            return qualified, arg
    return None


def _annotated_union(finder: "CallSiteFinder", name: ast.Name) -> Optional[Receiver]:
    """`client: Anthropic | AnthropicVertex | AnthropicBedrock`, or a module-level alias of such a
    union (`AnthropicClient = ...`): a parameter that may hold any of several clients, each of a
    known SDK. Which one is the caller's choice: the door is seen where every one is the door's
    SDK, the target is not."""
    r = finder.r
    assignment = r.single_assignment(name)
    arg = getattr(assignment, "node", None)
    if not isinstance(arg, ast.arg) or arg.annotation is None:
        return None
    annotation = arg.annotation
    if isinstance(annotation, ast.Name):
        bound = r.assigned_value(annotation)
        annotation = bound[0] if bound is not None else annotation
    sides: list[ast.expr] = []
    todo = [annotation]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            todo += [node.left, node.right]
        elif isinstance(node, ast.Subscript) and r.qualified_names(node.value) & _OPTIONAL:
            todo += list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
        elif not _is_none(node):
            sides.append(node)
    if len(sides) < 2:
        return None
    sdks = []
    for side in sides:
        provider = next((p for q in sorted(r.qualified_names(side)) if (p := finder.knowledge.provider_for_client(q)) is not None), None)
        if provider is None:
            return None
        sdks.append(provider.id)
    return Receiver(candidates=[arg.lineno], candidate_sdks=sdks, union=len(sides))


_OPTIONAL = frozenset({"typing.Optional", "typing.Union", "typing_extensions.Optional", "Optional", "Union"})


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def subclassed(finder: "CallSiteFinder", func: ast.expr) -> tuple[str, ...]:
    """`class Normalized(ChatOpenAI): ...` then `Normalized(...)`: the qualified names of the
    bases of a class of this module that a call builds (one level), for the door and the client
    they are; () for anything else."""
    if not isinstance(func, ast.Name):
        return ()
    assignment = finder.r.single_assignment(func)
    node = getattr(assignment, "node", None)
    if not isinstance(node, ast.ClassDef):
        return ()
    return tuple(name for base in node.bases for name in sorted(finder.r.qualified_names(base)))


def _ambiguous(finder: "CallSiteFinder", constructions: list[ast.Call]) -> Receiver:
    """Clients of several targets: which one a call reaches is decided at run time, but each one's
    SDK is known (Anthropic, AnthropicBedrock and AnthropicVertex all speak the Messages API)."""
    sdks = [getattr(_client_provider(finder, construction), "id", None) for construction in constructions]
    return Receiver(candidates=sorted(c.lineno for c in constructions), candidate_sdks=sdks)


def _client_provider(finder: "CallSiteFinder", built: ast.Call):
    """The provider whose client class (or a class of the module built on one) a call builds, or None."""
    names = (*sorted(finder.r.qualified_names(built.func)), *subclassed(finder, built.func))
    return next(filter(None, (finder.knowledge.provider_for_client(n) for n in names)), None)


def returned_constructions(finder: "CallSiteFinder", function) -> list[ast.Call]:
    """The client constructions a function returns, in the order written, when every `return`
    gives one (directly, or by a name bound to it in the function that the function does not
    change afterwards: `c.base_url = ...` or `setattr(c, ...)` would redirect it unseen); []
    otherwise."""
    changed: set[str] = set()  # names whose attributes the function assigns
    todo = list(function.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue  # a nested function's statements are not this one's
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target]):
                while isinstance(target, (ast.Attribute, ast.Subscript)):
                    target = target.value
                    if isinstance(target, ast.Name):
                        changed.add(target.id)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr" and node.args:
            if isinstance(node.args[0], ast.Name):
                changed.add(node.args[0].id)
        todo.extend(ast.iter_child_nodes(node))
    found: list[ast.Call] = []
    for ret in returns(function):
        value = ret.value.value if isinstance(ret.value, ast.Await) else ret.value
        if isinstance(value, ast.Name):
            if value.id in changed:
                return []
            value = binding_call(finder, value)
        if not isinstance(value, ast.Call) or _client_provider(finder, value) is None:
            return []
        found.append(value)
    return sorted(found, key=lambda c: (c.lineno, c.col_offset))


def returned_construction(finder: "CallSiteFinder", function) -> Optional[ast.Call]:
    """The one client a factory returns (several constructions of one target count as one)."""
    found = returned_constructions(finder, function)
    return found[0] if len(found) == 1 or (found and same_target(finder, found)) else None


def _imported_client(finder: "CallSiteFinder", qualified: set[str], names: Sequence[str]) -> Optional[ClientFacts]:
    """`from app.llm import client` or `import app.llm as llm; llm.client...`, via the run's index."""
    index = finder.index
    if index is None or not len(index):
        return None
    for name in sorted(qualified):
        for absolute in absolute_names(name, finder.module_names):
            for candidate in (absolute, f"{absolute}.{names[0]}" if names else None):
                facts = index.lookup(candidate) if candidate else None
                if facts is not None:
                    return facts
    return None


def same_target(finder: "CallSiteFinder", constructions: list[ast.Call]) -> bool:
    """Whether several constructions all build a client of one known target."""
    targets = []
    for construction in constructions:
        target = Target()
        if client_target(finder, construction, target)[0] is None or target.opaque or target.provider is None:
            return False
        targets.append((target.provider.id, target.api_version, target.azure_v1))
    return len(set(targets)) == 1


def _candidates(finder: "CallSiteFinder", name: ast.Name) -> list[ast.Call]:
    """The LLM-client constructions a name is bound to, when it is bound in several places."""
    r, knowledge = finder.r, finder.knowledge
    found = []
    for assignment in r.assignments(name):
        node = getattr(assignment, "node", None)
        statement = r.parent(node) if isinstance(node, ast.Name) else None
        value = statement.value if isinstance(statement, ast.Assign) and any(t is node for t in statement.targets) else None
        if isinstance(value, ast.Await):
            value = value.value
        if isinstance(value, ast.Call) and any(knowledge.provider_for_client(n) for n in r.qualified_names(value.func)):
            found.append(value)
    return found


def _reaching_value(finder: "CallSiteFinder", name: ast.Name) -> Optional[ast.expr]:
    """What a name holds at this use, where one binding reaches it in straight-line code
    (Resolver.reaching_assignment): `client = OpenAI()` just above the call in the branch that
    makes it, or `client = client or OpenAI()` over a parameter."""
    r = finder.r
    assignment = r.reaching_assignment(name)
    node = getattr(assignment, "node", None)
    statement = r.parent(node) if isinstance(node, ast.Name) else None
    value = getattr(statement, "value", None) if isinstance(statement, (ast.Assign, ast.AnnAssign)) else None
    if isinstance(value, ast.Await):
        value = value.value
    return value


def binding_call(finder: "CallSiteFinder", name: ast.Name) -> Optional[ast.Call]:
    """The call a name is bound to: `x = Call(...)` or `with Call(...) as x`."""
    r = finder.r
    found = r.assigned_value(name)
    if found is not None:
        value = found[0]
        return value if isinstance(value, ast.Call) else None
    assignment = r.single_assignment(name)
    if assignment is None:
        return None
    item = r.parent(assignment.node)
    if isinstance(item, ast.withitem) and item.optional_vars is assignment.node and isinstance(item.context_expr, ast.Call):
        return item.context_expr
    return None


def attribute_construction(finder: "CallSiteFinder", owner: ast.ClassDef, attr: str) -> Optional[ast.Call]:
    """`self.attr = SomeClient(...)` anywhere in the class, or `attr = ...` in its body.

    Asked for every `self.client.….create(...)` of the class: the class is walked once an attribute."""
    key = (id(owner), attr)
    built = finder.built
    if key not in built:
        built[key] = _find_attribute_construction(finder, owner, attr)
    return built[key]


def _find_attribute_construction(finder: "CallSiteFinder", owner: ast.ClassDef, attr: str) -> Optional[ast.Call]:
    found: list[ast.Call] = []

    def builds_self_attr(assign) -> bool:
        targets = assign.targets if isinstance(assign, ast.Assign) else [assign.target]
        return (isinstance(assign.value, ast.Call) and len(targets) == 1
                and is_self_attribute(targets[0], attr, receivers=("self",)))

    for statement in owner.body:  # `self.client = X(...)` and `self.client: X = X(...)`
        found += [assign.value for assign in find_all(statement, (ast.Assign, ast.AnnAssign), builds_self_attr)]
    body = owner.body
    for at, statement in enumerate(body):
        # one statement on its line (LibCST's SimpleStatementLine of one), not `a = 1; b = X()`
        alone = (at == 0 or body[at - 1].end_lineno != statement.lineno) and (
            at + 1 == len(body) or body[at + 1].lineno != statement.end_lineno)
        if isinstance(statement, ast.Assign) and alone:
            if isinstance(statement.value, ast.Call) and len(statement.targets) == 1 and is_name(statement.targets[0], attr):
                found.append(statement.value)
    if len(found) == 1 or (len(found) > 1 and same_target(finder, found)):
        return found[0]  # several branches that build the same client are one client
    return None


def root_name(func: ast.expr) -> Optional[str]:
    """`client` of `client.chat.completions.create`, `client` of `self.client.chat...`."""
    node = func
    while isinstance(node, (ast.Attribute, ast.Call)):
        if is_self_attribute(node):
            return node.attr
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def chained_options(finder: "CallSiteFinder", call: ast.Call) -> list[ast.Call]:
    """`client.with_options(...).chat.completions.create(...)`: the option calls on the call's
    chain between the client and the method, outermost (applied last) first."""
    option_calls = finder.knowledge.clients.option_calls
    options = []
    node = call.func
    while isinstance(node, (ast.Attribute, ast.Call)):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute) and node.func.attr in option_calls:
                options.append(node)
            node = node.func
        else:
            node = node.value
    return options


def redirected_clients(finder: "CallSiteFinder", assigns: list) -> dict[str, int]:
    """Names (or `self.` attributes) whose endpoint attribute (`.base_url`, `.api_base`) the module assigns."""
    knowledge = finder.knowledge
    attrs = knowledge.clients.module_url_attributes
    found: dict[str, int] = {}
    for assign in assigns:
        for target in assign.targets:
            if isinstance(target, ast.Attribute) and target.attr in attrs:
                name = root_name(target.value) if not isinstance(target.value, ast.Name) else target.value.id
                if name is not None and name not in knowledge.module_providers:  # `openai.base_url = ...`: environment_writes
                    found.setdefault(name, assign.lineno)
    return found
