"""Checks over a whole SSE transcript: framing, chunks and the rules that span chunks."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any, Final

from conformance.base import NotApplicable
from conformance.checks._bounds import compliant_events
from conformance.checks._registry import check
from conformance.checks._results import Violation
from conformance.checks.response import schema_violations
from conformance.contract import Profile
from conformance.exchange import Exchange, Payload, Transcript

# The option that raises each of the suite's size caps.
_RAISED_BY: Final = {"bytes": "--max-body-bytes", "events": "--max-events"}
# Past this many, a check reports a count instead of one violation per chunk.
_MAX_PER_CHECK: Final = 5


def _clip(text: str, size: int = 120) -> str:
    return text if len(text) <= size else text[: size - 3] + "..."


@check("stream.content_type", requirement_id="CC-HTTP-02", kinds=("stream",), feature="stream")
def content_type_is_event_stream(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """A successful streamed answer is served as text/event-stream."""
    if exchange.media_type != "text/event-stream":
        yield Violation(
            "headers['content-type']",
            "text/event-stream",
            exchange.headers.get("content-type"),
            "the stream is not declared as an event stream",
        )


@check("stream.framing", requirement_id="CC-STREAM-01", kinds=("stream",), feature="stream")
def well_framed(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """The event stream is UTF-8 and every event ends with a blank line."""
    stream = exchange.transcript.stream
    if not stream.bytes_read:
        raise NotApplicable("the stream is empty: there is no framing to judge")
    # Cut mid-event by one of the suite's caps or by a broken connection, the last event is
    # unfinished through no fault of the framing (stream.terminator or transport.complete
    # reports the cut).
    cut = stream.cut_off is not None or exchange.transport_error is not None
    if stream.unterminated is not None and not cut:
        yield Violation(
            "$.events",
            "every event terminated by a blank line",
            _clip(stream.unterminated),
            "the stream ends inside an event, which spec-following clients discard",
        )
    if stream.invalid_utf8:
        yield Violation(
            "$.events",
            "UTF-8 text",
            f"{stream.invalid_utf8} invalid byte sequence(s)",
            "the stream is not valid UTF-8",
        )


def _runs_together(data: str) -> bool:
    lines = data.split("\n")
    if len(lines) < 2:
        return False
    try:
        for line in lines:
            json.loads(line.removeprefix("data:").strip() or "null")
    except ValueError:
        return False
    return True


@check("stream.data_json", requirement_id="CC-STREAM-02", kinds=("stream",), feature="stream")
def data_is_json(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """Every data payload is JSON text or the sentinel [DONE]."""
    if not exchange.transcript.payloads:
        raise NotApplicable("the stream carried no data event")
    for payload in exchange.transcript.payloads:
        if payload.kind != "not_json":
            continue
        message = "the data payload is neither JSON nor [DONE]"
        if _runs_together(payload.data):
            message += " (several events run together: a blank line is missing between them)"
        yield Violation(payload.path, "JSON text or [DONE]", _clip(payload.data), message)


@check("stream.terminator", requirement_id="CC-STREAM-03", kinds=("stream",), feature="stream")
def ends_with_done(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """The stream ends with exactly one data: [DONE] and nothing after it."""
    transcript = exchange.transcript
    cut = transcript.stream.cut_off
    if cut is not None:
        events, size = len(transcript.payloads), transcript.stream.bytes_read
        received = f"{size} bytes, {events} events"
        if cut == "time":
            took = f" after {exchange.elapsed_s:.0f} s" if exchange.elapsed_s else ""
            yield Violation(
                "$.events", "a stream that ends", received, f"no [DONE]{took} and {events} events"
            )
            return
        bound = compliant_events(exchange.request)
        # Only events that carry output count against the token cap: a server may send as many
        # empty deltas as it likes (no clause bounds them), and such a stream is still compliant.
        carrying = sum(1 for _, chunk in transcript.dict_chunks if _chunk_carries_output(chunk))
        if bound is None or carrying <= bound:
            # A compliant answer to this request could be this long: the suite stopped reading,
            # which says nothing of the target.
            limit = "no token cap" if bound is None else f"up to about {bound} events of output"
            raise NotApplicable(
                f"the suite stopped reading at its {cut} cap ({received}; {_RAISED_BY[cut]} "
                f"raises it); the request allows {limit}"
            )
        yield Violation(
            "$.events",
            f"a stream within about {bound} events of output (the request's token cap)",
            f"{carrying} events of output in {received}",
            f"the stream went on past the suite's {cut} cap ({received}, {carrying} carrying "
            f"output) though the request allows about {bound} events of output",
        )
        return
    payloads = transcript.payloads
    done = [p for p in payloads if p.kind == "done"]
    if not done:
        if exchange.transport_error is not None:
            raise NotApplicable(
                f"the connection broke after {len(payloads)} events, before the stream could end "
                "(transport.complete reports it)"
            )
        if not transcript.errors:  # a stream ended by an error event may omit [DONE]
            last = payloads[-1].path if payloads else "$.events"
            yield Violation(
                last, "a final data: [DONE] event", None, "the stream does not end with [DONE]"
            )
        return
    for extra in done[1:]:
        yield Violation(extra.path, "a single [DONE]", extra.data, "[DONE] is sent more than once")
    after = [p for p in payloads if p.position > done[0].position and p.kind != "done"]
    for payload in after[:_MAX_PER_CHECK]:
        yield Violation(
            payload.path, "no data event after [DONE]", _clip(payload.data), "data after [DONE]"
        )


@check("stream.chunk_schema", requirement_id="CC-STREAM-04", kinds=("stream",), feature="stream")
def chunks_match_schema(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """Every JSON event other than an error is a chat.completion.chunk."""
    validator = profile.chunk
    if not exchange.transcript.chunks:
        raise NotApplicable("the stream carried no chunk")
    bad = 0
    for payload in exchange.transcript.chunks:
        if validator.is_valid(payload.value):
            continue
        bad += 1
        if bad <= _MAX_PER_CHECK:
            yield from schema_violations(validator, payload.value, payload.path)
    if bad > _MAX_PER_CHECK:
        yield Violation(
            "$.events",
            "every chunk valid",
            f"{bad} invalid chunks",
            f"{bad - _MAX_PER_CHECK} more chunks break the schema",
        )


@check("stream.identity", requirement_id="CC-STREAM-05", kinds=("stream",), feature="stream")
def same_identity(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """All chunks share one id and one created time."""
    chunks = exchange.transcript.dict_chunks
    if len(chunks) < 2:
        raise NotApplicable("fewer than two chunks")
    first = chunks[0][1]
    # OpenAI's spec fixes both for every chunk; it says nothing of the model, which a router
    # may report as resolved (OpenRouter answers with the model actually used:
    # OpenRouterTeam/docs@c26125a guides/routing/model-fallbacks.mdx), so the model is not
    # judged here.
    for name in ("id", "created"):
        differing = [(p, c.get(name)) for p, c in chunks[1:] if c.get(name) != first.get(name)]
        if differing:
            payload, value = differing[0]
            yield Violation(
                f"{payload.path}.{name}",
                f"{first.get(name)!r}, as in the first chunk",
                value,
                f"{name} changes within the stream "
                f"({len(differing)} of {len(chunks)} chunks differ)",
            )


def _choice_entries(transcript: Transcript) -> Iterator[tuple[Payload, int, int, dict[str, Any]]]:
    """(payload, position in choices, choice index, choice) for every well-indexed choice."""
    for payload, chunk in transcript.dict_chunks:
        choices = chunk.get("choices")
        for j, choice in enumerate(choices if isinstance(choices, list) else ()):
            if isinstance(choice, dict) and isinstance(choice.get("index"), int):
                yield payload, j, choice["index"], choice


def _delta(choice: Mapping[str, Any]) -> Mapping[str, Any]:
    delta = choice.get("delta")
    return delta if isinstance(delta, dict) else {}


@check("stream.role", requirement_id="CC-STREAM-06", kinds=("stream",), feature="stream")
def role_first_only(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """The first delta of each choice carries role "assistant"; later deltas do not repeat it."""
    entries = list(_choice_entries(exchange.transcript))
    if not entries:
        raise NotApplicable("no chunk carries a choice")
    started: set[int] = set()
    repeats: dict[int, list[str]] = {}
    for payload, j, index, choice in entries:
        role = _delta(choice).get("role")
        path = f"{payload.path}.choices[{j}].delta.role"
        if index not in started:
            started.add(index)
            if role != "assistant":
                yield Violation(
                    path,
                    '"assistant" in the first delta of the choice',
                    role,
                    f"choice {index}'s first delta lacks the role",
                )
        elif role is not None:
            repeats.setdefault(index, []).append(path)
    for index, paths in sorted(repeats.items()):
        yield Violation(
            paths[0],
            "no role after the first delta",
            "assistant",
            f"choice {index} repeats the role in {len(paths)} later delta(s)",
        )


def _chunk_carries_output(chunk: Mapping[str, Any]) -> bool:
    choices = chunk.get("choices")
    if not isinstance(choices, list):
        return False
    return any(isinstance(c, dict) and _carries_output(_delta(c)) for c in choices)


def _carries_output(delta: Mapping[str, Any]) -> bool:
    return bool(
        delta.get("content")
        or delta.get("refusal")
        or delta.get("tool_calls")
        or delta.get("reasoning_content")
        or delta.get("reasoning")
    )


@check("stream.finish_reason", requirement_id="CC-STREAM-07", kinds=("stream",), feature="stream")
def one_finish_per_choice(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """Each choice ends with exactly one finish_reason, and nothing for it follows."""
    transcript = exchange.transcript
    if not transcript.chunks:
        raise NotApplicable("the stream carried no chunk")
    finishes: dict[int, list[str]] = {}
    late: dict[int, list[str]] = {}
    for payload, j, index, choice in _choice_entries(transcript):
        path = f"{payload.path}.choices[{j}]"
        paths = finishes.setdefault(index, [])
        if paths and _carries_output(_delta(choice)):
            late.setdefault(index, []).append(f"{path}.delta")
        if choice.get("finish_reason") is not None:
            paths.append(f"{path}.finish_reason")
    interrupted = exchange.interrupted
    if not finishes:
        raise NotApplicable("no chunk carries a choice")
    for index, paths in sorted(finishes.items()):
        if not paths and not interrupted:
            yield Violation(
                "$.events",
                f"one non-null finish_reason for choice {index}",
                None,
                f"choice {index} never finishes",
            )
        if len(paths) > 1:
            yield Violation(
                paths[1],
                f"one finish_reason for choice {index}",
                len(paths),
                f"choice {index} finishes {len(paths)} times",
            )
    for index, paths in sorted(late.items()):
        yield Violation(
            paths[0],
            "nothing after the finish_reason",
            f"{len(paths)} delta(s)",
            f"choice {index} carries output after its finish_reason",
        )


def _fragments(transcript: Transcript) -> Iterator[tuple[str, int, int, dict[str, Any]]]:
    """(path, choice index, tool-call index, fragment) for every indexed tool-call fragment."""
    for payload, j, index, choice in _choice_entries(transcript):
        calls = _delta(choice).get("tool_calls")
        for k, call in enumerate(calls if isinstance(calls, list) else ()):
            if isinstance(call, dict) and isinstance(call.get("index"), int):
                yield (
                    f"{payload.path}.choices[{j}].delta.tool_calls[{k}]",
                    index,
                    call["index"],
                    call,
                )


def _name(fragment: Mapping[str, Any]) -> Any:
    function = fragment.get("function")
    return function.get("name") if isinstance(function, dict) else None


def _nonempty(value: Any) -> bool:
    return isinstance(value, str) and value != ""


@check(
    "stream.tool_calls.start",
    requirement_id="CC-STREAM-08",
    kinds=("stream",),
    feature=("stream", "tools"),
)
def tool_calls_start(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """Each streamed tool call starts with its id, type and name, indexed 0..k-1."""
    fragments = list(_fragments(exchange.transcript))
    if not fragments:
        raise NotApplicable("the stream carried no tool call")
    seen: dict[int, set[int]] = {}
    for path, choice, index, fragment in fragments:
        calls = seen.setdefault(choice, set())
        if index in calls:
            continue
        calls.add(index)
        if not _nonempty(fragment.get("id")):
            yield Violation(
                f"{path}.id",
                "the call's id in its first fragment",
                fragment.get("id"),
                "the tool call starts without an id",
            )
        if fragment.get("type") != "function":
            yield Violation(
                f"{path}.type",
                '"function" in the first fragment',
                fragment.get("type"),
                "the tool call starts without its type",
            )
        if not _nonempty(_name(fragment)):
            yield Violation(
                f"{path}.function.name",
                "the function name in the first fragment",
                _name(fragment),
                "the tool call starts without a name",
            )
    for choice, indices in sorted(seen.items()):
        if indices != set(range(len(indices))):
            yield Violation(
                "$.events",
                f"tool-call indices 0..{len(indices) - 1}",
                sorted(indices),
                f"choice {choice} numbers its tool calls with gaps",
            )


@check(
    "stream.tool_calls.repeat",
    requirement_id="CC-STREAM-09",
    kinds=("stream",),
    feature=("stream", "tools"),
)
def tool_calls_not_repeated(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """Later fragments of a streamed tool call do not repeat its id or name."""
    fragments = list(_fragments(exchange.transcript))
    if not fragments:
        raise NotApplicable("the stream carried no tool call")
    seen: dict[tuple[int, int], set[str]] = {}  # the fields each call has already carried
    repeats: dict[tuple[int, int], list[str]] = {}
    for path, choice, index, fragment in fragments:
        carried = seen.setdefault((choice, index), set())
        for field, value in (("id", fragment.get("id")), ("function.name", _name(fragment))):
            if not _nonempty(value):
                continue
            if field in carried:  # a late first arrival is stream.tool_calls.start's finding
                repeats.setdefault((choice, index), []).append(f"{path}.{field}")
            carried.add(field)
    for (choice, index), paths in sorted(repeats.items()):
        yield Violation(
            paths[0],
            "id and name only in the first fragment",
            f"{len(paths)} repeat(s)",
            f"tool call {index} of choice {choice} repeats its id or name",
        )


def _include_usage(exchange: Exchange) -> bool:
    options = exchange.requested.get("stream_options")
    return isinstance(options, dict) and options.get("include_usage") is True


def _usage_placement(transcript: Transcript, *, required: bool) -> Iterator[Violation]:
    chunks = transcript.dict_chunks
    carrying = [(p, c) for p, c in chunks if c.get("usage") is not None]
    if not carrying:
        if required:
            yield Violation(
                "$.events", "a usage chunk before [DONE]", None, "no chunk carries usage"
            )
        return
    for payload, _ in carrying[:-1][:_MAX_PER_CHECK]:
        yield Violation(
            f"{payload.path}.usage",
            "null or absent (only the last chunk carries usage)",
            "usage",
            "usage on a chunk other than the usage chunk",
        )
    payload, chunk = carrying[-1]
    if payload is not chunks[-1][0]:
        yield Violation(
            f"{payload.path}.usage",
            "usage on the last chunk before [DONE]",
            chunks[-1][0].path,
            "the usage chunk is not the last chunk",
        )
    if chunk.get("choices") != []:
        yield Violation(
            f"{payload.path}.choices",
            "[] on the usage chunk",
            chunk.get("choices"),
            "the usage chunk carries choices",
        )


@check(
    "stream.usage.requested",
    requirement_id="CC-STREAM-10",
    kinds=("stream",),
    feature=("stream", "stream_options"),
)
def usage_when_requested(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """With include_usage, exactly one usage chunk, last before [DONE], with empty choices."""
    if exchange.request is None or not _include_usage(exchange):
        raise NotApplicable("stream_options.include_usage was not requested")
    transcript = exchange.transcript
    if exchange.interrupted:
        raise NotApplicable("the stream was interrupted; the usage chunk may be missing")
    yield from _usage_placement(transcript, required=True)


@check(
    "stream.usage.unrequested", requirement_id="CC-STREAM-11", kinds=("stream",), feature="stream"
)
def usage_when_unrequested(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """Without include_usage, usage appears only as the profile says, and well placed."""
    if exchange.request is None or _include_usage(exchange):
        raise NotApplicable("include_usage was requested, or the request was not recorded")
    transcript = exchange.transcript
    if not transcript.dict_chunks:
        raise NotApplicable("the stream carried no chunk")
    policy = profile.usage_without_include
    if policy == "never":
        carrying = [p for p, c in transcript.dict_chunks if c.get("usage") is not None]
        if carrying:
            yield Violation(
                f"{carrying[0].path}.usage",
                "no usage without stream_options.include_usage",
                f"usage on {len(carrying)} chunk(s)",
                "usage sent although not requested",
            )
        return
    interrupted = exchange.interrupted
    required = policy == "always" and not interrupted
    if not required and not any(c.get("usage") is not None for _, c in transcript.dict_chunks):
        raise NotApplicable(
            f"the stream carried no usage, which profile {profile.id} allows"
            + (" of an interrupted stream" if policy == "always" else "")
        )
    yield from _usage_placement(transcript, required=required)


def _error_object(payload: Payload) -> Any:
    value = payload.value
    if isinstance(value, dict) and "error" in value:
        return value["error"]
    return value  # `event: error` may carry the error object itself


@check("stream.error_event", requirement_id="CC-STREAM-12", kinds=("stream",), feature="stream")
def error_event_well_formed(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """A mid-stream error is an error object with a message, and nothing but [DONE] follows it."""
    transcript = exchange.transcript
    if not transcript.errors:
        raise NotApplicable("the stream carried no error event")
    first = transcript.errors[0]
    for payload in transcript.errors:
        error = _error_object(payload)
        if not (isinstance(error, dict) and isinstance(error.get("message"), str)):
            yield Violation(
                f"{payload.path}.error",
                "an error object with a string message",
                error,
                "malformed mid-stream error",
            )
    after = [p for p in transcript.payloads if p.position > first.position and p.kind != "done"]
    if after:
        yield Violation(
            after[0].path,
            "the stream to end after the error event",
            _clip(after[0].data),
            f"{len(after)} event(s) follow the error",
        )
