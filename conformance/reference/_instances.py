"""A small instance generator: a JSON value valid against a JSON Schema, built by construction.

It covers the subset that function ``parameters`` and ``json_schema`` response formats use:
``type`` (one or a list), ``object`` with ``properties``/``required``/``additionalProperties``,
``array`` with ``items``/``prefixItems``/``minItems``/``maxItems``, ``string`` with
``enum``/``minLength``/``maxLength``/a few ``format``s, ``number``/``integer`` with their bounds,
``boolean``, ``null``, ``const``, ``enum``, ``anyOf``/``oneOf`` (the first alternative),
``allOf`` (merged), and local ``$ref``s (``#/$defs/...``).

Every property an object declares is filled in (strict structured output requires all of them).
The values are drawn from a small vocabulary with the caller's :class:`random.Random`, so the
same seed gives the same document. A schema outside the subset (``pattern``, ``not``) gets a
plausible value that may not validate; the router only promises validity for the subset.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from typing import Any, Final

from conformance.base import ConfigError

__all__ = ["WORDS", "instance"]

#: The toy model's vocabulary: plain ASCII words, none a prefix of another.
WORDS: Final = (
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
    "india", "juliett", "kilo", "lima", "mike", "november", "oscar", "papa",
    "quebec", "romeo", "sierra", "tango", "uniform", "victor", "whiskey", "xray",
    "yankee", "zulu", "amber", "cobalt", "indigo", "maroon", "saffron", "teal",
)  # fmt: skip

_FORMATS: Final = {
    "date": "2024-05-17",
    "date-time": "2024-05-17T09:30:00Z",
    "time": "09:30:00Z",
    "email": "alpha@example.com",
    "uri": "https://example.com/alpha",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "ipv4": "192.0.2.1",
}
_MAX_DEPTH: Final = 12
_MAX_SIZE: Final = 256  # minItems / minLength beyond this are refused, not built


def instance(schema: Any, rng: random.Random, root: Any = None) -> Any:
    """A value valid against ``schema`` (within the supported subset), drawn with ``rng``."""
    return _value(schema, rng, schema if root is None else root, 0)


def _value(schema: Any, rng: random.Random, root: Any, depth: int) -> Any:
    if depth > _MAX_DEPTH:
        raise ConfigError("the schema nests too deeply (or refers to itself) for the generator")
    if schema is True or schema == {}:
        return rng.choice(WORDS)
    if not isinstance(schema, Mapping):
        raise ConfigError(f"cannot build an instance of the schema {schema!r}")
    if "$ref" in schema:
        return _value(_resolve(str(schema["$ref"]), root), rng, root, depth + 1)
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return rng.choice(schema["enum"])
    for keyword in ("anyOf", "oneOf"):
        options = schema.get(keyword)
        if isinstance(options, list) and options:
            merged = {k: v for k, v in schema.items() if k != keyword}
            return _value(_merge(merged, options[0]), rng, root, depth + 1)
    if isinstance(schema.get("allOf"), list):
        merged = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            merged = _merge(merged, part)
        return _value(merged, rng, root, depth + 1)
    kind = _kind(schema)
    if kind == "object":
        return _object(schema, rng, root, depth)
    if kind == "array":
        return _array(schema, rng, root, depth)
    if kind == "integer":
        return _integer(schema, rng)
    if kind == "number":
        return _number(schema, rng)
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "null":
        return None
    return _string(schema, rng)


def _kind(schema: Mapping[str, Any]) -> str:
    declared = schema.get("type")
    if isinstance(declared, list):
        concrete = [t for t in declared if t != "null"]
        declared = concrete[0] if concrete else "null"
    if isinstance(declared, str):
        return declared
    if "properties" in schema or "required" in schema:
        return "object"
    if "items" in schema or "prefixItems" in schema:
        return "array"
    return "string"


def _resolve(ref: str, root: Any) -> Any:
    if not ref.startswith("#"):
        raise ConfigError(f"only local $refs are supported, got {ref!r}")
    node = root
    for part in filter(None, ref[1:].split("/")):
        key = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            raise ConfigError(f"the $ref {ref!r} does not resolve")
    return node


def _merge(base: Mapping[str, Any], extra: Any) -> dict[str, Any]:
    merged = dict(base)
    if not isinstance(extra, Mapping):
        return merged
    for key, value in extra.items():
        if key == "properties" and isinstance(merged.get(key), Mapping):
            merged[key] = {**merged[key], **value}
        elif key == "required" and isinstance(merged.get(key), list):
            merged[key] = [*merged[key], *value]
        else:
            merged[key] = value
    return merged


def _object(schema: Mapping[str, Any], rng: random.Random, root: Any, depth: int) -> dict[str, Any]:
    properties = schema.get("properties")
    properties = properties if isinstance(properties, Mapping) else {}
    document = {str(name): _value(sub, rng, root, depth + 1) for name, sub in properties.items()}
    required = schema.get("required")
    for name in required if isinstance(required, list) else ():
        if name not in document:  # required but not described: any value will do
            extra = schema.get("additionalProperties", True)
            document[str(name)] = _value(extra if extra is not False else {}, rng, root, depth + 1)
    return document


def _array(schema: Mapping[str, Any], rng: random.Random, root: Any, depth: int) -> list[Any]:
    prefix = schema.get("prefixItems")
    prefix = prefix if isinstance(prefix, Sequence) and not isinstance(prefix, str) else []
    low = _int(schema.get("minItems"), 0)
    if low > _MAX_SIZE:
        raise ConfigError(f"minItems {low} is more than the generator builds ({_MAX_SIZE})")
    high = _int(schema.get("maxItems"), max(low, 2))
    count = max(low, min(high, max(len(prefix), 1 if high else 0, rng.randint(1, 2))))
    items = schema.get("items", {})
    values = [_value(sub, rng, root, depth + 1) for sub in prefix[:count]]
    while len(values) < count:
        values.append(_value(items if items is not False else {}, rng, root, depth + 1))
    if schema.get("uniqueItems") is True:
        unique: list[Any] = []
        for value in values:
            if value not in unique:
                unique.append(value)
        values = unique if len(unique) >= low else values
    return values


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _bound(schema: Mapping[str, Any], inclusive: str, exclusive: str, step: float) -> float | None:
    value = schema.get(inclusive)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    value = schema.get(exclusive)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value) + step
    return None


def _bounds(schema: Mapping[str, Any], margin: float) -> tuple[float, float]:
    """The closed range to draw from; ``margin`` keeps away from exclusive bounds."""
    low = _bound(schema, "minimum", "exclusiveMinimum", margin)
    high = _bound(schema, "maximum", "exclusiveMaximum", -margin)
    if high is None:
        low = 0.0 if low is None else low
        return low, max(100.0, low + 100)
    if low is None:
        return min(0.0, high - 100), high
    return low, max(low, high)


def _integer(schema: Mapping[str, Any], rng: random.Random) -> int:
    low, high = _bounds(schema, 1)
    start, end = math.ceil(low), math.floor(high)
    if start > end:
        return start
    value = rng.randint(start, end)
    step = _int(schema.get("multipleOf"), 1)
    if step > 1:
        value = (value // step) * step
        if value < start:
            value += step
    return value


def _number(schema: Mapping[str, Any], rng: random.Random) -> float:
    low, high = _bounds(schema, 0.01)
    return round(low + (high - low) * rng.uniform(0.25, 0.75), 2)


def _string(schema: Mapping[str, Any], rng: random.Random) -> str:
    fmt = schema.get("format")
    if isinstance(fmt, str) and fmt in _FORMATS:
        return _FORMATS[fmt]
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 2)))
    low = _int(schema.get("minLength"), 0)
    if low > _MAX_SIZE:
        raise ConfigError(f"minLength {low} is more than the generator builds ({_MAX_SIZE})")
    high = _int(schema.get("maxLength"), max(low, len(text)))
    while len(text) < low:
        text += " " + rng.choice(WORDS)
    return text[:high]
