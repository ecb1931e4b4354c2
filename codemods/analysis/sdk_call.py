"""One SDK call as a call site: what the SDK door kinds share.

sdk_method, sdk_function, constructor and settings_object doors differ in how a call is found
and what its receiver is; once found, each is the same thing: a call whose model and endpoint
the one target inference (inference.py) reads, and whose keywords (or options container)
hold the limit (limits.py). The row keys this needs are `SdkCall` (knowledge/schema.py);
each kind's `Options` extends it with the keys that find its doors.
"""

from __future__ import annotations

import ast
import re
from typing import Optional

from ..knowledge import Surface
from ..knowledge.schema import SdkCall
from .callsites import CallSite, CallSiteFinder
from .inference import infer
from .limits import LimitParam, collect_dict, collect_keywords, timeouts
from .nodes import is_true
from .receivers import Receiver, chained_options


def sdk_site(finder: CallSiteFinder, call: ast.Call, surface: Surface, method: str,
             receiver: Optional[Receiver], source: Optional[ast.Call] = None,
             can_insert: bool = True) -> Optional[CallSite]:
    """The call site of an SDK call, or None when the call is not this surface's.

    `source`: the call that names the model and the endpoint when it is not `call` (a chat
    model's construction, for `.bind` and for the constructor itself). `can_insert`: a missing
    limit may be added to `call` as a keyword (not where the call builds an object that is
    used elsewhere)."""
    options: SdkCall = surface.options
    inferred = infer(finder, call, surface, method, receiver, source if source is not None else call)
    if inferred is None:
        return None
    if options.model_pattern and not re.search(options.model_pattern, inferred.target.model_name or ""):
        return None  # another row of this method's serves that model (or none is seen: the last row)
    if options.model_exclude and re.search(options.model_exclude, inferred.target.model_name or ""):
        return None  # `invoke_model` of an embedding or image model: no output tokens to limit
    keywords = {k.arg: k for k in call.keywords if k.arg is not None}
    body = None
    if options.body_keyword:
        given = keywords.get(options.body_keyword)
        body = finder.r.json_document(given.value) if given is not None else None
        if options.body_marker and (body is None or not any(e.key == options.body_marker for e in body.entries)):
            return None
    client = inferred.client
    site = CallSite(call, surface, method, inferred.target, line=call.lineno)
    site.sdk = inferred.sdk
    site.door_seen = inferred.known_receiver
    site.sdk_package = client.class_name.split(".")[0] if client is not None else (
        receiver.module if receiver is not None and receiver.module in finder.knowledge.module_providers else None)
    stream = keywords.get("stream")
    site.streaming = method in options.streaming_methods or (stream is not None and is_true(stream.value))
    if options.body_keyword:
        _in_body(finder, site, body, options)
    elif options.container_key:
        holder = keywords.get(options.container_key)
        if holder is not None:
            collect_dict(finder, site, finder.r.config_value(holder.value), options.container_key)
    else:
        site.can_insert = can_insert
        collect_keywords(finder, site, call)
    if options.ignored_keywords and (source is None or source is call):
        _ignored(finder, site, call, options.ignored_keywords)
    timeouts(finder, site, call, keywords, client, chained_options(finder, call))
    return site


def _in_body(finder: CallSiteFinder, site: CallSite, body, options: SdkCall) -> None:
    """The limit in a JSON body, or in its container there (Titan's textGenerationConfig); a body
    that cannot be read leaves the call open."""
    if body is None or not options.container_key:
        collect_dict(finder, site, body, "body")
        return
    site.open_ended = site.open_ended or not body.complete
    holder = next((e for e in body.entries if e.key == options.container_key), None)
    if holder is not None:
        collect_dict(finder, site, finder.r.dict_value(holder.value), options.container_key)


def _ignored(finder: CallSiteFinder, site: CallSite, call: ast.Call, names: tuple[str, ...]) -> None:
    """The keywords the construction drops are not its limit: they are set apart for TOK009, and a
    limit of the same name given later (`.bind`, per call) is the real one."""
    site.limits = [limit for limit in site.limits if not (limit.via == "keyword" and limit.name in names)]
    for arg in call.keywords:
        if arg.arg in names:
            site.names_present.add(arg.arg)
            site.ignored.append(LimitParam(arg.arg, arg, arg.value, arg, "keyword", resolved=finder.r.int_value(arg.value)))
