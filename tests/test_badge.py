"""``--report badge:PATH``: an SVG that says the verdict and the profile, well formed, with a
colour per verdict, and nothing fetched from elsewhere."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from conformance.cli import main
from conformance.reference import serve_in_thread
from conformance.report import Entry, Target, render_badge
from reports import run_report

SVG = "{http://www.w3.org/2000/svg}"

PASSED = Entry(check="a", requirement="R", level="MUST", status="passed", scenario="plain")
REPORT = run_report(PASSED, target=Target("http://127.0.0.1:1/v1", "openrouter", "m"))


@pytest.mark.parametrize(
    ("status", "level", "complete", "words", "colour"),
    [
        ("passed", "MUST", True, "conformant · openrouter", "#2e7d32"),
        ("failed", "SHOULD", True, "conformant, SHOULD findings · openrouter", "#7cb342"),
        ("failed", "MUST", True, "not conformant · openrouter", "#c62828"),
        ("passed", "MUST", False, "incomplete · openrouter", "#757575"),
    ],
)
def test_the_badge_says_the_verdict_in_its_colour(
    status: str, level: str, complete: bool, words: str, colour: str
) -> None:
    entry = dataclasses.replace(PASSED, status=status, level=level)  # type: ignore[arg-type]
    report = dataclasses.replace(REPORT, entries=(entry,), complete=complete)
    svg = ET.fromstring(render_badge(report))
    assert svg.tag == f"{SVG}svg"
    texts = [node.text for node in svg.iter(f"{SVG}text")]
    assert texts == ["chat-conformance", words]
    assert colour in {node.get("fill") for node in svg.iter(f"{SVG}rect")}
    assert "http" not in render_badge(report).replace("http://www.w3.org/2000/svg", "")


def test_a_run_writes_the_badge(tmp_path: Path) -> None:
    badge = tmp_path / "badge.svg"
    with serve_in_thread(faults=["no-done"]) as url:
        CliRunner().invoke(
            main, ["run", "--base-url", url, "--seed", "1", "--report", f"badge:{badge}"]
        )
    texts = [node.text for node in ET.parse(badge).getroot().iter(f"{SVG}text")]
    assert texts == ["chat-conformance", "not conformant · openai-compatible"]
