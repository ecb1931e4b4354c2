"""The checks, one module each. A check reads one call site and yields findings.

Each check class names its code; its name, message summary and docs come from
`rules/checks.toml`, so that `tokenfix rule`, the README and the JSON output agree.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping, Optional

from ..analysis.callsites import CallSite, LimitParam
from ..knowledge.config import Settings
from ..analysis.dependencies import lacks_keyword
from ..output.findings import SAFE, SCAN, UNSAFE, Finding, Fix, Replacement
from ..knowledge import Knowledge, SafeDefault, safe_default
from ..analysis.source import Located
from ..analysis.targets import CONFIG, PROVEN
from ..analysis.values import IntValue


@dataclass
class Context:
    """What a check may read beside the call site: the rules, the settings for this file, and the
    SDK versions the project declares (its floors and lock pins, analysis/dependencies.py)."""

    knowledge: Knowledge
    settings: Settings
    declared: Mapping[str, Any] = field(default_factory=dict)

    def safe_default(self, site: CallSite, model=None) -> SafeDefault:
        """The safe default for the call's model, or for `model` where a check knows it better
        (TOK012: the native row of a gateway's `vendor/model` id)."""
        cap, reason = surface_cap(site)
        return safe_default(
            model if model is not None else site.target.model,
            input_reserve=self.settings.input_reserve,
            buffer=self.settings.buffer,
            default_max_tokens=self.settings.default_max_tokens,
            surface_cap=cap,
            surface_cap_reason=reason,
        )


def surface_cap(site: CallSite) -> tuple[Optional[int], str]:
    """What the calling surface itself allows (the Anthropic SDK's non-streaming guard)."""
    surface = site.surface
    if surface.nonstreaming_cap is None or site.streaming or site.has_timeout:
        return None, ""
    model_name = site.target.model_name or ""
    cap = surface.nonstreaming_model_caps.get(model_name, surface.nonstreaming_cap)
    return cap, "non-streaming SDK cap"


class Check:
    """Base class: subclasses set CODE and implement run()."""

    CODE = ""

    def __init__(self, knowledge: Knowledge):
        info = knowledge.checks[self.CODE]
        self.name = info.name
        self.info = info

    def run(self, site: CallSite, ctx: Context) -> Iterator[Finding]:  # pragma: no cover - abstract
        raise NotImplementedError

    def finding(self, message: str, node: Any, site: CallSite, fix: Optional[Fix] = None, suppress_node: Any = None,
                basis: tuple[str, ...] = (), consequence: Optional[str] = None) -> Finding:
        """`consequence` names a row of the check's `severities` (TOK002's "rejected"): a finding
        whose call fails where the check's usual one still works, or the other way round."""
        severity = self.info.severities.get(consequence, self.info.severity) if consequence else self.info.severity
        return Finding(self.CODE, self.name, message, node, suppress_node or node, fix, list(site.target.evidence),
                       basis=seen(site) + basis, severity=severity)


def seen(site: CallSite) -> tuple[str, ...]:
    """What was seen at this call, in docs/safety.md's words: a safe fix rests only on these."""
    target = site.target
    facts = []
    if endpoint_seen(site):
        facts.append("endpoint-seen")
    if model_known(site):
        facts.append("model-known")
    if not site.open_ended:
        facts.append("call-closed")
    if site.cap_seen:
        facts.append("cap-seen")
    if target.provider is not None and target.provider.deployments:
        facts.append("azure")  # docs/safety.md's word for a provider whose `model=` names a deployment
    return tuple(facts)


def sdk_lacks(site: CallSite, ctx: "Context", keyword: str) -> Optional[str]:
    """Why the SDK the project may run could lack `keyword` (its declared floor or lock pin
    predates it), or None: a rename to it is only safe where every allowed SDK takes it."""
    provider = ctx.knowledge.provider(site.sdk)
    if provider is None or site.sdk_package is None:
        return None
    since = provider.keyword_since.get(f"{site.sdk_package}.{keyword}")
    return lacks_keyword(ctx.declared, site.sdk_package, keyword, since)


def model_known(site: CallSite) -> bool:
    """The model is in the curated knowledge base and named as a model, not as an Azure deployment
    (docs/safety.md: a fix rests on curated facts only; an imported row gives findings)."""
    model, target = site.target.model, site.target
    # imported facts: findings, never safe fixes; a default (an environment variable's, a parameter's) may not be what runs
    return model is not None and not target.deployment and not target.model_default and not model.imported


RETIRED_NO_FIX = " (no fix: the model is retired, see TOK010)"


def retired(site: CallSite, knowledge: Knowledge):
    """The call's model, if the rules say its provider retired it on or before the day the
    model facts were taken (rules/models_imported.toml's imported_on): a release of tokenfix
    gives the same answer every day, so a pre-commit hook never turns red on its own, and
    `tokenfix models` warns when that day is long past. No value fix is offered for such a
    model: its limits no longer matter, the call fails anyway."""
    model = site.target.model
    as_of = knowledge.imported_on()
    if model is None or not model.deprecation_date or as_of is None or site.target.deployment:
        return None
    provider = site.target.provider.id if site.target.provider is not None else None
    if model.deprecation_providers and provider not in model.deprecation_providers:
        return None  # retired by one host of the row (Anthropic's API), not by this one
    return model if model.deprecation_date <= as_of else None


def enforcing_risk(site: CallSite, limit: LimitParam, new_name: str) -> Optional[str]:
    """Why renaming a limit the server drops today to `new_name` is unsafe, or None when it is
    not: the rename turns a dropped limit into an enforced one, and above the model's cap a
    server may refuse it, where the call works today. A server known to take any value (a
    self-hosted one, one that caps it) or a literal within a curated model's cap is no risk."""
    provider = site.target.provider
    if provider is not None and (provider.self_hosted or provider.caps_excess):
        return None
    if within_cap(site, limit):
        return None
    who = provider.name if provider is not None else "the server"
    verb = "rejects" if provider is not None and provider.range_checked else "may reject"
    return (f"{who} {verb} a `{new_name}` above the model's output cap, and this value is not seen to be "
            "within a known model's cap: check it before renaming")


def within_cap(site: CallSite, limit: LimitParam) -> bool:
    """The limit is an integer the code spells out, within the output cap of a model the
    curated rules know for this call: what a rename that turns a dropped limit into an enforced
    one needs on a provider that rejects a max_tokens above the cap (`range_checked`)."""
    model = site.target.model
    return (limit.resolved is not None and model is not None and model_known(site)
            and 0 < limit.resolved.value <= model.output_cap)


def caps_excess(site: CallSite) -> bool:
    """The provider lowers a limit above the model's cap instead of refusing it (Cohere,
    Fireworks: `caps_excess` in providers.toml): an excessive limit there breaks nothing, and
    lowering it would only shorten answers the call now gets."""
    provider = site.target.provider
    return provider is not None and provider.caps_excess


def endpoint_seen(site: CallSite) -> bool:
    """The provider comes from a pragma, the client, a URL or the user's --provider, and nothing
    in sight (a spread, an environment setting) leaves the endpoint open."""
    return proven(site) and not site.target.opaque


def proven(site: CallSite) -> bool:
    return site.target.provider_source in PROVEN or site.target.provider_source == CONFIG


def rename_fix(site: CallSite, limit: LimitParam, new_name: str, message: str, applicability: str = SAFE) -> Optional[Fix]:
    """A rename, or None when it would duplicate a key the call already passes."""
    if new_name in site.names_present:
        return None
    key = limit.key_node
    if isinstance(key, ast.keyword):
        original, kind = KeywordName(key), ("Name",)  # the keyword's name, `max_tokens` of `max_tokens=...`
    elif isinstance(key, ast.Constant) and isinstance(key.value, str):
        original, kind = key, ("SimpleString",)  # values.py keeps only keys written as one literal
    else:
        return None
    if site.open_ended and applicability == SAFE:
        applicability = UNSAFE  # a **spread we cannot see might carry the new name
    return Fix(applicability, message, [Replacement(original, kind, lambda node: _renamed(node, new_name))])


def _renamed(node, new_name: str):
    from ..fixes.edits import renamed_key

    return renamed_key(node, new_name)


def _integer(value: int):
    def make(node):
        from ..fixes.edits import integer

        return integer(value, node)
    return make


class KeywordName(Located):
    """Where a keyword argument's name is written (ast has no node for it)."""

    __slots__ = ()

    def __init__(self, keyword: ast.keyword):
        self.lineno = self.end_lineno = keyword.lineno
        self.col_offset = keyword.col_offset
        self.end_col_offset = keyword.col_offset + len(keyword.arg or "")  # limit names are ASCII


def adding_keyword(name: str, value: int):
    """A missing limit added to the call as a keyword: it takes the line break before `)`, and every
    comment stays (fixes/edits.py)."""
    def make(call):
        from ..fixes.edits import integer, with_keyword  # LibCST only when a fix is made

        return with_keyword(call, name, integer(value))
    return make


def value_fix(value: "IntValue", safe: int, applicability: str) -> Optional[Fix]:
    """Replace a limit's value: at the constant's definition when only this call reads it.

    The new literal keeps the parentheses of what it replaces, and so their comments; a
    comment inside the replaced expression would be lost (the engine checks, SCAN)."""
    expression = ("BaseExpression",)
    if value.elsewhere:
        return None  # set in another module's helper: changed there, for every caller, by hand
    if value.shared:  # a helper's dict, which other calls may use: the new value would be theirs too
        return Fix(UNSAFE, f"Replace with {safe} (in a helper other calls may share)", [Replacement(value.node, expression, _integer(safe), SCAN)])
    if value.definition is not None and value.uses == 1:
        return Fix(applicability, f"Set {value.definition_name} = {safe}", [Replacement(value.definition, expression, _integer(safe), SCAN)])
    if value.definition is not None:
        # The constant is read elsewhere too: change this call only.
        return Fix(UNSAFE, f"Pass {safe} here instead of {value.definition_name}", [Replacement(value.node, expression, _integer(safe), SCAN)])
    return Fix(applicability, f"Replace with {safe}", [Replacement(value.node, expression, _integer(safe), SCAN)])


def all_checks(knowledge: Knowledge) -> list[Check]:
    """Every check module in this package, in code order: each check once, from its own module
    (TOK013 imports TOK012's reader)."""
    found: list[Check] = []
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Check) and value.__module__ == module.__name__ and value.CODE:
                found.append(value(knowledge))
    return sorted(found, key=lambda c: c.CODE)


def enabled_checks(knowledge: Knowledge, settings: Settings) -> list[Check]:
    return [c for c in all_checks(knowledge) if settings.enabled(c.CODE, c.info.default)]
