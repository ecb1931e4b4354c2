"""http_post: a raw POST of a JSON body to a known API path (`requests.post(url, json=...)`,
`httpx.Client().post(...)`, `aiohttp.ClientSession().post(...)`, `requests.request("POST", ...)`).

The libraries that post are rules (clients.toml, `[[http_library]]`); the row's `paths` say
which API a URL's path reaches. The provider comes from the URL's host (providers.toml), else
from the path where only one provider serves it; a host no provider serves leaves it unknown.
The limit is a key of the payload, or of its options container (Ollama's `options`).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional, Sequence


if TYPE_CHECKING:
    from ..analysis.callsites import CallSite, CallSiteFinder

# The rules load on every run and read `Options`; the analysis is imported only where a file
# may call a model, so the hooks import it when first called (tests/test_lazy_imports.py).

KIND = "http_post"
STAGE = 1  # before `.bind`: a POST is found by its library and its URL, not by a name


@dataclass(frozen=True)
class Options:
    paths: tuple[str, ...] = ()
    container_key: Optional[str] = None


def at_call(finder: "CallSiteFinder", call: ast.Call, chain: Sequence[str], root: Optional[ast.expr],
            qualified: set[str]) -> Optional["CallSite"]:
    if chain[-1] not in ("post", "request"):
        return None
    from ..analysis.callsites import CallSite
    from ..analysis.inference import apply_model, fallbacks, pragmas
    from ..analysis.limits import collect_dict
    from ..analysis.nodes import is_true, keyword, positional
    from ..analysis.receivers import binding_call
    from ..analysis.targets import URL, Target, parse_url, provider_from_url
    from ..analysis.values import UNKNOWN_PART

    knowledge, r = finder.knowledge, finder.r
    if not (qualified & knowledge.http_functions):
        session = binding_call(finder, root) if isinstance(root, ast.Name) else None
        if session is not None and not (r.qualified_names(session.func) & knowledge.http_sessions):
            return None
    plain = positional(call)
    if chain[-1] == "request":
        # requests.request("POST", url, json=...): SiliconFlow's own documented sample.
        given = keyword(call, "method")
        method_node = given.value if given is not None else (plain.pop(0) if plain else None)
        method = r.str_value(method_node) if method_node is not None else None
        if method is None or method.value.upper() != "POST":
            return None
    given = keyword(call, "url")
    url_node = given.value if given is not None else (plain[0] if plain else None)
    if url_node is None:
        return None
    url = r.str_value(url_node)
    if url is None:
        return None
    host, port, path = parse_url(url.value)
    surface = knowledge.surface_for_path(path)
    if surface is None:
        return None
    body = next((k for k in call.keywords if k.arg in knowledge.http_body_keywords), None)
    if body is None:
        return None
    payload = r.json_document(body.value) or r.dict_value(body.value)  # data=json.dumps({...}) or json={...}
    if payload is None:
        return None
    target = Target()
    pragmas(finder, call, target)
    line = call.lineno
    for node, text in url.evidence:
        target.note(node.lineno, text)
    if target.provider is None:
        provider, azure_v1 = provider_from_url(knowledge, url.value)
        if provider is not None:
            target.provider, target.provider_source, target.azure_v1 = provider, URL, azure_v1
            target.note(line, f"POST to {host}: {provider.name}")
        elif surface.provider:
            target.provider = knowledge.provider(surface.provider)
            target.provider_source = URL
            target.note(line, f"POST to {path}: {surface.provider}'s API path")
        else:
            target.opaque = True
            shown = url.value.replace(UNKNOWN_PART, "{...}")
            target.note(line, f"POST to {shown!r}: no known provider serves this host")
    model_entry = next((e for e in payload.entries if e.key == "model"), None)
    model = r.str_value(model_entry.value) if model_entry else None
    apply_model(finder, model, model_entry.owner if model_entry else None, target)
    fallbacks(finder, target, call)
    site = CallSite(call, surface, f"POST {path}", target, line=line)
    stream = next((e for e in payload.entries if e.key == "stream"), None)
    site.streaming = stream is not None and is_true(stream.value)
    container = surface.options.container_key
    if container:
        options = next((e for e in payload.entries if e.key == container), None)
        if options is not None:
            collect_dict(finder, site, r.dict_value(options.value), container)
    else:
        collect_dict(finder, site, payload, "payload")
    return site

