"""Request rules across fields that JSON Schema cannot state, checked beside the schema.

Most cross-field rules of a request are in the schemas themselves: ``top_logprobs`` needs
``logprobs: true`` and ``stream_options`` needs ``stream: true`` (``if``/``then`` in
``request.json``), and OpenRouter's ``reasoning`` takes ``effort`` or ``max_tokens``, never both
(an ``anyOf`` of two closed objects in its profile). One rule compares two values, which JSON
Schema cannot do: a ``tool_choice`` that names a tool must name one the request offers in
``tools`` (OpenAI: "Specifying a particular tool via ``{"type": "function", "function": {"name":
"my_function"}}`` forces the model to call that tool", ChatCompletionNamedToolChoice in
https://github.com/openai/openai-openapi/blob/f85dbe2/openapi.yaml; OpenAI answers 400 "Invalid
value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified" and refuses a
name not in ``tools``). :func:`contract_rules` gives the rules that apply to a request schema;
:func:`_schemas.validator` hooks them into
:meth:`_schemas.SchemaValidator.is_valid` and ``explain``, so every judge of a
request (the checks, the runner, the generators, the shrinker) sees them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Final

from conformance.base import jpath
from conformance.contract._schema_error import ContractRule, SchemaError

#: The test a schema reference puts on a value: ``judge(ref)(value)`` is whether it is valid.
Judge = Callable[[str], Callable[[Any], bool]]

__all__ = ["OFFERED_TOOL", "contract_rules", "named_tools", "offered_tools", "tool_choice_names"]

#: The keyword a violation of the offered-tool rule is explained with.
OFFERED_TOOL: Final = "offeredTool"
_SCHEMA_PATH: Final = "contract/tool_choice"
#: The kinds of tool a choice can name, and the key that holds the name.
_NAMED: Final = ("function", "custom")


def contract_rules(
    name: str, document: Mapping[str, Any], judge: Judge
) -> tuple[ContractRule, ...]:
    """The rules beside the schema for the whole schema ``document`` named ``name``: the
    offered-tool rule for a request schema that has ``tool_choice``; none for another one.
    ``judge`` tests a value against a schema reference (the validators of ``_schemas``)."""
    properties = document.get("properties")
    if not isinstance(properties, Mapping):
        return ()
    if "messages" in properties and "tool_choice" in properties:
        choice_ref = f"{name}#/properties/tool_choice"
        return (functools.partial(offered_tool, choice_valid=lambda v: judge(choice_ref)(v)),)
    return ()


def offered_tools(request: Mapping[str, Any]) -> frozenset[tuple[str, str]]:
    """``(kind, name)`` of every tool ``request`` offers: ``("function", "get_weather")``."""
    tools = request.get("tools")
    if not isinstance(tools, list):
        return frozenset()
    return frozenset(named for tool in tools if (named := _name(tool)) is not None)


def tool_choice_names(choice: Any) -> Iterator[tuple[Sequence[int | str], tuple[str, str]]]:
    """Each tool ``choice`` names, with the path (below ``tool_choice``) where it names it: a
    named function or custom tool, or each tool an ``allowed_tools`` choice lists."""
    if not isinstance(choice, Mapping):
        return
    named = _name(choice)
    if named is not None:
        yield (), named
        return
    allowed = choice.get("allowed_tools") if choice.get("type") == "allowed_tools" else None
    listed = allowed.get("tools") if isinstance(allowed, Mapping) else None
    for index, tool in enumerate(listed if isinstance(listed, list) else ()):
        named = _name(tool)
        if named is not None:
            yield ("allowed_tools", "tools", index), named


def named_tools(request: Mapping[str, Any]) -> frozenset[tuple[str, str]]:
    """``(kind, name)`` of every tool the request's ``tool_choice`` names."""
    return frozenset(named for _, named in tool_choice_names(request.get("tool_choice")))


def offered_tool(
    instance: Any, *, choice_valid: Callable[[Any], bool]
) -> Iterator[tuple[Sequence[int | str], SchemaError]]:
    """A ``tool_choice`` that names a tool must name one that ``tools`` offers.

    Not judged when ``tools`` is present but not an array, or when the ``tool_choice`` value
    breaks its own schema (``choice_valid`` says no): that is the schema's error to report, and
    one broken value must not count twice.
    """
    if not isinstance(instance, Mapping) or not isinstance(instance.get("tool_choice"), Mapping):
        return
    tools = instance.get("tools")
    if tools is not None and not isinstance(tools, list):
        return
    if not choice_valid(instance["tool_choice"]):
        return
    offered = offered_tools(instance)
    for below, (kind, name) in tool_choice_names(instance.get("tool_choice")):
        if (kind, name) in offered:
            continue
        parts = ("tool_choice", *below)
        where = (
            f"the request offers {sorted(n for _, n in offered)}"
            if offered
            else "the request offers no tools"
        )
        yield (
            parts,
            SchemaError(
                path=jpath(*parts),
                schema_path=_SCHEMA_PATH,
                keyword=OFFERED_TOOL,
                message=f"{kind} tool {name!r} is not among the offered tools: {where}",
                expected=f"the name of a {kind} tool in $.tools",
                actual=name,
            ),
        )


def _name(tool: Any) -> tuple[str, str] | None:
    """``(kind, name)`` of a tool or of a named choice (the same shape): ``{"type": "function",
    "function": {"name": "f"}}`` → ``("function", "f")``."""
    if not isinstance(tool, Mapping):
        return None
    kind = tool.get("type")
    if kind not in _NAMED:
        return None
    body = tool.get(kind)
    name = body.get("name") if isinstance(body, Mapping) else None
    return (kind, name) if isinstance(name, str) else None
