"""Profiles load, extend and fail with errors that name the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance._errors import ConfigError
from conformance._profile import load_profile, profile_names

BASE = "extends: openai-compatible\nid: mine\ntitle: Mine\n"


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "profile.yaml"
    path.write_text(text)
    return str(path)


def test_base_profile_carries_the_openai_finish_reasons() -> None:
    profile = load_profile()
    assert profile.id == "openai-compatible"
    assert profile.finish_reasons == {
        "stop",
        "length",
        "tool_calls",
        "content_filter",
        "function_call",
    }
    assert profile.response.is_valid({}) is False


def test_shipped_profiles_all_load() -> None:
    assert "openai-compatible" in profile_names()
    for name in profile_names():
        assert load_profile(name).id == name


def test_a_user_profile_extends_a_shipped_one(tmp_path: Path) -> None:
    path = _write(
        tmp_path, BASE + "finish_reasons: [stop, length, error]\nstop_sequence: included\n"
    )
    profile = load_profile(path)
    assert profile.id == "mine"
    assert profile.finish_reasons == {"stop", "length", "error"}
    assert profile.stop_sequence == "included"
    assert profile.chunk_schema == "chunk.json"  # inherited


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (BASE + "stop_sequence: sometimes\n", "field 'stop_sequence' must be one of"),
        (BASE + "finish_reasons: []\n", "field 'finish_reasons' must be a non-empty list"),
        (BASE + "schemas: {response: nope.json}\n", "field 'schemas.response': unknown schema"),
        ("id: x\ntitle: y\n", "missing field 'source'"),
        ("extends: [a]\n", "field 'extends' must be a profile id or path"),
        ("- not a mapping\n", "a profile is a mapping"),
        ("id: [unclosed\n", "not valid YAML"),
    ],
)
def test_a_broken_profile_names_the_file_and_the_field(
    tmp_path: Path, text: str, message: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError, match=r"profile\.yaml") as raised:
        load_profile(path)
    assert message in str(raised.value)


def test_an_extends_cycle_is_reported(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n")
    with pytest.raises(ConfigError, match="cycle"):
        load_profile(str(tmp_path / "a.yaml"))


def test_an_unknown_profile_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"known: .*openai-compatible"):
        load_profile("no-such-profile")
