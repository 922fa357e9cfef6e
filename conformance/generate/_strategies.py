"""A small compiler from JSON Schema to hypothesis strategies, for the subset our schemas use.

hypothesis-jsonschema is too slow for the hot path (about 14 examples/s on the request schema)
and 0.23.1 fails on hypothesis >= 6.170.10 (``AttributeError: 'many' object has no attribute
'more'``), so :mod:`_generate` builds its strategies with this compiler instead. It
reads ranges, enums, lengths, patterns and ``maxItems`` from the schema files themselves, so a
fact lives in one place.

Supported: ``type`` (one or a list, with ``null``), ``const``, ``enum``, ``minimum``/``maximum``/
``exclusiveMinimum``/``exclusiveMaximum``, ``minLength``/``maxLength``, ``pattern`` (through
``st.from_regex(fullmatch=True)`` over printable ASCII), ``items``/``minItems``/``maxItems``,
``properties``/``required``/``additionalProperties``/``propertyNames``/``maxProperties``,
``anyOf``/``oneOf`` (one branch is drawn; ``oneOf`` results are filtered by the validator of that
schema location, which also enforces any keyword beside the union), ``$ref``, and two shapes of
``if``/``then``:

* a *discriminated object*: ``allOf`` (or the node itself) of ``if: {required: [k],
  properties: {k: {const: v}}}, then: S``; each kind ``v`` is a branch with ``k = v``, ``S`` merged;
* a *type switch*: ``if: {type: T}, then: A, else: B``; values of type ``T`` are drawn from ``A``,
  the others from ``B``.

Any other validation keyword raises :class:`UnsupportedSchema` when the strategy is built, so
nothing is generated from a schema the compiler only half understands. Cross-field rules at the
top level of a request are left to :mod:`_generate`.

Generated values are small on purpose: strings are words from a short vocabulary (or a short
sentence where a :class:`Tweak` says ``prose``), arrays hold at most a few items, numbers are
drawn at a resolution of 0.01 with the bounds themselves drawn often.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import unquote

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from conformance.base import ConfigError
from conformance.contract import load_schema, validator

__all__ = [
    "Discriminated",
    "SchemaCompiler",
    "Tweak",
    "UnsupportedSchema",
    "WORDS",
    "declared_types",
    "has_type",
    "json_type",
    "prose",
    "small_json_schemas",
    "words",
]

#: Keywords that never constrain a value.
ANNOTATIONS: Final = frozenset(
    {
        "$schema",
        "$id",
        "$comment",
        "$defs",
        "title",
        "description",
        "default",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
    }
)

#: Validation keywords the compiler understands (``if``/``then``/``else`` and ``allOf`` only in
#: the two shapes the module docstring names).
SUPPORTED: Final = frozenset(
    {
        "$ref",
        "type",
        "const",
        "enum",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "minLength",
        "maxLength",
        "pattern",
        "items",
        "minItems",
        "maxItems",
        "properties",
        "required",
        "additionalProperties",
        "propertyNames",
        "maxProperties",
        "anyOf",
        "oneOf",
        "allOf",
        "if",
        "then",
        "else",
    }
)

_STRING_KEYWORDS: Final = frozenset({"minLength", "maxLength", "pattern"})
_NUMBER_KEYWORDS: Final = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})
_ARRAY_KEYWORDS: Final = frozenset({"items", "minItems", "maxItems"})
_OBJECT_KEYWORDS: Final = frozenset(
    {"properties", "required", "additionalProperties", "propertyNames", "maxProperties"}
)
_ALL_TYPES: Final = ("null", "boolean", "integer", "number", "string", "array", "object")

#: Arrays without a tighter bound hold at most this many items; maps at most ``_MAP_SIZE`` keys.
_ARRAY_SIZE: Final = 3
_MAP_SIZE: Final = 2
#: Unbounded numbers are drawn this far from their one bound (or from 0).
_SPAN: Final = 100

#: Plain words: message text, names, descriptions, stop sequences. Short and cheap to tokenize.
WORDS: Final = (
    "hello",
    "world",
    "blue",
    "green",
    "apple",
    "river",
    "stone",
    "cloud",
    "seven",
    "quick",
    "quiet",
    "paper",
    "light",
    "north",
    "table",
    "music",
    "bread",
    "tiger",
    "maple",
    "ocean",
    "spring",
    "window",
    "garden",
    "silver",
    "candle",
    "yellow",
    "orange",
    "planet",
    "pencil",
    "letter",
)


def words(min_size: int = 1, max_size: int = 1) -> SearchStrategy[str]:
    """``min_size``–``max_size`` words from :data:`WORDS`, joined by spaces."""
    if min_size == max_size == 1:
        return st.sampled_from(WORDS)
    return st.lists(st.sampled_from(WORDS), min_size=min_size, max_size=max_size).map(" ".join)


def prose() -> SearchStrategy[str]:
    """A short sentence of one to five words: what a cheap prompt looks like."""
    return words(1, 5).map(lambda text: text[:1].upper() + text[1:] + ".")


def small_json_schemas() -> SearchStrategy[dict[str, Any]]:
    """A small JSON Schema for tool parameters or structured output.

    One or two properties of a scalar type, all required, no additional properties: the shape
    OpenAI's ``strict: true`` mode accepts.
    """
    field = st.tuples(st.sampled_from(WORDS), st.sampled_from(("string", "integer", "boolean")))
    return st.lists(field, min_size=1, max_size=2, unique_by=lambda f: f[0]).map(
        lambda fields: {
            "type": "object",
            "properties": {name: {"type": kind} for name, kind in fields},
            "required": [name for name, _ in fields],
            "additionalProperties": False,
        }
    )


class UnsupportedSchema(ConfigError):
    """A schema uses a keyword (or a shape of one) the strategy compiler does not handle."""

    def __init__(self, ref: str, what: str) -> None:
        super().__init__(f"cannot generate values for {ref}: {what}")
        self.ref = ref


@dataclass(frozen=True, slots=True)
class Tweak:
    """Generation policy at one schema location: what to draw there beyond what is merely valid.

    Every tweak says why. The schema stays the judge: a tweak only narrows what is drawn.
    """

    why: str
    skip: bool = False
    """An optional property never drawn."""
    always: bool = False
    """An optional property always drawn."""
    maximum: int | None = None
    """A tighter upper bound for a number (a cost cap)."""
    min_items: int | None = None
    """A tighter lower bound for an array."""
    max_items: int | None = None
    """A tighter upper bound for an array."""
    no_null: bool = False
    """Never draw ``null`` here."""
    prose: bool = False
    """Strings here are short sentences, not single words."""
    only: tuple[str, ...] = ()
    """A discriminated object: draw only these kinds."""
    value: SearchStrategy[Any] | None = None
    """Draw from this strategy instead (for values the schema leaves open, e.g. a JSON Schema)."""


_NO_TWEAK: Final = Tweak(why="")


@dataclass(frozen=True, slots=True)
class Discriminated:
    """An object whose shape depends on the value of one key (``role``, ``type``)."""

    key: str
    kinds: tuple[Any, ...]
    """Every value of the key the schema allows, in schema order."""
    branches: Mapping[Any, tuple[str, ...]]
    """For each kind, the refs of the ``then`` schemas that apply to it."""


def _split(ref: str) -> tuple[str, str]:
    document, _, pointer = ref.partition("#")
    return document, pointer


def json_type(value: Any) -> str:
    """The JSON Schema type name of a parsed JSON value (1.0 is an integer, as in JSON Schema)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def has_type(value: Any, types: Sequence[str]) -> bool:
    """Whether ``value`` is of one of the JSON Schema ``types`` (an integer is a number)."""
    kind = json_type(value)
    return kind in types or (kind == "integer" and "number" in types)


def declared_types(schema: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The schema's ``type`` keyword as a tuple, or None when it has none."""
    kind = schema.get("type")
    if kind is None:
        return None
    return (kind,) if isinstance(kind, str) else tuple(kind)


class SchemaCompiler:
    """Builds (and caches) a strategy for each schema location, named by a ref.

    A ref is ``"<file>#<JSON pointer>"``, e.g. ``"request.json#/properties/temperature"``;
    ``tweaks`` are keyed the same way.
    """

    def __init__(self, tweaks: Mapping[str, Tweak] | None = None) -> None:
        self.tweaks: Mapping[str, Tweak] = dict(tweaks or {})
        self._cache: dict[tuple[str, tuple[str, ...] | None], SearchStrategy[Any]] = {}

    # -- schema access -------------------------------------------------------------------------

    def schema(self, ref: str) -> Mapping[str, Any]:
        """The schema at ``ref``."""
        document, pointer = _split(ref)
        node: Any = _document(document)
        for token in pointer.split("/")[1:]:
            token = unquote(token).replace("~1", "/").replace("~0", "~")
            if isinstance(node, list):
                node = node[int(token)]
            elif isinstance(node, dict) and token in node:
                node = node[token]
            else:
                raise UnsupportedSchema(ref, "the location does not exist")
        if not isinstance(node, dict):
            raise UnsupportedSchema(ref, "not a schema object")
        return node

    def tweak(self, ref: str) -> Tweak:
        return self.tweaks.get(ref, _NO_TWEAK)

    @staticmethod
    def join(ref: str, target: str) -> str:
        """Resolve a ``$ref`` value found at ``ref``."""
        document, _ = _split(ref)
        target_document, _, pointer = target.partition("#")
        if target_document and "/" in target_document:
            raise UnsupportedSchema(ref, f"$ref {target!r} leaves the schema folder")
        return f"{target_document or document}#{pointer}"

    def resolve(self, ref: str) -> str:
        """Follow ``$ref`` hops (with nothing but annotations beside them) to the real schema."""
        seen = {ref}
        schema = self.schema(ref)
        while "$ref" in schema and set(schema) - ANNOTATIONS == {"$ref"}:
            ref = self.join(ref, schema["$ref"])
            if ref in seen:
                raise UnsupportedSchema(ref, "a $ref cycle")
            seen.add(ref)
            schema = self.schema(ref)
        return ref

    def types(self, ref: str) -> tuple[str, ...]:
        """The JSON types a value at ``ref`` may have (declared or inferred from keywords)."""
        schema = self.schema(self.resolve(ref))
        declared = declared_types(schema)
        if declared is not None:
            return declared
        if "const" in schema:
            return (json_type(schema["const"]),)
        if "enum" in schema:
            return tuple(dict.fromkeys(json_type(v) for v in schema["enum"]))
        inferred = [
            kind
            for kind, keywords in (
                ("string", _STRING_KEYWORDS),
                ("number", _NUMBER_KEYWORDS),
                ("array", _ARRAY_KEYWORDS),
                ("object", _OBJECT_KEYWORDS | {"allOf", "if"}),
            )
            if keywords & set(schema)
        ]
        return tuple(inferred) if inferred else _ALL_TYPES

    def discriminated(self, ref: str) -> Discriminated | None:
        """The object at ``ref`` as a discriminated object, or None if it is not one."""
        ref = self.resolve(ref)
        schema = self.schema(ref)
        if "allOf" in schema:
            entries = [(f"{ref}/allOf/{i}", e) for i, e in enumerate(schema["allOf"])]
        elif "if" in schema and "then" in schema and "else" not in schema:
            entries = [(ref, {"if": schema["if"], "then": schema["then"]})]
        else:
            return None
        key: str | None = None
        branches: dict[Any, list[str]] = {}
        for entry_ref, entry in entries:
            condition = entry.get("if")
            if set(entry) - ANNOTATIONS != {"if", "then"} or not isinstance(condition, dict):
                return None
            names = condition.get("required")
            props = condition.get("properties")
            if set(condition) != {"required", "properties"} or not isinstance(props, dict):
                return None
            if not isinstance(names, list) or len(names) != 1 or set(props) != set(names):
                return None
            name = names[0]
            if set(props[name]) != {"const"} or key not in (None, name):
                return None
            key = name
            branches.setdefault(props[name]["const"], []).append(f"{entry_ref}/then")
        assert key is not None
        declared = schema.get("properties", {}).get(key, {})
        kinds = tuple(declared["enum"]) if "enum" in declared else tuple(branches)
        return Discriminated(key, kinds, {k: tuple(branches.get(k, ())) for k in kinds})

    # -- strategies ----------------------------------------------------------------------------

    def compile(self, ref: str, types: Sequence[str] | None = None) -> SearchStrategy[Any]:
        """A strategy for values valid at ``ref``, optionally only of the given JSON ``types``."""
        key = (ref, None if types is None else tuple(types))
        if key not in self._cache:
            self._cache[key] = self._build(ref, key[1])
        return self._cache[key]

    def branch(self, ref: str, kind: Any) -> SearchStrategy[dict[str, Any]]:
        """Objects of one ``kind`` of the discriminated object at ``ref`` (``only`` ignored)."""
        ref, schema, props, required, key = self._branch_parts(ref, kind)
        return self._object(ref, schema, props, required, {key: kind})

    def branch_required(self, ref: str, kind: Any) -> frozenset[str]:
        """The properties an object of one ``kind`` at ``ref`` must have (the key included)."""
        return frozenset(self._branch_parts(ref, kind)[3])

    def _branch_parts(
        self, ref: str, kind: Any
    ) -> tuple[str, Mapping[str, Any], dict[str, str], set[str], str]:
        ref = self.resolve(ref)
        found = self.discriminated(ref)
        if found is None:
            raise UnsupportedSchema(ref, "not a discriminated object")
        schema = self.schema(ref)
        props = {name: f"{ref}/properties/{name}" for name in schema.get("properties", {})}
        required = set(schema.get("required", ()))
        for then_ref in found.branches.get(kind, ()):
            then_ref = self.resolve(then_ref)
            then = self.schema(then_ref)
            extra = set(then) - ANNOTATIONS - {"type", "required", "properties"}
            if extra or declared_types(then) not in (None, ("object",)):
                raise UnsupportedSchema(then_ref, f"a branch with {sorted(extra)}")
            required |= set(then.get("required", ()))
            props.update({n: f"{then_ref}/properties/{n}" for n in then.get("properties", {})})
        return ref, schema, props, required, found.key

    def _build(self, ref: str, wanted: tuple[str, ...] | None) -> SearchStrategy[Any]:
        schema = self.schema(ref)
        tweak = self.tweak(ref)
        if tweak.value is not None:
            return tweak.value
        unknown = set(schema) - SUPPORTED - ANNOTATIONS
        if unknown:
            raise UnsupportedSchema(ref, f"unsupported keyword(s) {sorted(unknown)}")
        types = [t for t in self.types(ref) if wanted is None or has_type_name(t, wanted)]
        if tweak.no_null and "null" in types:
            types.remove("null")
        if "$ref" in schema:
            beside = set(schema) - ANNOTATIONS - {"$ref", "type"}
            if beside:
                raise UnsupportedSchema(ref, f"$ref beside {sorted(beside)}")
            return self.compile(self.join(ref, schema["$ref"]), types)
        if "const" in schema:
            ok = has_type(schema["const"], types)
            return st.just(schema["const"]) if ok else st.nothing()
        if "enum" in schema:
            values = [v for v in schema["enum"] if has_type(v, types)]
            return st.sampled_from(values) if values else st.nothing()
        for union in ("oneOf", "anyOf"):
            if union in schema:
                options = [
                    self.compile(f"{ref}/{union}/{i}", types) for i in range(len(schema[union]))
                ]
                drawn = st.one_of(options)
                if union == "oneOf" or set(schema) - ANNOTATIONS - {union, "type"}:
                    drawn = drawn.filter(validator(ref).is_valid)
                return drawn
        if "if" in schema and "then" in schema and "else" in schema:
            return self._type_switch(ref, schema, types)
        if "integer" in types and "number" in types:
            types.remove("integer")
        return st.one_of([self._of_type(ref, schema, kind, tweak) for kind in types])

    def _type_switch(
        self, ref: str, schema: Mapping[str, Any], types: list[str]
    ) -> SearchStrategy[Any]:
        condition = schema["if"]
        if set(condition) != {"type"} or set(schema) - ANNOTATIONS - {"type", "if", "then", "else"}:
            raise UnsupportedSchema(ref, "if/then/else other than a switch on the type")
        switch = declared_types(condition) or ()
        options = []
        for kind in types:
            side = "then" if has_type_name(kind, switch) else "else"
            options.append(self.compile(f"{ref}/{side}", [kind]))
        return st.one_of(options)

    def _of_type(
        self, ref: str, schema: Mapping[str, Any], kind: str, tweak: Tweak
    ) -> SearchStrategy[Any]:
        if kind == "null":
            return st.none()
        if kind == "boolean":
            return st.booleans()
        if kind in ("integer", "number"):
            return _number(schema, tweak, integer=kind == "integer")
        if kind == "string":
            return self._string(schema, tweak)
        if kind == "array":
            return self._array(ref, schema, tweak)
        if kind == "object":
            found = self.discriminated(ref)
            if found is not None:
                kinds = [k for k in found.kinds if not tweak.only or k in tweak.only]
                return st.one_of([self.branch(ref, k) for k in kinds])
            if "allOf" in schema or "if" in schema:
                raise UnsupportedSchema(ref, "allOf/if other than a discriminated object")
            props = {name: f"{ref}/properties/{name}" for name in schema.get("properties", {})}
            return self._object(ref, schema, props, set(schema.get("required", ())), {})
        raise UnsupportedSchema(ref, f"unknown type {kind!r}")

    def _string(self, schema: Mapping[str, Any], tweak: Tweak) -> SearchStrategy[str]:
        low, high = schema.get("minLength", 0), schema.get("maxLength")
        drawn: SearchStrategy[str]
        if "pattern" in schema:
            drawn = st.from_regex(
                schema["pattern"],
                fullmatch=True,
                alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E),
            )
        elif isinstance(schema.get("examples"), list) and all(
            isinstance(e, str) for e in schema["examples"]
        ):
            drawn = st.sampled_from(schema["examples"])
        elif low > 12:
            size = high if high is not None else low + 8
            return st.text("abcdefghijklmnopqrstuvwxyz", min_size=low, max_size=min(size, low + 8))
        else:
            drawn = prose() if tweak.prose else words()
        if low or high is not None:
            drawn = drawn.filter(lambda s: low <= len(s) <= (len(s) if high is None else high))
        return drawn

    def _array(self, ref: str, schema: Mapping[str, Any], tweak: Tweak) -> SearchStrategy[Any]:
        if not isinstance(schema.get("items", {}), dict):
            raise UnsupportedSchema(ref, "items that is not one schema")
        items = self.compile(f"{ref}/items") if "items" in schema else st.builds(dict)
        low = max(schema.get("minItems", 0), tweak.min_items or 0)
        high = schema.get("maxItems")
        if high is None or high > max(low, _ARRAY_SIZE + 1):
            high = max(low, _ARRAY_SIZE)
        if tweak.max_items is not None:
            high = min(high, max(low, tweak.max_items))
        return st.lists(items, min_size=low, max_size=high)

    def _object(
        self,
        ref: str,
        schema: Mapping[str, Any],
        props: Mapping[str, str],
        required: set[str],
        fixed: Mapping[str, Any],
    ) -> SearchStrategy[dict[str, Any]]:
        must: dict[str, SearchStrategy[Any]] = {k: st.just(v) for k, v in fixed.items()}
        may: dict[str, SearchStrategy[Any]] = {}
        for name, prop_ref in props.items():
            tweak = self.tweak(prop_ref)
            if name in must:
                continue
            if name in required or tweak.always:
                must[name] = self.compile(prop_ref)
            elif not tweak.skip:
                may[name] = self.compile(prop_ref)
        missing = required - set(must)
        if missing:
            raise UnsupportedSchema(ref, f"required {sorted(missing)} without a schema")
        drawn = st.fixed_dictionaries(must, optional=may)
        extra = schema.get("additionalProperties")
        limit = schema.get("maxProperties")
        if isinstance(extra, dict):
            keys = (
                self.compile(f"{ref}/propertyNames", ["string"])
                if "propertyNames" in schema
                else words()
            )
            size = _MAP_SIZE if limit is None else max(0, min(_MAP_SIZE, limit - len(must)))
            more = st.dictionaries(keys, self.compile(f"{ref}/additionalProperties"), max_size=size)
            drawn = st.tuples(more, drawn).map(lambda pair: {**pair[0], **pair[1]})
        if limit is not None:
            drawn = drawn.filter(lambda value: len(value) <= limit)
        return drawn


def has_type_name(kind: str, types: Sequence[str]) -> bool:
    """Whether a value of JSON type ``kind`` is allowed by ``types``."""
    return kind in types or (kind == "integer" and "number" in types)


def _number(schema: Mapping[str, Any], tweak: Tweak, *, integer: bool) -> SearchStrategy[Any]:
    low, high = schema.get("minimum"), schema.get("maximum")
    x_low, x_high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    if tweak.maximum is not None:
        high = tweak.maximum if high is None else min(high, tweak.maximum)
    if integer:
        floors = [math.ceil(low)] if low is not None else []
        floors += [math.floor(x_low) + 1] if x_low is not None else []
        ceilings = [math.floor(high)] if high is not None else []
        ceilings += [math.ceil(x_high) - 1] if x_high is not None else []
        lo, hi = max(floors, default=None), min(ceilings, default=None)
        if lo is None:
            lo = (hi - _SPAN) if hi is not None else -_SPAN
        if hi is None:
            hi = lo + _SPAN
        return st.integers(lo, hi)
    floor_ = max([v for v in (low, x_low) if v is not None], default=None)
    ceiling = min([v for v in (high, x_high) if v is not None], default=None)
    if floor_ is None:
        floor_ = (ceiling - _SPAN) if ceiling is not None else -_SPAN
    if ceiling is None:
        ceiling = floor_ + _SPAN
    hundredths = st.integers(math.ceil(floor_ * 100), math.floor(ceiling * 100)).map(
        lambda k: k / 100
    )
    bounds = [v for v in (low, high) if v is not None]
    drawn = st.one_of(st.sampled_from(bounds), hundredths) if bounds else hundredths
    if x_low is not None or x_high is not None:
        drawn = drawn.filter(
            lambda v: (x_low is None or v > x_low) and (x_high is None or v < x_high)
        )
    return drawn


@functools.cache
def _document(name: str) -> dict[str, Any]:
    return load_schema(name)
