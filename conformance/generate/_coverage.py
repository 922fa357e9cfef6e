"""The coverage plan: every documented bound of the core parameters, on both sides, every run.

Random generation draws a handful of the 30 to 150 ways a profile's request can break, so a
given seed may never send ``stop`` with five sequences or ``top_logprobs: 21``. Like
schemathesis's coverage phase, a run first sends a plan derived from the request schema, the
same at every seed; the random phase gets what is left of the budget.

Bounds. Each way the request schema's mutation walk (:mod:`_mutations`) breaks a
*core* parameter is a :class:`Bound` with a stable id: numeric bounds, item counts, lengths,
patterns, enums, consts, types, required properties, and the cross-field rules (``top_logprobs``
needs ``logprobs: true``; a named ``tool_choice`` names an offered tool; two properties an
``anyOf`` keeps apart). Core means: not in ``profile.may_ignore`` (a target may ignore those) and
not excluded by the caller. One reduction keeps the plan within a run's budget: a rule seen
through several alternatives of a union is one bound (``content`` is required in a system, a
developer, a user and a tool message: ``messages[].content.required``, broken in the first).

Invalid side. One :class:`InvalidCase` per bound: a small valid request (one short message, a
token cap of :data:`_generate.TOKEN_CAP`) with that one rule broken, just past a
numeric bound, and nothing else wrong. The values a mutation needs are the simplest the schema
allows (hypothesis's ``find`` with ``derandomize``), so the plan is the same on every run.

Valid side. The value at each numeric bound (the bound itself, or one step inside an exclusive
one: 1 for an integer, 0.01 for a number), each count at its limit, each value of each enum, and
a request of the required fields only. Several edges share a request (:class:`ValidCase`), one
parameter each; :meth:`ValidCase.split` gives one request per edge for when the shared one is
refused. Where the generation policy (:data:`_generate.PARAMETERS`,
:data:`_generate.NESTED`) caps or leaves out a value for cost, the edge follows it
(``n`` at its cost cap, not 128) and the bound says so in :attr:`Bound.valid_side`.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from hypothesis import HealthCheck, Phase, find, settings
from hypothesis.errors import NoSuchExample, Unsatisfiable
from hypothesis.strategies import SearchStrategy

from conformance.contract import Profile
from conformance.generate._generate import _mention_json, _Plan, _plan
from conformance.generate._mutations import Mutation, Segment, within
from conformance.generate._policy import CONVERSATIONS, TOKEN_CAP

__all__ = ["Bound", "CoveragePlan", "InvalidCase", "ValidCase", "coverage_plan"]

#: The one message of every coverage request: asks for a few words.
PROMPT: Final = "Say hello in three words."
#: At most this many edges share one valid request.
EDGES_PER_REQUEST: Final = 8
#: Exclusive number bounds are approached to this step (the generator's resolution).
RESOLUTION: Final = 0.01

_NUMERIC: Final = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
_COUNTS: Final = ("minItems", "maxItems")
_CROSS_FIELD: Final = ("dependency", "offeredTool", "anyOf")
_TOKEN_LIMITS: Final = ("max_tokens", "max_completion_tokens")
_WITH_TOOLS: Final = ("tool_choice", "parallel_tool_calls")
#: Edges of these parameters never share a request with another feature's: a forced tool call
#: beside a JSON format, or a cap of one token beside anything, would judge the combination.
_FAMILIES: Final = {
    "tools": "tools",
    "tool_choice": "tools",
    "parallel_tool_calls": "tools",
    "response_format": "format",
    "max_tokens": "cap",
    "max_completion_tokens": "cap",
}
#: Stop sequences a short greeting never contains, so that a stop edge does not cut the answer.
_STOPS: Final = ("<|zq1|>", "<|zq2|>", "<|zq3|>", "<|zq4|>", "<|zq5|>", "<|zq6|>")
#: A tool for requests that need one offered; its function name is what a named choice names.
_TOOL_NAME: Final = "get_weather"
TOOL: Final[Mapping[str, Any]] = {
    "type": "function",
    "function": {
        "name": _TOOL_NAME,
        "description": "The weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
            "additionalProperties": False,
        },
    },
}

_SIMPLEST: Final = settings(
    database=None,
    derandomize=True,
    deadline=None,
    max_examples=300,
    phases=[Phase.generate, Phase.shrink],
    suppress_health_check=list(HealthCheck),
)


@dataclass(frozen=True, slots=True)
class Bound:
    """One documented rule of a core parameter the plan covers."""

    id: str
    """Stable: ``"temperature.maximum"``, ``"messages[].role.enum"``, ``"stop.maxItems"``,
    ``"top_logprobs.requires_logprobs"``, ``"tool_choice.names_no_offered_tool"``."""
    field: str
    """JSON path of the value the rule is about (``[0]`` for any item, ``*`` for any key)."""
    rule: str
    """The schema keyword, ``"dependency"`` (an if/then rule), ``"offeredTool"`` or ``"anyOf"``."""
    description: str
    """What the invalid side sends."""
    valid_side: str = ""
    """What the valid side sends, or why it sends nothing; empty for a rule with no edge (a
    type, which every valid request keeps)."""


@dataclass(frozen=True, slots=True)
class InvalidCase:
    """A valid request with exactly one rule broken."""

    request: dict[str, Any]
    field: str
    """JSON path of the broken value (where it would be, when removed)."""
    rule: str
    bound: str
    """The :attr:`Bound.id` it covers."""
    reported_at: str
    """Where a schema validator reports the violation first (see :mod:`_generate`)."""


@dataclass(frozen=True, slots=True)
class ValidCase:
    """A valid request at one or more documented edges."""

    request: dict[str, Any]
    bounds: tuple[str, ...]
    """The :attr:`Bound.id` of each edge it carries."""
    parts: tuple[ValidCase, ...] = field(default=(), repr=False)

    def split(self) -> tuple[ValidCase, ...]:
        """One request per edge: what to send when this one is refused, to learn which edge."""
        return self.parts or (self,)


@dataclass(frozen=True, slots=True)
class CoveragePlan:
    """Every bound of the core parameters, and the requests that cover them."""

    bounds: tuple[Bound, ...]
    invalid: tuple[InvalidCase, ...]
    valid: tuple[ValidCase, ...]

    @property
    def requests(self) -> int:
        """The requests the plan sends when no shared valid request is refused."""
        return len(self.invalid) + len(self.valid)


def coverage_plan(
    profile: Profile,
    model: str,
    *,
    exclude: frozenset[str] = frozenset(),
    max_requests: int | None = None,
) -> CoveragePlan:
    """The plan for ``profile``: its core parameters are those not in ``profile.may_ignore``
    nor in ``exclude`` (parameters the caller must not send).

    ``max_requests`` bounds the plan: when the whole plan is larger (a target that implements
    every platform parameter makes them all core), the type violations of values *below* a
    parameter go first, deepest first (``web_search_options.user_location.approximate.city``
    before ``stop[]``): the parameter's own type, its ranges, enums and required properties stay.
    The bounds they covered stay in :attr:`CoveragePlan.bounds`, so the report counts them as
    documented and not covered.
    """
    skipped = frozenset(profile.may_ignore) | frozenset(exclude)
    plan = _build(profile.request_schema, model, skipped)
    if max_requests is None or plan.requests <= max_requests:
        return plan
    nested = sorted(
        (c for c in plan.invalid if c.rule == "type" and _depth(c.field) > 1),
        key=lambda c: -_depth(c.field),
    )
    dropped = {id(c) for c in nested[: plan.requests - max_requests]}
    kept = tuple(c for c in plan.invalid if id(c) not in dropped)
    return CoveragePlan(plan.bounds, kept, plan.valid)


def _depth(field: str) -> int:
    """How far below the request a value is: ``$.stop`` 1, ``$.stop[0]`` 2."""
    return field.count(".") + field.count("[")


@functools.cache
def _build(request_schema: str, model: str, skipped: frozenset[str]) -> CoveragePlan:
    return _Builder(_plan(request_schema), model, skipped).build()


def _simplest(strategy: SearchStrategy[Any]) -> Any:
    """The simplest value of ``strategy``, the same on every run."""
    return find(strategy, lambda _: True, settings=_SIMPLEST)


@dataclass(slots=True)
class _Edge:
    bounds: tuple[str, ...]
    top: str
    value: Any


class _Builder:
    def __init__(self, plan: _Plan, model: str, skipped: frozenset[str]) -> None:
        self.plan = plan
        self.model = model
        self.core = frozenset(n for n in plan.properties if n not in skipped)
        self.validator = plan.validator
        caps = [n for n in _TOKEN_LIMITS if n in self.core]
        self.cap = caps[0] if caps else None
        self.named: _Edge | None = None

    # -- requests ------------------------------------------------------------------------------

    def base(self, *, cap: bool = True) -> dict[str, Any]:
        request: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": "user", "content": PROMPT}],
        }
        if self.cap is not None and (cap or self.cap in self.plan.required):
            request[self.cap] = TOKEN_CAP
        return request

    def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        """Satisfy the rules a valid request keeps beside its edges: tools for a tool choice,
        the if/then rules (logprobs for top_logprobs), the word JSON for JSON mode."""
        if any(n in request for n in _WITH_TOOLS) and "tools" not in request:
            request["tools"] = [copy.deepcopy(TOOL)]
        self.plan.fix(request, _simplest, protected=frozenset(), drop=False)
        _mention_json(request)
        return request

    # -- the plan ------------------------------------------------------------------------------

    def build(self) -> CoveragePlan:
        bounds: dict[str, Bound] = {}
        invalid: list[InvalidCase] = []
        for mutation in self.plan.mutations:
            if not mutation.parameters <= self.core:
                continue
            bound_id = _bound_id(mutation)
            if bound_id in bounds:
                continue  # the same rule seen through another alternative of a union
            bounds[bound_id] = Bound(bound_id, mutation.field, mutation.rule, mutation.description)
            case = self.invalid(mutation, bound_id)
            if case is not None:
                invalid.append(case)
        edges, sides = self.edges(bounds)
        for bound_id, side in sides.items():
            bounds[bound_id] = _with_side(bounds[bound_id], side)
        valid = [*self.required_only(bounds), *self.pack(edges)]
        return CoveragePlan(tuple(bounds.values()), tuple(invalid), tuple(valid))

    def invalid(self, mutation: Mutation, bound_id: str) -> InvalidCase | None:
        try:
            broken = mutation.apply(self.base(), _simplest)
        except (NoSuchExample, Unsatisfiable):
            return None
        errors = self.validator.explain(broken.request, limit=50)
        if not errors or not all(
            within(e.path, broken.reported_at) or within(e.path, broken.field) for e in errors
        ):
            return None  # not exactly the one violation it names: left uncovered, not sent
        return InvalidCase(broken.request, broken.field, broken.rule, bound_id, broken.reported_at)

    def required_only(self, bounds: Mapping[str, Bound]) -> list[ValidCase]:
        required = tuple(
            b.id for b in bounds.values() if b.rule == "required" and b.field.count(".") == 1
        )
        if not required:
            return []
        request = self.base(cap=False)
        return [ValidCase(request, required)] if self.validator.is_valid(request) else []

    # -- edges ---------------------------------------------------------------------------------

    def edges(self, bounds: Mapping[str, Bound]) -> tuple[list[_Edge], dict[str, str]]:
        """The valid edges, and for each bound with a valid side, what it sends."""
        edges: list[_Edge] = []
        sides: dict[str, str] = {}
        seen: set[str] = set()
        for mutation in self.plan.mutations:
            bound_id = _bound_id(mutation)
            if bound_id not in bounds or bound_id in seen:
                continue
            seen.add(bound_id)
            top = str(mutation.trail[0].segment)
            if mutation.rule in _NUMERIC or mutation.rule in _COUNTS:
                found, side = self.limit_edge(mutation, bound_id, top)
            elif mutation.rule == "enum":
                found, side = self.enum_edges(mutation, bound_id, top)
            elif mutation.rule == "required" and mutation.field.count(".") == 1:
                found, side = [], "a request of the required fields only"
            elif mutation.rule in _CROSS_FIELD:
                found, side = self.cross_field_edges(mutation, bound_id)
            else:
                continue
            edges.extend(found)
            sides[bound_id] = side
        return edges, sides

    def policy(self, mutation: Mutation) -> tuple[str | None, int | float | None, str]:
        """What the generation policy says along the mutation's path: a reason the value is
        never sent, or a cost cap on a number or a count, with its reason."""
        compiler = self.plan.compiler
        for step in mutation.trail:
            for ref in dict.fromkeys((step.ref, compiler.resolve(step.ref))):
                if compiler.tweak(ref).skip:
                    return compiler.tweak(ref).why, None, ""
        last = mutation.trail[-1].ref
        for ref in dict.fromkeys((last, compiler.resolve(last))):
            tweak = compiler.tweak(ref)
            if mutation.rule in ("maximum", "exclusiveMaximum") and tweak.maximum is not None:
                return None, tweak.maximum, tweak.why
            if mutation.rule == "maxItems" and tweak.max_items is not None:
                return None, tweak.max_items, tweak.why
        return None, None, ""

    def limit_edge(self, mutation: Mutation, bound_id: str, top: str) -> tuple[list[_Edge], str]:
        limit = self.plan.compiler.schema(mutation.location)[mutation.rule]
        never, cap, why = self.policy(mutation)
        if never is not None:
            return [], f"not sent: {never}"
        if mutation.rule in _COUNTS:
            count = int(limit)
            note = ""
            if cap is not None and cap < count:
                count, note = int(cap), f" (the cost cap, below {limit}: {why})"
            if top == "messages" and len(mutation.trail) == 1:
                items: list[Any] = [self.base()["messages"][0]] * count
            else:
                items = self.items(mutation, count)
            value: Any = items
            side = f"{count} item{'s' * (count != 1)}{note}"
        else:
            integer = "integer" in self.plan.compiler.types(mutation.trail[-1].ref) and (
                "number" not in self.plan.compiler.types(mutation.trail[-1].ref)
            )
            step = 1 if integer else RESOLUTION
            value = {
                "minimum": limit,
                "maximum": limit,
                "exclusiveMinimum": limit + step,
                "exclusiveMaximum": limit - step,
            }[mutation.rule]
            if integer:
                value = int(value)
            elif not isinstance(value, int):
                value = round(value, 2)
            note = ""
            if cap is not None and cap < value:
                value, note = cap, f" (the cost cap, below {limit}: {why})"
            side = f"{value!r}{note}"
        edge = self.placed(mutation, bound_id, value)
        if edge is None:
            return [], f"not sent: {side} does not fit a valid request"
        return [edge], side

    def items(self, mutation: Mutation, count: int) -> list[Any]:
        ref = f"{self.plan.compiler.resolve(mutation.trail[-1].ref)}/items"
        compiler = self.plan.compiler
        if compiler.types(ref) == ("string",) and not set(compiler.schema(ref)) & {
            "enum",
            "const",
            "pattern",
            "minLength",
            "maxLength",
        }:
            return list(_STOPS[:count])
        one = _simplest(compiler.compile(ref))
        return [copy.deepcopy(one) for _ in range(count)]

    def enum_edges(self, mutation: Mutation, bound_id: str, top: str) -> tuple[list[_Edge], str]:
        never, _, _ = self.policy(mutation)
        if never is not None:
            return [], f"not sent: {never}"
        values = list(self.plan.compiler.schema(mutation.location)["enum"])
        if top == "messages":
            return self.role_edges(bound_id, values)
        if top in _WITH_TOOLS and "tools" not in self.core:
            return [], "not sent: a tool choice needs tools, which are not among the parameters"
        edges, sent, missing = [], [], []
        for value in values:
            edge = self.placed(mutation, bound_id, value)
            if edge is None:
                missing.append(value)
            else:
                edges.append(edge)
                sent.append(value)
        side = f"each of {sent}"
        if missing:
            side += f"; not sent: {missing} (the generation policy draws none)"
        return edges, side

    def role_edges(self, bound_id: str, roles: Sequence[Any]) -> tuple[list[_Edge], str]:
        """Roles are covered by conversations: the shapes valid requests send."""
        edges: list[_Edge] = []
        sent: set[str] = set()
        for shape in CONVERSATIONS:
            if not all(role in roles for role in shape) or set(shape) <= sent:
                continue
            texts = {"system": "Be brief.", "developer": "Be brief.", "assistant": "Hello."}
            messages = [{"role": r, "content": texts.get(r, PROMPT)} for r in shape]
            edges.append(_Edge((bound_id,), "messages", messages))
            sent |= set(shape)
        unsent = [r for r in roles if r not in sent]
        side = f"conversations with {sorted(sent)}"
        if unsent:
            side += (
                f"; not sent: {unsent} (a tool or function message must answer an assistant's "
                "call, which a one-turn request does not make)"
            )
        return edges, side

    def cross_field_edges(self, mutation: Mutation, bound_id: str) -> tuple[list[_Edge], str]:
        if mutation.rule == "offeredTool":
            if "tools" not in self.core:
                return [], "not sent: tools are not among the parameters"
            side = "a choice naming the offered tool"
            named = {"type": "function", "function": {"name": _TOOL_NAME}}
            if self.named is not None:
                self.named.bounds += (bound_id,)  # one request is the valid side of both
                return [], side
            self.named = _Edge((bound_id,), "tool_choice", named)
            return [self.named], side
        if mutation.rule == "dependency":
            return [], "kept by every edge of the rule's subject"
        return [], "each property alone, by the edges of its own bounds"

    def placed(self, mutation: Mutation, bound_id: str, value: Any) -> _Edge | None:
        """``value`` at the mutation's path, inside the simplest valid parameter around it."""
        top = str(mutation.trail[0].segment)
        below = mutation.trail[1:]
        if not below:
            return _Edge((bound_id,), top, value)
        path = [step.segment for step in below]
        strategy = self.plan.compiler.compile(self.plan.prop(top))
        try:
            found = find(strategy, lambda v: _at(v, path) == value, settings=_SIMPLEST)
        except (NoSuchExample, Unsatisfiable):
            return None
        return _Edge((bound_id,), top, found)

    # -- packing -------------------------------------------------------------------------------

    def pack(self, edges: Iterable[_Edge]) -> list[ValidCase]:
        """Edges into as few valid requests as the rules allow: one value per parameter, one
        feature family, at most :data:`EDGES_PER_REQUEST`."""
        groups: list[list[_Edge]] = []
        for edge in edges:
            if not self.valid_with([edge]):
                continue  # an edge no request can carry is left out of the plan
            for group in groups:
                if self.fits(group, edge) and self.valid_with([*group, edge]):
                    group.append(edge)
                    break
            else:
                groups.append([edge])
        cases = []
        for group in groups:
            parts = tuple(ValidCase(self.request_with([e]), e.bounds) for e in group)
            bounds = tuple(b for e in group for b in e.bounds)
            request = self.request_with(group)
            cases.append(ValidCase(request, bounds, parts if len(parts) > 1 else ()))
        return cases

    def fits(self, group: Sequence[_Edge], edge: _Edge) -> bool:
        if len(group) >= EDGES_PER_REQUEST or any(e.top == edge.top for e in group):
            return False
        family = _FAMILIES.get(edge.top)
        if family == "cap" or any(_FAMILIES.get(e.top) == "cap" for e in group):
            return False
        families = {_FAMILIES.get(e.top) for e in group} - {None}
        return family is None or families <= {family}

    def request_with(self, group: Sequence[_Edge]) -> dict[str, Any]:
        request = self.base()
        for edge in group:
            other_cap = edge.top in _TOKEN_LIMITS and self.cap in request and self.cap != edge.top
            if other_cap and self.cap not in self.plan.required:
                del request[str(self.cap)]  # one token cap at a time
            request[edge.top] = copy.deepcopy(edge.value)
        return self.complete(request)

    def valid_with(self, group: Sequence[_Edge]) -> bool:
        return self.validator.is_valid(self.request_with(group))


def _with_side(bound: Bound, side: str) -> Bound:
    return Bound(bound.id, bound.field, bound.rule, bound.description, side)


#: A mutation's name ends with what it does; a bound's id ends with the rule.
_KEYED: Final = {
    "key_pattern_mismatch": "propertyNames.pattern",
    "key_too_long": "propertyNames.maxLength",
}


def _bound_id(mutation: Mutation) -> str:
    """``temperature.maximum``, ``messages[].content.required``,
    ``top_logprobs.requires_logprobs``; a cross-field rule's id is the mutation's name."""
    path = mutation.field.removeprefix("$.").replace("[0]", "[]")
    if mutation.rule == "dependency":
        subject = mutation.name.split(".", 1)[0]
        return f"{subject}.requires_{path}"
    if mutation.rule in _CROSS_FIELD:
        return mutation.name
    suffix = mutation.name.rsplit(".", 1)[-1]
    if suffix in _KEYED:
        return f"{path}.{_KEYED[suffix]}"
    return f"{path}.{mutation.rule}"


def _at(value: Any, path: Sequence[Segment]) -> Any:
    node = value
    for key in path:
        if key == "*" and isinstance(node, dict) and node:
            key = next(iter(node))
        present = (isinstance(node, dict) and key in node) or (
            isinstance(node, list) and isinstance(key, int) and key < len(node)
        )
        if not present:
            return _MISSING
        node = node[key]
    return node


_MISSING: Final = object()
