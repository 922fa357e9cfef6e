"""``conformance run --record DIR`` writes every exchange as a fixture, and ``conformance
validate DIR`` judges the recordings again offline, with the same findings and no key."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from click.testing import CliRunner

from conformance.cli import main
from conformance.exchange import Exchange, load_fixture
from conformance.live._record import REDACTED, Recorder
from conformance.reference import serve_in_thread

KEY = "sk-record-canary-51c0d9"


def _record(url: str, folder: Path, *extra: str) -> None:
    args = ["run", "--base-url", url, "--seed", "1", "--record", str(folder), *extra]
    result = CliRunner().invoke(main, args, env={"RECORD_KEY": KEY})
    assert result.exit_code in (0, 1), result.output


def test_a_recorded_fault_is_found_again_offline(tmp_path: Path) -> None:
    with serve_in_thread(faults=["no-done"]) as url:
        _record(url, tmp_path)
    assert len(list(tmp_path.glob("*.json"))) > 50
    judged = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert judged.exit_code == 1, judged.output
    assert "MUST   stream.terminator" in judged.output


def test_a_compliant_recording_stays_conformant_and_holds_no_key(tmp_path: Path) -> None:
    with serve_in_thread(api_key=KEY) as url:
        _record(url, tmp_path, "--api-key-env", "RECORD_KEY")
    files = sorted(tmp_path.glob("*.json"))
    assert files[0].name == "00001-plain.json"
    for path in files:
        assert KEY not in path.read_text(encoding="utf-8")
        load_fixture(path)  # the fixture format, read back
    judged = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert judged.exit_code == 0, judged.output[-3000:]


def test_a_body_is_kept_exactly_and_the_key_and_cookies_are_not(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path, profile="openai-compatible", source="test", key=KEY)
    headers = {"content-type": "application/json", "set-cookie": "session=1"}
    echoed = Exchange(None, 401, headers, json.dumps({"error": {"message": KEY}}).encode())
    binary = Exchange({"model": "m"}, 200, {"content-type": "text/plain"}, b"\xff\xfe")
    first = json.loads(recorder.write("auth.bad_key", None, echoed).read_text())
    second = json.loads(recorder.write("odd body", {"model": "m"}, binary).read_text())
    assert REDACTED in first["response"]["text"]
    assert "set-cookie" not in first["response"]["headers"]
    assert "request" not in first
    assert base64.b64decode(second["response"]["base64"]) == b"\xff\xfe"
    assert second["request"] == {"model": "m"}
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "00001-auth.bad_key.json",
        "00002-odd-body.json",
    ]
