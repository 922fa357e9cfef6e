"""Invalid requests: one constraint of the request schema broken, and where it is reported.

:class:`MutationBuilder` derives every :class:`Mutation` from the schema (see
:mod:`_generate` for the list and for where a violation is reported); a mutation
applied to a valid request gives an :class:`InvalidRequest`.
"""

from __future__ import annotations

import copy
import functools
import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as _field
from typing import TYPE_CHECKING, Any, Final, Protocol

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from conformance.base import jpath
from conformance.contract import OFFERED_TOOL, named_tools, offered_tools
from conformance.generate._strategies import declared_types, has_type, words

if TYPE_CHECKING:
    from conformance.contract import SchemaValidator
    from conformance.generate._rules import Rule
    from conformance.generate._strategies import SchemaCompiler

__all__ = ["Draw", "InvalidRequest", "Mutation", "MutationBuilder", "Segment", "Step", "within"]

#: A value no enum of ours holds: what invalid requests put in an enum or const.
_UNKNOWN: Final = "wizard"

Segment = str | int
"""A step of a path: a key, ``0`` for the first item of an array, ``"*"`` for any key of a map."""


def within(path: str, prefix: str) -> bool:
    """Whether the JSON path ``path`` is ``prefix`` or below it (``$.a[0]`` is within ``$.a``)."""
    return path == prefix or (path.startswith(prefix) and path[len(prefix)] in ".[")


@dataclass(frozen=True, slots=True)
class InvalidRequest:
    """A request that breaks exactly one rule of the request schema."""

    request: dict[str, Any]
    field: str
    """JSON path of the broken field: ``"$.temperature"``, ``"$.messages[0].role"``; for a
    removed field, where it would be."""
    rule: str
    """The broken schema keyword (``"maximum"``, ``"type"``, ``"enum"``, ``"required"``,
    ``"maxItems"``, …) or ``"dependency"`` for a cross-field rule."""
    mutation: str
    """The name of the :class:`Mutation` that made it."""
    reported_at: str
    """Where a schema validator reports the violation first: the field; its parent object when
    the field is absent; or the nearest enclosing ``oneOf``/``anyOf`` value."""


@dataclass(frozen=True, slots=True)
class Step:
    """One level of the path from the request down to a mutated value."""

    segment: Segment
    ref: str
    """The schema of the value at this step."""


Draw = Callable[[SearchStrategy[Any]], Any]
"""Draws a value: the ``draw`` of ``@st.composite`` or ``st.data().draw``."""
_Edit = Callable[[Any, Segment, Draw], None]
_Prepare = Callable[[dict[str, Any], Draw], None]


@dataclass(frozen=True, slots=True)
class Mutation:
    """One way to break a valid request, derived from the schema."""

    name: str
    """A stable name: ``"temperature.above_maximum"``, ``"messages[0].role.not_in_enum"``."""
    field: str
    """JSON path of the broken field; ``*`` stands for any key of a map."""
    rule: str
    """The broken schema keyword, or ``"dependency"``."""
    description: str
    """What the mutation does, in words."""
    _builder: MutationBuilder = _field(repr=False, compare=False)
    _trail: tuple[Step, ...] = _field(repr=False, compare=False)
    _edit: _Edit = _field(repr=False, compare=False)
    _extra: tuple[Segment, ...] = _field(repr=False, compare=False)
    _union: int = _field(repr=False, compare=False)
    _protect: frozenset[str] = _field(repr=False, compare=False)
    _prepare: _Prepare | None = _field(repr=False, compare=False)
    _location: str = _field(default="", repr=False, compare=False)

    @property
    def location(self) -> str:
        """The schema location holding the broken keyword (the ``then`` of a type switch, say)."""
        return self._location or self._trail[-1].ref

    @property
    def parameters(self) -> frozenset[str]:
        """The top-level parameters the mutation sets, removes or relies on: the broken one, and
        the other side of a cross-field rule."""
        return frozenset({str(self._trail[0].segment), *self._protect})

    @property
    def trail(self) -> tuple[Step, ...]:
        """The path from the request down to the broken value, with the schema of each step."""
        return self._trail

    def apply(self, request: Mapping[str, Any], draw: Draw) -> InvalidRequest:
        """Break a copy of the valid ``request``; ``draw`` supplies any value it needs."""
        broken = copy.deepcopy(dict(request))
        if self._prepare is not None:
            self._prepare(broken, draw)
        parent, key, concrete = self._builder.reach(broken, self._trail, draw)
        self._edit(parent, key, draw)
        top = self._trail[0].segment
        self._builder.plan.fix(broken, draw, protected=self._protect | {str(top)}, drop=False)
        if top != "tool_choice" and named_tools(broken) - offered_tools(broken):
            # The edit took away the tool a named tool_choice names (tools[0].function removed):
            # the choice goes too, so the request breaks one rule, the one it names.
            del broken["tool_choice"]
        segments = [*concrete, *self._extra]
        field = jpath(*segments)
        if self._union:
            reported = jpath(*segments[: self._union])
        elif _present(broken, segments):
            reported = field
        else:
            reported = jpath(*segments[:-1])
        return InvalidRequest(broken, field, self.rule, self.name, reported)


class Plan(Protocol):
    """What the builder reads of a request schema's generation plan (``_generate``'s)."""

    root: str
    compiler: SchemaCompiler
    properties: tuple[str, ...]
    required: tuple[str, ...]
    rules: tuple[Rule, ...]

    def prop(self, name: str) -> str: ...

    def validator_at(self, ref: str) -> SchemaValidator: ...

    def fix(
        self, request: dict[str, Any], draw: Draw, *, protected: frozenset[str], drop: bool
    ) -> None: ...


class MutationBuilder:
    """Derives the mutations of one request schema and applies them."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.compiler = plan.compiler
        self.root = plan.root
        self.prop = plan.prop
        self.mutations: tuple[Mutation, ...] = tuple(self._mutations())

    def reach(
        self, request: dict[str, Any], trail: Sequence[Step], draw: Draw
    ) -> tuple[Any, Segment, list[Segment]]:
        """Make sure every container along ``trail`` exists (drawing valid ones where missing);
        return the container of the last step, its concrete key, and the concrete path."""
        node: Any = request
        concrete: list[Segment] = []
        parent_ref = self.root
        for i, step in enumerate(trail):
            key = step.segment
            if key == "*":
                existing = next(iter(node), None)
                key = existing if existing is not None else draw(self._keys(parent_ref))
            concrete.append(key)
            if i == len(trail) - 1:
                return node, key, concrete
            want = "array" if isinstance(trail[i + 1].segment, int) else "object"
            child = _get(node, key)
            if not has_type(child, [want]):
                child = draw(self.compiler.compile(step.ref, [want]))
                _put(node, key, child)
            if want == "array" and not child:
                child.append(draw(self.compiler.compile(trail[i + 1].ref)))
            node, parent_ref = child, step.ref
        raise AssertionError("empty trail")

    def _keys(self, map_ref: str) -> SearchStrategy[str]:
        if "propertyNames" in self.compiler.schema(map_ref):
            return self.compiler.compile(f"{map_ref}/propertyNames", ["string"])
        return words()

    def _mutations(self) -> list[Mutation]:
        found: list[Mutation] = []
        for name in self.plan.required:
            step = Step(name, self.prop(name))
            found.append(self._mutation(f"{name}.missing", (step,), "required", "removed", _delete))
        for name in self.plan.properties:
            self._walk(found, self.prop(name), (Step(name, self.prop(name)),), 0)
            self._items(found, name)
        for rule in self.plan.rules:
            self._dependency(found, rule)
        self._offered_tool(found)
        for name in self.plan.properties:
            self._exclusive(found, name)
        return found

    def _mutation(
        self,
        name: str,
        trail: tuple[Step, ...],
        rule: str,
        description: str,
        edit: _Edit,
        *,
        extra: tuple[Segment, ...] = (),
        union: int = 0,
        protect: frozenset[str] = frozenset(),
        prepare: _Prepare | None = None,
        location: str = "",
    ) -> Mutation:
        field = _template([*(s.segment for s in trail), *extra])
        return Mutation(
            name,
            field,
            rule,
            f"{field}: {description}",
            self,
            trail,
            edit,
            extra,
            union,
            protect,
            prepare,
            location,
        )

    def _walk(self, found: list[Mutation], ref: str, trail: tuple[Step, ...], union: int) -> None:
        """Mutations for the value at ``ref`` and every inline schema below it."""
        schema = self.compiler.schema(ref)
        if "$ref" in schema:
            self._follow(found, ref, trail, union)
            return
        path = _template([s.segment for s in trail])[2:]
        is_int = (declared_types(schema) or ()) in (("integer",), ("integer", "null"))
        step = 1 if is_int else 0.5

        def add(suffix: str, rule: str, description: str, edit: _Edit) -> None:
            found.append(
                self._mutation(
                    f"{path}.{suffix}", trail, rule, description, edit, union=union, location=ref
                )
            )

        types = declared_types(schema)
        if types is not None:
            wrong = _wrong_type(types)
            add("wrong_type", "type", f"{wrong!r} (type {'|'.join(types)})", _setting(wrong))
        for keyword, suffix, offset in (
            ("minimum", "below_minimum", -step),
            ("maximum", "above_maximum", step),
            ("exclusiveMinimum", "at_exclusive_minimum", 0),
            ("exclusiveMaximum", "at_exclusive_maximum", 0),
        ):
            if keyword in schema:
                value = schema[keyword] + offset
                add(suffix, keyword, f"{value!r} ({keyword} {schema[keyword]})", _setting(value))
        if schema.get("minLength", 0) > 0:
            short = "x" * (schema["minLength"] - 1)
            add("too_short", "minLength", f"{short!r}", _setting(short))
        if "maxLength" in schema:
            long = "x" * (schema["maxLength"] + 1)
            add("too_long", "maxLength", f"{len(long)} characters", _setting(long))
        if "pattern" in schema:
            bad = _mismatch(schema["pattern"])
            add("pattern_mismatch", "pattern", f"{bad!r} (pattern)", _setting(bad))
        items = f"{ref}/items"
        if schema.get("minItems", 0) > 0:
            count = schema["minItems"] - 1
            add("too_few_items", "minItems", f"{count} items", self._items_of(items, count))
        if "maxItems" in schema:
            count = schema["maxItems"] + 1
            add("too_many_items", "maxItems", f"{count} items", self._items_of(items, count))
        if "maxProperties" in schema:
            count = schema["maxProperties"] + 1
            add("too_many_properties", "maxProperties", f"{count} keys", self._map_of(ref, count))
        if "enum" in schema:
            bad = _UNKNOWN if _UNKNOWN not in schema["enum"] else f"{_UNKNOWN}-{_UNKNOWN}"
            add("not_in_enum", "enum", f"{bad!r}", _setting(bad))
        if "const" in schema:
            bad = _UNKNOWN if schema["const"] != _UNKNOWN else f"{_UNKNOWN}-{_UNKNOWN}"
            add("not_const", "const", f"{bad!r}", _setting(bad))
        keys = schema.get("propertyNames")
        if isinstance(keys, dict):
            for keyword, suffix in (
                ("pattern", "key_pattern_mismatch"),
                ("maxLength", "key_too_long"),
            ):
                if keyword in keys:
                    bad = (
                        _mismatch(keys[keyword])
                        if keyword == "pattern"
                        else "k" * (keys[keyword] + 1)
                    )
                    add(suffix, keyword, f"a key {bad!r}", self._adding_key(ref, bad))
        inner = len(trail) if union == 0 and ("oneOf" in schema or "anyOf" in schema) else union
        for name in schema.get("required", ()):
            child = f"{ref}/properties/{name}"
            found.append(
                self._mutation(
                    f"{path}.{name}.missing",
                    (*trail, Step(name, child)),
                    "required",
                    "removed",
                    _delete,
                    union=inner,
                )
            )
        for name in schema.get("properties", {}):
            child = f"{ref}/properties/{name}"
            self._walk(found, child, (*trail, Step(name, child)), inner)
        if isinstance(schema.get("items"), dict):
            self._walk(found, items, (*trail, Step(0, items)), inner)
        if isinstance(schema.get("additionalProperties"), dict):
            values = f"{ref}/additionalProperties"
            self._walk(found, values, (*trail, Step("*", values)), inner)
        for side in ("then", "else"):
            if side in schema:
                # The same value seen through a branch: the trail (and its ref) stays.
                self._walk(found, f"{ref}/{side}", trail, inner)

    def _follow(self, found: list[Mutation], ref: str, trail: tuple[Step, ...], union: int) -> None:
        """Walk the schema a ``$ref`` names, as the value at the end of ``trail``: a shared
        definition's bounds are bounds of every property that uses it
        (``prediction.content`` → ``$defs/text_content``, ``minItems: 1``). Not followed: a
        discriminated object (messages, tools: :meth:`_items` breaks those), a location whose
        values a tweak draws, and a definition already on the trail (recursion)."""
        target = self.compiler.resolve(ref)
        above = trail[:-1]
        on_trail = {s.ref for s in above} | {self.compiler.resolve(s.ref) for s in above}
        if (
            target == ref
            or target in on_trail
            or self.compiler.discriminated(target) is not None
            or self.compiler.tweak(ref).value is not None
            or self.compiler.tweak(target).value is not None
        ):
            return
        last = trail[-1]
        self._walk(found, target, (*trail[:-1], Step(last.segment, target)), union)

    def _items(self, found: list[Mutation], name: str) -> None:
        """Mutations of the first item of a top-level array of a discriminated object."""
        items = f"{self.prop(name)}/items"
        if "items" not in self.compiler.schema(self.prop(name)):
            return
        kinds = self.compiler.discriminated(items)
        if kinds is None:
            return
        resolved = self.compiler.resolve(items)
        trail = (Step(name, self.prop(name)), Step(0, items))
        key = (*trail, Step(kinds.key, f"{resolved}/properties/{kinds.key}"))
        path = f"{name}[0].{kinds.key}"
        found.append(
            self._mutation(f"{path}.not_in_enum", key, "enum", repr(_UNKNOWN), _setting(_UNKNOWN))
        )
        found.append(self._mutation(f"{path}.missing", key, "required", "removed", _delete))
        for kind in kinds.kinds:
            for prop in sorted(self.compiler.branch_required(items, kind) - {kinds.key}):
                strategy = self.compiler.branch(items, kind)
                found.append(
                    self._mutation(
                        f"{name}[0].{kind}.{prop}.missing",
                        trail,
                        "required",
                        f"a {kind} item without {prop}",
                        _setting_drawn(strategy.map(functools.partial(_without, prop))),
                        extra=(prop,),
                    )
                )

    def _dependency(self, found: list[Mutation], rule: Rule) -> None:
        subject = self.compiler.compile(self.prop(rule.subject)).filter(rule.when.is_valid)

        def prepare(request: dict[str, Any], draw: Draw) -> None:
            request[rule.subject] = draw(subject)

        trail = (Step(rule.needs, self.prop(rule.needs)),)
        wrong = self.compiler.compile(self.prop(rule.needs)).filter(
            lambda v: not rule.then.is_valid(v)
        )
        protect = frozenset({rule.needs, rule.subject})
        for suffix, description, edit in (
            ("without", f"removed while {rule.subject} is set", _delete),
            ("with_wrong", f"a value {rule.subject} does not allow", _setting_drawn(wrong)),
        ):
            found.append(
                self._mutation(
                    f"{rule.subject}.{suffix}_{rule.needs}",
                    trail,
                    "dependency",
                    description,
                    edit,
                    protect=protect,
                    prepare=prepare,
                )
            )

    def _offered_tool(self, found: list[Mutation]) -> None:
        """Both ways to break the rule that a named ``tool_choice`` names an offered tool (see
        :mod:`conformance.contract._cross_field`): a name no offered tool has, and a named
        choice beside no tools at all. Only where the schema admits a named choice."""
        properties = self.plan.properties
        choice_ref = self.prop("tool_choice")
        if "tool_choice" not in properties or not self.plan.validator_at(choice_ref).is_valid(
            _named(_UNKNOWN)
        ):
            return
        trail = (Step("tool_choice", choice_ref),)

        def unknown_name(parent: Any, key: Segment, draw: Draw) -> None:
            taken = {name for _, name in offered_tools(parent)}
            _put(parent, key, _named(_unused(taken)))

        if "tools" in properties:
            tools = self.compiler.compile(self.prop("tools")).filter(bool)

            def offer(request: dict[str, Any], draw: Draw) -> None:
                if not offered_tools(request):
                    request["tools"] = draw(tools)

            found.append(
                self._mutation(
                    "tool_choice.names_no_offered_tool",
                    trail,
                    OFFERED_TOOL,
                    "names a function no tool in tools has",
                    unknown_name,
                    protect=frozenset({"tools"}),
                    prepare=offer,
                )
            )

        def withdraw(request: dict[str, Any], draw: Draw) -> None:
            request.pop("tools", None)

        found.append(
            self._mutation(
                "tool_choice.named_without_tools",
                trail,
                OFFERED_TOOL,
                "names a function while the request offers no tools",
                unknown_name,
                protect=frozenset({"tools"}),
                prepare=withdraw,
            )
        )

    def _exclusive(self, found: list[Mutation], name: str) -> None:
        """Two properties that cannot be used together: an ``anyOf`` of closed objects
        (``additionalProperties: false``) where one property is only in one branch and another
        only in another (OpenRouter's ``reasoning``: ``effort`` or ``max_tokens``, "Cannot be used
        simultaneously"). The mutation sets both."""
        ref = self.prop(name)
        schema = self.compiler.schema(ref)
        branches = schema.get("anyOf")
        if not isinstance(branches, list) or len(branches) < 2:
            return
        if not all(
            isinstance(b, dict) and b.get("additionalProperties") is False for b in branches
        ):
            return
        owners: dict[str, list[int]] = {}
        for i, branch in enumerate(branches):
            for prop in branch.get("properties", {}):
                owners.setdefault(prop, []).append(i)
        alone = [(prop, where[0]) for prop, where in owners.items() if len(where) == 1]
        pairs = [(a, b) for (a, i), (b, j) in itertools.combinations(alone, 2) if i != j]
        for first, second in pairs[:1]:
            values = st.fixed_dictionaries(
                {
                    first: self.compiler.compile(
                        f"{ref}/anyOf/{owners[first][0]}/properties/{first}"
                    ),
                    second: self.compiler.compile(
                        f"{ref}/anyOf/{owners[second][0]}/properties/{second}"
                    ),
                }
            )
            found.append(
                self._mutation(
                    f"{name}.{first}_with_{second}",
                    (Step(name, ref),),
                    "anyOf",
                    f"{first} and {second} together, which cannot be used simultaneously",
                    _setting_drawn(values),
                )
            )

    def _items_of(self, items_ref: str, count: int) -> _Edit:
        schema_has_items = "items" in self.compiler.schema(items_ref.rsplit("/", 1)[0])
        item = self.compiler.compile(items_ref) if schema_has_items else st.builds(dict)
        return _setting_drawn(item.map(lambda one: [copy.deepcopy(one) for _ in range(count)]))

    def _map_of(self, ref: str, count: int) -> _Edit:
        schema = self.compiler.schema(ref)
        values = (
            self.compiler.compile(f"{ref}/additionalProperties")
            if isinstance(schema.get("additionalProperties"), dict)
            else st.just("x")
        )
        keys = [f"k{i}" for i in range(count)]
        return _setting_drawn(values.map(lambda v: {k: copy.deepcopy(v) for k in keys}))

    def _adding_key(self, ref: str, key: str) -> _Edit:
        schema = self.compiler.schema(ref)
        values = (
            self.compiler.compile(f"{ref}/additionalProperties")
            if isinstance(schema.get("additionalProperties"), dict)
            else st.just("x")
        )
        objects = self.compiler.compile(ref, ["object"])

        def edit(parent: Any, at: Segment, draw: Draw) -> None:
            mapping = _get(parent, at)
            if not isinstance(mapping, dict):
                mapping = draw(objects)
                _put(parent, at, mapping)
            mapping[key] = draw(values)

        return edit


def _template(segments: Sequence[Segment]) -> str:
    return "$" + "".join(
        ".*" if s == "*" else f"[{s}]" if isinstance(s, int) else jpath(s)[1:] for s in segments
    )


def _get(node: Any, key: Segment) -> Any:
    if isinstance(node, dict):
        return node.get(key)
    if isinstance(node, list) and isinstance(key, int) and key < len(node):
        return node[key]
    return None


def _put(node: Any, key: Segment, value: Any) -> None:
    if isinstance(node, list) and isinstance(key, int) and key >= len(node):
        node.append(value)
    else:
        node[key] = value


def _present(request: Any, segments: Sequence[Segment]) -> bool:
    node = request
    for key in segments:
        if isinstance(node, dict) and key in node:
            node = node[key]
            continue
        if not (isinstance(node, list) and isinstance(key, int) and key < len(node)):
            return False
        node = node[key]
    return True


def _delete(parent: Any, key: Segment, draw: Draw) -> None:
    if isinstance(parent, dict):
        parent.pop(key, None)


def _setting(value: Any) -> _Edit:
    def edit(parent: Any, key: Segment, draw: Draw) -> None:
        _put(parent, key, copy.deepcopy(value))

    return edit


def _setting_drawn(values: SearchStrategy[Any]) -> _Edit:
    def edit(parent: Any, key: Segment, draw: Draw) -> None:
        _put(parent, key, draw(values))

    return edit


def _named(name: str) -> dict[str, Any]:
    """A ``tool_choice`` that forces the function ``name``."""
    return {"type": "function", "function": {"name": name}}


def _unused(taken: set[str]) -> str:
    """A function name not in ``taken``."""
    return next(
        n for n in (_UNKNOWN, *(f"{_UNKNOWN}_{i}" for i in range(len(taken) + 1))) if n not in taken
    )


def _without(name: str, value: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in value.items() if k != name}


def _wrong_type(types: Sequence[str]) -> Any:
    """A realistic value of a type the schema does not allow: a number as a string, a fraction
    for an integer, and so on."""
    candidates: list[Any] = [1.5] if "integer" in types and "number" not in types else []
    candidates += ["1", 1.5, True, ["1"], {"1": 1}]
    return next(c for c in candidates if not has_type(c, types))


def _mismatch(pattern: str) -> str:
    """A string the (ECMA-262, here approximated by Python) ``pattern`` does not match."""
    compiled = re.compile(pattern)
    return next(c for c in (_UNKNOWN, "", " ", "#", "a b") if not compiled.search(c))
