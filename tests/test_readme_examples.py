"""The examples of the README's "In your own tests" section, run as a user would run them: the
Python files as a throwaway project under pytest, the schemathesis commands in a shell against
a reference router on 127.0.0.1."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Final

import pytest
from test_pytest_plugin import ARGS

from conformance.reference import serve_in_thread

pytest_plugins = ["pytester"]

#: The checkout: the README and the fixtures its examples name (the package may be installed).
ROOT: Final = Path(__file__).parents[1]
README: Final = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION: Final = README.split("## In your own tests", 1)[1].split("\n## ", 1)[0]
BLOCKS: Final = re.findall(r"```(\w+)\n(.*?)```", SECTION, re.DOTALL)
KEY: Final = "sk-readme-example"


pytestmark = pytest.mark.usefixtures("package_on_path")


def _shell(script: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run a README command the way a user's shell would, with this interpreter's tools first."""
    path = os.pathsep.join((str(Path(sys.executable).parent), os.environ["PATH"]))
    return subprocess.run(
        ["sh", "-c", script],
        cwd=cwd,
        env={**os.environ, "PATH": path, **env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_the_section_has_its_examples() -> None:
    kinds = [kind for kind, _ in BLOCKS]
    assert kinds.count("python") == 3
    assert kinds.count("sh") == 1


def test_the_python_examples_pass_as_a_project(pytester: pytest.Pytester) -> None:
    for kind, text in BLOCKS:
        if kind == "python":
            name = text.splitlines()[0].removeprefix("# ").strip()
            (pytester.path / name).parent.mkdir(parents=True, exist_ok=True)
            (pytester.path / name).write_text(text, encoding="utf-8")
    result = pytester.runpytest(*ARGS, "tests")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == 0, result.stdout.str()[-3000:]
    assert outcomes["passed"] > 30  # the suite's scenarios, its generated kinds, and yours
    assert "error" not in outcomes


def test_the_schemathesis_commands_run(tmp_path: Path) -> None:
    (command,) = [text for kind, text in BLOCKS if kind == "sh"]
    with serve_in_thread(api_key=KEY) as url:
        origin = url.rsplit("/v1", 1)[0]
        script = command.replace("http://127.0.0.1:8000", origin)
        # Streams longer than schemathesis's default of 20 events are judged whole.
        (tmp_path / "schemathesis.toml").write_text("max-stream-events = 100000\n")
        done = _shell(script, tmp_path, MY_ROUTER_KEY=KEY)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert (tmp_path / "openapi.json").is_file()
    assert "No issues found" in done.stdout or "passed" in done.stdout


# -- the outputs the README shows ------------------------------------------------------------------

#: Every block of the README that shows a command and its output: ``$ command`` then the output.
SHOWN: Final = [
    block
    for block in re.findall(r"```\n(\$ .*?)```", README, re.DOTALL)
    if block.startswith("$ conformance ")
]


def _shown_in(expected: list[str], actual: list[str]) -> bool:
    """Whether the README's lines appear in the output in order: a line of its own ``...`` skips
    any lines, and a line ending with ``...`` is a prefix."""
    at = 0
    skipping = False
    for line in expected:
        if line.strip() == "...":
            skipping = True
            continue
        wanted = line.rstrip()
        prefix = wanted.endswith("...")
        wanted = wanted.removesuffix("...").rstrip() if prefix else wanted

        def fits(candidate: str, wanted: str = wanted, prefix: bool = prefix) -> bool:
            return candidate.startswith(wanted) if prefix else candidate == wanted

        while at < len(actual) and not fits(actual[at].rstrip()):
            if not skipping:
                return False
            at += 1
        if at == len(actual):
            return False
        at += 1
        skipping = False
    return True


def test_the_readme_shows_commands_with_their_output() -> None:
    assert len(SHOWN) >= 3


def _prepared(args: list[str], tmp_path: Path) -> Path:
    """Where the command runs: the checkout, or, for the reports ``diff`` compares, a folder
    holding two real runs' reports: the compliant router's, then one whose streams lack
    ``[DONE]``."""
    if args[0] != "diff":
        return ROOT
    from click.testing import CliRunner

    from conformance.cli import main

    for path, faults in zip(args[1:3], ([], ["no-done"]), strict=True):
        with serve_in_thread(faults=faults) as url:
            report = f"json:{tmp_path / path}"
            CliRunner().invoke(main, ["run", "--base-url", url, "--seed", "1", "--report", report])
    return tmp_path


@pytest.mark.parametrize("block", SHOWN, ids=[b.splitlines()[0][2:40] for b in SHOWN])
def test_a_shown_command_prints_what_the_readme_shows(block: str, tmp_path: Path) -> None:
    command, *expected = block.rstrip("\n").splitlines()
    args = command.removeprefix("$ conformance ").split()
    done = subprocess.run(
        [sys.executable, "-m", "conformance", *args],
        cwd=_prepared(args, tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert _shown_in(expected, done.stdout.splitlines()), done.stdout


def test_the_matcher_can_refuse() -> None:
    assert _shown_in(["a", "...", "c"], ["a", "b", "c"])
    assert _shown_in(["ab..."], ["abc"])
    assert not _shown_in(["a", "c"], ["a", "b", "c"])
    assert not _shown_in(["x"], ["a"])


def test_the_run_against_a_real_router_runs(tmp_path: Path) -> None:
    """The README's run against a router, with the router, its key and its model this test's."""
    from conformance.reference import MODEL_ID

    block = README.split("## Running against a real router", 1)[1]
    script = re.findall(r"```sh\n(.*?)```", block.split("\n## ", 1)[0], re.DOTALL)[0]
    with serve_in_thread(api_key=KEY) as url:
        script = script.replace("export MY_ROUTER_KEY=...", f"export MY_ROUTER_KEY={KEY}")
        script = script.replace("https://router.example/v1", url).replace("some/model", MODEL_ID)
        done = _shell(script, tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    for report in ("run.json", "junit.xml", "summary.md"):
        text = (tmp_path / "reports" / report).read_text(encoding="utf-8")
        assert KEY not in text


def _table(text: str, header_start: str) -> dict[str, dict[str, str]]:
    """A Markdown table whose header starts so: each row by its first cell, as column -> cell."""
    lines = text.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith(header_start))
    columns = [cell.strip() for cell in lines[start].strip("|").split("|")]
    rows = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows[cells[0]] = dict(zip(columns, cells, strict=True))
    return rows


def test_the_run_of_every_model_runs(tmp_path: Path) -> None:
    """The README's run of every model: its router started here on a free port, with the same
    extra model and fault, and the model table it shows is the one the run writes."""
    section = README.split("### Every model, and how fast each answers", 1)[1].split("\n## ", 1)[0]
    (script,) = re.findall(r"```sh\n(.*?)```", section, re.DOTALL)
    serve, run = script.split("\n", 1)
    assert serve.startswith("conformance serve --port 8931 --extra-model broken-model=no-done &")
    with serve_in_thread(models={"broken-model": ("no-done",)}) as url:
        done = _shell(run.replace("http://127.0.0.1:8931/v1", url), tmp_path)
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]
    written = _table((tmp_path / "reports" / "models.md").read_text(encoding="utf-8"), "| model |")
    shown = _table(section, "| model | choices")
    assert set(shown) == set(written)
    for model, row in shown.items():
        for column, cell in row.items():
            if cell != "…" and column != "…":
                assert written[model][column] == cell, (model, column)
