"""Profiles: which contract a target promises, read from ``schemas/profiles/*.yaml``.

A profile names the schemas that judge requests, responses, chunks and errors, and the facts the
checks read (finish reasons, usage in streams, stop sequences). ``extends:`` names a parent
profile whose mappings are merged under the child's (lists and scalars are replaced).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast, get_args

import yaml

from conformance._errors import ConfigError
from conformance._exchange import INTENTS, Intent
from conformance._schemas import SchemaValidator, validator

DEFAULT_PROFILE = "openai-compatible"

UsageWithoutInclude = Literal["never", "always", "either"]
StopSequence = Literal["excluded", "included", "either"]


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


def profiles_dir() -> Path:
    from conformance._schemas import schema_dir

    return schema_dir() / "profiles"


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
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"cannot read profile {path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a profile is a mapping, got {type(data).__name__}")
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ConfigError(f"{path}: field 'extends' must be a profile id or path, got {parent!r}")
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


def _field(data: Mapping[str, Any], dotted: str, path: Path, kind: type | tuple[type, ...]) -> Any:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            raise ConfigError(f"{path}: missing field '{dotted}'")
        node = node[part]
    if not isinstance(node, kind):
        raise ConfigError(f"{path}: field '{dotted}' has the wrong type: {node!r}")
    return node


def _choice(data: Mapping[str, Any], dotted: str, path: Path, allowed: tuple[str, ...]) -> str:
    value = _field(data, dotted, path, str)
    if value not in allowed:
        raise ConfigError(f"{path}: field '{dotted}' must be one of {list(allowed)}, got {value!r}")
    return cast(str, value)


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
        codes = table.get(intent)
        if not isinstance(codes, list) or not codes or not all(isinstance(c, int) for c in codes):
            raise ConfigError(f"{path}: field 'error_statuses.{intent}' must be a list of statuses")
        statuses[intent] = frozenset(codes)
    unknown = set(table) - set(INTENTS)
    if unknown:
        raise ConfigError(f"{path}: field 'error_statuses' has unknown keys {sorted(unknown)}")
    return statuses


@functools.cache
def load_profile(name_or_path: str = DEFAULT_PROFILE) -> Profile:
    """Load a shipped profile by ID, or a user's profile file by path."""
    path = _locate(name_or_path)
    data = _read(path)
    identity = {name: _field(data, name, path, str) for name in ("id", "title", "source")}
    reasons = _field(data, "finish_reasons", path, list)
    if not reasons or not all(isinstance(r, str) for r in reasons):
        raise ConfigError(f"{path}: field 'finish_reasons' must be a non-empty list of strings")
    fields_ref = data.get("schemas", {}).get("error_fields")
    return Profile(
        **identity,
        path=path,
        request_schema=_schema_ref(data, "schemas.request", path),
        response_schema=_schema_ref(data, "schemas.response", path),
        chunk_schema=_schema_ref(data, "schemas.chunk", path),
        error_schema=_schema_ref(data, "schemas.error", path),
        error_fields_schema=None
        if fields_ref is None
        else _schema_ref(data, "schemas.error_fields", path),
        finish_reasons=frozenset(reasons),
        error_statuses=_error_statuses(data, path),
        usage_without_include=cast(
            UsageWithoutInclude,
            _choice(data, "streaming.usage_without_include", path, get_args(UsageWithoutInclude)),
        ),
        stop_sequence=cast(
            StopSequence, _choice(data, "stop_sequence", path, get_args(StopSequence))
        ),
    )
