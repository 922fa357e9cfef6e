"""The files a user gives the suite keep the formats of their shipped JSON Schemas: a broken
file is refused naming the file, the field and, for a misspelled key, the nearest known key;
``conformance validate`` says so in one line, exit 2, no traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import get_args

import pytest
from click.testing import CliRunner

from conformance.base._errors import ConfigError
from conformance.base._intents import INTENTS
from conformance.cli import main
from conformance.contract._profile import (
    FEATURES,
    AuthScheme,
    ErrorCode,
    MidStreamError,
    StopSequence,
    UsageVariant,
    UsageWithoutInclude,
)
from conformance.contract._requirements import read_requirements, requirements
from conformance.contract._schema_store import load_schema
from conformance.exchange._fixtures import load_fixture

GOOD = """\
description: a plain completion
source: test
request: {model: m, messages: [{role: user, content: hi}]}
response:
  status: 200
  headers: {content-type: application/json}
  body: {id: c}
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            GOOD.replace("description:", "descripton:"),
            "unknown key 'descripton'; did you mean 'description'?",
        ),
        (GOOD.replace("  body:", "  bdy:"), "unknown key 'response.bdy'; did you mean 'body'?"),
        (
            GOOD.replace("  headers:", "  header:"),
            "unknown key 'response.header'; did you mean 'headers'?",
        ),
        (
            GOOD + "expected: [stream.terminator]\n",
            "unknown key 'expected'; did you mean 'expect'?",
        ),
        (
            GOOD.replace("status: 200", "status: ok"),
            "field 'response.status': 'ok' is not of type 'integer'",
        ),
        (
            GOOD.replace("status: 200", "status: 700"),
            "field 'response.status': 700 is greater than",
        ),
        (GOOD.replace("status: 200", "status: 42"), "must be an HTTP status, got 42"),
        (GOOD.replace("status: 200", "status: 0"), "needs a transport_error"),
        (GOOD + "intent: sneaky\n", "field 'intent': 'sneaky' is not one of"),
        (
            GOOD + "expect: stream.terminator\n",
            "field 'expect': 'stream.terminator' is not of type 'array'",
        ),
        (GOOD.replace("request: {", "request: [").replace("hi}]}", "hi}]]"), "field 'request'"),
        (
            GOOD.replace("  body: {id: c}", "  text: x\n  body: {id: c}"),
            "exactly one of body, text",
        ),
        (GOOD.replace("  body: {id: c}", "  base64: '%%%'"), "response.base64 is not base64"),
        ("- a list\n", "field '(document)': ['a list'] is not of type 'object'"),
        ("description: [unclosed\n", "not valid YAML"),
    ],
)
def test_a_broken_fixture_names_the_file_and_the_field(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "exchange.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_fixture(path)
    assert str(raised.value).startswith(f"{path}: ") or f"cannot read {path}" in str(raised.value)
    assert message in str(raised.value)


def test_conformance_validate_refuses_a_broken_fixture_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "exchange.yaml"
    path.write_text(GOOD.replace("  body:", "  bdy:"))
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert result.output.strip().count("\n") == 0
    assert "unknown key 'response.bdy'; did you mean 'body'?" in result.output
    assert "Traceback" not in result.output


def test_the_fixture_format_knows_every_intent_the_suite_knows() -> None:
    schema = load_schema("fixture.schema.json")
    assert tuple(schema["properties"]["intent"]["enum"]) == INTENTS


REQUIREMENT = {
    "id": "CC-TEST-01",
    "level": "MUST",
    "statement": "something",
    "sources": [{"document": "d", "clause": "c", "url": "https://example.invalid/"}],
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"levl": "MUST"}, "unknown key '[0].levl'; did you mean 'level'?"),
        ({"level": "MUSTN'T"}, "field '[0].level': \"MUSTN'T\" is not one of"),
        ({"id": "test-1"}, "field '[0].id': 'test-1' does not match"),
        ({"sources": []}, "field '[0].sources': [] should be non-empty"),
        (
            {"sources": [{"document": "d", "clause": "c", "link": "x"}]},
            "unknown key '[0].sources[0].link'; known: document, clause, url",
        ),
    ],
)
def test_a_broken_requirement_catalogue_names_the_field(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    path = tmp_path / "requirements.yaml"
    path.write_text(json.dumps([{**REQUIREMENT, **change}]))
    with pytest.raises(ConfigError) as raised:
        read_requirements(path)
    assert str(raised.value).startswith(f"{path}: ")
    assert message in str(raised.value)


def test_a_requirement_defined_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "requirements.yaml"
    path.write_text(json.dumps([REQUIREMENT, REQUIREMENT]))
    with pytest.raises(ConfigError, match="CC-TEST-01 is defined twice"):
        read_requirements(path)


def test_the_shipped_catalogue_keeps_its_format() -> None:
    assert len(requirements()) > 30


def test_the_profile_format_knows_the_values_the_suite_knows() -> None:
    # One fact, two readers: the enums of profile.schema.json and the types the code reads.
    properties = load_schema("profile.schema.json")["properties"]
    streaming = properties["streaming"]["properties"]
    pairs = [
        (properties["usage"]["enum"], UsageVariant),
        (properties["stop_sequence"]["enum"], StopSequence),
        (properties["auth"]["enum"], AuthScheme),
        (properties["error_code"]["enum"], ErrorCode),
        (streaming["usage_without_include"]["enum"], UsageWithoutInclude),
        (streaming["mid_stream_error"]["enum"], MidStreamError),
    ]
    for enum, literal in pairs:
        assert tuple(enum) == get_args(literal)
    assert tuple(properties["capabilities"]["items"]["enum"]) == FEATURES
    assert tuple(properties["error_statuses"]["properties"]) == INTENTS
