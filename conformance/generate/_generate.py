"""Hypothesis strategies for chat-completions requests, built from the profile's request schema.

* :func:`valid_requests`: requests the schema accepts, cheap by construction (one to three short
  messages, a token cap of at most :data:`TOKEN_CAP`, at most :data:`CHOICES_CAP` choices, a few
  optional parameters), each parameter drawn from its own property schema by
  :class:`_strategies.SchemaCompiler`.
* :func:`invalid_requests`: a valid request with exactly one constraint broken, as an
  :class:`InvalidRequest` naming the JSON path of the broken field and the rule it breaks.
  :func:`mutations` lists every mutation as data, derived from the schema: each type, numeric
  bound (just past it: ``max + 1``/``min - 1`` for integers, ``± 0.5`` for numbers, the bound
  itself when exclusive), length, pattern, item count, enum, const and required property reachable
  from a top-level property (through ``$ref``s to shared definitions, except into a discriminated
  object and back up a recursion); for each top-level array of a
  discriminated object (``messages``, ``tools``), an unknown and a missing discriminator and each
  kind's required properties; and both ways to break each top-level ``if``/``then`` rule.

Where a violation is reported. An :class:`InvalidRequest` names ``field``, the path of the broken
value (where it would be, when the mutation removed it), and ``reported_at``, where a schema
validator reports the violation first: the field itself; the field's parent object when the field
is absent (a ``required`` error belongs to the object that lacks the key); or the nearest
enclosing ``oneOf``/``anyOf`` value, because a union fails as a whole (``$.response_format`` for
an unknown ``$.response_format.type``). The property tests assert that the first explained error is
:func:`within` ``reported_at`` and some explained error is within the field (or its parent).

What valid requests leave out or cap, and why, is data of its own (:mod:`_policy`).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, SearchStrategy

from conformance.contract import Profile, SchemaValidator, load_profile, validator
from conformance.generate._mutations import Draw, InvalidRequest, Mutation, MutationBuilder
from conformance.generate._policy import (
    BASE_FILE,
    CONVERSATIONS,
    JSON_MODE,
    MAX_OPTIONAL,
    MAX_REQUEST_BYTES,
    NESTED,
    PARAMETERS,
    TOKEN_LIMITS,
    WITH_TOOLS,
)
from conformance.generate._rules import Rule
from conformance.generate._strategies import (
    SchemaCompiler,
)

__all__ = ["drawn_parameters", "invalid_requests", "mutations", "valid_requests"]


def valid_requests(
    profile: Profile | str,
    *,
    model: str | None = None,
    stream: bool | None = None,
    exclude: Sequence[str] = (),
) -> SearchStrategy[dict[str, Any]]:
    """Requests the profile's request schema accepts, small and cheap by construction.

    ``profile`` is a :class:`~conformance.Profile` or the name of a shipped profile (or a path to
    a profile file). ``model`` is the model every request names; None draws a name the schema
    accepts (any non-empty string: a server would answer most of them "unknown model").
    ``stream`` True or False fixes streaming (False: ``stream`` absent, false or null); None
    draws it. ``exclude`` names more top-level parameters to leave out (e.g. ones the target
    refused as unsupported). For example::

        from hypothesis import given
        from conformance import load_profile, valid_requests

        @given(valid_requests("openai-compatible", model="gpt-4o-mini"))
        def test_my_server_answers(request):
            assert load_profile("openai-compatible").request.is_valid(request)
            ...  # POST it to the server under test and judge the answer
    """
    chosen = _profile(profile)
    return _plan(chosen.request_schema).valid(model, stream, frozenset(exclude))


def invalid_requests(
    profile: Profile | str, *, model: str | None = None, exclude: Collection[str] = frozenset()
) -> SearchStrategy[InvalidRequest]:
    """Valid requests with one constraint broken, each naming the field and the rule.

    Each :class:`InvalidRequest` says what it breaks: ``field`` (the JSON path of the broken
    value), ``rule`` (the schema keyword, or ``"dependency"`` for a cross-field rule),
    ``mutation`` (how it was broken) and ``reported_at`` (where a schema validator reports it
    first). ``profile`` and ``model`` are as for :func:`valid_requests`. ``exclude`` names
    top-level parameters never broken, nor sent (e.g. ones the target ignores): a mutation that
    sets, removes or relies on one of them is not drawn. For example::

        from hypothesis import given
        from conformance import InvalidRequest, invalid_requests

        @given(invalid_requests("openai-compatible", model="gpt-4o-mini"))
        def test_my_server_refuses(case: InvalidRequest):
            ...  # POST case.request; expect a 4xx error naming case.field
    """
    plan = _plan(_profile(profile).request_schema)
    left_out = frozenset(exclude)
    base = plan.valid(model, None, left_out)
    allowed = [m for m in plan.mutations if not m.parameters & left_out]
    if not allowed:
        return st.nothing()
    every = st.sampled_from(allowed)

    @st.composite
    def broken(draw: DrawFn) -> InvalidRequest:
        return draw(every).apply(draw(base), draw)

    return broken()


def mutations(profile: Profile) -> list[Mutation]:
    """Every mutation :func:`invalid_requests` draws from, in schema order."""
    return list(_plan(profile.request_schema).mutations)


def _profile(profile: Profile | str) -> Profile:
    return profile if isinstance(profile, Profile) else load_profile(profile)


def drawn_parameters(profile: Profile) -> tuple[str, ...]:
    """The top-level parameters valid requests may carry (the others are in :data:`PARAMETERS`
    with ``skip``)."""
    return _plan(profile.request_schema).drawn


@functools.cache
def _plan(request_ref: str) -> _Plan:
    return _Plan(request_ref)


class _Plan:
    """Everything derived once from one request schema."""

    def __init__(self, request_ref: str) -> None:
        self.root = request_ref if "#" in request_ref else f"{request_ref}#"
        self.validator = validator(request_ref)
        tweaks = {self.prop(name): tweak for name, tweak in PARAMETERS.items()}
        # A profile's request schema is the base document with its overlay applied, with the
        # base's $defs layout (see conformance.contract._compose): the nested policy applies
        # there too.
        document = self.root.split("#", 1)[0]
        nested = {key.replace(BASE_FILE, f"{document}#", 1): t for key, t in NESTED.items()}
        self.compiler = SchemaCompiler({**nested, **tweaks})
        schema = self.compiler.schema(self.root)
        self.properties: tuple[str, ...] = tuple(schema.get("properties", {}))
        self.required: tuple[str, ...] = tuple(schema.get("required", ()))
        self.rules = self._rules(schema)
        self.token_limits = tuple(n for n in TOKEN_LIMITS if n in self.properties)
        hand_built = {"model", "messages", "tools", "stream", *TOKEN_LIMITS, *WITH_TOOLS}
        self.drawn = tuple(n for n in self.properties if not self.compiler.tweak(self.prop(n)).skip)
        self.optional = tuple(n for n in self.drawn if n not in hand_built)
        self.conversation = self._conversation()
        self.mutations = MutationBuilder(self).mutations

    def prop(self, name: str) -> str:
        return f"{self.root}/properties/{name}"

    @staticmethod
    def validator_at(ref: str) -> SchemaValidator:
        return validator(ref)

    # -- valid requests ------------------------------------------------------------------------

    def _rules(self, schema: Mapping[str, Any]) -> tuple[Rule, ...]:
        rules = []
        for i, entry in enumerate(schema.get("allOf", ())):
            condition, then = entry.get("if", {}), entry.get("then", {})
            subjects, needs = condition.get("required", []), then.get("required", [])
            if len(subjects) != 1 or len(needs) != 1 or "else" in entry:
                continue  # another shape: the final is_valid filter enforces it
            subject, need = subjects[0], needs[0]
            if subject not in condition.get("properties", {}) or need not in then.get(
                "properties", {}
            ):
                continue
            rules.append(
                Rule(
                    subject,
                    need,
                    validator(f"{self.root}/allOf/{i}/if/properties/{subject}"),
                    validator(f"{self.root}/allOf/{i}/then/properties/{need}"),
                )
            )
        return tuple(rules)

    def _conversation(self) -> SearchStrategy[list[dict[str, Any]]]:
        items = f"{self.prop('messages')}/items"
        found = self.compiler.discriminated(items)
        if found is None:
            return self.compiler.compile(self.prop("messages"))
        shapes = [s for s in CONVERSATIONS if all(role in found.kinds for role in s)]
        if not shapes:
            shapes = [(found.kinds[0],)]
        return st.one_of(
            [
                st.tuples(*(self.compiler.branch(items, role) for role in shape)).map(list)
                for shape in shapes
            ]
        )

    def valid(
        self, model: str | None, stream: bool | None, exclude: frozenset[str]
    ) -> SearchStrategy[dict[str, Any]]:
        optional = [n for n in self.optional if n not in exclude]
        if stream is None and "stream" in self.drawn and "stream" not in exclude:
            optional.append("stream")
        if "tools" in self.drawn and "tools" not in exclude:
            optional.append("tools")
        chosen = (
            st.lists(st.sampled_from(optional), max_size=MAX_OPTIONAL, unique=True)
            if optional
            else st.just([])
        )
        caps = [n for n in self.token_limits if n not in exclude]
        with_tools = [n for n in WITH_TOOLS if n in self.drawn and n not in exclude]
        unavailable = frozenset(exclude | (set(self.properties) - set(self.drawn)))
        compile_ = self.compiler.compile

        @st.composite
        def request(draw: DrawFn) -> dict[str, Any]:
            named = model if model is not None else draw(compile_(self.prop("model")))
            built: dict[str, Any] = {"model": named, "messages": draw(self.conversation)}
            if caps:
                cap = draw(st.sampled_from(caps))
                built[cap] = draw(compile_(self.prop(cap)))
            for name in draw(chosen):
                built[name] = draw(compile_(self.prop(name)))
            if "tools" in built:
                self._tool_companions(built, with_tools, draw)
            if stream is True:
                built["stream"] = True
            elif stream is False and draw(st.booleans()):
                built["stream"] = draw(
                    compile_(self.prop("stream")).filter(lambda v: v is not True)
                )
            fixed = frozenset({"stream"}) if stream is not None else frozenset()
            self.fix(built, draw, protected=unavailable | fixed, drop=True)
            _mention_json(built)
            return built

        return request().filter(
            lambda built: (
                self.validator.is_valid(built)
                and len(json.dumps(built).encode()) <= MAX_REQUEST_BYTES
            )
        )

    def _tool_companions(self, built: dict[str, Any], names: Sequence[str], draw: Draw) -> None:
        tools, seen = [], set()
        for tool in built["tools"]:
            name = tool.get("function", {}).get("name") if isinstance(tool, dict) else None
            if name not in seen:
                seen.add(name)
                tools.append(tool)
        built["tools"] = tools
        named = sorted(n for n in seen if isinstance(n, str))
        for companion in names:
            if not draw(st.booleans()):
                continue
            if companion == "tool_choice":
                modes = self.compiler.compile(self.prop(companion), ["string"])
                forced = st.sampled_from(named).map(
                    lambda n: {"type": "function", "function": {"name": n}}
                )
                built[companion] = draw(st.one_of(modes, forced) if named else modes)
            else:
                built[companion] = draw(self.compiler.compile(self.prop(companion)))

    def fix(
        self, request: dict[str, Any], draw: Draw, *, protected: frozenset[str], drop: bool
    ) -> None:
        """Satisfy the top-level if/then rules: set what a present subject needs, or (``drop``)
        remove the subject when what it needs is protected."""
        for rule in self.rules:
            if rule.subject not in request or not rule.when.is_valid(request[rule.subject]):
                continue
            if rule.needs in request and rule.then.is_valid(request[rule.needs]):
                continue
            if rule.needs in protected:
                if drop:
                    del request[rule.subject]
                continue
            need = self.compiler.compile(self.prop(rule.needs)).filter(rule.then.is_valid)
            request[rule.needs] = draw(need)


# -- helpers -----------------------------------------------------------------------------------
def _mention_json(request: dict[str, Any]) -> None:
    """OpenAI refuses JSON mode unless the messages mention JSON: add the word if missing."""
    response_format = request.get("response_format")
    if not isinstance(response_format, dict) or response_format.get("type") != JSON_MODE:
        return
    messages = request.get("messages")
    if not isinstance(messages, list) or not messages or "json" in json.dumps(messages).lower():
        return
    last = messages[-1]
    content = last.get("content") if isinstance(last, dict) else None
    if isinstance(content, str):
        last["content"] = f"{content} Answer in JSON."
    elif isinstance(content, list) and content and isinstance(content[-1], dict):
        part = content[-1]
        if isinstance(part.get("text"), str):
            part["text"] = f"{part['text']} Answer in JSON."
