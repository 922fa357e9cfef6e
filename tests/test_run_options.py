"""Bad input to ``conformance run`` is refused before the first request: exit 2, the reason,
no traceback, and never the key or a credential in what is printed."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from conformance.cli import main

SECRET = "s3cret-pass-0123456789"


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["run", *args], env=env)
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (
            ("--base-url", "127.0.0.1:9/v1"),
            None,
            "needs a scheme and a host, e.g. http://127.0.0.1",
        ),
        (("--base-url", "ftp://127.0.0.1/v1"), None, "only http:// and https:// URLs"),
        (
            ("--base-url", f"http://user:{SECRET}@127.0.0.1:9/v1"),
            None,
            "carries credentials before its host",
        ),
        (("--api-key-env", "BAD_KEY"), {"BAD_KEY": "clé-ünicode"}, "not a valid HTTP header value"),
        (("--api-key-env", "BAD_KEY"), {"BAD_KEY": "two words"}, "not a valid HTTP header value"),
        (
            ("--report", "json:/proc/conformance/x.json"),
            None,
            "--report /proc/conformance/x.json: cannot create",
        ),
        (("--record", "/proc/conformance/recorded"), None, "--record /proc/conformance/recorded"),
        (("--max-requests", "0"), None, "--max-requests"),
        (("--max-examples", "-1"), None, "--max-examples"),
        (("--max-time", "0"), None, "--max-time"),
        (("--max-events", "0"), None, "--max-events"),
        (("--max-body-bytes", "-5"), None, "--max-body-bytes"),
        (("--exchange-timeout", "0"), None, "--exchange-timeout"),
        (("--read-timeout", "nan-ish"), None, "--read-timeout"),
    ],
)
def test_bad_input_exits_2_and_says_why(
    args: tuple[str, ...], env: dict[str, str] | None, message: str
) -> None:
    code, out = _run(*args, env=env)
    assert code == 2, out
    assert message in out
    assert "Traceback" not in out
    assert SECRET not in out
    assert "clé" not in out


def test_a_folder_is_not_a_report_path(tmp_path: Path) -> None:
    code, out = _run("--report", f"json:{tmp_path}")
    assert code == 2
    assert "that is a folder" in out


def test_a_missing_report_folder_is_created_and_said(tmp_path: Path) -> None:
    report = tmp_path / "new" / "dir" / "run.json"
    code, out = _run("--seed", "1", "--max-examples", "0", "--report", f"json:{report}")
    assert code == 0, out
    assert f"created {report.parent}" in out
    assert report.exists()
