"""The composite GitHub Action (``action.yml``): its structure, and its steps run on this machine
as a runner runs them (tests/composite_action.py) against reference routers on 127.0.0.1: a
compliant one, a faulty one, a baseline with a regression, an unreachable URL, refused inputs.
The fake key must show up in no file, output or log, whatever happens."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import pytest
import yaml
from composite_action import ROOT, ActionRun, evaluate, load_action, run_action

import conformance
from conformance.reference import serve_in_thread

KEY: Final = "sk-action-test-9f3c1e7b2d5a"
SCRIPTS: Final = ROOT / "ci" / "action"
ACTION: Final = load_action()
STEPS: Final[list[dict[str, Any]]] = ACTION["runs"]["steps"]
#: Every file the run step writes into reports-dir.
REPORTS: Final = ("conformance.json", "junit.xml", "summary.md", "badge.svg", "report.html")
#: The inputs of every run here: the suite is installed already (the checkout's), so no install.
BASE: Final = {"install": "false", "seed": "3"}
#: The importable package of this process, for the steps' `conformance` (a checkout or a venv).
PACKAGE_ROOT: Final = str(Path(conformance.__file__).parents[1])


def _env(**extra: str) -> dict[str, str]:
    """The workflow's environment for the step using the action."""
    path = os.environ.get("PYTHONPATH")
    return {"PYTHONPATH": os.pathsep.join(filter(None, (PACKAGE_ROOT, path))), **extra}


def _steps_running(script: str) -> list[dict[str, Any]]:
    return [step for step in STEPS if f"/ci/action/{script}" in step.get("run", "")]


def _references(value: object) -> list[str]:
    """Every expression in a value of action.yml (a mapping or list is walked)."""
    if isinstance(value, dict):
        return [ref for item in value.values() for ref in _references(item)]
    if isinstance(value, list):
        return [ref for item in value for ref in _references(item)]
    return re.findall(r"\$\{\{\s*(.*?)\s*\}\}", str(value))


def _assert_no_key(run: ActionRun, root: Path) -> None:
    """The key appears in no log, output, summary or file the run left."""
    assert KEY not in run.log
    assert KEY not in run.summary
    assert all(KEY not in value for value in run.outputs.values())
    files = [path for path in root.rglob("*") if path.is_file()]
    assert len(files) > 5  # the reports, the step files: the walk saw what the run wrote
    for path in files:
        assert KEY.encode() not in path.read_bytes(), path


def _reports(run: ActionRun, folder: str = "conformance-reports") -> Path:
    reports = run.workspace / folder
    assert sorted(p.name for p in reports.iterdir() if p.name != "diff.md") == sorted(REPORTS)
    return reports


def _workspace(root: Path) -> Path:
    workspace = root / "workspace"
    workspace.mkdir(parents=True)
    return workspace


# -- structure ---------------------------------------------------------------------------------


def test_it_is_a_composite_action_with_documented_inputs_and_outputs() -> None:
    assert ACTION["runs"]["using"] == "composite"
    assert ACTION["name"]
    assert ACTION["description"]
    for name, spec in ACTION["inputs"].items():
        assert spec["description"].strip(), name
        assert spec.get("required", False) == (name == "base-url"), name
        assert spec.get("required") or "default" in spec, name
    assert set(ACTION["outputs"]) >= {"conformant", "exit-code", "report-json", "regressions"}
    for name, spec in ACTION["outputs"].items():
        assert spec["description"].strip(), name
    defaults = {name: spec.get("default") for name, spec in ACTION["inputs"].items()}
    assert defaults["reports-dir"] == "conformance-reports"
    assert defaults["python-version"] == "3.12"
    assert defaults["html"] == "true"
    assert defaults["install"] == "true"


def test_every_input_is_used_and_every_expression_reads_a_declared_name() -> None:
    references = _references(ACTION["runs"]) + _references(ACTION["outputs"])
    read = {m[1] for ref in references for m in re.finditer(r"inputs\.([\w-]+)", ref)}
    assert read == set(ACTION["inputs"])
    ids = {step.get("id") for step in STEPS}
    for ref in references:
        for match in re.finditer(r"steps\.([\w-]+)\.outputs\.([\w-]+)", ref):
            step_id, output = match[1], match[2]
            assert step_id in ids, ref
            (step,) = [step for step in STEPS if step.get("id") == step_id]
            # The script of that step writes the output it is read for.
            script = re.search(r"ci/action/(\w+\.sh)", step["run"])
            assert script, step
            assert f"set_output {output} " in (SCRIPTS / script[1]).read_text(), ref


def test_each_run_step_calls_a_script_of_ci_action_with_its_inputs_in_env() -> None:
    runs = [step for step in STEPS if "run" in step]
    assert [step["id"] for step in runs] == ["install", "run", "summary", "diff", "verdict"]
    for step in runs:
        assert step["shell"] == "bash"
        # No expression inside the shell text: inputs arrive as environment variables, data
        # and not code (GitHub's advice against script injection).
        assert "${{" not in step["run"]
        match = re.fullmatch(r'sh "\$GITHUB_ACTION_PATH/ci/action/(\w+\.sh)"', step["run"])
        assert match, step["run"]
        script = SCRIPTS / match[1]
        assert script.is_file()
        text = script.read_text()
        assert text.startswith("#!/bin/sh\n")
        assert "\nset -eu\n" in text
        assert "set -x" not in text  # would print every expanded command to the log
        checked = subprocess.run(["sh", "-n", str(script)], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
    assert {path.name for path in SCRIPTS.glob("*.sh")} == {
        *(re.findall(r"(\w+\.sh)", step["run"])[0] for step in runs),
        "lib.sh",
    }


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not installed")
def test_the_scripts_pass_shellcheck() -> None:
    scripts = sorted(str(path) for path in SCRIPTS.glob("*.sh"))
    checked = subprocess.run(
        ["shellcheck", "--shell=sh", "--external-sources", *scripts],
        capture_output=True,
        text=True,
        cwd=SCRIPTS,
    )
    assert checked.returncode == 0, checked.stdout


def test_the_key_input_reaches_only_the_run_steps_environment() -> None:
    places = []
    for step in STEPS:
        for key, value in step.get("env", {}).items():
            if "inputs.api-key }}" in str(value):
                places.append((step["id"], key))
        assert "api-key" not in str(step.get("run", ""))
        assert "inputs.api-key " not in str(step.get("with", {}))
    assert places == [("run", "CONFORMANCE_ACTION_API_KEY")]
    assert "inputs.api-key " not in str(ACTION["outputs"])


def test_summary_diff_upload_and_verdict_run_always_and_the_verdict_is_last() -> None:
    always = [step.get("id") or step["uses"] for step in STEPS if step.get("if") == "always()"]
    assert always == ["summary", "diff", "actions/upload-artifact@v6", "verdict"]
    assert STEPS[-1]["id"] == "verdict"
    (upload,) = [step for step in STEPS if step.get("uses", "").startswith("actions/upload")]
    assert upload["with"]["path"] == "${{ inputs.reports-dir }}"
    (setup,) = [step for step in STEPS if step.get("uses", "").startswith("actions/setup-python")]
    assert setup["with"]["python-version"] == "${{ inputs.python-version }}"
    assert setup["if"] == "inputs.install == 'true'"


def test_the_expression_subset_is_evaluated_as_github_does() -> None:
    from composite_action import Context

    context = Context({"install": "True", "x": ""}, {"diff": {"regressions": "true"}}, "/a")
    assert evaluate("inputs.install == 'true'", context) == "true"  # case-insensitive
    assert evaluate("inputs.x || 'false'", context) == "false"
    assert evaluate("steps.diff.outputs.regressions || 'false'", context) == "true"
    assert evaluate("steps.run.outputs.exit-code", context) == ""
    assert evaluate("github.action_path", context) == "/a"
    with pytest.raises(ValueError, match="not understood"):
        evaluate("contains(inputs.x, 'y')", context)


# -- runs against reference routers --------------------------------------------------------------


@pytest.fixture(scope="module")
def compliant(tmp_path_factory: pytest.TempPathFactory) -> tuple[ActionRun, Path]:
    """The action against a compliant router that demands the key, given as the api-key input;
    the baseline it names does not exist yet (a first run, a cache miss)."""
    root = tmp_path_factory.mktemp("compliant")
    with serve_in_thread(api_key=KEY) as url:
        run = run_action(
            _workspace(root),
            {
                **BASE,
                "base-url": url,
                "api-key": KEY,
                "model": "reference-model",
                "profile": "openai-compatible",
                "max-requests": "120",
                "max-time": "300",
                "baseline": "baseline/conformance.json",
            },
            env=_env(),
        )
    return run, root


def test_a_compliant_run_passes_and_writes_every_report(
    compliant: tuple[ActionRun, Path],
) -> None:
    run, root = compliant
    assert not run.failed, run.log
    assert run.outputs == {
        "conformant": "true",
        "strict-conformant": "true",
        "exit-code": "0",
        "report-json": "conformance-reports/conformance.json",
        "regressions": "false",
    }
    reports = _reports(run)
    document = json.loads((reports / "conformance.json").read_text())
    # The inputs reached the command line.
    assert document["seed"] == 3
    assert document["target"]["model"] == "reference-model"
    assert document["target"]["profile"] == "openai-compatible"
    assert 0 < document["summary"]["requests"] <= 120
    assert document["summary"]["conformant"] is True
    # The job summary holds the Markdown report, what the exit code means, and the baseline note.
    page = (reports / "report.html").read_text()
    assert page.lstrip().lower().startswith("<!doctype html>")
    assert "reference-model" in page
    markdown = (reports / "summary.md").read_text()
    assert markdown.startswith("# chat-conformance: CONFORMANT")
    assert markdown in run.summary
    assert "conformance run exited 0: conformant" in run.summary
    assert "no baseline report at baseline/conformance.json yet" in run.summary
    assert "install: false" in run.step("install").stdout
    assert run.step("verdict").outcome == "success"
    # setup-python is skipped with install: false; upload-artifact is not run here.
    assert [s.outcome for s in run.steps if s.id is None] == ["skipped", "skipped"]
    _assert_no_key(run, root)


def test_a_faulty_router_fails_the_job_after_writing_every_report(tmp_path: Path) -> None:
    with serve_in_thread(faults=["no-done"], api_key=KEY) as url:
        run = run_action(
            _workspace(tmp_path),
            {**BASE, "base-url": url, "api-key-env": "ROUTER_KEY", "reports-dir": "out/reports"},
            env=_env(ROUTER_KEY=KEY),
        )
    assert run.failed
    assert run.outputs["exit-code"] == "1"
    assert run.outputs["conformant"] == "false"
    assert run.outputs["regressions"] == "false"
    assert [step.outcome for step in run.steps if step.id] == [
        "success",
        "success",
        "success",
        "success",
        "failure",
    ]
    assert "not conformant: at least one MUST failure" in run.step("verdict").stderr
    reports = _reports(run, "out/reports")
    document = json.loads((reports / "conformance.json").read_text())
    (terminator,) = [r for r in document["results"] if r["check"] == "stream.terminator"]
    assert terminator["status"] == "failed"
    assert "$ROUTER_KEY" in terminator["reproduce"]  # the variable's name, never its value
    assert "# chat-conformance: **NOT CONFORMANT**" in run.summary
    assert "exited 1: not conformant" in run.summary
    _assert_no_key(run, tmp_path)


def test_several_models_are_judged_side_by_side(tmp_path: Path) -> None:
    """Two models named in the model input (one per line), then all-models: the broken one
    fails the job, and every report puts the models side by side."""
    models = {"broken-model": ("no-done",)}
    with serve_in_thread(models=models) as url:
        named = run_action(
            _workspace(tmp_path / "named"),
            {
                **BASE,
                "base-url": url,
                "model": "reference-model\nbroken-model",
                "max-requests": "240",
            },
            env=_env(),
        )
        every = run_action(
            _workspace(tmp_path / "every"),
            {**BASE, "base-url": url, "all-models": "true", "max-requests": "240"},
            env=_env(),
        )
    for run in (named, every):
        assert run.failed
        assert run.outputs["exit-code"] == "1"
        document = json.loads((_reports(run) / "conformance.json").read_text())
        assert document["target"]["models"] == ["reference-model", "broken-model"]
        failed = {(r["model"], r["check"]) for r in document["results"] if r["status"] == "failed"}
        assert failed == {("broken-model", "stream.terminator")}
        assert "## Models" in run.summary
    assert "--model reference-model --model broken-model" in named.step("run").stdout
    assert "--all-models" in every.step("run").stdout


def test_all_models_takes_only_true_or_false(tmp_path: Path) -> None:
    run = run_action(
        _workspace(tmp_path),
        {**BASE, "base-url": "http://127.0.0.1:9/v1", "all-models": "yes"},
        env=_env(),
    )
    assert run.failed
    assert run.outputs["exit-code"] == "2"
    assert "input all-models must be true or false" in run.step("run").stderr


def test_a_regression_against_the_baseline_fails_the_job(
    compliant: tuple[ActionRun, Path], tmp_path: Path
) -> None:
    workspace = _workspace(tmp_path)
    (workspace / "baseline").mkdir()
    good = compliant[0].workspace / "conformance-reports" / "conformance.json"
    shutil.copy(good, workspace / "baseline" / "main.json")
    with serve_in_thread(faults=["no-done"]) as url:
        run = run_action(
            workspace,
            {**BASE, "base-url": url, "baseline": "baseline/main.json"},
            env=_env(),
        )
    assert run.failed
    assert run.outputs["regressions"] == "true"
    assert run.step("diff").outputs["diff-exit-code"] == "1"
    diff = (workspace / "conformance-reports" / "diff.md").read_text()
    assert diff.startswith("## REGRESSED: ")
    assert "| `stream.terminator` | MUST | passed -> failed |" in diff
    assert diff in run.summary
    verdict = run.step("verdict").stderr
    assert "regressed against the baseline baseline/main.json" in verdict
    assert "not conformant" in verdict  # every reason, not only the first


def test_the_same_run_against_its_baseline_passes_under_strict(
    compliant: tuple[ActionRun, Path], tmp_path: Path
) -> None:
    workspace = _workspace(tmp_path)
    good = compliant[0].workspace / "conformance-reports" / "conformance.json"
    shutil.copy(good, workspace / "main.json")
    with serve_in_thread() as url:
        run = run_action(
            workspace,
            {**BASE, "base-url": url, "baseline": "main.json", "strict": "true"},
            env=_env(),
        )
    assert not run.failed, run.log
    assert run.outputs["regressions"] == "false"
    assert run.step("diff").outputs["diff-exit-code"] == "0"
    assert "## no regression" in run.summary
    assert "conformance diff main.json conformance-reports/conformance.json" in run.log
    assert "--strict" in run.step("diff").stdout


def test_a_baseline_that_is_not_a_report_fails_the_job(
    reference_url: Callable[[str], str], tmp_path: Path
) -> None:
    workspace = _workspace(tmp_path)
    (workspace / "main.json").write_text('{"results": []}')
    run = run_action(
        workspace,
        {**BASE, "base-url": reference_url("openai-compatible"), "baseline": "main.json"},
        env=_env(),
    )
    assert run.outputs["exit-code"] == "0"
    assert run.outputs["regressions"] == "false"
    assert run.step("diff").outputs["diff-exit-code"] == "2"
    assert run.failed
    assert "main.json could not be compared (conformance diff exited 2)" in run.log


def test_strict_fails_a_run_with_only_should_findings(tmp_path: Path) -> None:
    with serve_in_thread(faults=["role-every-delta"]) as url:
        lenient = run_action(
            _workspace(tmp_path / "a"), {**BASE, "base-url": url, "html": "false"}, env=_env()
        )
        strict = run_action(
            _workspace(tmp_path / "b"), {**BASE, "base-url": url, "strict": "true"}, env=_env()
        )
    for run in (lenient, strict):
        assert run.outputs["exit-code"] == "0"
        assert run.outputs["conformant"] == "true"
        assert run.outputs["strict-conformant"] == "false"
    assert not lenient.failed, lenient.log
    assert not (lenient.workspace / "conformance-reports" / "report.html").exists()  # html: false
    assert (strict.workspace / "conformance-reports" / "report.html").is_file()
    assert strict.failed
    assert "SHOULD failures" in strict.step("verdict").stderr


def test_an_unreachable_url_exits_3_and_still_reports(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/v1"
        run = run_action(
            _workspace(tmp_path),
            {**BASE, "base-url": url, "model": "m", "api-key": KEY, "baseline": "none.json"},
            env=_env(),
        )
    assert run.failed
    assert run.outputs["exit-code"] == "3"
    assert run.outputs["conformant"] == "false"
    reports = _reports(run)
    summary = json.loads((reports / "conformance.json").read_text())["summary"]
    assert summary["complete"] is False
    assert summary["stopped"] == "unreachable"
    assert (reports / "summary.md").read_text() in run.summary
    assert "exited 3: the run could not be completed" in run.summary
    assert "could not be completed (exit code 3)" in run.step("verdict").stderr
    _assert_no_key(run, tmp_path)


@pytest.mark.parametrize(
    ("inputs", "env", "message"),
    [
        (
            {"api-key": KEY, "api-key-env": "ROUTER_KEY"},
            {"ROUTER_KEY": KEY},
            "give the key one way",
        ),
        ({"api-key-env": KEY}, {}, "must be the NAME of an environment variable"),
        ({"api-key-env": "ROUTER_KEY"}, {}, "the variable is not set"),
        ({"html": "maybe", "api-key": KEY}, {}, "input html must be true or false"),
    ],
    ids=["key-twice", "key-as-name", "unset-variable", "bad-yes-no"],
)
def test_refused_inputs_fail_with_exit_2_and_never_show_the_key(
    inputs: dict[str, str], env: dict[str, str], message: str, tmp_path: Path
) -> None:
    run = run_action(
        _workspace(tmp_path),
        {**BASE, "base-url": "http://127.0.0.1:9/v1", **inputs},
        env=_env(**env),
    )
    assert run.failed
    assert run.outputs["exit-code"] == "2"
    assert run.outputs["report-json"] == ""
    assert message in run.log
    assert "The run wrote no Markdown report." in run.summary
    assert "usage or configuration error (exit code 2)" in run.step("verdict").stderr
    assert KEY not in run.log
    assert KEY not in run.summary
    for path in tmp_path.rglob("*"):
        assert not path.is_file() or KEY.encode() not in path.read_bytes()


def _bin(folder: Path, tools: dict[str, str]) -> str:
    """A PATH of one folder: the named tools of this machine, linked, and scripts given as text."""
    folder.mkdir()
    for name in ("bash", "sh", "od", "tr", "dirname", "cat", "wc", "head", "mkdir"):
        found = shutil.which(name)
        assert found, name
        (folder / name).symlink_to(found)
    for name, text in tools.items():
        (folder / name).write_text(text)
        (folder / name).chmod(0o755)
    return str(folder)


def test_without_the_suite_the_install_step_fails_and_the_always_steps_say_so(
    tmp_path: Path,
) -> None:
    run = run_action(
        _workspace(tmp_path),
        {**BASE, "base-url": "http://127.0.0.1:9/v1", "baseline": "none.json"},
        env=_env(PATH=_bin(tmp_path / "bin", {})),
    )
    assert run.step("install").outcome == "failure"
    assert "no conformance command on PATH" in run.step("install").stderr
    assert run.step("run").outcome == "skipped"
    assert "the suite did not run" in run.summary
    assert run.step("verdict").outcome == "failure"
    assert "the suite did not run" in run.step("verdict").stderr
    assert run.outputs["exit-code"] == ""
    assert run.outputs["regressions"] == "false"


RECORDER: Final = """#!/bin/sh
printf '%s\\n' "$*" >> "$CALLS"
"""


@pytest.mark.parametrize(
    ("source", "installed"),
    [("", str(ROOT)), ("chat-conformance==0.1.0", "chat-conformance==0.1.0")],
    ids=["the-action-checkout", "a-pip-requirement"],
)
def test_the_install_step_pip_installs_the_source(
    source: str, installed: str, tmp_path: Path
) -> None:
    """pip itself is not run here (it would need the network): a stand-in python records the
    command the step gives it, and a stand-in conformance answers --version."""
    calls = tmp_path / "calls"
    path = _bin(tmp_path / "bin", {"python": RECORDER, "conformance": RECORDER})
    (step,) = _steps_running("install.sh")
    done = subprocess.run(
        ["sh", str(SCRIPTS / "install.sh")],
        env={
            "PATH": path,
            "CALLS": str(calls),
            "GITHUB_ACTION_PATH": str(ROOT),
            "INPUT_INSTALL": "true",
            "INPUT_SOURCE": source,
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert set(step["env"]) == {"INPUT_INSTALL", "INPUT_SOURCE"}
    assert calls.read_text().splitlines() == [
        f"-m pip install --disable-pip-version-check --quiet {installed}",
        "--version",
    ]


# -- the examples of docs/ci.md and the README -----------------------------------------------------

DOCS: Final = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
BLOCKS: Final = re.findall(r"```(\w+)\n(.*?)```", DOCS, re.DOTALL)
README_SECTION: Final = (
    (ROOT / "README.md").read_text(encoding="utf-8").split("## In CI (GitHub Actions)")[1]
)


def _uses_of_the_action(document: object) -> list[dict[str, Any]]:
    """Every step of a workflow (or a list of steps) that uses this action."""
    if isinstance(document, dict):
        if str(document.get("uses", "")).startswith("OWNER/chat-conformance@"):
            return [document]
        return [step for value in document.values() for step in _uses_of_the_action(value)]
    if isinstance(document, list):
        return [step for item in document for step in _uses_of_the_action(item)]
    return []


def test_the_examples_give_the_action_only_its_inputs_and_read_only_its_outputs() -> None:
    blocks = [yaml.safe_load(text) for kind, text in BLOCKS if kind == "yaml"]
    readme = re.findall(r"```yaml\n(.*?)```", README_SECTION, re.DOTALL)
    blocks += [yaml.safe_load(text) for text in readme]
    steps = [step for block in blocks for step in _uses_of_the_action(block)]
    assert len(steps) == 3  # the workflow, the api-key-env variant, the README's
    for step in steps:
        assert set(step["with"]) <= set(ACTION["inputs"])
        assert "base-url" in step["with"]
        # The key comes from a secret, and only into api-key or an env entry.
        for name, value in {**step["with"], **step.get("env", {})}.items():
            if "secrets.ROUTER_API_KEY" in str(value):
                assert name in ("api-key", "ROUTER_API_KEY"), name
                assert value == "${{ secrets.ROUTER_API_KEY }}"
            if name == "api-key-env":
                assert value in step.get("env", {})
    workflow = blocks[0]
    read = re.findall(r"steps\.conformance\.outputs\.([\w-]+)", json.dumps(workflow))
    assert read
    assert set(read) <= set(ACTION["outputs"])
    job = workflow["jobs"]["conformance"]
    assert set(workflow[True]) == {"push", "schedule", "workflow_dispatch"}  # YAML 1.1: on
    cached = [step for step in job["steps"] if "actions/cache" in step.get("uses", "")]
    assert [step["uses"] for step in cached] == [
        "actions/cache/restore@v5",
        "actions/cache/save@v5",
    ]
    restore, save = cached
    assert save["with"]["key"].startswith(restore["with"]["restore-keys"])
    assert restore["with"]["path"] == save["with"]["path"] == "baseline"
    (action_step,) = _uses_of_the_action(workflow)
    assert action_step["with"]["baseline"].startswith("baseline/")


def test_the_plain_shell_job_gates_on_the_run_and_on_the_baseline(tmp_path: Path) -> None:
    (script,) = [text for kind, text in BLOCKS if kind == "sh"]

    def shell(url: str) -> subprocess.CompletedProcess[str]:
        path = os.pathsep.join((str(Path(sys.executable).parent), os.environ["PATH"]))
        return subprocess.run(
            ["sh", "-eu", "-c", script],
            cwd=tmp_path,
            env={
                **os.environ,
                **_env(ROUTER_BASE_URL=url, ROUTER_API_KEY=KEY),
                "PATH": path,
            },
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    with serve_in_thread(api_key=KEY) as url:
        good = shell(url)
    assert good.returncode == 0, good.stdout[-2000:] + good.stderr[-2000:]
    assert "conformance run exited 0, conformance diff exited 0" in good.stdout
    reports = tmp_path / "conformance-reports"
    assert sorted(p.name for p in reports.iterdir()) == sorted(REPORTS)
    (tmp_path / "baseline").mkdir()
    shutil.copy(reports / "conformance.json", tmp_path / "baseline" / "conformance.json")
    with serve_in_thread(faults=["no-done"], api_key=KEY) as url:
        bad = shell(url)
    assert bad.returncode != 0
    assert "conformance run exited 1, conformance diff exited 1" in bad.stdout
    assert (reports / "diff.txt").read_text().startswith("REGRESSED: ")
    assert KEY not in good.stdout + good.stderr + bad.stdout + bad.stderr
    for path in tmp_path.rglob("*"):
        assert not path.is_file() or KEY.encode() not in path.read_bytes()


def test_the_gitlab_job_runs_the_script_and_keeps_its_reports() -> None:
    (gitlab,) = [yaml.safe_load(text) for kind, text in BLOCKS if kind == "yaml"][2:]
    job = gitlab["conformance"]
    assert "sh ci/conformance.sh" in job["script"]
    # The baseline is replaced only after the script passed (a failing line ends the job).
    assert job["script"].index("sh ci/conformance.sh") < len(job["script"]) - 1
    assert job["artifacts"]["when"] == "always"
    assert job["artifacts"]["reports"]["junit"] == "conformance-reports/junit.xml"
    assert job["cache"]["paths"] == ["baseline/"]
