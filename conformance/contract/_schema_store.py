"""The schemas a process knows: the JSON files of ``schemas/`` and the schemas derived from
them (a profile's overlay applied), each read once, and the two engines' registries over them.

Schemas refer to each other by relative ``$ref`` ("usage.json") under the base URI
``https://chat-conformance.invalid/schemas/``. The ``.invalid`` TLD can never be fetched, and both
registries refuse to retrieve anything: every reference must resolve inside the registry.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Final

import jsonschema_rs
import referencing
from referencing.jsonschema import DRAFT202012

from conformance.base import ConfigError

#: The base URI every schema's ``$id`` lives under; ``$ref``s are resolved against it.
BASE_URI: Final = "https://chat-conformance.invalid/schemas/"


def schema_dir() -> Path:
    """The directory holding the ``*.json`` schema files.

    Installed from the wheel, the schemas are package data at ``conformance/schemas/``; in a source
    checkout (or an editable install) they are the top-level ``schemas/`` folder of the repository.
    """
    packaged = resources.files("conformance") / "schemas"
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "schemas"
    if checkout.is_dir():
        return checkout
    raise ConfigError(
        f"cannot find the JSON schemas: looked for package data at {packaged} "
        f"and for a source checkout at {checkout}"
    )


def schema_names() -> list[str]:
    """The schema files (``"chunk.json"``, ``"error.json"``, …), sorted."""
    return sorted(path.name for path in schema_dir().glob("*.json") if path.is_file())


#: Schemas derived in this process (a profile's overlay applied to a schema file), by name.
_DERIVED: dict[str, dict[str, Any]] = {}


def derive(name: str, document: Mapping[str, Any]) -> str:
    """Register ``document`` as the schema ``name`` (e.g. ``"request+anyapi.json"``), beside the
    files, so that it can be referred to, generated from and validated against like them.

    Registering the same document again returns the same name; another document under a taken
    name (two user profiles sharing an id) gets the name with a digest of its content appended.
    The document's ``$id`` is set from the name, so its relative ``$ref``s resolve against the
    schema files.
    """
    if not name.endswith(".json") or Path(name).name != name or name in schema_names():
        raise ConfigError(f"cannot derive a schema named {name!r}")
    content = json.loads(json.dumps(document))
    content.pop("$id", None)
    taken = _DERIVED.get(name)
    if taken is not None and {k: v for k, v in taken.items() if k != "$id"} != content:
        digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:8]
        name = f"{name.removesuffix('.json')}-{digest}.json"
    if name in _DERIVED:
        return name
    _DERIVED[name] = {**content, "$id": BASE_URI + name}
    rs_registry.cache_clear()
    py_registry.cache_clear()
    return name


def all_names() -> list[str]:
    return [*schema_names(), *_DERIVED]


@functools.cache
def load_raw(name: str) -> dict[str, Any]:
    if name in _DERIVED:
        return _DERIVED[name]
    if not name.endswith(".json") or Path(name).name != name:
        raise ConfigError(f"not a schema file name: {name!r} (expected e.g. 'response.json')")
    path = schema_dir() / name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"no schema {name!r} in {path.parent}; known: {', '.join(schema_names())}"
        ) from None
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"schema {path} is not valid JSON: {exc}") from None
    if not isinstance(schema, dict):
        raise ConfigError(f"schema {path} is not a JSON object")
    if schema.get("$id") != BASE_URI + name:
        raise ConfigError(
            f"schema {path} has $id {schema.get('$id')!r}, expected {BASE_URI + name!r}"
        )
    return schema


def load_schema(name: str) -> dict[str, Any]:
    """The parsed schema file ``name`` (e.g. ``"response.json"``).

    The file is read and parsed once; each call returns a fresh copy, so callers may modify it.
    """
    return json.loads(json.dumps(load_raw(name)))  # type: ignore[no-any-return]


def _refuse_retrieval(uri: str) -> Any:
    """jsonschema_rs retriever: nothing is ever fetched over the network."""
    raise ConfigError(f"schema reference {uri!r} is not one of the local schema files")


@functools.cache
def rs_registry() -> jsonschema_rs.Registry:
    return jsonschema_rs.Registry(
        [(BASE_URI + name, load_raw(name)) for name in all_names()],
        retriever=_refuse_retrieval,
    )


@functools.cache
def py_registry() -> referencing.Registry[Any]:
    # referencing's default retriever raises NoSuchResource: it never fetches anything.
    registry: referencing.Registry[Any] = referencing.Registry()
    return registry.with_resources(
        (BASE_URI + name, DRAFT202012.create_resource(load_raw(name))) for name in all_names()
    ).crawl()
