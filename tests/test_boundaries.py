"""Each documented range, exercised on both sides of each bound, from the profile's own schema.

Every bound a profile's trace (``schemas/profiles/traces/<profile>.yaml``) documents for a
request field (``minimum``, ``maximum``, ``exclusiveMinimum``, ``exclusiveMaximum``,
``minItems``, ``maxItems``) is a case, with an id like ``myrouter-ai:n:maximum``:

* invalid side: a mutation of the profile breaks that keyword at that field, just past the
  documented bound, and the profile's request schema refuses the result, explaining where;
* valid side, schema: the value nearest the bound on its valid side (the bound itself when
  inclusive; bound ± 1 for an exclusive integer bound, ± 0.01 for an exclusive number bound)
  placed into a valid request is accepted;
* valid side, generator: values drawn for the field reach that value, unless a generation policy
  (:data:`~conformance.generate._policy.PARAMETERS`,
  :data:`~conformance.generate._policy.NESTED`) leaves the field out or caps it below the bound
  for cost, in which case the policy says why.

The bounds come from the traces, not from the schemas or the generator, so a range a vendor page
documents cannot go unexercised because the schema or the mutation walk missed it. Trace paths
are dotted, ``[]`` for array items and ``*`` for any key of a map (``logit_bias.*``); a mutation
names the same place ``$.a[0].b`` / ``$.logit_bias.*``.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Final

import pytest
import yaml
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample
from hypothesis.strategies import SearchStrategy

from conformance.base._paths import jpath
from conformance.contract._profile import Profile, load_profile, profile_names
from conformance.contract._schema_store import load_schema, schema_dir
from conformance.contract._schemas import validator
from conformance.generate._generate import _Plan, drawn_parameters, mutations, valid_requests
from conformance.generate._generate import _plan as plan_of
from conformance.generate._mutations import InvalidRequest, within
from conformance.generate._policy import NESTED, PARAMETERS
from conformance.generate._strategies import SchemaCompiler, Tweak, declared_types, has_type

TRACES: Final = schema_dir() / "profiles" / "traces"
MODEL: Final = "test-model"
NUMERIC: Final = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
COUNTS: Final = ("minItems", "maxItems")
#: The compiler draws numbers at a resolution of 0.01: an exclusive number bound is reached when
#: a value this close to it is drawn (plus a hair for float rounding: 2 - 1.99 > 0.01).
RESOLUTION: Final = 0.01
_HAIR: Final = 1e-9

FEW: Final = settings(
    max_examples=3,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
#: Finding a value at a bound is enough: no shrinking it (shrinking a whole request is slow).
SEARCH: Final = settings(
    max_examples=2000,
    database=None,
    deadline=None,
    phases=[Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

Segment = str | int
#: One step of a bound's path: a key (0 for the first item, "*" for any key of a map) and the
#: schema location of the value there.
Step = tuple[Segment, str]


@dataclass(frozen=True, slots=True)
class Bound:
    """One bound a profile's trace documents for a request field."""

    profile_id: str
    path: str
    """As the trace writes it: ``"n"``, ``"prediction.content"``, ``"messages[].content"``."""
    keyword: str
    limit: int | float

    def __str__(self) -> str:
        return f"{self.profile_id}:{self.path}:{self.keyword}"

    @property
    def parts(self) -> list[str]:
        """``"a[].b"`` → ``["a", "[]", "b"]``."""
        return [p for p in self.path.replace("[]", ".[]").split(".") if p]

    @property
    def field(self) -> str:
        """The path as a mutation names it: ``$.a[0].b``, ``$.logit_bias.*``."""
        return "$" + "".join(
            "[0]" if p == "[]" else ".*" if p == "*" else jpath(p)[1:] for p in self.parts
        )

    @property
    def count(self) -> bool:
        return self.keyword in COUNTS


def _bounds(profile_id: str) -> list[Bound]:
    trace = yaml.safe_load((TRACES / f"{profile_id}.yaml").read_text(encoding="utf-8"))
    return [
        Bound(profile_id, entry["path"], keyword, entry[keyword])
        for entry in trace.get("request", [])
        for keyword in (*NUMERIC, *COUNTS)
        if keyword in entry
    ]


BOUNDS: Final = [bound for profile_id in profile_names() for bound in _bounds(profile_id)]


# -- the invalid side --------------------------------------------------------------------------


@pytest.mark.parametrize("bound", BOUNDS, ids=str)
def test_a_mutation_breaks_each_bound_just_past_it(bound: Bound) -> None:
    profile, plan, steps = _locate(bound)
    integer = _integer(plan.compiler, steps[-1][1])
    have = [m for m in mutations(profile) if m.field == bound.field and m.rule == bound.keyword]
    assert have, f"no mutation of {bound.field} breaks {bound.keyword} in {profile.request_schema}"

    @FEW
    @given(valid_requests(profile, model=MODEL), st.data())
    def check(request: dict[str, Any], data: st.DataObject) -> None:
        for mutation in have:
            case = mutation.apply(request, data.draw)
            assert case.rule == bound.keyword
            assert _matches(case.field, bound.field)
            _assert_refused_there(profile, case)
            _assert_just_past(bound, _value_at(case.request, case.field), integer=integer)

    check()


def _assert_refused_there(profile: Profile, case: InvalidRequest) -> None:
    assert not profile.request.is_valid(case.request), case.mutation
    errors = profile.request.explain(case.request, limit=50)
    explained = [str(e) for e in errors]
    assert errors, case.mutation
    # Reported first where the violation is (the field, or an enclosing oneOf/anyOf value) ...
    assert within(errors[0].path, case.reported_at), (case.mutation, explained)
    # ... and by the keyword it breaks, at the field itself.
    assert any(within(e.path, case.field) and e.keyword == case.rule for e in errors), (
        case.mutation,
        explained,
    )


def _assert_just_past(bound: Bound, value: Any, *, integer: bool) -> None:
    """The broken value is past the *documented* bound by one step: one item; the bound itself
    when exclusive; else one unit for an integer, at most half a unit for a number."""
    if bound.count:
        assert isinstance(value, list), value
        expected = bound.limit - 1 if bound.keyword == "minItems" else bound.limit + 1
        assert len(value) == expected, (bound.keyword, bound.limit, len(value))
        return
    assert has_type(value, ["number"]), value
    if bound.keyword.startswith("exclusive"):
        assert value == bound.limit, (bound.keyword, bound.limit, value)
        return
    side = 1 if bound.keyword == "maximum" else -1
    past = (value - bound.limit) * side
    if integer:
        assert past == 1, (bound.keyword, bound.limit, value)
    else:
        assert 0 < past <= 0.5, (bound.keyword, bound.limit, value)


def _matches(field: str, template: str) -> bool:
    """``$.logit_bias['12']`` matches ``$.logit_bias.*``."""
    if "*" not in template:
        return field == template
    head = template.split(".*", 1)[0]
    return field.startswith(head) and field != head


_SEGMENT: Final = re.compile(
    r"\.(?P<name>[A-Za-z_][A-Za-z0-9_]*)|\[(?P<index>\d+)\]"
    r"|\[(?P<quoted>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")\]"
)


def _value_at(request: Any, path: str) -> Any:
    """The value at a concrete JSON path as :func:`~conformance.base._paths.jpath` writes it."""
    assert path.startswith("$"), path
    node, rest = request, path[1:]
    while rest:
        found = _SEGMENT.match(rest)
        assert found is not None, f"cannot read {path!r} at {rest!r}"
        if found["index"] is not None:
            node = node[int(found["index"])]
        else:
            node = node[found["name"] or ast.literal_eval(found["quoted"])]
        rest = rest[found.end() :]
    return node


# -- the valid side ----------------------------------------------------------------------------


@pytest.mark.parametrize("bound", BOUNDS, ids=str)
def test_the_value_at_each_bound_is_accepted_in_a_valid_request(bound: Bound) -> None:
    profile, plan, steps = _locate(bound)

    @FEW
    @given(valid_requests(profile, model=MODEL), st.data())
    def check(request: dict[str, Any], data: st.DataObject) -> None:
        value = _at_bound(plan.compiler, steps[-1][1], bound, data.draw)
        where = _place(plan.compiler, request, steps, value, data.draw)
        # A rule the placed field is the subject of (top_logprobs needs logprobs) is satisfied
        # the way valid requests satisfy it; the placed field itself is left alone.
        plan.fix(request, data.draw, protected=frozenset({bound.parts[0]}), drop=False)
        assert _value_at(request, where) == value
        errors = [str(e) for e in profile.request.explain(request)]
        assert profile.request.is_valid(request), (where, value, errors)

    check()


@pytest.mark.parametrize("bound", BOUNDS, ids=str)
def test_generated_values_reach_each_bound_unless_a_cost_policy_says_why_not(
    bound: Bound,
) -> None:
    profile, plan, steps = _locate(bound)
    top = bound.parts[0]
    capped = _policy_cap(plan.compiler, steps, bound)
    if capped is not None:
        # The value at the bound is valid (the test above) but costs too much to send: the
        # policy that keeps it out is written down with its reason.
        location, tweak = capped
        assert location in NESTED or location in {plan.prop(name) for name in PARAMETERS}
        assert tweak.why.strip(), location
        if tweak.skip and location == plan.prop(top):
            assert top not in drawn_parameters(profile)
        return
    assert top in drawn_parameters(profile), f"valid requests never carry {top}"
    ref = steps[-1][1]
    if len(steps) == 1 and top in plan.required:
        # Valid requests build a required property by hand (messages: fixed conversation
        # shapes); draw it from the requests themselves, not from the property's schema alone.
        values: SearchStrategy[Any] = valid_requests(profile, model=MODEL).map(
            lambda request: request[top]
        )
    else:
        # A nested field is drawn with the strategy of its own location, as its parent draws it.
        values = plan.compiler.compile(ref)
    reached = _reaches(plan.compiler, ref, bound)
    try:
        found = find(values, reached, settings=SEARCH)
    except NoSuchExample:
        pytest.fail(f"{bound}: no value drawn for {ref} is at the bound {bound.limit}")
    assert validator(ref).is_valid(found), found


def _locate(bound: Bound) -> tuple[Profile, _Plan, list[Step]]:
    """The bound's profile, the generator's plan of its request schema, and the key and schema
    location of each step of the bound's path."""
    profile = load_profile(bound.profile_id)
    plan = plan_of(profile.request_schema)
    compiler = plan.compiler
    parts = bound.parts
    steps: list[Step] = [(parts[0], plan.prop(parts[0]))]
    for part in parts[1:]:
        parent = compiler.resolve(steps[-1][1])
        schema = compiler.schema(parent)
        if part == "[]":
            steps.append((0, _items_ref(compiler, parent, bound)))
        elif part == "*":
            steps.append(("*", f"{parent}/additionalProperties"))
        elif part in schema.get("properties", {}):
            steps.append((part, f"{parent}/properties/{part}"))
        else:
            steps.append((part, _branch_property(compiler, parent, part, bound)))
    return profile, plan, steps


def _items_ref(compiler: SchemaCompiler, ref: str, bound: Bound) -> str:
    """Where the items of the array at ``ref`` are described (through any anyOf/oneOf)."""
    ref = compiler.resolve(ref)
    schema = compiler.schema(ref)
    if "items" in schema:
        return f"{ref}/items"
    for union in ("anyOf", "oneOf"):
        for i in range(len(schema.get(union, ()))):
            try:
                return _items_ref(compiler, f"{ref}/{union}/{i}", bound)
            except LookupError:
                continue
    raise LookupError(f"{bound}: no array items under {ref}")


def _branch_property(compiler: SchemaCompiler, ref: str, name: str, bound: Bound) -> str:
    """A property only some kinds of a discriminated object have (``messages[].tool_call_id``)."""
    found = compiler.discriminated(ref)
    for branches in found.branches.values() if found else ():
        for then in branches:
            then = compiler.resolve(then)
            if name in compiler.schema(then).get("properties", {}):
                return f"{then}/properties/{name}"
    raise LookupError(f"{bound}: {name} is not a property under {ref}")


def _inside(compiler: SchemaCompiler, ref: str, bound: Bound) -> int | float:
    """The valid value nearest the bound: the bound when inclusive, else one step inside."""
    if bound.keyword not in ("exclusiveMinimum", "exclusiveMaximum"):
        return bound.limit
    step = 1 if _integer(compiler, ref) else RESOLUTION
    return bound.limit + step if bound.keyword == "exclusiveMinimum" else bound.limit - step


def _integer(compiler: SchemaCompiler, ref: str) -> bool:
    types = compiler.types(ref)
    return "integer" in types and "number" not in types


def _at_bound(compiler: SchemaCompiler, ref: str, bound: Bound, draw: Callable[..., Any]) -> Any:
    """A value at the bound's valid side: the number, or that many copies of one drawn item."""
    if not bound.count:
        return _inside(compiler, ref, bound)
    item = draw(compiler.compile(_items_ref(compiler, ref, bound)))
    return [item] * int(bound.limit)


def _reaches(compiler: SchemaCompiler, ref: str, bound: Bound) -> Callable[[Any], bool]:
    """Whether a drawn value is at the bound's valid side (for an exclusive number bound: within
    :data:`RESOLUTION` of it, the compiler drawing at that resolution)."""
    if bound.count:
        return lambda value: isinstance(value, list) and len(value) == bound.limit
    target = _inside(compiler, ref, bound)
    if bound.keyword.startswith("exclusive") and not _integer(compiler, ref):
        side = 1 if bound.keyword == "exclusiveMinimum" else -1
        return lambda value: (
            has_type(value, ["number"]) and 0 < (value - bound.limit) * side <= RESOLUTION + _HAIR
        )
    return lambda value: has_type(value, ["number"]) and value == target


def _place(
    compiler: SchemaCompiler,
    request: dict[str, Any],
    steps: list[Step],
    value: Any,
    draw: Callable[..., Any],
) -> str:
    """Put ``value`` at the end of ``steps``, drawing valid containers where missing; return
    the concrete path."""
    node: Any = request
    concrete: list[Segment] = []
    for i, (key, ref) in enumerate(steps):
        if key == "*":
            existing = next(iter(node), None)
            key = existing if existing is not None else draw(_keys(compiler, steps[i - 1][1]))
        concrete.append(key)
        if i == len(steps) - 1:
            break
        want = "array" if isinstance(steps[i + 1][0], int) else "object"
        child: Any = node.get(key) if isinstance(node, dict) else (node[key] if node else None)
        if not has_type(child, [want]):
            child = draw(compiler.compile(ref, [want]))
            _put(node, key, child)
        if want == "array" and not child:
            child.append(draw(compiler.compile(steps[i + 1][1])))
        node = child
    _put(node, concrete[-1], value)
    return jpath(*concrete)


def _keys(compiler: SchemaCompiler, map_ref: str) -> SearchStrategy[str]:
    map_ref = compiler.resolve(map_ref)
    if "propertyNames" in compiler.schema(map_ref):
        return compiler.compile(f"{map_ref}/propertyNames", ["string"])
    return st.just("key")


def _put(node: Any, key: Segment, value: Any) -> None:
    if isinstance(node, list) and not node:
        node.append(value)
    else:
        node[key] = value


def _policy_cap(
    compiler: SchemaCompiler, steps: list[Step], bound: Bound
) -> tuple[str, Tweak] | None:
    """The generation policy that keeps the bound's valid side from being drawn, if any: a
    field on the path that is never drawn, or a cap tighter than the bound."""
    for _, ref in steps:
        for location in dict.fromkeys((ref, compiler.resolve(ref))):
            if compiler.tweak(location).skip:
                return location, compiler.tweak(location)
    ref = steps[-1][1]
    inside = _inside(compiler, ref, bound)
    for location in dict.fromkeys((ref, compiler.resolve(ref))):
        tweak = compiler.tweak(location)
        if bound.keyword in ("maximum", "exclusiveMaximum"):
            below = tweak.maximum is not None and tweak.maximum < inside
        elif bound.keyword == "maxItems":
            below = tweak.max_items is not None and tweak.max_items < bound.limit
        elif bound.keyword == "minItems":
            below = tweak.min_items is not None and tweak.min_items > bound.limit
        else:
            below = False  # a Tweak caps only from above (and arrays from below)
        if below:
            return location, tweak
    return None


# -- the cases themselves ----------------------------------------------------------------------


#: The keywords that bound a number or the length of an array (JSON Schema Validation 2020-12,
#: sections 6.2 and 6.4 of https://json-schema.org/draft/2020-12/json-schema-validation), written
#: out again rather than taken from NUMERIC and COUNTS: a keyword dropped there is still counted.
_DOCUMENTED_KEYWORDS: Final = frozenset(
    {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minItems", "maxItems"}
)


def _documented(node: Any, path: Any = None) -> Iterator[tuple[Any, str, Any]]:
    """Every bound keyword anywhere under ``node``, as ``(path, keyword, limit)``, ``path`` being
    the ``path`` of the mapping that holds it (``None`` where it has none). The walk assumes
    nothing of the trace's shape: not a list of entries, nor one level, nor which keys an entry
    may hold."""
    if isinstance(node, dict):
        here = node.get("path")
        for key, value in node.items():
            if key in _DOCUMENTED_KEYWORDS:
                yield here, key, value
            yield from _documented(value, here)
    elif isinstance(node, list):
        for item in node:
            yield from _documented(item, path)


@pytest.mark.parametrize("profile_id", profile_names())
def test_every_bound_the_trace_documents_is_a_case(profile_id: str) -> None:
    """The bounds the cases above are made of are all the trace's request bounds, each once: an
    entry or a keyword ``_bounds`` skipped would leave a documented range unexercised."""
    trace = yaml.safe_load((TRACES / f"{profile_id}.yaml").read_text(encoding="utf-8"))
    documented = Counter(_documented(trace.get("request", [])))
    assert documented, f"the {profile_id} trace documents no request bound"
    cases = Counter((bound.path, bound.keyword, bound.limit) for bound in _bounds(profile_id))
    assert cases == documented, {
        "documented, not a case": sorted(map(str, documented - cases)),
        "a case, not documented": sorted(map(str, cases - documented)),
    }


def test_each_bound_is_one_case() -> None:
    ids = [str(bound) for bound in BOUNDS]
    assert len(ids) == len(set(ids))
    assert "myrouter-ai:n:maximum" in ids
    assert "openai-compatible:messages:minItems" in ids


def test_trace_paths_translate_to_mutation_fields() -> None:
    assert Bound("p", "a[].b", "minimum", 0).field == "$.a[0].b"
    assert Bound("p", "logit_bias.*", "maximum", 100).field == "$.logit_bias.*"
    assert Bound("p", "prediction.content", "minItems", 1).field == "$.prediction.content"
    assert _value_at({"a": [{"b c": 1}]}, "$.a[0]['b c']") == 1


# --- every numeric and array parameter of every profile, against the table of its bounds --------
#
# A parameter a page lists without a range keeps OpenAI's range; it does not become "anything"
# (OpenRouter's top_logprobs once admitted -99, and its emulation then answered with -99
# alternatives). The table is written here by hand from OpenAI's openapi.yaml@f85dbe2
# (CreateChatCompletionRequest) and from each page, not read from the schemas, so that a bound
# dropped by an overlay cannot agree with itself. ``{}`` means: neither the page nor OpenAI gives
# a bound. Paths are dotted, ``*`` for the values of a map and ``[]`` for array items.

INT64: Final = {"minimum": -(2**63), "maximum": 2**63 - 1}
#: OpenAI's bounds for each numeric or array request parameter.
OPENAI_BOUNDS: Final[dict[str, dict[str, int]]] = {
    "messages": {"minItems": 1},
    "temperature": {"minimum": 0, "maximum": 2},
    "top_p": {"minimum": 0, "maximum": 1},
    "n": {"minimum": 1, "maximum": 128},
    "stop": {"minItems": 1, "maxItems": 4},
    "presence_penalty": {"minimum": -2, "maximum": 2},
    "frequency_penalty": {"minimum": -2, "maximum": 2},
    "logit_bias.*": {"minimum": -100, "maximum": 100},
    "top_logprobs": {"minimum": 0, "maximum": 20},
    "max_tokens": {"minimum": 1},  # no upper bound: the model's context decides
    "max_completion_tokens": {"minimum": 1},
    "seed": INT64,
    "tools": {},  # openapi.yaml gives no maxItems for tools
    "modalities": {},
    "functions": {"minItems": 1, "maxItems": 128},
}
#: What each page changes, or adds beyond OpenAI's parameters.
PAGE_BOUNDS: Final[dict[str, dict[str, dict[str, int]]]] = {
    "openai-compatible": {},
    "anyapi": {},  # max_tokens 'x >= 1', top_logprobs '0 <= x <= 20': OpenAI's
    "anyrouter": {},  # temperature 0-2, top_p 0-1, seed without a range: OpenAI's
    "myrouter-example": {},  # '0 <= x <= 2', '0 <= x <= 1', 'x >= 1': OpenAI's
    "myrouter-ai": {
        "top_p": {"exclusiveMinimum": 0, "maximum": 1},  # '0 < x <= 1'
        "top_k": {"minimum": 1, "maximum": 128},  # '1 < x < 128', read as n's range
        "min_p": {"minimum": 0, "maximum": 1},
        "repetition_penalty": {"exclusiveMinimum": 0, "exclusiveMaximum": 2},
    },
    "openrouter": {
        "top_p": {"exclusiveMinimum": 0, "maximum": 1},  # '(0, 1]'
        "top_k": {"minimum": 1},  # '[1, Infinity)'
        "repetition_penalty": {"exclusiveMinimum": 0, "maximum": 2},  # '(0, 2]'
        "min_p": {"minimum": 0, "maximum": 1},
        "top_a": {"minimum": 0, "maximum": 1},
        "models": {},
        "transforms": {},
        "reasoning.max_tokens": {},  # 'Non-OpenAI-style reasoning effort setting', no range
    },
}
_BOUND_KEYS: Final = (*NUMERIC, *COUNTS)


def _bounded(node: Any, path: str, found: dict[str, dict[str, int]]) -> None:
    """Collect the bounds of every numeric or array node under ``node`` (inline schemas only:
    a ``$ref`` is a shared definition, not a parameter)."""
    if not isinstance(node, dict):
        return
    if {"number", "integer", "array"} & set(declared_types(node) or ()):
        found.setdefault(path, {}).update({k: node[k] for k in _BOUND_KEYS if k in node})
    for name, child in node.get("properties", {}).items():
        _bounded(child, f"{path}.{name}", found)
    if isinstance(node.get("additionalProperties"), dict):
        _bounded(node["additionalProperties"], f"{path}.*", found)
    if isinstance(node.get("items"), dict):
        _bounded(node["items"], f"{path}[]", found)
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in node.get(key, []):
            _bounded(branch, path, found)
    for key in ("then", "else"):
        _bounded(node.get(key), path, found)


def _request_bounds(profile: Profile) -> dict[str, dict[str, int]]:
    found: dict[str, dict[str, int]] = {}
    for name, schema in load_schema(profile.request_schema)["properties"].items():
        _bounded(schema, name, found)
    return found


@pytest.mark.parametrize("name", profile_names())
def test_every_numeric_and_array_parameter_has_the_bounds_of_its_page_or_of_openai(
    name: str,
) -> None:
    table = {**OPENAI_BOUNDS, **PAGE_BOUNDS[name]}
    found = _request_bounds(load_profile(name))
    assert set(found) <= set(table), (
        f"not in the table of bounds: {sorted(set(found) - set(table))}"
    )
    assert set(PAGE_BOUNDS[name]) <= set(found), "the table names a parameter the page lost"
    wrong = {path: (bounds, table[path]) for path, bounds in found.items() if bounds != table[path]}
    assert not wrong, f"(schema, table) differ: {wrong}"


@pytest.mark.parametrize("name", profile_names())
def test_no_profile_bound_is_looser_than_openai(name: str) -> None:
    """Where a page narrows OpenAI's range that is its right; it never widens it."""
    for path, bounds in _request_bounds(load_profile(name)).items():
        base = OPENAI_BOUNDS.get(path, {})
        low = bounds.get("minimum", bounds.get("exclusiveMinimum"))
        high = bounds.get("maximum", bounds.get("exclusiveMaximum"))
        if "minimum" in base:
            assert low is not None, (path, bounds)
            assert low >= base["minimum"], (path, bounds)
        if "maximum" in base:
            assert high is not None, (path, bounds)
            assert high <= base["maximum"], (path, bounds)
        if "minItems" in base:
            assert bounds.get("minItems", 0) >= base["minItems"], (path, bounds)
        if "maxItems" in base:
            assert "maxItems" in bounds, (path, bounds)
            assert bounds["maxItems"] <= base["maxItems"], (path, bounds)


def test_the_bounds_walk_sees_a_dropped_bound() -> None:
    """The table test can fail: an overlay that drops top_logprobs' range is caught."""
    document = load_schema(load_profile("openrouter").request_schema)
    document["properties"]["top_logprobs"] = {"type": "integer"}
    found: dict[str, dict[str, int]] = {}
    _bounded(document["properties"]["top_logprobs"], "top_logprobs", found)
    assert found["top_logprobs"] != OPENAI_BOUNDS["top_logprobs"]
