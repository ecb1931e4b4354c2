"""One SDK call as a call site: what the SDK door kinds share.

sdk_method, sdk_function, constructor and settings_object doors differ in how a call is found
and what its receiver is; once found, each is the same thing: a call whose model and endpoint
the one target inference (inference.py) reads, and whose keywords (or options container)
hold the limit (limits.py). The row keys this needs are `SdkCall` (knowledge/schema.py);
each kind's `Options` extends it with the keys that find its doors.
"""

from __future__ import annotations

import ast
from typing import Optional

from ..knowledge import Surface
from ..knowledge.schema import SdkCall
from .callsites import CallSite, CallSiteFinder
from .inference import infer
from .limits import collect_dict, collect_keywords, timeouts
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
    keywords = {k.arg: k for k in call.keywords if k.arg is not None}
    client = inferred.client
    site = CallSite(call, surface, method, inferred.target, line=call.lineno)
    site.sdk = inferred.sdk
    site.door_seen = inferred.known_receiver
    site.sdk_package = client.class_name.split(".")[0] if client is not None else (
        receiver.module if receiver is not None and receiver.module in finder.knowledge.module_providers else None)
    stream = keywords.get("stream")
    site.streaming = method in options.streaming_methods or (stream is not None and is_true(stream.value))
    if options.container_key:
        holder = keywords.get(options.container_key)
        if holder is not None:
            collect_dict(finder, site, finder.r.config_value(holder.value), options.container_key)
    else:
        site.can_insert = can_insert
        collect_keywords(finder, site, call)
    timeouts(finder, site, call, keywords, client, chained_options(finder, call))
    return site
