"""Tests of the strict SSE parser, :mod:`conformance.exchange._sse` (no network)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

import pytest
from httpx_sse._decoders import SSEDecoder
from hypothesis import given
from hypothesis import strategies as st

from conformance.exchange._sse import (
    DEFAULT_MAX_EVENTS,
    Comment,
    Event,
    EventStream,
    EventStreamParser,
    UnknownField,
    parse_event_stream,
)


def feed_all(
    chunks: list[bytes], *, max_events: int = DEFAULT_MAX_EVENTS
) -> tuple[list[list[Event]], EventStream]:
    """Feed ``chunks`` one by one; the events each feed returned, and the transcript."""
    parser = EventStreamParser(max_events=max_events)
    returned = [parser.feed(chunk) for chunk in chunks]
    return returned, parser.close()


def datas(stream: EventStream) -> list[str]:
    return [event.data for event in stream.events]


# --- line terminators -------------------------------------------------------------------


@pytest.mark.parametrize(("terminator", "name"), [("\n", "LF"), ("\r\n", "CRLF"), ("\r", "CR")])
def test_each_line_terminator(terminator: str, name: str) -> None:
    t = terminator
    text = f"data: a{t}data: b{t}{t}event: e{t}data: c{t}{t}"
    stream = parse_event_stream(text.encode())
    assert [(e.data, e.event) for e in stream.events] == [("a\nb", ""), ("c", "e")]
    assert stream.line_endings == frozenset({name})
    assert stream.text == text
    assert stream.unterminated is None


def test_mixed_terminators_are_all_recorded() -> None:
    stream = parse_event_stream(b"data: a\r\ndata: b\rdata: c\n\r\n")
    assert datas(stream) == ["a\nb\nc"]
    assert stream.line_endings == frozenset({"LF", "CR", "CRLF"})


def test_lf_cr_is_two_terminators() -> None:
    # "\n\r" is LF then CR: an empty line, so the block is dispatched.
    stream = parse_event_stream(b"data: a\n\rdata: b\r\r")
    assert datas(stream) == ["a", "b"]
    assert stream.line_endings == frozenset({"LF", "CR"})


def test_crlf_split_across_feeds_is_one_terminator() -> None:
    returned, stream = feed_all([b"data: a\r", b"\n\r", b"\n"])
    # A CR ending a chunk is held until the next character shows whether it starts a CRLF.
    assert returned == [[], [], [stream.events[0]]]
    assert datas(stream) == ["a"]
    assert stream.line_endings == frozenset({"CRLF"})
    assert stream.raw(stream.events[0]) == "data: a\r\n\r\n"


def test_cr_at_chunk_end_followed_by_other_text_is_cr() -> None:
    returned, stream = feed_all([b"data: a\r", b"\r", b"data: b\r", b"\r"])
    assert [len(r) for r in returned] == [0, 0, 1, 0]
    assert datas(stream) == ["a", "b"]  # the last CR counts as a terminator at close
    assert stream.line_endings == frozenset({"CR"})
    assert stream.unterminated is None


def test_trailing_cr_at_close_is_a_terminator() -> None:
    stream = parse_event_stream(b"data: a\r\r")
    assert datas(stream) == ["a"]
    assert stream.raw(stream.events[0]) == "data: a\r\r"
    # A trailing CR only ends the field line: the block stays unterminated.
    stream = parse_event_stream(b"data: a\r")
    assert stream.events == ()
    assert stream.unterminated == "data: a\r"
    assert stream.line_endings == frozenset({"CR"})


def test_only_cr_and_lf_break_lines() -> None:
    # str.splitlines() would also break at these; the SSE grammar does not.
    others = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
    stream = parse_event_stream(f"data: a{others}b\n\n".encode())
    assert datas(stream) == [f"a{others}b"]


SMALL_STREAM = (
    b"\xef\xbb\xbf: hi\r\nretry: 300\rid: 7\ndata: \xc3\xa9\xe2\x82\xac\r\n"
    b"event: e\r\r\ndata:x\r\n\r\nfoo: bar\ndata: \xf0\x9f\x98\x80\r\rdata: tail"
)


def test_every_split_in_two_gives_the_same_transcript() -> None:
    whole = parse_event_stream(SMALL_STREAM)
    assert datas(whole) == ["\u00e9\u20ac", "x", "\U0001f600"]
    assert whole.line_endings == frozenset({"LF", "CR", "CRLF"})
    for cut in range(len(SMALL_STREAM) + 1):
        split = parse_event_stream([SMALL_STREAM[:cut], SMALL_STREAM[cut:]])
        assert split == whole, cut


def test_every_split_in_three_gives_the_same_transcript() -> None:
    whole = parse_event_stream(SMALL_STREAM)
    size = len(SMALL_STREAM)
    for i in range(size + 1):
        for j in range(i, size + 1):
            chunks = [SMALL_STREAM[:i], SMALL_STREAM[i:j], SMALL_STREAM[j:]]
            assert parse_event_stream(chunks) == whole, (i, j)


def test_byte_by_byte_gives_the_same_transcript() -> None:
    whole = parse_event_stream(SMALL_STREAM)
    single = parse_event_stream([bytes([b]) for b in SMALL_STREAM])
    assert single == whole
    assert whole.unterminated == "data: tail"
    assert whole.bom


# --- comments and fields ----------------------------------------------------------------


def test_comments_are_recorded_with_offsets() -> None:
    text = ":keep-alive\n: spaced\ndata: a\n:inside\ndata: b\n\n:\n"
    stream = parse_event_stream(text.encode())
    assert stream.comments == (
        Comment("keep-alive", 0),
        Comment(" spaced", 12),  # the text after the colon, verbatim
        Comment("inside", 29),
        Comment("", 46),
    )
    assert datas(stream) == ["a\nb"]
    # The event's framing starts at its first field line, after the leading comments.
    assert stream.raw(stream.events[0]) == "data: a\n:inside\ndata: b\n\n"
    assert stream.unterminated is None


@pytest.mark.parametrize(
    ("line", "data"),
    [
        ("data:a", "a"),
        ("data: a", "a"),
        ("data:  a", " a"),
        ("data:   a ", "  a "),
        ("data:", ""),
        ("data: ", ""),
        ("data", ""),
        ("data:a:b: c", "a:b: c"),
    ],
)
def test_value_after_first_colon_minus_one_space(line: str, data: str) -> None:
    stream = parse_event_stream(f"{line}\n\n".encode())
    assert datas(stream) == [data]


def test_multi_line_data_joined_with_lf() -> None:
    stream = parse_event_stream(b"data: a\ndata:\ndata\ndata:  b\n\n")
    assert datas(stream) == ["a\n\n\n b"]
    stream = parse_event_stream(b"data\ndata\n\n")
    assert datas(stream) == ["\n"]


def test_field_without_colon_has_empty_value() -> None:
    stream = parse_event_stream(b"event: x\nevent\nid: 3\nid\ndata: a\n\n")
    assert [(e.event, e.id) for e in stream.events] == [("", "")]


def test_event_type_applies_to_one_event() -> None:
    stream = parse_event_stream(b"event: one\ndata: a\n\ndata: b\n\nevent: x\nevent: two\ndata\n\n")
    assert [(e.event, e.data) for e in stream.events] == [("one", "a"), ("", "b"), ("two", "")]


def test_unknown_fields_are_ignored_but_recorded() -> None:
    text = "Data: a\nfoo: bar\nfoo\n data: b\ndata : c\ndata: d\n\n"
    stream = parse_event_stream(text.encode())
    assert datas(stream) == ["d"]
    assert stream.unknown_fields == (
        UnknownField("Data", 0),  # field names are case-sensitive
        UnknownField("foo", 8),
        UnknownField("foo", 17),
        UnknownField(" data", 21),
        UnknownField("data ", 30),
    )
    assert stream.raw(stream.events[0]) == text  # the block starts at its first field line


def test_bom_is_removed_once() -> None:
    stream = parse_event_stream(b"\xef\xbb\xbfdata: a\n\n")
    assert stream.bom
    assert stream.text == "data: a\n\n"
    assert stream.events == (Event("a", "", None, 0, 9),)
    # A second BOM is part of the first line: the field name is then unknown.
    stream = parse_event_stream(b"\xef\xbb\xbf\xef\xbb\xbfdata: a\n\n")
    assert stream.bom
    assert stream.events == ()
    assert stream.unknown_fields == (UnknownField("\ufeffdata", 0),)


def test_bom_split_across_feeds_and_bom_only_later_is_kept() -> None:
    _, stream = feed_all([b"\xef", b"\xbb", b"\xbfdata: a\n\n"])
    assert stream.bom
    assert datas(stream) == ["a"]
    stream = parse_event_stream(b"data: \xef\xbb\xbfa\n\n")
    assert not stream.bom
    assert datas(stream) == ["\ufeffa"]
    assert not parse_event_stream(b"data: a\n\n").bom


@pytest.mark.parametrize(
    "text",
    [
        "event: x\n\n",
        "id: 1\n\n",
        "retry: 5\n\n",
        ":comment\n\n",
        "foo: bar\n\n",
        "\n\n\n",
        "event: x\nid: 2\n\r\n\r",
    ],
)
def test_blocks_without_data_are_not_dispatched(text: str) -> None:
    stream = parse_event_stream(text.encode())
    assert stream.events == ()
    assert stream.unterminated is None


def test_dataless_block_resets_event_type() -> None:
    stream = parse_event_stream(b"event: x\n\ndata: y\n\n")
    assert [(e.event, e.data) for e in stream.events] == [("", "y")]


def test_id_persists_and_nul_is_ignored() -> None:
    text = (
        "data: a\n\n"  # no id yet: None
        "id: 1\ndata: b\n\n"
        "data: c\n\n"  # the last event id persists
        "id: 2\n\n"  # not dispatched, but sets the id
        "data: d\n\n"
        "id: 3\x004\ndata: e\n\n"  # contains NUL: ignored
        "id\ndata: f\n\n"  # empty value: the id is reset to ""
        "id: 5\ndata: g\nid: 6\n\n"  # the value at dispatch counts
    )
    stream = parse_event_stream(text.encode())
    assert [(e.data, e.id) for e in stream.events] == [
        ("a", None),
        ("b", "1"),
        ("c", "1"),
        ("d", "2"),
        ("e", "2"),
        ("f", ""),
        ("g", "6"),
    ]


@pytest.mark.parametrize(
    ("lines", "retry"),
    [
        ("retry: 1500\n", 1500),
        ("retry:0\n", 0),
        ("retry: 10\nretry: 20\n", 20),
        ("retry: 10\nretry: 2x\n", 10),
        ("retry: 15a\n", None),
        ("retry: -1\n", None),
        ("retry: +1\n", None),
        ("retry:  1\n", None),  # " 1" after the one space removed: not all digits
        ("retry: 1.5\n", None),
        ("retry: \n", None),
        ("retry\n", None),
        ("retry: \u0661\u0662\n", None),  # Arabic-Indic digits are not ASCII digits
        ("retry: \u00b2\n", None),
        ("data: a\n\nretry: 7", None),  # an unterminated last line is never interpreted
    ],
)
def test_retry(lines: str, retry: int | None) -> None:
    stream = parse_event_stream(lines.encode())
    assert stream.retry == retry


def test_retry_is_not_per_event() -> None:
    stream = parse_event_stream(b"retry: 5\ndata: a\n\n")
    assert stream.retry == 5
    assert stream.events == (Event("a", "", None, 0, 18),)


# --- end of stream ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "unterminated"),
    [
        ("data: a\n\n", None),
        ("data: a\n\ndata: b\n", "data: b\n"),
        ("data: a\n\ndata: b", "data: b"),
        ("data: a\n\nevent: x\n: c\n", "event: x\n: c\n"),
        ("data: a\n\n: c\n:d", None),  # only comments pending
        ("data: a\n\n\n\n", None),
        ("data: a\n\nfoo", "foo"),
        ("data: a\n\n: c\nid: 1", "id: 1"),
        ("", None),
    ],
)
def test_unterminated_final_block_is_discarded_and_kept(
    text: str, unterminated: str | None
) -> None:
    stream = parse_event_stream(text.encode())
    assert datas(stream) == (["a"] if text else [])
    assert stream.unterminated == unterminated
    assert stream.text == text


# --- UTF-8 ------------------------------------------------------------------------------


def test_invalid_utf8_is_replaced_and_counted() -> None:
    stream = parse_event_stream(b"data: \xff\xfe a\xc3\n\n")
    assert datas(stream) == ["\ufffd\ufffd a\ufffd"]
    assert stream.invalid_utf8 == 3


def test_valid_replacement_character_is_not_counted() -> None:
    raw = "data: \ufffd!\n\n".encode()
    assert parse_event_stream(raw).invalid_utf8 == 0
    stream = parse_event_stream([raw[i : i + 1] for i in range(len(raw))])
    assert datas(stream) == ["\ufffd!"]
    assert stream.invalid_utf8 == 0
    mixed = b"data: \xff" + "\ufffd".encode() + b"\xef\xbf\n\n"
    stream = parse_event_stream(mixed)
    assert datas(stream) == ["\ufffd\ufffd\ufffd"]
    assert stream.invalid_utf8 == 2


def test_incomplete_sequence_at_end_is_counted_at_close() -> None:
    stream = parse_event_stream([b"data: a\n\n", b"\xe2\x82"])
    assert stream.invalid_utf8 == 1
    assert stream.text == "data: a\n\n\ufffd"
    assert stream.unterminated == "\ufffd"


def test_multibyte_split_across_feeds() -> None:
    raw = "data: é€😀\n\n".encode()
    for cut in range(len(raw) + 1):
        stream = parse_event_stream([raw[:cut], raw[cut:]])
        assert datas(stream) == ["é€😀"]
        assert stream.invalid_utf8 == 0
    stream = parse_event_stream([raw[i : i + 1] for i in range(len(raw))])
    assert datas(stream) == ["é€😀"]
    assert stream.bytes_read == len(raw)


# --- caps -------------------------------------------------------------------------------


def test_byte_cap() -> None:
    raw = b"data: a\n\ndata: b\n\n"
    parser = EventStreamParser(max_bytes=12)
    assert parser.feed(raw[:5]) == []
    assert [e.data for e in parser.feed(raw[5:])] == ["a"]
    assert parser.cut_off == "bytes"
    assert parser.feed(b"data: c\n\n") == []
    stream = parser.close()
    assert stream.cut_off == "bytes"
    assert stream.bytes_read == 12
    assert stream.text == "data: a\n\ndat"  # the bytes beyond the cap are not decoded
    assert stream.unterminated == "dat"


def test_byte_cap_not_reached_by_exact_size_and_no_flush_after_cut() -> None:
    raw = b"data: a\n\n"
    stream = parse_event_stream(raw, max_bytes=len(raw))
    assert stream.cut_off is None
    assert datas(stream) == ["a"]
    # A multi-byte character cut by the cap is not flushed as an invalid sequence.
    stream = parse_event_stream("data: a\n\n€".encode(), max_bytes=10)
    assert stream.cut_off == "bytes"
    assert stream.invalid_utf8 == 0
    assert stream.text == "data: a\n\n"


def test_cr_held_at_a_cut_is_not_interpreted() -> None:
    # The CR might have been the first half of a CRLF beyond the cap: it ends nothing.
    stream = parse_event_stream(b"data: a\n\ndata: b\r\n\r\n", max_bytes=17)
    assert stream.cut_off == "bytes"
    assert datas(stream) == ["a"]
    assert stream.line_endings == frozenset({"LF"})
    assert stream.unterminated == "data: b\r"
    stream = parse_event_stream(b"data: a\r\r", max_bytes=8)
    assert stream.line_endings == frozenset()
    assert stream.unterminated == "data: a\r"


def test_event_cap_within_one_chunk() -> None:
    raw = b"data: a\n\n:c\ndata: b\n\ndata: c\n\ndata: d\n\n"
    parser = EventStreamParser(max_events=2)
    assert [e.data for e in parser.feed(raw)] == ["a", "b"]
    assert parser.cut_off == "events"
    assert parser.feed(b"data: e\n\n") == []
    stream = parser.close()
    assert datas(stream) == ["a", "b"]
    assert stream.cut_off == "events"
    # Processing stopped just past the empty line that would have dispatched "c".
    assert stream.text == "data: a\n\n:c\ndata: b\n\ndata: c\n\n"
    assert stream.unterminated is None


def test_event_cap_across_chunks_and_exact_count() -> None:
    chunks = [b"data: a\n\n", b"event: x\ndata: b\n\n", b"data: c\n", b"\n"]
    returned, stream = feed_all(chunks, max_events=2)
    assert [[e.data for e in r] for r in returned] == [["a"], ["b"], [], []]
    assert stream.cut_off == "events"
    assert stream.text == "data: a\n\nevent: x\ndata: b\n\ndata: c\n\n"
    # Exactly max_events events: not cut off.
    stream = parse_event_stream(chunks[:2], max_events=2)
    assert stream.cut_off is None
    assert datas(stream) == ["a", "b"]
    stream = parse_event_stream(b"data: a\n\n", max_events=0)
    assert stream.cut_off == "events"
    assert stream.events == ()


def test_event_cap_with_mixed_terminators_records_only_processed_ones() -> None:
    stream = parse_event_stream(b"data: a\n\ndata: b\r\rdata: c\r\n\r\n", max_events=1)
    assert datas(stream) == ["a"]
    assert stream.cut_off == "events"
    assert stream.line_endings == frozenset({"LF", "CR"})
    assert stream.text == "data: a\n\ndata: b\r\r"


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.calls = 0

    def __call__(self) -> float:
        self.calls += 1
        return self.now


def test_time_cap_with_fake_clock() -> None:
    clock = FakeClock()
    parser = EventStreamParser(timeout_s=5.0, clock=clock)
    assert [e.data for e in parser.feed(b"data: a\n\n")] == ["a"]
    clock.now = 104.9
    assert [e.data for e in parser.feed(b"data: b\n\ndata: ")] == ["b"]
    cut_offs = [parser.cut_off]
    clock.now = 105.0
    assert parser.feed(b"c\n\n") == []  # refused, not processed
    cut_offs.append(parser.cut_off)
    assert cut_offs == [None, "time"]
    clock.now = 0.0
    assert parser.feed(b"data: d\n\n") == []
    stream = parser.close()
    assert stream.cut_off == "time"
    assert datas(stream) == ["a", "b"]
    assert stream.text == "data: a\n\ndata: b\n\ndata: "
    assert stream.unterminated == "data: "


def test_no_timeout_never_reads_the_clock_after_construction() -> None:
    clock = FakeClock()
    stream = parse_event_stream([b"data: a\n\n"] * 3, clock=clock)
    assert len(stream.events) == 3
    assert stream.cut_off is None
    assert clock.calls == 1


def test_parse_event_stream_stops_reading_chunks_at_a_cap() -> None:
    taken: list[int] = []

    def chunks() -> Iterator[bytes]:
        for i in range(1000):
            taken.append(i)
            yield b"data: x\n\n"

    stream = parse_event_stream(chunks(), max_events=3)
    assert stream.cut_off == "events"
    assert len(stream.events) == 3
    assert len(taken) == 4
    clock = FakeClock()

    def slow_chunks() -> Iterator[bytes]:
        for _ in range(1000):
            clock.now += 1.0
            yield b"data: x\n\n"

    stream = parse_event_stream(slow_chunks(), timeout_s=3.0, clock=clock)
    assert stream.cut_off == "time"
    assert len(stream.events) == 2


# --- evidence and API -------------------------------------------------------------------


def test_raw_framing_offsets_match_the_input() -> None:
    text = (
        ": open\r\n"
        "event: a\r\ndata: 1\r\n\r\n"
        "\n"
        ":between\n"
        "id: 9\ndata: 2\n:c\ndata: 3\n\n"
        "data: 4\r\r"
        "data: 5\r\n\n"
    )
    stream = parse_event_stream(("\ufeff" + text).encode())
    assert stream.text == text
    assert [stream.raw(e) for e in stream.events] == [
        "event: a\r\ndata: 1\r\n\r\n",
        "id: 9\ndata: 2\n:c\ndata: 3\n\n",
        "data: 4\r\r",
        "data: 5\r\n\n",
    ]
    for event in stream.events:
        assert text[event.start : event.end] == stream.raw(event)
    assert [(c.text, text[c.start :].split("\n")[0]) for c in stream.comments] == [
        (" open", ": open\r"),
        ("between", ":between"),
        ("c", ":c"),
    ]


def test_feed_returns_the_events_of_that_chunk() -> None:
    returned, stream = feed_all([b"data: a\n", b"\ndata: b\n\ndata: c\n\nda", b"ta: d\n\n"])
    # "a" is dispatched by the empty line that arrives with the second chunk.
    assert [[e.data for e in r] for r in returned] == [[], ["a", "b", "c"], ["d"]]
    assert [e for r in returned for e in r] == list(stream.events)


def test_events_are_frozen_value_objects() -> None:
    stream = parse_event_stream(b"id: 1\nevent: t\ndata: a\n\ndata: b\n\n")
    first, second = stream.events
    assert type(first) is Event
    assert first == Event("a", "t", "1", 0, 24)
    assert second == Event("b", "", "1", 24, 33)
    assert hash(first) == hash(Event("a", "t", "1", 0, 24))
    with pytest.raises(AttributeError):
        first.data = "x"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        stream.text = ""  # type: ignore[misc]


def test_close_is_idempotent_and_feed_after_close_fails() -> None:
    parser = EventStreamParser()
    parser.feed(b"data: a\n\n")
    stream = parser.close()
    assert parser.close() is stream
    with pytest.raises(RuntimeError):
        parser.feed(b"data: b\n\n")


def test_negative_caps_are_rejected() -> None:
    with pytest.raises(ValueError, match="negative"):
        EventStreamParser(max_bytes=-1)
    with pytest.raises(ValueError, match="negative"):
        EventStreamParser(max_events=-1)


def test_empty_chunks() -> None:
    parser = EventStreamParser()
    assert parser.feed(b"") == []
    assert [e.data for e in parser.feed(b"data: a\n\n")] == ["a"]
    assert parser.feed(b"") == []
    stream = parser.close()
    assert stream.bytes_read == 9
    assert parse_event_stream([]) == parse_event_stream(b"")
    assert parse_event_stream([b"", b"data: b\n\n", b""]).events == (Event("b", "", None, 0, 9),)


@pytest.mark.parametrize("terminator", ["\n", "\r\n", "\r"])
def test_one_event_per_chunk_as_servers_send_them(terminator: str) -> None:
    t = terminator
    texts = [f"data: {i}{t}{t}" for i in range(3)] + [f"event: e{t}data: x{t}{t}", f"data: y{t}{t}"]
    returned, stream = feed_all([text.encode() for text in texts])
    assert stream == parse_event_stream("".join(texts).encode())
    assert [e.data for e in stream.events] == ["0", "1", "2", "x", "y"]
    assert [stream.raw(e) for e in stream.events] == texts
    if t != "\r":  # a CR at a chunk end is held: such events come one feed late
        assert [[e.data for e in r] for r in returned] == [["0"], ["1"], ["2"], ["x"], ["y"]]


# --- generated streams ------------------------------------------------------------------

TERMINATORS = ("\n", "\r\n", "\r")
# Field values: any text without line breaks (comments and values may hold ":" and spaces).
values = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\r\n"), max_size=12)


@st.composite
def blocks(draw: st.DrawFn, *, require_data: bool) -> list[tuple[str, str]]:
    """One block: (kind, value) lines, kind being data, event, id or comment."""
    kinds = st.sampled_from(["data", "data", "event", "id", "comment"])
    lines = draw(st.lists(st.tuples(kinds, values), max_size=5))
    if require_data and not any(kind == "data" for kind, _ in lines):
        lines.append(("data", draw(values)))
    return lines


@st.composite
def streams(draw: st.DrawFn, *, require_data: bool = False) -> tuple[str, list[Event]]:
    """A well-formed stream (every block closed by an empty line) and its expected events."""
    text = ""
    expected: list[Event] = []
    last_id: str | None = None
    previous_terminator = ""
    for block in draw(st.lists(blocks(require_data=require_data), max_size=6)):
        data: list[str] = []
        event_type = ""
        start = -1
        for kind, value in [*block, ("", "")]:
            terminator = draw(st.sampled_from(TERMINATORS))
            if not kind and previous_terminator == "\r" and terminator.startswith("\n"):
                terminator = "\r\n"  # "\r" + "\n" would merge into one CRLF
            previous_terminator = terminator
            if kind == "comment":
                text += f":{value}{terminator}"
                continue
            if kind and start < 0:
                start = len(text)
            text += (f"{kind}: {value}" if kind else "") + terminator
            if kind == "data":
                data.append(value)
            elif kind == "event":
                event_type = value
            elif kind == "id" and "\0" not in value:
                last_id = value
        if data:
            expected.append(Event("\n".join(data), event_type, last_id, start, len(text)))
    return text, expected


@given(streams(), st.data())
def test_generated_streams_split_anywhere_parse_alike(
    generated: tuple[str, list[Event]], data: st.DataObject
) -> None:
    text, expected = generated
    raw = text.encode()
    whole = parse_event_stream(raw)
    assert list(whole.events) == expected
    assert whole.text == text
    assert whole.unterminated is None
    assert whole.invalid_utf8 == 0
    cuts = sorted(data.draw(st.lists(st.integers(0, len(raw)), max_size=8)))
    chunks = [raw[i:j] for i, j in zip([0, *cuts], [*cuts, len(raw)], strict=True)]
    returned, split = feed_all(chunks)
    assert split.events == whole.events
    assert split == whole
    fed = [e for r in returned for e in r]
    assert fed == list(whole.events)[: len(fed)]
    if not text.endswith("\r"):  # else the last empty line is only known to end at close
        assert len(fed) == len(whole.events)


def httpx_sse_events(text: str) -> list[tuple[str, str, str]]:
    """Drive httpx-sse's decoder with the lines of ``text``, split per the SSE grammar."""
    decoder = SSEDecoder()
    lines = re.split(r"\r\n|\r|\n", text)
    lines.pop()  # what follows the last terminator is not a line
    out = []
    for line in lines:
        sse = decoder.decode(line)
        if sse is not None:
            out.append((sse.event, sse.data, sse.id))
    return out


def our_events(text: str) -> list[tuple[str, str, str]]:
    """Ours, normalised to httpx-sse's conventions: type "message" if none, id "" if none."""
    stream = parse_event_stream(text.encode())
    return [(e.event or "message", e.data, e.id or "") for e in stream.events]


@given(streams(require_data=True))
def test_same_events_as_httpx_sse_when_every_block_has_data(
    generated: tuple[str, list[Event]],
) -> None:
    text, expected = generated
    assert our_events(text) == httpx_sse_events(text)
    assert len(our_events(text)) == len(expected)


@pytest.mark.parametrize("block", ["event: ping\n\n", "id: 7\n\n"])
def test_known_disagreement_with_httpx_sse_on_dataless_blocks(block: str) -> None:
    # https://html.spec.whatwg.org/multipage/server-sent-events.html#dispatchMessage
    # "If the data buffer is an empty string, set the data buffer and the event type buffer
    # to the empty string and return." -- a block with no data field is not dispatched.
    # httpx-sse 0.4 dispatches it (with data "") when an event type or an id was given.
    assert our_events(block) == []
    assert len(httpx_sse_events(block)) == 1
    event, data, _ = httpx_sse_events(block)[0]
    assert data == ""
    assert event == ("ping" if block.startswith("event") else "message")


# --- arbitrary bytes against a plain whole-text reference -------------------------------


def reference(raw: bytes) -> EventStream:
    """The WHATWG rules applied naively to the whole stream at once, line by line."""
    text = raw.decode("utf-8", errors="replace")
    bom = text.startswith("\ufeff")
    if bom:
        text = text[1:]
    events: list[Event] = []
    comments: list[Comment] = []
    unknown: list[UnknownField] = []
    endings: set[str] = set()
    data: list[str] = []
    event_type = ""
    last_id: str | None = None
    retry: int | None = None
    block_start: int | None = None
    end = 0
    for match in re.finditer(r"([^\r\n]*)(\r\n|\r|\n)", text):
        line, start, end = match[1], match.start(), match.end()
        endings.add({"\n": "LF", "\r\n": "CRLF", "\r": "CR"}[match[2]])
        if not line:
            if data:
                events.append(Event("\n".join(data), event_type, last_id, block_start or 0, end))
            data, event_type, block_start = [], "", None
            continue
        if line.startswith(":"):
            comments.append(Comment(line[1:], start))
            continue
        if block_start is None:
            block_start = start
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            data.append(value)
        elif name == "event":
            event_type = value
        elif name == "id":
            if "\0" not in value:
                last_id = value
        elif name == "retry":
            if value and all(c in "0123456789" for c in value):
                retry = int(value)
        else:
            unknown.append(UnknownField(name, start))
    rest = text[end:]
    unterminated = None
    if block_start is not None:
        unterminated = text[block_start:]
    elif rest and not rest.startswith(":"):
        unterminated = rest
    return EventStream(
        events=tuple(events),
        comments=tuple(comments),
        unknown_fields=tuple(unknown),
        text=text,
        bom=bom,
        line_endings=frozenset(endings),
        unterminated=unterminated,
        cut_off=None,
        invalid_utf8=text.count("\ufffd") - raw.count("\ufffd".encode()),
        bytes_read=len(raw),
        retry=retry,
    )


TOKENS = [
    b"data",
    b"data: ",
    b"event",
    b"id",
    b"retry",
    b":",
    b" ",
    b"\r",
    b"\n",
    b"\r\n",
    b"\n\n",
    b"x",
    b"12",
    b"\x00",
    b"\xef\xbb\xbf",  # BOM
    b"\xef\xbf\xbd",  # U+FFFD, valid
    b"\xe2\x82\xac",  # €
    b"\xe2\x82",  # truncated €
    b"\xff",
    b"\xc3",
]


@given(st.lists(st.sampled_from(TOKENS), max_size=40), st.data())
def test_arbitrary_bytes_split_anywhere_match_the_reference(
    tokens: list[bytes], data: st.DataObject
) -> None:
    raw = b"".join(tokens)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(raw)), max_size=6)))
    chunks = [raw[i:j] for i, j in zip([0, *cuts], [*cuts, len(raw)], strict=True)]
    assert parse_event_stream(chunks) == reference(raw)
