"""Where a call goes: provider and model, each with the evidence that says so.

Evidence is ranked (DESIGN.md step 5): a pragma beats the client's construction, which beats
the URL of a raw HTTP call, which beats the model string, which beats the configured default.
Unknown stays unknown, and nothing is renamed for an unknown target.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import partial
from typing import Optional
from urllib.parse import urlsplit

from .environment import ASSIGNED, DEFAULTED, EnvSetting
from ..knowledge import Knowledge, Model, Provider

# Stands for an unresolved piece of a string (an f-string field). Defined here, not in
# values.py, so that the client index can be built without importing LibCST.
UNKNOWN_PART = "\x00"

# How a provider was established, strongest first.
PRAGMA, CLIENT, URL, MODEL, CONFIG, FALLBACK = "pragma", "client", "url", "model", "config", "fallback"
PROVEN = (PRAGMA, CLIENT, URL)

# Constructor keywords that name a client's endpoint, in every SDK tokenfix knows.


@dataclass
class Evidence:
    line: int
    text: str
    origin: str = ""  # the module the line is in when it is not the one analysed (a client built there)
    cell: Optional[int] = None  # in a notebook: the cell of the line (every cell counted), its row inside it

    def __str__(self) -> str:
        return self.shown(self.origin)

    def shown(self, origin: str) -> str:
        """`line 3: ...`, `cell 4:2: ...`, or `<origin>:3: ...` for a line of another file, named
        as `origin` (the reports write it the way they write the file's own path)."""
        if self.origin:
            return f"{origin}:{self.line}: {self.text}" if self.line else f"{origin}: {self.text}"
        return f"{'line ' if self.cell is None else f'cell {self.cell}:'}{self.line}: {self.text}"


@dataclass
class Target:
    provider: Optional[Provider] = None
    provider_source: Optional[str] = None  # one of PRAGMA, CLIENT, URL, MODEL, CONFIG
    model_name: Optional[str] = None
    model: Optional[Model] = None
    api_version: Optional[str] = None
    azure_v1: bool = False
    opaque: bool = False  # the code names an endpoint tokenfix cannot resolve
    model_default: bool = False  # the model is only a default (`os.getenv("MODEL", "gpt-4o")`, a parameter's): another may run
    deployment: bool = False  # the model named may not be the one that runs (an Azure deployment; an Agent's model a RunConfig may replace)
    evidence: list[Evidence] = field(default_factory=list)

    def note(self, line: int, text: str, origin: str = "") -> None:
        # An unresolved piece of a string (an f-string field) reads as `{...}`, also inside a repr.
        text = text.replace(UNKNOWN_PART, "{...}").replace(repr(UNKNOWN_PART)[1:-1], "{...}")
        self.evidence.append(Evidence(line, text, origin))


_API_VERSION = re.compile(r"^(\d{4}-\d{2}-\d{2})(-preview)?$")


def parse_url(url: str) -> tuple[Optional[str], Optional[int], str]:
    """Host, port and path of a possibly partial URL; unknown pieces give None."""
    if "://" not in url:
        return None, None, url
    head = url.split("://", 1)[1]
    netloc, _, rest = head.partition("/")
    path = "/" + rest.split("?", 1)[0] if rest or url.endswith("/") else ""
    if UNKNOWN_PART in netloc or not netloc:
        return None, None, path
    try:
        parts = urlsplit("http://" + netloc)
        return parts.hostname, parts.port, path
    except ValueError:
        return None, None, path


def provider_from_url(knowledge: Knowledge, url: str) -> tuple[Optional[Provider], bool]:
    """The provider a base URL or endpoint names, and whether it is Azure's v1 API."""
    host, port, path = parse_url(url)
    if host is None:
        return None, False
    provider = knowledge.provider_for_host(host, port)
    azure_v1 = provider is not None and provider.v1_path is not None and provider.v1_path in path
    return provider, azure_v1


def azure_accepts_mct(provider: Provider, target: Target) -> Optional[bool]:
    """Whether this Azure target takes max_completion_tokens: True, False, or None (unknown)."""
    if target.azure_v1:
        return True
    version = target.api_version
    if not version or not provider.min_api_version:
        return None
    match = _API_VERSION.match(version)
    floor = _API_VERSION.match(provider.min_api_version)
    if match is None or floor is None:
        return None
    if match.group(2):  # a preview version: dated, ordered by date
        return match.group(1) >= floor.group(1)
    if version in provider.verified_ga_api_versions:
        return True
    return False if match.group(1) < floor.group(1) else None


def accepts_mct(target: Target) -> Optional[bool]:
    """Does the target take max_completion_tokens? None when that is not known."""
    provider = target.provider
    if provider is None:
        return None
    if provider.api_versioned:
        return azure_accepts_mct(provider, target)
    if "max_completion_tokens" in provider.ignored:
        return False
    if "max_completion_tokens" in provider.unknown:
        return None
    return "max_completion_tokens" in provider.accepts


@dataclass
class ClientFacts:
    """What a client's construction says, wherever it was read (this file or an imported one).

    Read by clients.py, the one reader of a construction, for this module and for the modules
    it imports alike: the same construction gives the same target wherever it is used from."""

    class_name: str  # qualified name of the client class
    line: int
    url_keyword: Optional[str] = None  # base_url, azure_endpoint, host, ...
    url: Optional[str] = None  # None while url_keyword is set: not statically known
    url_evidence: list = field(default_factory=list)  # (line, text): how the URL was resolved
    url_fallback: bool = False  # the URL is only an `or` chain's last resort
    api_version: Optional[str] = None
    origin: str = ""  # the file it was built in, when imported from another module
    hidden: Optional[str] = None  # `**kw` / `*args`: arguments the analysis cannot see
    env: Optional[EnvSetting] = None  # the SDK's endpoint variable, set where tokenfix can see it
    timeout: Optional[bool] = False  # a client-level timeout (lifts the Anthropic SDK's cap); None: unknown
    pragma_provider: Optional[tuple[int, str]] = None  # `# tokenfix: provider=...` on the construction
    pragma_model: Optional[tuple[int, str]] = None


def apply_client(knowledge: Knowledge, facts: ClientFacts, target: Target, default_endpoint: str = "trusted") -> Optional[str]:
    """Set the target from a client's construction; return the provider whose SDK it is.

    The SDK's default endpoint is taken only when nothing can redirect it: no argument hidden
    in a spread, no environment variable set in code or in a dotenv/compose file, and the
    `default-endpoint` setting is "trusted". Anything unseen makes the target unknown."""
    provider = knowledge.provider_for_client(facts.class_name)
    if provider is None:
        return None
    if target.provider is not None:  # a pragma already decided
        return provider.id
    # its lines are the client's module's: the evidence names that file (Evidence.origin), not its text
    note = partial(target.note, origin=facts.origin)
    if facts.pragma_provider is not None:
        named = knowledge.provider(facts.pragma_provider[1])
        if named is not None:
            target.provider, target.provider_source = named, PRAGMA
            note(facts.pragma_provider[0], f"pragma provider={facts.pragma_provider[1]} on the client's construction")
            if facts.pragma_model is not None and target.model_name is None:
                target.model_name = facts.pragma_model[1]
                note(facts.pragma_model[0], f"pragma model={facts.pragma_model[1]} on the client's construction")
            return provider.id
        note(facts.pragma_provider[0], f"pragma names unknown provider {facts.pragma_provider[1]!r}: ignored")
    if facts.pragma_model is not None and target.model_name is None:
        target.model_name = facts.pragma_model[1]
        note(facts.pragma_model[0], f"pragma model={facts.pragma_model[1]} on the client's construction")
    note(facts.line, f"client built by {facts.class_name}(...)")
    for line, text in facts.url_evidence:
        note(line, text)
    decides = provider.class_decides  # Azure's deployments, Ollama's native API: the class fixes the API
    if facts.hidden is not None and not decides:
        target.opaque = True
        note(facts.line, f"built with {facts.hidden}: its endpoint is not seen, provider unknown")
        return provider.id
    if facts.url_keyword and not decides:
        if facts.url is None:
            target.opaque = True
            note(facts.line, f"{facts.url_keyword} is not statically known: provider unknown")
            return provider.id
        found, azure_v1 = provider_from_url(knowledge, facts.url)
        shown = facts.url.replace(UNKNOWN_PART, "{...}")
        if found is None:
            target.opaque = True
            note(facts.line, f"{facts.url_keyword}={shown!r}: no known provider serves this host")
            return provider.id
        target.provider, target.provider_source, target.azure_v1 = found, FALLBACK if facts.url_fallback else CLIENT, azure_v1
        note(facts.line, f"{facts.url_keyword}={shown!r} is {found.name}" + (" (Azure v1 API)" if azure_v1 else "")
                    + (" (a fallback: fixes that depend on it are unsafe)" if facts.url_fallback else ""))
        return provider.id
    if facts.env is not None and not decides:
        return _from_environment(knowledge, facts, target, provider)
    if facts.url_keyword is None and not decides and default_endpoint != "trusted":
        target.opaque = True
        note(facts.line, f"no base URL given and default-endpoint = {default_endpoint!r}: the environment may redirect "
                                f"{facts.class_name}, provider unknown")
        return provider.id
    target.provider, target.provider_source = provider, CLIENT
    if provider.api_versioned:
        if facts.hidden is not None:
            note(facts.line, f"built with {facts.hidden}: api_version not seen")
        else:
            target.api_version = facts.api_version
            note(facts.line, f"api_version={facts.api_version!r}" if facts.api_version else "api_version not statically known")
    elif facts.hidden is not None:
        note(facts.line, f"built with {facts.hidden}: {provider.name}'s SDK speaks its own API whatever the host")
    elif facts.url_keyword is None:
        note(facts.line, f"no base URL given: the SDK's default endpoint is {provider.name}, "
                                f"and no {'/'.join(provider.env) or 'environment variable'} setting was found")
    return provider.id


def _from_environment(knowledge: Knowledge, facts: ClientFacts, target: Target, provider: Provider) -> str:
    """`OpenAI()` with `OPENAI_BASE_URL` set somewhere tokenfix can see."""
    setting = facts.env
    var, line, origin = setting.var, setting.line, setting.origin
    value = setting.value if var != "*" else None  # a write to a variable we cannot name says nothing of its value
    how = "defaulted" if setting.kind == DEFAULTED else "set"
    note = partial(target.note, origin=origin or facts.origin)  # the line is in that file or module
    if value is None:
        target.opaque = True
        note(line, f"{setting.describe(origin=False)}: provider unknown" if setting.what else
             f"{var} is {how} to a value not statically known: provider unknown")
        return provider.id
    found, azure_v1 = provider_from_url(knowledge, value)
    if found is None:
        target.opaque = True
        note(line, f"{var}={value!r}: no known provider serves this host")
        return provider.id
    strong = setting.kind == ASSIGNED and not origin  # an assignment in this code; files and setdefault only apply when unset
    target.provider, target.provider_source, target.azure_v1 = found, CLIENT if strong else FALLBACK, azure_v1
    note(line, f"{var}={value!r}{' (defaulted)' if setting.kind == DEFAULTED else ''} is {found.name}"
                + ("" if strong else ": the process environment may say otherwise, so fixes that depend on it are unsafe"))
    return provider.id
