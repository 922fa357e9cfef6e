"""The HTML report: a well-formed, self-contained page that escapes what targets send, holds every
section a certification keeps, and is written by `run` and `validate` with ``--report html:``."""

from __future__ import annotations

import dataclasses
import html
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Final

import pytest
from click.testing import CliRunner
from fixture_files import FIXTURES

from conformance.cli import main
from conformance.contract import requirement
from conformance.reference import serve_in_thread
from conformance.report import (
    LATENCY_COLUMNS,
    RENDERERS,
    Entry,
    Latency,
    Target,
    latency_cells,
    parse_report_option,
    render_html,
)
from reports import run_report

#: Elements HTML5 defines without an end tag.
VOID: Final = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"}
#: Elements and attributes through which a page loads something.
LOADING_TAGS: Final = {"script", "link", "img", "iframe", "object", "embed", "video", "audio"}
LOADING_ATTRIBUTES: Final = {"src", "srcset", "poster", "data", "background", "style"}
#: Elements inside a line of text: the words around them run on without a space.
INLINE: Final = {"a", "code", "em", "span", "strong", "time"}

HOSTILE = '<script>alert("x")</script> & "quoted" \'single\' <img src=x onerror=alert(1)>'

FAILED = Entry(
    check="stream.terminator",
    requirement="CC-STREAM-03",
    level="MUST",
    status="failed",
    scenario="stream (alone)",
    message="the stream does not end with [DONE] (in 2 of 2 exchanges)",
    evidence={
        "path": "$.events[8]",
        "expected": "a final data: [DONE] event",
        "actual": None,
        "status": 200,
        "scenarios": ["stream", "stream (alone)"],
        "failures": [{"scenario": "stream (alone)", "status": 200, "path": "$.events[8]"}],
        "body": {"nested": {"deeper": [1, 2]}},
        "indices": [0, 1, 2],
    },
    reproduce="curl -sS -N http://127.0.0.1:1/v1/chat/completions "
    '-H "Authorization: Bearer $MY_KEY" --data-binary \'{"stream":true}\'',
    model="m",
)
SHOULD_FAILED = dataclasses.replace(
    FAILED, check="stream.role", requirement="CC-STREAM-06", level="SHOULD", message="no role"
)
PASSED = Entry(
    check="response.schema",
    requirement="CC-RESP-01",
    level="MUST",
    status="passed",
    scenario="plain",
    model="m",
)
SKIPPED = Entry(
    check="tool_calls.forced",
    requirement="CC-TOOLS-01",
    level="MUST",
    status="skipped",
    scenario="tools.named",
    message="the target refused tools with 400 unsupported_parameter",
    model="m",
)
ERROR = dataclasses.replace(PASSED, check="usage.totals", status="error", message="crashed")


class Page(HTMLParser):
    """The page as a parser sees it: tags in order, unclosed or stray ones, text, links."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.tags: Counter[str] = Counter()
        self.ids: set[str] = set()
        self.attributes: list[tuple[str, str, str | None]] = []
        self.text: list[str] = []
        self.styles: list[str] = []
        self.doctype = ""
        self.feed(text)
        self.close()
        self.problems += [f"<{tag}> never closed" for tag in self.stack]

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        for name, value in attrs:
            self.attributes.append((tag, name, value))
            if name == "id" and value:
                if value in self.ids:
                    self.problems.append(f"id {value!r} twice")
                self.ids.add(value)
        if tag not in VOID:
            self.stack.append(tag)
        if tag not in INLINE:
            self.text.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.problems.append(f"<{tag}/> self-closed")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()
        if tag not in INLINE:
            self.text.append(" ")

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1] == "style":
            self.styles.append(data)
        self.text.append(data)

    @property
    def words(self) -> str:
        return " ".join("".join(self.text).split())

    def hrefs(self) -> list[str]:
        return [value or "" for tag, name, value in self.attributes if name == "href"]


def _page(text: str) -> Page:
    page = Page(text)
    assert not page.problems, page.problems
    return page


def _assert_loads_nothing(page: Page) -> None:
    assert not (set(page.tags) & LOADING_TAGS)
    assert not [(t, n) for t, n, _ in page.attributes if n in LOADING_ATTRIBUTES or n[:2] == "on"]
    for tag, name, value in page.attributes:
        if name == "href":
            assert tag == "a"
            assert (value or "").startswith(("#", "https://")), value
    style = "".join(page.styles)
    assert "url(" not in style
    assert "@import" not in style


def _several() -> list[Entry]:
    other = [dataclasses.replace(e, model="broken-model") for e in (PASSED, FAILED)]
    return [PASSED, SKIPPED, *other]


def test_html_is_a_report_format() -> None:
    assert RENDERERS["html"] is render_html
    assert parse_report_option("html:reports/run.html") == ("html", "reports/run.html")


def test_the_page_is_well_formed_html5_with_every_section() -> None:
    latency = (
        Latency(model="m", scenario="", exchanges=4, ttfb_s=0.004, first_token_s=0.0042,
                gap_median_s=None, gap_p95_s=None, tokens_per_s=1234.5, total_s=0.25),
        Latency(model="m", scenario="stream", exchanges=2, ttfb_s=0.05, first_token_s=None,
                gap_median_s=0.001, gap_p95_s=0.002, tokens_per_s=None, total_s=12.0),
    )  # fmt: skip
    text = render_html(run_report(FAILED, PASSED, SKIPPED, ERROR, latency=latency))
    assert text.startswith("<!DOCTYPE html>\n")
    page = _page(text)
    assert page.doctype.lower() == "doctype html"
    assert ("html", "lang", "en") in page.attributes
    assert ("meta", "charset", "utf-8") in page.attributes
    assert page.tags["title"] == page.tags["h1"] == page.tags["style"] == 1
    assert {"run", "summary", "findings", "entries", "latency"} <= page.ids
    assert "models" not in page.ids  # one model judged: no side-by-side table
    # Every anchor of the page points at an element of the page.
    assert {h[1:] for h in page.hrefs() if h.startswith("#")} <= page.ids
    _assert_loads_nothing(page)
    for forbidden in ("src=", "<link", "@import", "url(", "<script"):
        assert forbidden not in text


def test_every_string_from_a_target_is_escaped() -> None:
    hostile = dataclasses.replace(
        FAILED,
        message=HOSTILE,
        scenario=HOSTILE,
        evidence={"actual": HOSTILE, "body": {"x": HOSTILE}, "failures": [{"m": HOSTILE}]},
        reproduce=f"curl {HOSTILE}",
        model=HOSTILE,
    )
    skipped = dataclasses.replace(SKIPPED, message=HOSTILE, model=HOSTILE)
    target = Target(f"http://h/{HOSTILE}", "openai-compatible", HOSTILE, (HOSTILE, "m"))
    report = run_report(hostile, skipped, target=target, ignored=(HOSTILE,), tool_version=HOSTILE)
    text = render_html(report)
    page = _page(text)
    _assert_loads_nothing(page)
    assert "<script" not in text
    assert "<img" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quoted&quot;" in text
    # Escaped, not dropped: the reader sees the target's words as they were.
    assert page.text.count(HOSTILE) >= 8
    assert f"curl {HOSTILE}" in page.text


@pytest.mark.parametrize(
    ("entries", "changes", "verdict", "kind"),
    [
        ((PASSED,), {}, "CONFORMANT (strict)", "pass"),
        ((PASSED, SHOULD_FAILED), {}, "CONFORMANT (not strict: SHOULD findings)", "warn"),
        ((FAILED,), {}, "NOT CONFORMANT", "fail"),
        ((PASSED,), {"complete": False, "stopped": "budget"}, "INCOMPLETE", "incomplete"),
    ],
)
def test_the_verdict_is_said_in_the_models_words_and_coloured(
    entries: tuple[Entry, ...], changes: dict[str, object], verdict: str, kind: str
) -> None:
    report = run_report(*entries, **changes)
    assert report.verdict == verdict
    text = render_html(report)
    assert f'<header class="verdict {kind}">' in text
    (h1,) = [line for line in text.splitlines() if line.startswith("<h1>")]
    assert h1.endswith(f"</span> {verdict}</h1>")
    assert text.count(verdict) >= 2  # the heading and the title


def test_the_run_facts_are_all_there() -> None:
    report = run_report(
        PASSED,
        seed=1234,
        coverage=(131, 89),
        concurrency=4,
        ignored=("metadata", "service_tier"),
        complete=False,
        stopped="deadline",
        requests=150,
        prompt_tokens=153,
        completion_tokens=173,
        duration_s=9.14,
    )
    words = _page(render_html(report)).words
    for fact in (
        "target http://127.0.0.1:1/v1",
        "profile openai-compatible",
        "model m",
        "seed 1234",
        "suite version chat-conformance 0.1.0",
        "started 2026-01-01 00:00:00+00:00",
        "duration 9.1 s",
        "requests 150",
        "tokens 153 prompt + 173 completion tokens",
        "complete no: the run did not complete (stopped: deadline)",
        "coverage 89 of 131 documented bounds exercised",
        "concurrency 4 requests in flight at once",
        "parameters the target ignores metadata, service_tier",
        "conformant to profile openai-compatible: yes; strict (OpenAI's whole contract, SHOULD "
        "findings included): yes",
    ):
        assert fact in words


def test_recorded_exchanges_judged_offline_say_so() -> None:
    target = Target("fixtures/bad", "openai-compatible", "")
    words = _page(render_html(run_report(FAILED, seed=None, target=target, requests=7))).words
    assert "recorded exchanges fixtures/bad" in words
    assert "seed none: recorded exchanges judged offline" in words
    assert "judged 7 exchanges, offline" in words
    assert "coverage" not in words
    assert "parameters the target ignores" not in words  # nothing was sent to find them


def test_a_finding_has_its_message_evidence_clause_and_curl() -> None:
    text = render_html(run_report(FAILED, PASSED, SKIPPED))
    page = _page(text)
    (finding,) = text.split('<article class="finding')[1:]
    assert FAILED.message in finding
    for key in FAILED.evidence:
        assert f"<dt>{key}</dt>" in finding
    assert "<pre>{\n  &quot;nested&quot;: {" in finding  # nested values as indented JSON
    assert "<th>scenario</th><th>status</th><th>path</th>" in finding  # failures as a table
    assert "<li><code>stream (alone)</code></li>" in finding  # names one a line
    assert "<dd><code>[0, 1, 2]</code></dd>" in finding  # numbers on one line
    clause = requirement("CC-STREAM-03")
    assert clause.statement in page.words
    assert any(source.url for source in clause.sources)
    for source in clause.sources:
        assert html.escape(source.clause) in finding
        if source.url:
            assert f'<a href="{source.url}">' in finding
    assert "curl -sS -N" in finding
    assert "$MY_KEY" in finding
    assert page.words.count(FAILED.message) == 1  # once, in the finding
    # The list of every verdict links the failure to its finding and says why a check skipped.
    assert '<a href="#finding-1">finding 1</a>' in text
    assert SKIPPED.message in page.words
    assert "<td>tool_calls.forced</td>" not in text  # check ids are code
    assert "<code>tool_calls.forced</code>" in text


def test_findings_come_must_first_and_errors_are_findings_too() -> None:
    text = render_html(run_report(SHOULD_FAILED, ERROR, FAILED, PASSED))
    order = [text.index(f"<code>{e.check}</code></h3>") for e in (FAILED, ERROR, SHOULD_FAILED)]
    assert order == sorted(order)
    assert "Findings (3)" in text


def test_a_requirement_missing_from_the_catalogue_is_said() -> None:
    unknown = dataclasses.replace(FAILED, requirement="CC-NOT-THERE-99")
    assert "CC-NOT-THERE-99 is not in the catalogue" in render_html(run_report(unknown))


def test_every_verdict_is_listed_by_area() -> None:
    entries = (FAILED, PASSED, SKIPPED, ERROR, SHOULD_FAILED)
    page = _page(render_html(run_report(*entries)))
    assert {f"area-{e.area}" for e in entries} <= page.ids
    for entry in entries:
        assert f"{entry.check} {entry.requirement} {entry.level} {entry.status}" in page.words


def _table(section: str) -> dict[str, list[str]]:
    """A matrix's rows by their heading, each cell's text without its tags."""
    rows = re.findall(r"<tr><th>(.*?)</th>(.*?)</tr>", section.split("<tbody>")[1])
    return {
        re.sub("<.*?>", "", head): [re.sub("<.*?>", "", cell) for cell in CELL.findall(cells)]
        for head, cells in rows
    }


CELL: Final = re.compile(r"<td[^>]*>(.*?)</td>")


def test_the_area_and_level_matrix_counts_each_status() -> None:
    report = run_report(FAILED, SHOULD_FAILED, PASSED, SKIPPED, ERROR)
    matrix = render_html(report).split('<section id="summary">')[1].split("</section>")[0]
    assert "<th>area</th><th>MUST</th><th>SHOULD</th></tr>" in matrix  # no MAY judged
    table = _table(matrix)
    assert set(table) == {"response", "stream", "tool_calls", "usage"}
    for (area, level), counts in report.by_area_and_level().items():
        cell = table[area][("MUST", "SHOULD").index(level)]
        assert cell == ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    assert table["response"][1] == "–"  # no SHOULD check of the area was judged
    assert '<strong class="status failed">1 failed</strong>' in matrix  # a failure stands out


def test_several_models_are_shown_side_by_side() -> None:
    target = Target("http://127.0.0.1:1/v1", "openai-compatible", "m, broken-model",
                    ("m", "broken-model"))  # fmt: skip
    text = render_html(run_report(*_several(), target=target))
    page = _page(text)
    assert "models" in page.ids
    models = text.split('<section id="models">')[1].split("</section>")[0]
    assert "<th>area</th><th><code>m</code></th><th><code>broken-model</code></th>" in models
    assert _table(models) == {
        "response": ["1 passed", "1 passed"],
        "stream": ["–", "1 failed"],
        "tool_calls": ["1 skipped", "–"],
    }
    assert "2 models m, broken-model" in page.words
    assert "model broken-model" in page.words  # each finding names its model


def test_latency_is_measured_not_judged_with_the_markdown_figures() -> None:
    rows = (
        Latency(model="m", scenario="", exchanges=4, ttfb_s=0.004, first_token_s=0.0042,
                gap_median_s=None, gap_p95_s=None, tokens_per_s=1234.5, total_s=0.25),
        Latency(model="m", scenario="stream", exchanges=2, ttfb_s=0.05, first_token_s=None,
                gap_median_s=0.001, gap_p95_s=0.002, tokens_per_s=None, total_s=12.0),
    )  # fmt: skip
    text = render_html(run_report(PASSED, latency=rows))
    section = text.split('<section id="latency">')[1].split("</section>")[0]
    assert "Latency (measured, not judged)" in section
    assert all(f"<th>{column}</th>" in section for column in LATENCY_COLUMNS)
    for row in rows:
        cells = "".join(f'<td class="n">{cell}</td>' for cell in latency_cells(row))
        assert cells in section
    assert "<td>all</td>" in section
    assert "<summary>Per scenario</summary>" in section
    assert "latency" not in _page(render_html(run_report(PASSED))).ids


def test_print_keeps_findings_whole_and_folded_content_visible() -> None:
    style = "".join(_page(render_html(run_report(FAILED))).styles)
    media = style.split("@media print", 1)[1]
    assert ".finding" in media
    assert "break-inside: avoid" in media
    assert "details::details-content" in media
    assert "content-visibility: visible" in media
    # Findings are never folded: the page reads complete without opening anything.
    text = render_html(run_report(FAILED))
    assert "<details" not in text.split('<section id="findings">')[1].split("</section>")[0]


def test_the_footer_names_the_suite_and_its_version() -> None:
    text = render_html(run_report(PASSED, tool_version="9.8.7"))
    footer = text.split("<footer>")[1].split("</footer>")[0]
    assert "chat-conformance 9.8.7" in footer


# End to end: the commands write the page.


SMALL: Final = ("--seed", "1", "--max-examples", "3", "--report")


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["run", *args])
    return result.exit_code, result.output


def test_run_writes_the_page_against_the_embedded_router(tmp_path: Path) -> None:
    path = tmp_path / "out" / "run.html"
    code, out = _run("--seed", "3", "--max-examples", "3", "--report", f"html:{path}")
    assert code == 0, out
    text = path.read_text(encoding="utf-8")
    page = _page(text)
    _assert_loads_nothing(page)
    assert '<header class="verdict pass">' in text
    assert "CONFORMANT (strict)" in page.words
    assert "Findings (0)" in page.words
    assert "No check failed." in page.words
    assert "seed 3" in page.words
    assert {"run", "summary", "findings", "entries", "latency"} <= page.ids


def test_run_against_a_faulty_router_shows_the_failure_its_clause_and_curl(tmp_path: Path) -> None:
    path = tmp_path / "run.html"
    key = "sk-html-report-secret-7"
    with serve_in_thread(faults=["no-done"], api_key=key) as url:
        result = CliRunner().invoke(
            main,
            ["run", "--base-url", url, "--api-key-env", "HTML_KEY", *SMALL, f"html:{path}"],
            env={"HTML_KEY": key},
        )
    assert result.exit_code == 1, result.output
    text = path.read_text(encoding="utf-8")
    assert key not in text
    page = _page(text)
    _assert_loads_nothing(page)
    assert '<header class="verdict fail">' in text
    findings = text.split('<section id="findings">')[1].split("</section>")[0]
    terminator = next(
        part for part in findings.split("<article")[1:] if "<code>stream.terminator</code>" in part
    )
    assert "the stream does not end with [DONE]" in terminator
    assert "CC-STREAM-03" in terminator
    links = [s.url for s in requirement("CC-STREAM-03").sources if s.url]
    assert links
    assert all(f'<a href="{link}">' in terminator for link in links)
    assert "curl -sS -N" in terminator
    assert "Bearer $HTML_KEY" in terminator


def test_validate_writes_the_page_for_recorded_exchanges(tmp_path: Path) -> None:
    path = tmp_path / "validate.html"
    result = CliRunner().invoke(main, ["validate", str(FIXTURES / "bad"), f"--report=html:{path}"])
    assert result.exit_code == 1, result.output
    page = _page(path.read_text(encoding="utf-8"))
    assert "seed none: recorded exchanges judged offline" in page.words
    assert "conformance validate " in page.words  # each failure's command to judge it again
