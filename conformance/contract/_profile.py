"""Profiles: which contract a target promises, read from ``schemas/profiles/*.yaml``.

A profile names the schemas that judge requests, responses, chunks and errors, the overlays its
page puts on them (see :mod:`_compose`), and the facts the checks, the runner and the
reference router's emulation read: endpoint, auth, usage variant, finish reasons, error statuses,
extension fields, streaming specifics, capabilities, and the request parameters a target may
ignore. ``extends:`` names a parent profile whose mappings are merged under the child's (lists
and scalars are replaced). The format is documented in the README ("Profiles").

Which request parameters a compatible server may ignore is data: ``schemas/parameter-tiers.yaml``
splits OpenAI's parameters into the core every server must validate and the platform features
real servers drop, each with its public evidence. Every profile takes that set for the parameters
its request schema documents; its ``may_ignore:`` key adds a page's own (``name: evidence``) or
takes one back (``name: null``).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Literal, cast

from conformance.base import INTENTS, ConfigError, Intent, read_data_file
from conformance.contract._compose import compose
from conformance.contract._formats import PROFILE_FORMAT, check_format
from conformance.contract._schema_store import derive, load_schema
from conformance.contract._schemas import SchemaValidator, validator

DEFAULT_PROFILE = "openai-compatible"
#: The two tiers of request parameters, and the JSON Schema that file is checked against.
TIERS_FILE: Final = "parameter-tiers.yaml"
_TIERS_SCHEMA: Final = "parameter-tiers.schema.json"

UsageWithoutInclude = Literal["never", "always", "either"]
StopSequence = Literal["excluded", "included", "either"]
UsageVariant = Literal["prompt_completion", "input_output", "either"]
AuthScheme = Literal["bearer", "none"]
MidStreamError = Literal["event", "chunk"]  # OpenAI's error event, or OpenRouter's error chunk
ErrorCode = Literal["string", "status"]  # OpenAI's string codes, or the HTTP status as a number

#: What a target may offer; a targeted scenario needing a feature its profile lacks is not sent.
FEATURES: Final = (
    "stream",
    "stream_options",
    "n",
    "stop",
    "max_tokens",
    "logprobs",
    "response_format",
    "tools",
    "separate_reasoning",
)
#: Where the usage object's schema sits in response.json and chunk.json, and each variant.
_USAGE_AT: Final = "/properties/usage/anyOf/0"  # response.json and chunk.json alike
_USAGE_VARIANTS: Final = {
    "prompt_completion": {"$ref": "usage.json#/$defs/prompt_completion"},
    "input_output": {"$ref": "usage.json#/$defs/input_output"},
}  # "either" keeps the base files' anyOf of both


@dataclass(frozen=True, slots=True)
class Profile:
    """A loaded profile: the contract one kind of target promises."""

    id: str
    title: str
    source: str
    path: Path
    request_schema: str
    response_schema: str
    chunk_schema: str
    error_schema: str
    error_fields_schema: str | None
    finish_reasons: frozenset[str]
    error_statuses: Mapping[Intent, frozenset[int]]
    usage_without_include: UsageWithoutInclude
    stop_sequence: StopSequence
    base_url: str  # the documented base URL: everything before /chat/completions
    chat_path: str  # the documented path of the endpoint, e.g. /api/v1/chat/completions
    auth: AuthScheme
    usage: UsageVariant
    documented_statuses: frozenset[int]
    extensions: tuple[str, ...]  # response fields the page adds to OpenAI's, as dotted paths
    keepalive_comments: bool  # the page says SSE comments may be sent to keep a stream alive
    error_finish_reason: bool  # a failed choice ends with finish_reason "error" + an error object
    capabilities: frozenset[str]
    notes: tuple[str, ...]  # readings taken where the page contradicts itself, and why
    mid_stream_error: MidStreamError = "event"  # how a stream that fails midway says so
    error_code: ErrorCode = "string"  # what an error's "code" holds
    id_prefix: str = "chatcmpl-"  # how the page's completion ids begin
    # Request parameters outside the core a compatible server must validate (OpenAI-platform
    # features): parameter name -> the evidence that real servers ignore it.
    may_ignore: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def prefix(self) -> str:
        """The path before ``/chat/completions`` (``/api/v1``), where an emulation serves."""
        return self.chat_path.removesuffix("/chat/completions")

    @property
    def parameters(self) -> frozenset[str]:
        """The top-level request parameters the profile's request schema documents."""
        return documented_parameters(self.request_schema)

    @property
    def request(self) -> SchemaValidator:
        return validator(self.request_schema)

    @property
    def response(self) -> SchemaValidator:
        return validator(self.response_schema)

    @property
    def chunk(self) -> SchemaValidator:
        return validator(self.chunk_schema)

    @property
    def error(self) -> SchemaValidator:
        return validator(self.error_schema)

    @property
    def error_fields(self) -> SchemaValidator | None:
        return None if self.error_fields_schema is None else validator(self.error_fields_schema)


@functools.cache
def documented_parameters(request_schema: str) -> frozenset[str]:
    """The top-level properties of a (composed) request schema."""
    return frozenset(load_schema(request_schema).get("properties", {}))


def profiles_dir() -> Path:
    from conformance.contract._schema_store import schema_dir

    return schema_dir() / "profiles"


@functools.cache
def parameter_tiers() -> tuple[Mapping[str, str], Mapping[str, str]]:
    """``(core, may_ignore)`` from ``schemas/parameter-tiers.yaml``: parameter name -> why it is
    core, and parameter name -> the one-line evidence (with its sources) that servers ignore it."""
    path = profiles_dir().parent / TIERS_FILE
    data = read_data_file(path)
    check_format(data, _TIERS_SCHEMA, path)
    may_ignore = {
        name: f"{entry['evidence']} ({'; '.join(entry['sources'])})"
        for name, entry in data["may_ignore"].items()
    }
    return MappingProxyType(dict(data["core"])), MappingProxyType(may_ignore)


def profile_names() -> list[str]:
    """The IDs of the profiles shipped with the package."""
    return sorted(p.stem for p in profiles_dir().glob("*.yaml"))


def _merge(base: Mapping[str, Any], child: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in child.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    if path in seen:
        raise ConfigError(f"{path}: 'extends' forms a cycle: {' -> '.join(map(str, seen))}")
    data = read_data_file(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a profile is a mapping, got {type(data).__name__}")
    check_format(data, PROFILE_FORMAT, path)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    return _merge(_read(_locate(parent, relative_to=path.parent), (*seen, path)), data)


def _locate(name: str, relative_to: Path | None = None) -> Path:
    candidate = Path(name)
    if candidate.suffix in (".yaml", ".yml"):
        if relative_to is not None and not candidate.is_absolute():
            candidate = relative_to / candidate
        if not candidate.is_file():
            raise ConfigError(f"profile file {candidate} does not exist")
        return candidate
    shipped = profiles_dir() / f"{name}.yaml"
    if not shipped.is_file():
        raise ConfigError(
            f"unknown profile {name!r}; known: {', '.join(profile_names())} (or give a .yaml path)"
        )
    return shipped


_MISSING: Final = object()


def _lookup(data: Mapping[str, Any], dotted: str) -> Any:
    """The value at a dotted path, or :data:`_MISSING`."""
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return _MISSING
        node = node[part]
    return node


def _field(data: Mapping[str, Any], dotted: str, path: Path, kind: type | tuple[type, ...]) -> Any:
    node = _lookup(data, dotted)
    if node is _MISSING:
        raise ConfigError(f"{path}: missing field '{dotted}'")
    if not isinstance(node, kind):
        raise ConfigError(f"{path}: field '{dotted}' has the wrong type: {node!r}")
    return node


def _choice(data: Mapping[str, Any], dotted: str, path: Path, default: str | None = None) -> str:
    """The value at ``dotted`` (one of its enum in ``profile.schema.json``, which each file was
    checked against); ``default`` when absent (None: required)."""
    if default is not None and _lookup(data, dotted) is _MISSING:
        return default
    return cast(str, _field(data, dotted, path, str))


def _schema_ref(data: Mapping[str, Any], dotted: str, path: Path) -> str:
    ref = cast(str, _field(data, dotted, path, str))
    try:
        validator(ref)
    except ConfigError as error:
        raise ConfigError(f"{path}: field '{dotted}': {error}") from None
    return ref


def _error_statuses(data: Mapping[str, Any], path: Path) -> dict[Intent, frozenset[int]]:
    table = _field(data, "error_statuses", path, dict)
    statuses: dict[Intent, frozenset[int]] = {}
    for intent in INTENTS:
        if intent not in table:
            raise ConfigError(f"{path}: missing field 'error_statuses.{intent}'")
        statuses[intent] = frozenset(table[intent])
    return statuses


def _composed(
    data: Mapping[str, Any], role: str, profile_id: str, usage: UsageVariant, path: Path
) -> str:
    """The schema reference for ``role`` (request, response, chunk): the base file named under
    ``schemas``, with the profile's overlay and usage variant applied when it has any."""
    ref = _schema_ref(data, f"schemas.{role}", path)
    overlay = data.get(role) or {}
    if not isinstance(overlay, Mapping):
        raise ConfigError(f"{path}: field '{role}' must be a mapping (an overlay), got {overlay!r}")
    if role in ("response", "chunk") and usage != "either":
        overlay = {
            **overlay,
            "patch": {_USAGE_AT: _USAGE_VARIANTS[usage], **overlay.get("patch", {})},
        }
    if not overlay:
        return ref
    if "#" in ref:
        raise ConfigError(f"{path}: field 'schemas.{role}': an overlay needs a whole schema file")
    document = compose(load_schema(ref), overlay, f"{path}: field {role}")
    name = derive(f"{ref.removesuffix('.json')}+{profile_id}.json", document)
    try:
        validator(name)
    except ConfigError as error:
        raise ConfigError(f"{path}: field '{role}' does not compile: {error}") from None
    return name


def _endpoint(data: Mapping[str, Any], path: Path) -> tuple[str, str]:
    base_url = _field(data, "endpoint.base_url", path, str)
    chat_path = _field(data, "endpoint.path", path, str)  # ends with /chat/completions
    return cast(str, base_url).rstrip("/"), cast(str, chat_path)


@functools.cache
def load_profile(name_or_path: str = DEFAULT_PROFILE) -> Profile:
    """Load a shipped profile by ID, or a user's profile file by path."""
    path = _locate(name_or_path)
    data = _read(path)
    identity = {name: _field(data, name, path, str) for name in ("id", "title", "source")}
    reasons = _field(data, "finish_reasons", path, list)
    fields_ref = data.get("schemas", {}).get("error_fields")
    usage = cast(
        UsageVariant,
        _choice(data, "usage", path, "either"),
    )
    capabilities = data.get("capabilities", FEATURES)
    statuses = data.get("documented_statuses", [])
    streaming = data.get("streaming", {})
    base_url, chat_path = _endpoint(data, path)
    profile_id = identity["id"]
    request_schema = _composed(data, "request", profile_id, usage, path)
    return Profile(
        **identity,
        path=path,
        request_schema=request_schema,
        response_schema=_composed(data, "response", profile_id, usage, path),
        chunk_schema=_composed(data, "chunk", profile_id, usage, path),
        error_schema=_schema_ref(data, "schemas.error", path),
        error_fields_schema=None
        if fields_ref is None
        else _schema_ref(data, "schemas.error_fields", path),
        finish_reasons=frozenset(reasons),
        error_statuses=_error_statuses(data, path),
        usage_without_include=cast(
            UsageWithoutInclude,
            _choice(data, "streaming.usage_without_include", path),
        ),
        stop_sequence=cast(StopSequence, _choice(data, "stop_sequence", path)),
        base_url=base_url,
        chat_path=chat_path,
        auth=cast(AuthScheme, _choice(data, "auth", path)),
        usage=usage,
        documented_statuses=frozenset(statuses),
        extensions=tuple(data.get("extensions", ())),
        keepalive_comments=streaming.get("keepalive_comments", False),
        error_finish_reason=data.get("error_finish_reason", False),
        capabilities=frozenset(capabilities),
        notes=tuple(data.get("notes", ())),
        mid_stream_error=cast(
            MidStreamError,
            _choice(data, "streaming.mid_stream_error", path, "event"),
        ),
        error_code=cast(ErrorCode, _choice(data, "error_code", path, "string")),
        id_prefix=cast(str, _field(data, "id_prefix", path, str))
        if "id_prefix" in data
        else "chatcmpl-",
        may_ignore=_may_ignore(data, path, request_schema),
    )


def _may_ignore(data: Mapping[str, Any], path: Path, request_schema: str) -> Mapping[str, str]:
    """The base set of :func:`parameter_tiers` for the parameters the request schema documents
    (an undocumented one is an unknown extra, which a target may refuse or ignore anyway), with
    the profile's own ``may_ignore:`` entries applied: ``name: evidence`` adds, ``name: null``
    takes one back. A name the profile file itself lists must be in its request schema."""
    table = data.get("may_ignore", {})  # name -> one line of evidence, or null
    own = read_data_file(path).get("may_ignore") or {}
    documented = documented_parameters(request_schema)
    base = parameter_tiers()[1]
    for name, evidence in table.items():
        where = f"{path}: field 'may_ignore.{name}'"
        if name in own and name not in documented:
            raise ConfigError(f"{where}: the profile's request schema does not document {name!r}")
        if evidence is None and name not in base:
            raise ConfigError(f"{where}: null takes back a parameter of {TIERS_FILE}; not one")
    kept = {name: evidence for name, evidence in base.items() if name in documented}
    for name, evidence in table.items():
        if evidence is None:
            kept.pop(name, None)
        elif name in documented:
            kept[name] = evidence.strip()
    return MappingProxyType(dict(sorted(kept.items())))
