"""Where a call writes its output-token limit, each place with its value resolved once.

A limit is a keyword (`max_tokens=...`, any name the rules give a limit), a key of a `**spread` dict, of a JSON payload or of an
options container (Ollama's `options`, Gemini's `config`). Its integer value (through
constants, values.py) is resolved here, where the scopes are at hand, so the checks read
`limit.resolved` and never reach back into the module's analysis. What the call may hold
unseen (a spread we cannot read) makes it open-ended; a timeout, given or hidden, decides
whether the Anthropic SDK's non-streaming cap applies.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Optional, Union

from .clients import timeout_given
from .targets import ClientFacts
from .values import DictItem, DictValue, IntValue

if TYPE_CHECKING:
    from .callsites import CallSite, CallSiteFinder

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
    resolved: Optional[IntValue] = None  # the integer it holds, where the code says it


def collect_keywords(finder: "CallSiteFinder", site: "CallSite", call: ast.Call) -> None:
    """The call's own keywords, and the keys of the dicts it spreads."""
    r, names = finder.r, finder.knowledge.limit_names
    for arg in call.keywords:
        if arg.arg is not None:
            site.names_present.add(arg.arg)
            if arg.arg in names:
                site.limits.append(LimitParam(arg.arg, arg, arg.value, arg, "keyword",
                                              maybe_absent=r.may_be_absent(arg.value), resolved=r.int_value(arg.value)))
        else:
            spread = r.dict_value(arg.value)
            if spread is None:
                site.open_ended = True
            else:
                collect_dict(finder, site, spread, "**spread")


def collect_dict(finder: "CallSiteFinder", site: "CallSite", value: Optional[DictValue], via: str) -> None:
    """The keys of a dict the limit may be written in; None (not readable) leaves the call open."""
    if value is None:
        site.open_ended = True
        return
    r, names = finder.r, finder.knowledge.limit_names
    site.open_ended = site.open_ended or not value.complete
    for entry in value.entries:
        site.names_present.add(entry.key)
        if entry.key in names:
            resolved = IntValue(entry.elsewhere, entry.value, elsewhere=True) if entry.elsewhere is not None else r.int_value(entry.value)
            if resolved is not None and value.shared:
                resolved = replace(resolved, shared=True)  # in a helper others may call: not this call's alone
            site.limits.append(LimitParam(entry.key, entry.key_node, entry.value, entry.owner, via, entry.conditional,
                                          r.may_be_absent(entry.value), resolved))


def timeouts(finder: "CallSiteFinder", site: "CallSite", call: ast.Call, keywords: dict,
             client: Optional[ClientFacts], chained: list[ast.Call]) -> None:
    """Whether a timeout lifts the Anthropic SDK's non-streaming cap, and whether that is all seen.

    The SDK checks the cap only when the call passes no `timeout` (even `timeout=None`
    counts as given) and the client's timeout is still its DEFAULT_TIMEOUT: a client-level
    `timeout=` or `.with_options(timeout=...)` lifts it as well (anthropic-python,
    resources/messages/messages.py). A `**kwargs` on the call or the client, or a `stream=`
    that is not a literal, may lift it unseen."""
    given = timeout_given(chained, finder.r, finder.knowledge.clients.default_timeouts)
    client_timeout = client.timeout if client is not None else False
    site.has_timeout = "timeout" in keywords or given is True or client_timeout is True
    stream = keywords.get("stream")
    stream_unseen = stream is not None and not isinstance(stream.value, ast.Constant)
    site.cap_seen = not (site.open_ended or given is None or client_timeout is None or stream_unseen
                         or (client is not None and client.hidden is not None))
