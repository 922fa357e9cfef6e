"""A strict, incremental Server-Sent-Events parser that keeps the raw framing as evidence.

It follows the WHATWG HTML "event stream interpretation" rules
(https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation)
to the letter, so that framing faults which lenient parsers paper over stay visible:

* the stream is UTF-8, decoded incrementally with replacement; the replacement characters
  produced by invalid bytes are counted (``invalid_utf8``), and one leading U+FEFF is removed
  (``bom``);
* lines end with CRLF, LF or CR (never with the other characters ``str.splitlines`` knows);
  the terminators seen are recorded (``line_endings``);
* a block that holds no ``data`` field is not dispatched (httpx-sse dispatches it);
* a final block not closed by an empty line is discarded, but its raw text is kept
  (``unterminated``);
* comments and ignored fields are recorded with their offsets.

The parser keeps the decoded text it processed (BOM excluded); every event records the
character offsets of its raw framing in that text, so ``stream.raw(event)`` is exactly what
the server sent for it, terminators included.

One consequence of the incremental CRLF rule: a CR at the very end of a fed chunk cannot be
classified until the next character is known (it may be the first half of a CRLF split across
chunks), so the line it ends is processed by the next :meth:`EventStreamParser.feed` call, or by
:meth:`EventStreamParser.close`, where a trailing CR counts as a terminator.
"""

from __future__ import annotations

import codecs
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import repeat
from typing import Final, Literal, NamedTuple

from conformance.base import MAX_BODY_BYTES, MAX_EVENTS

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_EVENTS",
    "Comment",
    "CutOff",
    "Event",
    "EventStream",
    "EventStreamParser",
    "UnknownField",
    "parse_event_stream",
]

DEFAULT_MAX_BYTES: Final = MAX_BODY_BYTES
DEFAULT_MAX_EVENTS: Final = MAX_EVENTS

CutOff = Literal["bytes", "events", "time"]

_TERMINATOR: Final = re.compile(r"(\r\n|\r|\n)")
_TERMINATOR_NAMES: Final = {"\n": "LF", "\r\n": "CRLF", "\r": "CR"}
# U+FFFD sent as valid UTF-8; it decodes to the same character as an invalid byte does.
_ENCODED_REPLACEMENT: Final = "\ufffd".encode()


class Event(NamedTuple):
    """A dispatched event (a tuple: one is built per event, so it must be cheap).

    ``event`` is the event-type buffer at dispatch ("" when no ``event`` field was given: the
    spec's default type "message" is not filled in); ``id`` is the last-event-id at dispatch,
    None if no ``id`` field was ever accepted. ``text[start:end]`` of the stream is the raw
    framing: from the first field line of the block to just past the terminator of the empty
    line that dispatched it.
    """

    data: str
    event: str
    id: str | None
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Comment:
    """A comment line: ``text`` is everything after the colon, verbatim."""

    text: str
    start: int


@dataclass(frozen=True, slots=True)
class UnknownField:
    """A field line whose name is none of data, event, id, retry; the spec ignores it."""

    name: str
    start: int


@dataclass(frozen=True, slots=True)
class EventStream:
    """The finished transcript of one event stream."""

    events: tuple[Event, ...]
    comments: tuple[Comment, ...]
    unknown_fields: tuple[UnknownField, ...]
    text: str
    """The decoded text that was processed, leading BOM excluded."""
    bom: bool
    line_endings: frozenset[str]
    """Subset of {"LF", "CRLF", "CR"}: the line terminators that occurred."""
    unterminated: str | None
    """Raw text of a final block with field lines that no empty line closed (discarded)."""
    cut_off: CutOff | None
    invalid_utf8: int
    """Replacement characters produced by invalid bytes (a U+FFFD sent validly is not one)."""
    bytes_read: int
    """Bytes consumed (never more than the byte cap)."""
    retry: int | None
    """The reconnection time last set by a valid ``retry`` field."""

    def raw(self, event: Event) -> str:
        """The exact framing of ``event`` as received, terminators included."""
        return self.text[event.start : event.end]


class EventStreamParser:
    """Feed bytes as they arrive; :meth:`close` at end of stream for the transcript.

    Caps: ``max_bytes`` bytes are consumed at most (the rest is not decoded), at most
    ``max_events`` events are dispatched, and a :meth:`feed` arriving ``timeout_s`` seconds or
    more after construction (by ``clock``) is refused. Going over a cap sets :attr:`cut_off`,
    after which ``feed`` does nothing and returns []. A stream of exactly ``max_bytes`` bytes
    or exactly ``max_events`` events is not cut off: the cap is hit by the first byte or event
    beyond it. When cut off by the event cap, the processed text ends just past the empty line
    that would have dispatched the refused event. After a cut, :meth:`close` applies no
    end-of-stream rule: an incomplete UTF-8 sequence is not flushed as invalid, and a CR that
    ended the processed bytes is not taken as a terminator (it may have begun a CRLF).
    """

    __slots__ = (
        "_block_start",
        "_bom",
        "_bom_checked",
        "_bytes_read",
        "_clock",
        "_closed",
        "_comments",
        "_cut_off",
        "_data",
        "_decode",
        "_event_type",
        "_events",
        "_held_cr",
        "_invalid_utf8",
        "_last_id",
        "_line_endings",
        "_max_bytes",
        "_max_events",
        "_partial",
        "_partial_start",
        "_retry",
        "_start_time",
        "_stream",
        "_tail",
        "_text_limit",
        "_texts",
        "_timeout_s",
        "_unknown",
    )

    def __init__(
        self,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_events: int = DEFAULT_MAX_EVENTS,
        timeout_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_bytes < 0 or max_events < 0:
            raise ValueError("max_bytes and max_events must not be negative")
        self._max_bytes = max_bytes
        self._max_events = max_events
        self._timeout_s = timeout_s
        self._clock = clock
        self._start_time = clock()
        self._decode = codecs.getincrementaldecoder("utf-8")(errors="replace").decode
        self._cut_off: CutOff | None = None
        self._closed = False
        self._stream: EventStream | None = None
        self._bytes_read = 0
        self._tail = b""  # last two bytes consumed, to find U+FFFD encodings split by chunks
        self._invalid_utf8 = 0
        self._bom = False
        self._bom_checked = False
        self._texts: list[str] = []
        self._text_limit: int | None = None
        self._line_endings: set[str] = set()
        # The line being received (no terminator seen yet), plus "\r" if _held_cr.
        self._partial: list[str] = []
        self._partial_start = 0
        self._held_cr = False
        # The spec's buffers; the data buffer is kept as a list of lines.
        self._data: list[str] = []
        self._event_type = ""
        self._last_id: str | None = None
        self._retry: int | None = None
        self._block_start = -1  # offset of the pending block's first field line, -1 if none
        self._events: list[Event] = []
        self._comments: list[Comment] = []
        self._unknown: list[UnknownField] = []

    @property
    def cut_off(self) -> CutOff | None:
        """Which cap stopped the parser, if any."""
        return self._cut_off

    def feed(self, chunk: bytes) -> list[Event]:
        """Consume ``chunk``; return the events it dispatched, in order."""
        if self._cut_off is not None or self._closed:
            if self._closed:
                raise RuntimeError("feed() after close()")
            return []
        if self._timeout_s is not None and self._clock() - self._start_time >= self._timeout_s:
            self._cut_off = "time"
            return []
        size = len(chunk)
        if not size:
            return []
        over = size > self._max_bytes - self._bytes_read
        if over:
            size = self._max_bytes - self._bytes_read
            chunk = chunk[:size]
        self._bytes_read += size
        text = self._decode(chunk, False)
        if "\ufffd" in text:
            # A U+FFFD sent as valid UTF-8 decodes to the same character as an invalid byte;
            # it is emitted by the decode of the chunk that holds its last byte.
            self._invalid_utf8 += text.count("\ufffd") - (self._tail + chunk).count(
                _ENCODED_REPLACEMENT
            )
        self._tail = chunk[-2:] if size > 1 else (self._tail + chunk)[-2:]
        events = self._ingest(text) if text else []
        if over and self._cut_off is None:
            self._cut_off = "bytes"
        return events

    def close(self) -> EventStream:
        """Apply the end-of-stream rules and return the transcript; idempotent."""
        if self._stream is not None:
            return self._stream
        self._closed = True
        if self._cut_off is None:
            rest = self._decode(b"", True)
            if rest:
                # Only an incomplete sequence is left at the flush: all of it is invalid.
                self._invalid_utf8 += rest.count("\ufffd")
                self._ingest(rest)
            if self._cut_off is None and self._held_cr:
                self._scan("".join(self._partial), hold_cr=False)
        # A final line without terminator is not a line (it is never interpreted), but a
        # field line there still makes the pending block an unterminated one.
        line = "".join(self._partial)
        if self._held_cr:
            line = line[:-1]
        text = "".join(self._texts)
        if self._text_limit is not None:
            text = text[: self._text_limit]
        unterminated: str | None = None
        if self._block_start >= 0:
            unterminated = text[self._block_start :]
        elif line and line[0] != ":":
            unterminated = text[self._partial_start :]
        self._stream = EventStream(
            events=tuple(self._events),
            comments=tuple(self._comments),
            unknown_fields=tuple(self._unknown),
            text=text,
            bom=self._bom,
            line_endings=frozenset(self._line_endings),
            unterminated=unterminated,
            cut_off=self._cut_off,
            invalid_utf8=self._invalid_utf8,
            bytes_read=self._bytes_read,
            retry=self._retry,
        )
        return self._stream

    def _ingest(self, text: str) -> list[Event]:
        if not self._bom_checked:
            self._bom_checked = True
            if text[0] == "\ufeff":
                self._bom = True
                text = text[1:]
                if not text:
                    return []
        self._texts.append(text)
        if not self._partial and self._block_start < 0 and text[:6] == "data: ":
            # Fast path for the usual chunk: exactly one event of one "data: " line, all
            # state clean; the result is the one _scan would give, at half its cost.
            n = len(text)
            if text[-2:] == "\n\n" and text.find("\n") == n - 2 and "\r" not in text:
                term_len, ending = 1, "LF"
            elif text[-4:] == "\r\n\r\n" and text.find("\r") == n - 4 and text.find("\n") == n - 3:
                term_len, ending = 2, "CRLF"
            else:
                term_len = 0
            if term_len and len(self._events) < self._max_events:
                start = self._partial_start
                self._partial_start = end = start + n
                event = Event(text[6 : n - 2 * term_len], "", self._last_id, start, end)
                self._events.append(event)
                self._line_endings.add(ending)
                return [event]
        if not self._held_cr and "\n" not in text and "\r" not in text:
            self._partial.append(text)  # still inside one line: nothing to scan yet
            return []
        if self._partial:
            self._partial.append(text)
            text = "".join(self._partial)
        return self._scan(text, hold_cr=True)

    def _scan(self, s: str, *, hold_cr: bool) -> list[Event]:
        """Interpret the complete lines of ``s``, which starts at ``self._partial_start``."""
        held = hold_cr and s[-1] == "\r"
        if held:
            s = s[:-1]  # maybe the first half of a CRLF: decide when more text comes
        # When one terminator is used throughout, split into blocks at "empty line" (two
        # terminators in a row), and a block that is one "data: " line becomes an event at
        # once; other blocks, and any text with mixed terminators, go line by line.
        term = ""
        if "\r" not in s:
            term = "\n"
        elif "\n" not in s:
            term = "\r"
        elif s.count("\r") == s.count("\r\n") == s.count("\n"):
            term = "\r\n"
        if term:
            pieces = s.split(term + term)
            last_char = term[-1]
            term_len = len(term)
            sep_len = term_len + term_len
        else:
            pieces = [s]
            last_char = ""
            term_len = sep_len = 0
        remaining = len(pieces)

        base = pos = self._partial_start
        out: list[Event] = []
        append = out.append
        data = self._data
        event_type = self._event_type
        last_id = self._last_id
        block_start = self._block_start
        room = self._max_events - len(self._events)
        lines: list[str] = []
        cut = False
        for piece in pieces:
            remaining -= 1
            if remaining and block_start < 0 and piece[:6] == "data: " and last_char not in piece:
                if not room:
                    pos += len(piece) + sep_len
                    cut = True
                    break
                room -= 1
                end = pos + len(piece) + sep_len
                append(Event(piece[6:], "", last_id, pos, end))
                pos = end
                continue
            term_lens: Iterable[int]
            if term:
                lines = piece.split(term)
                if remaining:
                    lines.append("")  # the separator ends the last line and an empty one
                term_lens = repeat(term_len)
            else:
                parts = _TERMINATOR.split(piece)
                lines = parts[0::2]
                term_lens = map(len, parts[1::2])
            if not remaining:
                lines.pop()  # the partial line, kept for the next chunk
            for line, line_term_len in zip(lines, term_lens, strict=False):
                start = pos
                pos += len(line) + line_term_len
                if not line:
                    if data:
                        if not room:
                            cut = True
                            break
                        room -= 1
                        append(Event("\n".join(data), event_type, last_id, block_start, pos))
                        data = []
                    event_type = ""
                    block_start = -1
                    continue
                if line[0] == ":":
                    self._comments.append(Comment(line[1:], start))
                    continue
                if block_start < 0:
                    block_start = start
                if line[:6] == "data: ":
                    data.append(line[6:])
                    continue
                colon = line.find(":")
                if colon < 0:
                    name = line
                    value = ""
                else:
                    name = line[:colon]
                    value = line[colon + 1 :]
                    if value[:1] == " ":
                        value = value[1:]
                if name == "data":
                    data.append(value)
                elif name == "event":
                    event_type = value
                elif name == "id":
                    if "\0" not in value:
                        last_id = value
                elif name == "retry":
                    if value.isascii() and value.isdigit():
                        self._retry = int(value)
                else:
                    self._unknown.append(UnknownField(name, start))
            if cut:
                break

        self._events.extend(out)
        self._last_id = last_id
        # The terminators of the lines processed, which all lie in s[:pos - base].
        if pos > base:
            if term:
                self._line_endings.add(_TERMINATOR_NAMES[term])
            else:
                self._line_endings.update(
                    _TERMINATOR_NAMES[t] for t in set(_TERMINATOR.findall(s, 0, pos - base))
                )
        if cut:
            self._cut_off = "events"
            self._text_limit = pos
            self._data = []
            self._event_type = ""
            self._block_start = -1
            self._partial = []
            self._partial_start = pos
            self._held_cr = False
            return out
        rest = s[pos - base :]
        self._data = data
        self._event_type = event_type
        self._block_start = block_start
        self._partial_start = pos
        self._held_cr = held
        if held:
            self._partial = [rest, "\r"]
        else:
            self._partial = [rest] if rest else []
        return out


def parse_event_stream(
    data: bytes | Iterable[bytes],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_events: int = DEFAULT_MAX_EVENTS,
    timeout_s: float | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> EventStream:
    """Parse a whole stream, given at once or as chunks; stops reading chunks at a cap."""
    parser = EventStreamParser(
        max_bytes=max_bytes, max_events=max_events, timeout_s=timeout_s, clock=clock
    )
    if isinstance(data, bytes | bytearray | memoryview):
        parser.feed(bytes(data))
    else:
        for chunk in data:
            parser.feed(chunk)
            if parser.cut_off is not None:
                break
    return parser.close()
