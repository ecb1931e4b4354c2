"""The one reader of a client's construction: `OpenAI(...)`, `Anthropic(...)`, `ChatOpenAI(...)`.

Used for the calls of the module being checked and for the clients it imports alike
(clientindex.py builds the same finder for an imported module), so one construction gives
one target wherever it is used from. What it reads, each fact with the line that says it:

- the class (its qualified name, through the module's imports);
- the endpoint: a URL keyword resolved as values.py resolves strings; a `**kw` / `*args`
  spread, which may carry any keyword, hides it; with none given, the environment variables
  the SDK reads (environment.py), set in code or in the project's dotenv/compose files;
- `api_version` (Azure), from the keyword or an assignment of `OPENAI_API_VERSION` in code;
- a client-level `timeout=` (it lifts the Anthropic SDK's non-streaming cap), also through
  `.with_options(timeout=...)` / `.copy(timeout=...)` on the construction;
- the endpoint a copy is given: `.with_options(base_url=...)` (the SDKs' alias of `.copy`)
  replaces the construction's (and the environment's), on the construction or on the call's
  chain (`client.with_options(base_url=...).chat.completions.create(...)`), read as above;
- a `# tokenfix: provider=... model=...` pragma on the construction's lines or the line above.
"""

from __future__ import annotations

import ast
from dataclasses import replace
from typing import Optional, Sequence

from .environment import ASSIGNED, DEFAULTED, Environment, EnvSetting, is_env_file
from .nodes import keyword, positional
from .targets import ClientFacts, Target, apply_client


_ENVIRON = "os.environ"


def unwrap(call: ast.Call, option_calls: Sequence[str]) -> tuple[ast.Call, list[ast.Call]]:
    """`Anthropic(...).with_options(timeout=5)`: the construction and the option calls on it."""
    options = []
    while (isinstance(call.func, ast.Attribute) and call.func.attr in option_calls
           and isinstance(call.func.value, ast.Call)):
        options.append(call)
        call = call.func.value
    return call, options


def timeout_given(calls: list[ast.Call], r, defaults: Sequence[str]) -> Optional[bool]:
    """Whether these calls pass a timeout other than the SDK default: True, False, or None (a spread may)."""
    given: Optional[bool] = False
    for call in calls:
        arg = keyword(call, "timeout")
        if arg is not None:
            if not (r.qualified_names(arg.value) & set(defaults)):  # the SDK's own default is no timeout given
                return True
        elif any(k.arg is None for k in call.keywords) or any(isinstance(a, ast.Starred) for a in call.args):
            given = None
    return given


def read_client(finder, call: ast.Call, env: Environment, chained: Sequence[ast.Call] = ()) -> Optional[ClientFacts]:
    """What a construction (possibly wrapped in option calls) says; None if it builds no LLM client.

    `chained`: the option calls between the client and the method on the call's own chain,
    outermost first (they apply after the construction's own)."""
    r, knowledge = finder.r, finder.knowledge
    rules = knowledge.clients
    construction, options = unwrap(call, rules.option_calls)
    class_name = next((n for n in sorted(r.qualified_names(construction.func)) if knowledge.provider_for_client(n)), None)
    subclass = None
    if class_name is None:  # a class of this module built on a client class (receivers.subclassed)
        from .receivers import subclassed

        class_name = next((n for n in subclassed(finder, construction.func) if knowledge.provider_for_client(n)), None)
        subclass = construction.func.id if class_name is not None else None
    if class_name is None:
        return None
    provider = knowledge.provider_for_client(class_name)
    if class_name in provider.services and _service(r, construction) != provider.services[class_name]:
        return None  # boto3.client("s3"): a client, but of another service
    facts = ClientFacts(class_name, construction.lineno)
    spreads = [f"**{_text(finder, k.value)}" for k in construction.keywords if k.arg is None]
    spreads += [f"*{_text(finder, a.value)}" for a in construction.args if isinstance(a, ast.Starred)]
    if subclass is not None:  # its own code may set the endpoint or rewrite what is sent
        spreads.insert(0, f"a subclass {subclass} of {class_name.rsplit('.', 1)[-1]}, whose code may change where it goes")
    if spreads:
        facts.hidden = f"`{', '.join(spreads)}`" if subclass is None else ", ".join(spreads)
    keywords = {k.arg: k for k in construction.keywords if k.arg is not None}
    facts.url_keyword = next((k for k in rules.url_keywords if k in keywords), None)
    url_arg = keywords[facts.url_keyword].value if facts.url_keyword else None
    if url_arg is None and provider.positional_host:
        plain = positional(construction)
        if plain:
            facts.url_keyword, url_arg = "host", plain[0]
    if url_arg is not None:
        url = r.str_value(url_arg)
        if url is not None:
            facts.url = url.value
            facts.url_fallback = url.fallback
            facts.url_evidence = [(node.lineno, text) for node, text in url.evidence]
    elif facts.hidden is None:
        facts.env = next(filter(None, (env.lookup(var) for var in provider.env)), None)
    version_arg = next((keywords[k] for k in rules.api_version_keywords if k in keywords), None)
    version = r.str_value(version_arg.value) if version_arg is not None else None
    if version is not None and version.complete and not version.fallback:
        facts.api_version = version.value
    elif version is not None and version.complete:  # `os.getenv("X", "2024-02-01")`: the environment decides
        facts.url_evidence.append((version_arg.value.lineno, f"api_version {version.value!r} only where the environment sets none: not seen"))
    elif version_arg is None and provider.api_version_env:
        setting = env.lookup(provider.api_version_env)
        if setting is not None and setting.kind == ASSIGNED and not setting.origin and setting.value:
            facts.api_version = setting.value
            facts.url_evidence.append((setting.line, setting.describe()))
    facts.timeout = timeout_given([construction, *options], r, rules.default_timeouts)
    if facts.timeout is False and "http_client" in keywords:
        facts.timeout = None  # the SDK adopts a custom http_client's timeout when none is given
    facts = with_options(finder, facts, [*chained, *options])
    comments = finder.comments
    if comments is not None:
        first, last = max(call.lineno - 1, 1), call.end_lineno or call.lineno
        facts.pragma_provider = comments.pragma("provider", first, last)
        facts.pragma_model = comments.pragma("model", first, last)
    return facts


def with_options(finder, facts: ClientFacts, options: Sequence[ast.Call]) -> ClientFacts:
    """The client a chain of `.with_options(...)` / `.copy(...)` calls (outermost first) returns.

    The SDK's copy takes the construction's options unless the call gives new ones: the
    outermost call that names an endpoint decides it; a spread in a call before that one
    may carry any keyword, so it hides the endpoint. The facts given are not changed."""
    for option in options:
        given = next((k for k in option.keywords if k.arg in finder.knowledge.clients.url_keywords), None)
        spreads = [f"**{_text(finder, k.value)}" for k in option.keywords if k.arg is None]
        spreads += [f"*{_text(finder, a.value)}" for a in option.args if isinstance(a, ast.Starred)]
        if spreads:
            return replace(facts, hidden=f"`{', '.join(spreads)}` on `.{option.func.attr}(...)` (line {option.lineno})", env=None)
        if given is None:
            continue
        url = finder.r.str_value(given.value)
        evidence = [*facts.url_evidence, (option.lineno, f"`.{option.func.attr}({given.arg}=...)` replaces the client's endpoint")]
        evidence += [(node.lineno, text) for node, text in url.evidence] if url is not None else []
        return replace(facts, url_keyword=given.arg, env=None, url=url.value if url is not None else None,
                       url_fallback=url.fallback if url is not None else False, url_evidence=evidence)
    return facts


def client_target(finder, construction: ast.Call, target: Target,
                  chained: Sequence[ast.Call] = ()) -> tuple[Optional[str], Optional[ClientFacts]]:
    """The provider whose SDK built this client (None if it is no LLM client), and what it says,
    set on the target; `chained`: the option calls on the call's chain (`.with_options(base_url=...)`)."""
    facts = read_client(finder, construction, finder.env, chained)
    if facts is None:
        return None, None
    return apply_client(finder.knowledge, facts, target, finder.settings.default_endpoint), facts


def _service(r, construction: ast.Call) -> Optional[str]:
    """The service a generic client factory is asked for: `boto3.client("bedrock-runtime")`."""
    plain = positional(construction)
    arg = plain[0] if plain else next((k.value for k in construction.keywords if k.arg == "service_name"), None)
    value = r.str_value(arg) if arg is not None else None
    return value.value if value is not None and value.complete and not value.fallback else None


def _text(finder, node: ast.expr) -> str:
    source = finder.source
    if source is not None and node.lineno == node.end_lineno:
        line = source.lines[node.lineno - 1]
        start, end = source.column(node.lineno, node.col_offset), source.column(node.lineno, node.end_col_offset)
        text = line[start:end]
        if len(text) <= 40:
            return text
    return "..."


_SETATTR = frozenset({"setattr", "builtins.setattr"})
_LOAD_DOTENV = frozenset({"dotenv.load_dotenv", "dotenv.main.load_dotenv"})
_FIND_DOTENV = frozenset({"dotenv.find_dotenv", "dotenv.main.find_dotenv"})


def _unseen_dotenv(r, call: ast.Call) -> Optional[str]:
    """What a `load_dotenv(...)` call loads, shown, when it is no file tokenfix reads; None when it is.

    Without a path (or with `find_dotenv()` / a plain file name such as ".env" or "prod.env")
    it loads a dotenv file of the code's folder or one above it, which environment.py reads
    too. A path with a folder part, an absolute path, a value that is not a literal, or a
    `stream=` may be any file, inside the tree or not: what it sets is not seen."""
    plain = positional(call)
    path = plain[0] if plain else next((k.value for k in call.keywords if k.arg == "dotenv_path"), None)
    if any(k.arg in ("stream", None) for k in call.keywords) or any(isinstance(a, ast.Starred) for a in call.args):
        return "..."
    if path is None or (isinstance(path, ast.Constant) and path.value is None):
        return None
    if isinstance(path, ast.Call) and r.qualified_names(path.func) & _FIND_DOTENV:
        named = positional(path)[0] if positional(path) else next((k.value for k in path.keywords if k.arg == "filename"), None)
        path = named
        if path is None:
            return None
    value = r.str_value(path)
    if value is not None and value.complete and _plain_env_name(value.value):
        return None
    return repr(value.value) if value is not None and value.complete else "..."


def _plain_env_name(path: str) -> bool:
    name = path[2:] if path.startswith("./") else path
    return "/" not in name and "\\" not in name and is_env_file(name)


def environment_writes(finder, nodes) -> list[EnvSetting]:
    """The environment variables this module sets, from the statements and calls given.

    `os.environ["X"] = v` and `os.putenv("X", v)` override the process environment;
    `os.environ.setdefault` only fills it in. A value that is not a literal (or a constant)
    is recorded as unknown, and a write whose variable is not known (`os.environ.update(cfg)`,
    `os.environ[name] = v`) counts for every variable."""
    r = finder.r
    module_urls = finder.knowledge.clients.module_url_attributes
    found: list[EnvSetting] = []

    def add(var_node, value_node, kind, line):
        var = r.str_value(var_node) if var_node is not None else None
        value = r.str_value(value_node) if value_node is not None else None
        name = var.value if var is not None and var.complete else "*"
        found.append(EnvSetting(name, value.value if value is not None and value.complete else None, kind, "", line))

    def module_url(module_node, attr_node, value_node, line):
        """`openai.base_url = v` or `setattr(openai, "base_url", v)`: the module client's endpoint."""
        attr = r.str_value(attr_node) if attr_node is not None else None
        attrs = [attr.value] if attr is not None and attr.complete else list(module_urls)  # a name not seen may be either
        for attr_name in attrs:
            if attr_name in module_urls:
                for name in r.qualified_names(module_node):
                    if "." not in name:
                        add(ast.Constant(f"{name}.{attr_name}"), value_node if attr is not None and attr.complete else None,
                            ASSIGNED, line)

    for node in nodes:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Subscript) and _ENVIRON in r.qualified_names(target.value):
                    add(target.slice, node.value, ASSIGNED, node.lineno)
                elif isinstance(target, ast.Attribute) and target.attr in module_urls:
                    # `openai.base_url = ...` (and v0's `openai.api_base`): the module client's endpoint
                    for name in r.qualified_names(target):
                        if name.count(".") == 1:
                            add(ast.Constant(name), node.value, ASSIGNED, node.lineno)
        elif isinstance(node, ast.Call):
            names = r.qualified_names(node.func)
            plain = positional(node)
            if names & {"os.putenv", "os.environ.__setitem__"} and len(plain) == 2:
                add(plain[0], plain[1], ASSIGNED, node.lineno)
            elif names & _SETATTR and len(plain) == 3:
                module_url(plain[0], plain[1], plain[2], node.lineno)
            elif names & _LOAD_DOTENV:
                unseen = _unseen_dotenv(r, node)
                if unseen is not None:
                    found.append(EnvSetting("*", None, DEFAULTED, "", node.lineno,
                                            f"`load_dotenv({unseen})` loads a file tokenfix does not read"))
            elif "os.environ.setdefault" in names and plain:
                add(plain[0], plain[1] if len(plain) > 1 else None, DEFAULTED, node.lineno)
            elif "os.environ.update" in names:
                for k in node.keywords:
                    if k.arg is None:
                        add(None, None, ASSIGNED, node.lineno)
                    else:
                        add(ast.Constant(k.arg), k.value, ASSIGNED, node.lineno)
                for arg in plain:
                    values = r.dict_value(arg)
                    if values is None or not values.complete:
                        add(None, None, ASSIGNED, node.lineno)
                    for entry in values.entries if values is not None else ():
                        add(ast.Constant(entry.key), entry.value, ASSIGNED, node.lineno)
    return found
