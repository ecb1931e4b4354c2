"""The shape of every rules row: one dataclass per table, and the checks that name a bad value.

A wrongly typed value in a rules file must be named where it is written (file, row, key), not
surface as a traceback in the analysis; every table is built through `build`, which checks the
keys a row may have and the type each is annotated with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Optional


class KnowledgeError(Exception):
    """A rules file is missing, unreadable or malformed."""


@dataclass(frozen=True)
class Provider:
    id: str
    name: str
    hosts: tuple[str, ...] = ()
    ports: tuple[int, ...] = ()
    clients: tuple[str, ...] = ()
    env: tuple[str, ...] = ()
    api_version_env: str = ""
    module_env: tuple[str, ...] = ()
    accepts: tuple[str, ...] = ()
    preferred: str = "max_tokens"
    deprecated: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    errors: dict = field(default_factory=dict, hash=False, compare=False)
    # "package.keyword" -> the first release of this provider's SDK package whose method takes it
    keyword_since: dict = field(default_factory=dict, hash=False, compare=False)
    self_hosted: bool = False
    min_api_version: Optional[str] = None
    verified_ga_api_versions: tuple[str, ...] = ()
    module: Optional[str] = None  # the SDK module that doubles as a default client
    deployments: bool = False  # `model=` names a deployment (Azure)
    v1_path: Optional[str] = None  # a path that selects the v1 API (Azure's /openai/v1)
    class_decides: bool = False  # the client class fixes the API whatever the endpoint
    positional_host: bool = False  # the client's first positional argument is its host
    reasoning_rejects: tuple[str, ...] = ()  # names its reasoning models reject (OpenAI's o-series and gpt-5: max_tokens)
    # generic factories among `clients` that build this provider's client only for one service
    # name: {"boto3.client": "bedrock-runtime"}
    services: dict = field(default_factory=dict, hash=False, compare=False)
    caps_excess: bool = False  # a limit above the model's cap is lowered to it, not refused (TOK001/TOK006 stay silent)
    thinking_counts: bool = False  # a reasoning model's thinking is spent inside the output limit (sourced where true)
    range_checked: bool = False  # a max_tokens above the model's cap fails (DeepSeek's [1, 8192])
    requires_limit: bool = False  # its own API refuses a request without an output limit (Anthropic's Messages API)
    # the limit this endpoint sends upstream when an OpenAI-format request carries none (a gateway's
    # default), and how that is known
    missing_limit: Optional[int] = None
    missing_limit_source: str = ""

    @property
    def api_versioned(self) -> bool:
        """Requests carry an api_version, and max_completion_tokens exists from `min_api_version` on (Azure)."""
        return self.min_api_version is not None
    docs: str = ""
    source: str = ""


@dataclass(frozen=True)
class Model:
    id: str
    providers: tuple[str, ...]
    context: int
    source: str
    match: tuple[str, ...] = ()
    max_output: Optional[int] = None
    max_input: Optional[int] = None  # an input cap below the window (gpt-5: 272,000 of 400,000)
    reasoning: bool = False
    responses_only: bool = False
    deprecation_date: str = ""  # the day the provider retires it (YYYY-MM-DD), where a source says
    successor: str = ""  # the model the provider names as its replacement
    deprecation_providers: tuple[str, ...] = ()  # whose retirement the date is (default: every provider of the row)
    alias_of: str = ""  # the id this alias stands for today (LiteLLM's "-latest" names)
    retirement_source: str = ""  # where the retirement facts come from (curated rows may say; default: source)
    corroborated: bool = False  # imported rows: both sources give the same limits
    note: str = ""
    imported: bool = False  # set by the loader, never by a row: from rules/models_imported.toml, not curated

    @property
    def output_cap(self) -> int:
        """A model with no published output cap is bounded by its window."""
        return self.max_output if self.max_output is not None else self.context


@dataclass(frozen=True)
class Surface:
    """A door to a model: what every kind shares (what the checks read). The keys that say how
    the door is found in code are the kind's own (`options`, a dataclass of surfaces/<kind>.py)."""

    id: str
    kind: str
    limit: str
    source: str = ""
    wire_name: Optional[str] = None
    silent_wrong: bool = False
    wrong: tuple[str, ...] = ()
    wrong_error: str = ""
    required: bool = False
    required_error: str = ""
    provider: Optional[str] = None
    nonstreaming_cap: Optional[int] = None
    nonstreaming_model_caps: dict = field(default_factory=dict, hash=False, compare=False)
    # a floor the door itself enforces for some models (dspy.LM: max_tokens >= 16,000 or None on
    # OpenAI's reasoning models), with the regex of those model names and the door's error text
    min_limit: Optional[int] = None
    min_limit_models: str = ""
    min_limit_error: str = ""
    # a key of a keyword's dict the limit must exceed ("thinking.budget_tokens": Anthropic's extended
    # thinking spends its budget inside max_tokens), and the API's error when it does not
    limit_above: str = ""
    limit_above_error: str = ""
    # the response fields that say an answer was cut at the limit (Chat Completions' finish_reason,
    # Anthropic's stop_reason): TOK013 asks that code reading the answer reads one of them
    stop_fields: tuple[str, ...] = ()
    # the limit the library itself sends when the code gives none, in releases of its package
    # before `missing_limit_until` (LiteLLM's flat 4,096 for Anthropic before 1.81): TOK012
    # reports the call where the project allows such a release
    missing_limit: Optional[int] = None
    missing_limit_until: str = ""
    missing_limit_package: str = ""
    missing_limit_source: str = ""
    options: Any = field(default=None, hash=False, compare=False)


@dataclass(frozen=True)
class SdkCall:
    """The `[[surface]]` keys of every SDK door (rules/surfaces.toml says what each means)."""

    container_key: Optional[str] = None
    routing: dict = field(default_factory=dict, hash=False, compare=False)
    receivers: tuple[str, ...] = ()
    provider_keyword: Optional[str] = None
    model_keywords: tuple[str, ...] = ("model",)
    model_positional: bool = False
    deployment_keywords: tuple[str, ...] = ()
    sdks: tuple[str, ...] = ()
    streaming_methods: tuple[str, ...] = ()
    distinctive: bool = False
    model_providers: tuple[str, ...] = ()
    # keywords the construction takes and drops, with no name to rename them to there (ChatCohere
    # sends a limit only per call; LlamaIndex's Ollama only in additional_kwargs): TOK009, no fix
    ignored_keywords: tuple[str, ...] = ()
    ignored_error: str = ""
    # the request is a JSON text given as this keyword (boto3's invoke_model(body=json.dumps({...})))
    body_keyword: Optional[str] = None
    # rows sharing a method are told apart by the model (a regex on its id) and a key the body has
    model_pattern: str = ""
    model_exclude: str = ""  # a model id this matches is no text generation (an embedding, an image model): not this door
    body_marker: Optional[str] = None
    # what a file of this door's SDK says (its package): the prefilter's word for a required door
    # whose method another SDK's optional door shares (Anthropic's legacy `completions.create`)
    sdk_words: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClientRules:
    """`[clients]` of rules/clients.toml: the names the client reader and the receivers use."""

    url_keywords: tuple[str, ...] = ()
    api_version_keywords: tuple[str, ...] = ()
    option_calls: tuple[str, ...] = ()
    pass_through_attributes: tuple[str, ...] = ()
    module_url_attributes: tuple[str, ...] = ()
    default_timeouts: tuple[str, ...] = ()
    source: str = ""


@dataclass(frozen=True)
class HttpLibrary:
    """An `[[http_library]]`: the functions and session classes that POST a request."""

    id: str
    source: str
    functions: tuple[str, ...] = ()
    sessions: tuple[str, ...] = ()
    body_keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckInfo:
    code: str
    name: str
    severity: str
    summary: str
    fix: str
    docs: str
    source: str
    default: bool = True  # enabled unless selected otherwise
    options: dict = field(default_factory=dict, hash=False, compare=False)
    # what a file must say for the check to have anything to report (the prefilter's words):
    # "limit", a limit name; "required-door", a door of a surface whose limit is required;
    # "words", one of the check's own `options.words` (TOK012: the name of a model family)
    needs: str = "limit"
    # a finding's severity by its consequence, where one check has several (TOK002: `max_tokens`
    # deprecated, "info", or rejected by a reasoning model, "error"); else `severity`
    severities: dict = field(default_factory=dict, hash=False, compare=False)


# The severities, the worst first: the call fails; the limit is lost or the answer cut (the call runs); advice (deprecated, still works)
SEVERITIES = ("error", "warning", "info")


# What a value of each annotated field type may be, as read from TOML, and how to say so.
_TYPES = {
    "str": (lambda v: isinstance(v, str), "a string"),
    "Optional[str]": (lambda v: isinstance(v, str), "a string"),
    "int": (lambda v: _positive(v), "a positive integer"),
    "Optional[int]": (lambda v: _positive(v), "a positive integer"),
    "bool": (lambda v: isinstance(v, bool), "true or false"),
    "tuple[str, ...]": (lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v), "a list of strings"),
    "tuple[int, ...]": (lambda v: isinstance(v, list) and all(_positive(i) for i in v), "a list of positive integers"),
}
# The values of each table-valued field, by the code that reads them: an error text per
# parameter, a release per `package.keyword`, a provider id per routing value, a cap per model.
_TABLE_VALUES = {
    "errors": (str, "strings"),
    "keyword_since": (str, "version strings"),
    "routing": (str, "provider ids"),
    "nonstreaming_model_caps": (int, "positive integers"),
    "severities": (str, "severities"),
    "options": ((str, int, float, bool), "strings, numbers, booleans or lists of strings"),
}


def _positive(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _check_value(where: str, key: str, value: Any, annotation: str) -> None:
    """A wrongly typed value in a rules file is named here: left to the lookups, `methods = 5`
    or `id = 5` would surface as a traceback far from the file that holds it."""
    if annotation == "dict":
        kind, what = _TABLE_VALUES.get(key, ((str, int, float, bool), "strings, numbers or booleans"))
        scalars = key == "options"  # a check's options may also hold lists of strings (TOK012's doors)
        good = isinstance(value, dict) and all(
            (isinstance(v, kind) and (kind is not int or _positive(v)))
            or (scalars and isinstance(v, list) and all(isinstance(item, str) for item in v)) for v in value.values())
        if not good:
            raise KnowledgeError(f"{where}: {key} must be a table of {what}, not {value!r:.80}")
        return
    test, what = _TYPES[annotation]
    if not test(value):
        raise KnowledgeError(f"{where}: {key} must be {what}, not {value!r:.80}")


def build(cls, entry: Any, where: str, required: Iterable[str]):
    if not isinstance(entry, dict):
        raise KnowledgeError(f"{where}: must be a table, not {entry!r:.80}")
    missing = [key for key in required if key not in entry]
    if missing:
        raise KnowledgeError(f"{where}: missing key(s) {', '.join(missing)}")
    fields = cls.__dataclass_fields__
    unknown = sorted(set(entry) - set(fields))
    if unknown:
        raise KnowledgeError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(fields))}")
    kwargs = {}
    for key, value in entry.items():
        _check_value(where, key, value, fields[key].type)
        kwargs[key] = tuple(value) if isinstance(value, list) else value
    try:
        return cls(**kwargs)
    except TypeError as exc:  # pragma: no cover - guarded by the key checks above
        raise KnowledgeError(f"{where}: {exc}") from None

