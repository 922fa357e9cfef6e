"""``conformance diff OLD.json NEW.json``: regressions, fixes, checks added or removed, changed
findings; exit 1 on a MUST regression. Judged on report documents built from the result model,
and end to end on two real runs against the reference router, one with a fault."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conformance.base import ConfigError
from conformance.cli import main
from conformance.contract import REPORT_FORMAT, check_format
from conformance.reference import serve_in_thread
from conformance.report import (
    DIFF_RENDERERS,
    Entry,
    Target,
    as_json_document,
    diff_reports,
    load_report,
)
from reports import run_report


def _entry(check: str, status: str, level: str = "MUST", **evidence: Any) -> Entry:
    message = f"{check} found something" if status == "failed" else ""
    return Entry(
        check=check,
        requirement="CC-X-01",
        level=level,  # type: ignore[arg-type]
        status=status,  # type: ignore[arg-type]
        scenario="plain",
        message=message,
        evidence=evidence,
    )


def _document(*entries: Entry, complete: bool = True) -> dict[str, Any]:
    report = run_report(*entries, complete=complete)
    document = as_json_document(report)
    check_format(document, REPORT_FORMAT, "report")
    return document


def test_each_kind_of_change_lands_in_its_list() -> None:
    old = _document(
        _entry("a.regressed", "passed"),
        _entry("b.fixed", "failed", path="$.x"),
        _entry("c.changed", "failed", path="$.x", expected="1", actual=2),
        _entry("d.same", "failed", path="$.x", expected="1", actual=2),
        _entry("e.removed", "passed"),
        _entry("f.moved", "passed"),
        _entry("g.should", "passed", level="SHOULD"),
    )
    new = _document(
        _entry("a.regressed", "failed"),
        _entry("b.fixed", "passed"),
        _entry("c.changed", "failed", path="$.y", expected="1", actual=2),
        _entry("d.same", "failed", path="$.x", expected="1", actual=2),
        _entry("f.moved", "skipped"),
        _entry("g.should", "error", level="SHOULD"),
        _entry("h.added", "failed"),
    )
    diff = diff_reports(old, new)
    assert [c.check for c in diff.regressions] == ["a.regressed", "g.should"]
    assert [c.check for c in diff.fixes] == ["b.fixed"]
    assert [c.check for c in diff.changed] == ["c.changed"]  # d.same: the same finding
    assert [c.check for c in diff.added] == ["h.added"]
    assert [c.check for c in diff.removed] == ["e.removed"]
    assert [c.check for c in diff.moved] == ["f.moved"]
    assert [c.check for c in diff.gating()] == ["a.regressed"]
    assert [c.check for c in diff.gating(strict=True)] == ["a.regressed", "g.should"]


def test_the_same_run_twice_shows_nothing() -> None:
    document = _document(_entry("a", "passed"), _entry("b", "failed", path="$.x"))
    diff = diff_reports(document, document)
    assert diff.regressions == diff.fixes == diff.changed == diff.moved == ()
    assert DIFF_RENDERERS["plain"](diff).startswith("no regression\n")


def test_both_renderings_name_each_change() -> None:
    diff = diff_reports(_document(_entry("a.x", "passed")), _document(_entry("a.x", "failed")))
    plain = DIFF_RENDERERS["plain"](diff)
    markdown = DIFF_RENDERERS["markdown"](diff)
    assert plain.startswith("REGRESSED: 1 MUST check(s)")
    assert "a.x [MUST] passed -> failed" in plain
    assert "now: a.x found something" in plain
    assert markdown.startswith("## REGRESSED")
    assert "| `a.x` | MUST | passed -> failed | a.x found something |" in markdown


def test_an_incomplete_new_run_says_so() -> None:
    diff = diff_reports(_document(), _document(complete=False))
    assert "the new run did not complete" in DIFF_RENDERERS["plain"](diff)


def test_a_file_that_is_not_a_report_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"report_version": 1, "results": []}))
    with pytest.raises(ConfigError, match=r"run\.json"):
        load_report(path)
    path.write_text("not json")
    with pytest.raises(ConfigError, match="not valid JSON"):
        load_report(path)
    with pytest.raises(ConfigError, match="cannot read"):
        load_report(tmp_path / "missing.json")


def _run(url: str, report: Path) -> None:
    args = ["run", "--base-url", url, "--seed", "1", "--report", f"json:{report}"]
    CliRunner().invoke(main, args)
    assert report.is_file()


def test_two_real_runs_gate_on_the_regression(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    with serve_in_thread() as url:
        _run(url, good)
    with serve_in_thread(faults=["no-done"]) as url:
        _run(url, bad)
    regressed = CliRunner().invoke(main, ["diff", str(good), str(bad)])
    assert regressed.exit_code == 1, regressed.output
    assert "stream.terminator [MUST] passed -> failed" in regressed.output
    fixed = CliRunner().invoke(main, ["diff", str(bad), str(good), "--format", "markdown"])
    assert fixed.exit_code == 0, fixed.output
    assert "### Fixes" in fixed.output
    assert "`stream.terminator`" in fixed.output
    refused = CliRunner().invoke(main, ["diff", str(good), str(tmp_path / "none.json")])
    assert refused.exit_code == 2


def test_runs_of_several_models_compare_model_by_model() -> None:
    models = ("good-model", "other-model")
    target = Target("http://127.0.0.1:1/v1", "openai-compatible", ", ".join(models), models)

    def document(other: str) -> dict[str, Any]:
        entries = (
            replace(_entry("stream.terminator", "passed"), model="good-model"),
            replace(_entry("stream.terminator", other), model="other-model"),
        )
        report = run_report(*entries, target=target)
        return as_json_document(report)

    diff = diff_reports(document("passed"), document("failed"))
    (regression,) = diff.regressions
    assert (regression.check, regression.model) == ("stream.terminator", "other-model")
    assert "stream.terminator on other-model [MUST] passed -> failed" in DIFF_RENDERERS["plain"](
        diff
    )
    assert "| `stream.terminator on other-model` |" in DIFF_RENDERERS["markdown"](diff)
