"""The reference router's toy model: deterministic, cheap, and honest about what it was asked.

A request becomes :class:`Params` (read leniently: a router with the ``accept-invalid`` fault
answers requests the schema refuses), and :func:`generate` turns it into a :class:`Completion`:

- **tokens** are whitespace-led pieces of text (``"alpha"``, ``" bravo"``); prompt tokens are the
  whitespace-separated words of every message's text;
- **text** is 4 to 12 words of :data:`WORDS`, drawn with a generator seeded from the messages,
  the ``seed`` and the choice index (the index is left out at ``temperature: 0``, so all ``n``
  choices are then equal);
- **JSON** (``json_object``, ``json_schema``) and **tool arguments** come from the instance
  generator, so they are valid by construction;
- **tools**: ``auto`` calls the tools the last user message names (word match, case-insensitive)
  and answers text otherwise; ``required`` calls those or the first tool; a named choice calls
  that tool; ``none`` never calls; ``allowed_tools`` narrows the candidates;
  ``parallel_tool_calls: false`` keeps one call; a conversation that ends with tool results
  is answered with text under ``auto`` (the model read the results);
- **the cap** (``max_completion_tokens`` or ``max_tokens``): generation finishes with ``"stop"``
  only when it ends *before* the cap (the end token needs a slot too); otherwise it is cut at
  the cap with ``"length"`` and ``completion_tokens`` equal to the cap;
- **stop sequences**: asked for text, the model says the first one after two or three words;
  they are looked for after every token, and the content is cut before the first occurrence
  (after it when the profile says the stop sequence is included) with ``"stop"``; the tokens
  generated up to the one that completed the sequence are counted. When that token is also
  the cap-th one, ``"length"`` is reported (both are true; "length" is the one no client
  misreads as a natural end);
- **reasoning**, when the router's profile returns it apart and the request asks for it
  (``separate_reasoning``, OpenRouter's ``reasoning``): three words before a text answer, spent
  from the same cap and counted as ``reasoning_tokens`` within ``completion_tokens``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from conformance.reference._instances import WORDS, instance

MODEL_ID: Final = "reference-model"

ToolMode = Literal["none", "auto", "required"]
Format = Literal["text", "json_object", "json_schema"]

_PIECE: Final = re.compile(r"\s*\S+|\s+\Z")
_THOUGHT_WORDS: Final = 3


@dataclass(frozen=True, slots=True)
class Tool:
    """A tool the request offers."""

    name: str
    kind: Literal["function", "custom"]
    parameters: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Params:
    """What the model is asked to do, read leniently from a request body."""

    messages: tuple[Any, ...] = ()
    n: int = 1
    temperature: float | None = None
    seed: Any = None
    cap: int | None = None
    stop: tuple[str, ...] = ()
    keep_stop: bool = False
    logprobs: bool = False
    top_logprobs: int = 0
    tools: tuple[Tool, ...] = ()
    tool_mode: ToolMode = "none"
    forced: str | None = None
    allowed: frozenset[str] | None = None
    parallel: bool = True
    format: Format = "text"
    schema: Mapping[str, Any] | None = None
    stream: bool = False
    include_usage: bool = False
    reasoning: str | None = None  # the message field that returns reasoning apart, when asked
    results: bool = False  # the messages end with tool results: the calls were answered

    @classmethod
    def from_request(
        cls, body: Mapping[str, Any], *, keep_stop: bool = False, reasoning: str | None = None
    ) -> Params:
        """Read a request body; values of the wrong type fall back to their defaults.

        ``reasoning`` is decided by the router: the field its profile returns reasoning in,
        when the request asked for reasoning apart (None: the model does not reason).
        """
        messages = body.get("messages")
        n = _integer(body.get("n"))
        temperature = body.get("temperature")
        cap = _integer(body.get("max_completion_tokens"))
        if cap is None:
            cap = _integer(body.get("max_tokens"))
        stop = body.get("stop")
        sequences = [stop] if isinstance(stop, str) else stop if isinstance(stop, list) else []
        top = _integer(body.get("top_logprobs"))
        options = body.get("stream_options")
        tools = _tools(body.get("tools"))
        mode, forced, allowed = _tool_choice(body.get("tool_choice"), bool(tools))
        fmt, schema = _response_format(body.get("response_format"))
        return cls(
            messages=tuple(messages) if isinstance(messages, list) else (),
            n=min(max(n if n is not None else 1, 1), 128),
            temperature=float(temperature) if isinstance(temperature, int | float) else None,
            seed=body.get("seed"),
            cap=None if cap is None else max(cap, 0),
            stop=tuple(s for s in sequences if isinstance(s, str) and s),
            keep_stop=keep_stop,
            logprobs=body.get("logprobs") is True,
            top_logprobs=min(max(top or 0, 0), len(WORDS) - 1),
            tools=tools,
            tool_mode=mode,
            forced=forced,
            allowed=allowed,
            parallel=body.get("parallel_tool_calls") is not False,
            format=fmt,
            schema=schema,
            stream=body.get("stream") is True,
            include_usage=isinstance(options, dict) and options.get("include_usage") is True,
            reasoning=reasoning,
            results=ends_with_results(messages),
        )


def ends_with_results(messages: Any) -> bool:
    """Whether the conversation ends with tool messages: results the model is to answer."""
    last = messages[-1] if isinstance(messages, list) and messages else None
    return isinstance(last, dict) and last.get("role") == "tool"


def _integer(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _tools(raw: Any) -> tuple[Tool, ...]:
    tools = []
    for item in raw if isinstance(raw, list) else ():
        kind = item.get("type", "function") if isinstance(item, dict) else None
        spec = item.get(kind) if isinstance(item, dict) and kind in ("function", "custom") else None
        if isinstance(spec, dict) and isinstance(spec.get("name"), str):
            parameters = spec.get("parameters")
            tools.append(
                Tool(
                    name=spec["name"],
                    kind="custom" if kind == "custom" else "function",
                    parameters=parameters if isinstance(parameters, dict) else None,
                )
            )
    return tuple(tools)


def _tool_choice(raw: Any, offered: bool) -> tuple[ToolMode, str | None, frozenset[str] | None]:
    if not offered or raw == "none":
        return "none", None, None
    if raw == "required":
        return "required", None, None
    if isinstance(raw, dict):
        kind = raw.get("type")
        spec = raw.get(kind) if isinstance(kind, str) else None
        if kind in ("function", "custom") and isinstance(spec, dict):
            name = spec.get("name")
            return "required", name if isinstance(name, str) else None, None
        if kind == "allowed_tools" and isinstance(spec, dict):
            names = {
                tool.name for tool in _tools(spec.get("tools"))
            } | {  # the allowed list may also name tools as {type, name}
                str(t["name"])
                for t in spec.get("tools") or ()
                if isinstance(t, dict) and isinstance(t.get("name"), str)
            }
            mode: ToolMode = "required" if spec.get("mode") == "required" else "auto"
            return mode, None, frozenset(names)
    return "auto", None, None


def _response_format(raw: Any) -> tuple[Format, Mapping[str, Any] | None]:
    kind = raw.get("type") if isinstance(raw, dict) else None
    if kind == "json_object":
        return "json_object", None
    if kind == "json_schema" and isinstance(raw, dict):
        spec = raw.get("json_schema")
        schema = spec.get("schema") if isinstance(spec, dict) else None
        return "json_schema", schema if isinstance(schema, dict) else {"type": "object"}
    return "text", None


@dataclass(frozen=True, slots=True)
class Token:
    """One generated piece of content with its log probability and its alternatives."""

    text: str
    logprob: float
    top: tuple[tuple[str, float], ...]  # every alternative the vocabulary offers, best first


@dataclass(frozen=True, slots=True)
class Call:
    """One tool call: the arguments text and the pieces a stream sends it in."""

    id: str
    name: str
    kind: Literal["function", "custom"]
    pieces: tuple[str, ...]

    @property
    def arguments(self) -> str:
        return "".join(self.pieces)


@dataclass(frozen=True, slots=True)
class Output:
    """One choice: content (None for a tool-calling choice), tool calls and how it ended."""

    index: int
    content: str | None
    tokens: tuple[Token, ...]
    calls: tuple[Call, ...]
    finish_reason: str | None
    completion_tokens: int  # reasoning tokens included
    reasoning: tuple[str, ...] = ()  # the pieces of reasoning returned apart, before the content
    failed: bool = False  # the choice broke off upstream (finish_reason "error")


@dataclass(frozen=True, slots=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    reasoning_tokens: int = 0


@dataclass(frozen=True, slots=True)
class Completion:
    """What the model produced for one request, before it is put on the wire."""

    choices: tuple[Output, ...]
    usage: Usage


def pieces(text: str) -> list[str]:
    """Split text into tokens: each a run of non-space characters with the spaces before it."""
    return _PIECE.findall(text)


def _logprob(text: str) -> float:
    digest = hashlib.sha256(text.encode()).digest()
    return -round(0.01 + digest[0] / 128, 4)


def token(text: str) -> Token:
    """A token with its deterministic log probability and ranked alternatives."""
    logprob = _logprob(text)
    word = text.strip()
    lead = text[: len(text) - len(text.lstrip())]
    others = [w for w in WORDS if w != word]
    start = sum(text.encode()) % len(others)
    ranked = others[start:] + others[:start]
    alternatives = [(lead + w, round(logprob - 0.5 - i * 0.25, 4)) for i, w in enumerate(ranked)]
    top = ((text, logprob), *alternatives)
    return Token(text, logprob, top)


def tokens(texts: Iterable[str]) -> tuple[Token, ...]:
    return tuple(token(t) for t in texts)


def prompt_tokens(messages: Sequence[Any]) -> int:
    """The whitespace-separated words of every message's text content."""
    count = 0
    for message in messages:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            count += len(content.split())
        elif isinstance(content, list):
            for part in content:
                text = part.get("text") if isinstance(part, dict) else None
                count += len(text.split()) if isinstance(text, str) else 0
    return count


def _last_user_text(messages: Sequence[Any]) -> str:
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            if isinstance(content, list):
                return " ".join(
                    str(p.get("text"))
                    for p in content
                    if isinstance(p, dict) and isinstance(p.get("text"), str)
                )
    return ""


def _rng(params: Params, index: int) -> random.Random:
    key = [list(params.messages), params.seed, 0 if params.temperature == 0 else index]
    digest = hashlib.sha256(json.dumps(key, sort_keys=True, default=repr).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _mentions(text: str, name: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text, re.IGNORECASE) is not None


def chosen_tools(params: Params) -> list[Tool]:
    """The tools the model calls for this request (the same for every choice)."""
    if params.tool_mode == "none" or not params.tools:
        return []
    if params.results and params.tool_mode == "auto":
        return []  # the results are in: the model answers with them
    if params.forced is not None:
        return [tool for tool in params.tools if tool.name == params.forced][:1]
    candidates = [t for t in params.tools if params.allowed is None or t.name in params.allowed]
    text = _last_user_text(params.messages)
    called = [tool for tool in candidates if _mentions(text, tool.name)]
    if not called and params.tool_mode == "required":
        called = candidates[:1]
    return called if params.parallel else called[:1]


def _arguments(tool: Tool, rng: random.Random) -> str:
    if tool.kind == "custom":
        return " ".join(rng.choice(WORDS) for _ in range(3))
    document = instance(tool.parameters or {"type": "object", "properties": {}}, rng)
    return json.dumps(document if isinstance(document, dict) else {})


def natural_text(params: Params, rng: random.Random) -> str:
    """What the model says when it is not capped or stopped.

    Asked for text with stop sequences, it says the first one after its second or third word,
    the way a model asked to count to ten with ``stop: ["five"]`` says "five": so a stop
    sequence is always reached and the cut can be judged.
    """
    if params.format == "json_object":
        return json.dumps({"reply": " ".join(rng.choice(WORDS) for _ in range(3))})
    if params.format == "json_schema":
        return json.dumps(instance(params.schema or {"type": "object"}, rng))
    words = [rng.choice(WORDS) for _ in range(rng.randint(4, 12))]
    if params.stop:
        words.insert(rng.randint(2, 3), params.stop[0])
    return " ".join(words)


def _first_stop(text: str, stop: Sequence[str]) -> tuple[int, str] | None:
    found = [(text.find(s), s) for s in stop if s in text]
    return min(found, key=lambda hit: (hit[0], -len(hit[1]))) if found else None


def _cut(texts: Sequence[str], end: int) -> list[str]:
    out, used = [], 0
    for text in texts:
        if used >= end:
            break
        piece = text[: end - used]
        used += len(text)
        if piece:
            out.append(piece)
    return out


def _text_output(params: Params, index: int, text: str, cap: int | None) -> Output:
    natural = pieces(text)
    sofar = ""
    for i, piece in enumerate(natural):
        if cap is not None and i >= cap:
            return Output(index, "".join(natural[:i]), tokens(natural[:i]), (), "length", i)
        sofar += piece
        hit = _first_stop(sofar, params.stop)
        if hit is not None:
            at, sequence = hit
            kept = _cut(natural[: i + 1], at + len(sequence) if params.keep_stop else at)
            reason = "length" if cap is not None and i + 1 >= cap else "stop"
            return Output(index, "".join(kept), tokens(kept), (), reason, i + 1)
    reason = "length" if cap is not None and len(natural) >= cap else "stop"
    return Output(index, text, tokens(natural), (), reason, len(natural))


def _call_output(params: Params, index: int, tools: Sequence[Tool], rng: random.Random) -> Output:
    calls: list[Call] = []
    budget = params.cap
    used = 0
    for tool in tools:
        call_id = f"call_{rng.getrandbits(64):016x}"
        parts = pieces(_arguments(tool, rng))
        cost = 1 + len(parts)  # the name, then the arguments
        if budget is not None and used + cost >= budget:
            kept = parts[: max(budget - used - 1, 0)]
            if budget - used >= 1:
                calls.append(Call(call_id, tool.name, tool.kind, tuple(kept)))
            return Output(index, None, (), tuple(calls), "length", budget)
        calls.append(Call(call_id, tool.name, tool.kind, tuple(parts)))
        used += cost
    # OpenAI answers a named tool_choice with "stop" (vLLM PR 25054 followed it).
    reason = "stop" if params.forced is not None else "tool_calls"
    return Output(index, None, (), tuple(calls), reason, used)


def _thought(params: Params, rng: random.Random) -> tuple[str, ...]:
    """The reasoning a text answer starts with, when it is asked apart: three words, spent from
    the same token cap as the content (as reasoning tokens are by OpenAI's
    max_completion_tokens), so the cap may leave no room for content."""
    if params.reasoning is None:
        return ()
    thought = pieces(" ".join(rng.choice(WORDS) for _ in range(_THOUGHT_WORDS)))
    return tuple(thought if params.cap is None else thought[: params.cap])


def generate(params: Params) -> Completion:
    """The model's answer to ``params``: n choices and their usage."""
    called = chosen_tools(params)
    outputs = []
    for index in range(params.n):
        rng = _rng(params, index)
        if called:
            outputs.append(_call_output(params, index, called, rng))
            continue
        thought = _thought(params, rng)
        cap = None if params.cap is None else params.cap - len(thought)
        output = _text_output(params, index, natural_text(params, rng), cap)
        if thought:
            spent = output.completion_tokens + len(thought)
            output = dataclasses.replace(output, reasoning=thought, completion_tokens=spent)
        outputs.append(output)
    return complete(outputs, prompt_tokens(params.messages))


def complete(outputs: Iterable[Output], prompt: int) -> Completion:
    """A completion whose usage is the honest sum of its choices' tokens."""
    choices = tuple(outputs)
    completion = sum(choice.completion_tokens for choice in choices)
    reasoning = sum(len(choice.reasoning) for choice in choices)
    return Completion(choices, Usage(prompt, completion, prompt + completion, reasoning))


def break_off(completion: Completion, kept: int = 2) -> Completion:
    """The completion with its first choice broken off upstream after ``kept`` tokens: the
    output so far, no tool calls, finish_reason ``"error"``, and the usage recounted."""
    first, *others = completion.choices
    tokens_kept = first.tokens[:kept]
    broken = dataclasses.replace(
        first,
        content="".join(t.text for t in tokens_kept),
        tokens=tokens_kept,
        calls=(),
        finish_reason="error",
        completion_tokens=len(first.reasoning) + len(tokens_kept),
        failed=True,
    )
    return complete([broken, *others], completion.usage.prompt_tokens)
