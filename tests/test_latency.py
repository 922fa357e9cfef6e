"""Latency per scenario: what each exchange's timing gives, how a run sums it up, and that every
report format shows it. Measured, never judged: no figure here is compared with a time limit."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest

from conformance.contract import DEFAULT_PROFILE, load_profile
from conformance.exchange import Exchange, Timing, parse_event_stream
from conformance.live._latency import KEPT_VALUES, LatencyBook, group_of, sample
from conformance.live._run import RunOptions, run
from conformance.report import Latency, render_json, render_junit, render_markdown
from reports import run_report

ASK = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
STREAMED = {**ASK, "stream": True}


def _chunk(delta: dict[str, object], usage: dict[str, int] | None = None) -> str:
    body: dict[str, object] = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
    }
    if usage is not None:
        body["usage"] = usage
    return f"data: {json.dumps(body)}\n\n"


def _stream(*times: float, usage: dict[str, int] | None = None) -> Exchange:
    """A stream of a role chunk, two content chunks, a usage chunk and [DONE], arriving at
    ``times`` (one per event)."""
    text = (
        _chunk({"role": "assistant", "content": ""})
        + _chunk({"content": "Hello"})
        + _chunk({"content": " there"})
        + _chunk({}, usage)
        + "data: [DONE]\n\n"
    )
    stream = parse_event_stream(text.encode())
    headers = {"content-type": "text/event-stream"}
    return Exchange(
        STREAMED,
        200,
        headers,
        text.encode(),
        stream,
        elapsed_s=times[-1] + 0.01,
        timing=Timing(0.1, times),
    )


def test_a_stream_gives_every_figure() -> None:
    usage = {"prompt_tokens": 1, "completion_tokens": 4, "total_tokens": 5}
    figures = sample(_stream(0.2, 0.5, 0.7, 0.9, 1.0, usage=usage))
    assert figures is not None
    assert figures.ttfb_s == 0.1
    assert figures.first_token_s == 0.5  # the role chunk carries no content: not the first token
    assert figures.gaps_s == pytest.approx((0.3, 0.2, 0.2, 0.1))
    assert figures.tokens_per_s == pytest.approx(4 / 0.5)  # from the first token to the end
    assert figures.total_s == pytest.approx(1.01)


def test_a_stream_read_in_one_piece_has_no_rate() -> None:
    usage = {"prompt_tokens": 1, "completion_tokens": 4, "total_tokens": 5}
    figures = sample(_stream(0.2, 0.2, 0.2, 0.2, 0.2, usage=usage))
    assert figures is not None
    assert figures.tokens_per_s is None  # no time passed while it was generated
    assert figures.gaps_s == (0.0, 0.0, 0.0, 0.0)


def test_a_stream_without_usage_has_no_rate_and_still_its_times() -> None:
    figures = sample(_stream(0.2, 0.5, 0.7, 0.9, 1.0))
    assert figures is not None
    assert figures.tokens_per_s is None
    assert figures.first_token_s == 0.5


def test_a_completion_gives_its_first_token_with_the_whole_answer() -> None:
    body = {
        "id": "c",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
    }
    exchange = Exchange(
        ASK,
        200,
        {"content-type": "application/json"},
        json.dumps(body).encode(),
        elapsed_s=0.5,
        timing=Timing(0.4),
    )
    figures = sample(exchange)
    assert figures is not None
    assert (figures.ttfb_s, figures.first_token_s, figures.total_s) == (0.4, 0.5, 0.5)
    assert figures.gaps_s == ()
    assert figures.tokens_per_s == pytest.approx(4.0)


@pytest.mark.parametrize(
    "exchange",
    [
        Exchange(ASK, 400, {}, b'{"error": {"message": "no"}}', elapsed_s=0.1, timing=Timing(0.1)),
        Exchange(ASK, 0, {}, b"", elapsed_s=5.0, transport_error="no answer within 5 s"),
        Exchange(ASK, 200, {}, b"{}", elapsed_s=0.1),  # recorded: no timing
    ],
    ids=["error", "no answer", "recorded"],
)
def test_what_is_not_an_answer_gives_no_latency(exchange: Exchange) -> None:
    assert sample(exchange) is None


def test_a_book_groups_by_scenario_and_keeps_bounded_memory() -> None:
    book = LatencyBook(seed=1)
    for number in range(KEPT_VALUES * 2):
        book.add(f"generated.invalid $.n{number} (type)", _stream(0.2, 0.3, 0.4, 0.5, 0.6))
    book.add("plain", _stream(0.2, 0.5, 0.7, 0.9, 1.0))
    run_row, generated, plain = book.rows("m")
    assert (run_row.scenario, generated.scenario, plain.scenario) == (
        "",
        "generated.invalid",
        "plain",
    )
    assert run_row.exchanges == KEPT_VALUES * 2 + 1
    assert generated.exchanges == KEPT_VALUES * 2
    assert generated.gap_median_s == pytest.approx(0.1)
    assert plain.first_token_s == 0.5
    groups = book._groups["generated.invalid"].figures  # the bound is the point
    assert all(len(reservoir.values) <= KEPT_VALUES for reservoir in groups.values())
    assert groups["gaps"].seen == KEPT_VALUES * 2 * 4


def test_a_book_with_no_answer_has_no_rows() -> None:
    book = LatencyBook()
    book.add("plain", Exchange(ASK, 500, {}, b"", elapsed_s=0.1, timing=Timing(0.1)))
    assert book.rows("m") == ()


@pytest.mark.parametrize(
    ("scenario", "group"),
    [
        ("coverage.invalid $.n (type)", "coverage.invalid"),
        ("stream", "stream"),
        ("stream (alone)", "stream"),
        ("generated.valid (shrunk)", "generated.valid"),
    ],
)
def test_scenarios_are_grouped_without_what_they_vary(scenario: str, group: str) -> None:
    assert group_of(scenario) == group


ROW = Latency(
    model="m",
    scenario="",
    exchanges=3,
    ttfb_s=0.0123,
    first_token_s=0.25,
    gap_median_s=0.004,
    gap_p95_s=0.02,
    tokens_per_s=41.5,
    total_s=1.5,
)


def test_every_format_shows_the_latency() -> None:
    report = run_report(latency=(ROW, dataclasses.replace(ROW, scenario="stream")))
    document = json.loads(render_json(report))
    schema = json.loads((Path(__file__).parents[1] / "schemas" / "report.schema.json").read_text())
    jsonschema.validate(document, schema)
    assert document["latency"][0] == {
        "model": "m",
        "scenario": None,
        "exchanges": 3,
        "ttfb_s": 0.0123,
        "first_token_s": 0.25,
        "gap_median_s": 0.004,
        "gap_p95_s": 0.02,
        "tokens_per_s": 41.5,
        "total_s": 1.5,
    }
    assert document["latency"][1]["scenario"] == "stream"
    markdown = render_markdown(report)
    assert "## Latency (measured, not judged)" in markdown
    assert "| `m` | all | 3 | 12 ms | 250 ms | 4.0 ms | 20 ms | 41.5 | 1,500 ms |" in markdown
    assert "| `m` | `stream` |" in markdown
    junit = render_junit(report)
    assert '<property name="latency.first_token_s" value="0.25" />' in junit


def test_a_run_reports_latency_per_scenario_and_never_judges_it(
    reference_url: Callable[[str], str],
) -> None:
    options = RunOptions(
        base_url=reference_url(DEFAULT_PROFILE),
        profile=load_profile(),
        model="reference-model",
        max_examples=2,
        coverage=False,
        seed=5,
    )
    report = run(options, progress=lambda event: None)
    rows = {row.scenario: row for row in report.latency}
    overall = rows[""]
    assert overall.model == "reference-model"
    assert overall.ttfb_s is not None
    assert overall.total_s is not None
    assert overall.ttfb_s <= overall.total_s
    assert rows["stream"].gap_median_s is not None  # a stream has gaps
    assert rows["plain"].gap_median_s is None  # a completion has none
    assert {"plain", "stream", "generated.valid"} <= set(rows)
    # Not judged: no check is about time.
    assert not any("latency" in entry.check for entry in report.entries)
