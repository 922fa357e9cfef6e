"""Runs the steps of the repository's composite action (``action.yml``) on this machine the way a
GitHub runner does, for tests/test_action.py.

What the runner does, and so this does, for each step in order
(https://docs.github.com/en/actions/reference/workflows-and-actions/metadata-syntax#runs-for-composite-actions):

* evaluates its ``if:``; a condition without a status function means ``success() && …``, so a
  step without ``always()`` is skipped once an earlier step failed
  (https://docs.github.com/en/actions/reference/workflows-and-actions/expressions#status-check-functions);
* evaluates the ``${{ … }}`` expressions of its ``env:`` (``inputs.*``, ``steps.<id>.outputs.*``);
* runs a ``run:`` step as ``bash --noprofile --norc -eo pipefail FILE`` (``shell: bash``) in the
  workspace, with fresh ``GITHUB_OUTPUT`` and ``GITHUB_STEP_SUMMARY`` files, and reads the
  outputs the step wrote;
* a ``uses:`` step (setup-python, upload-artifact) is another action and is not run here: it is
  recorded as skipped.

Only the small expression language ``action.yml`` uses is understood; anything else raises, so
the action cannot drift into expressions these tests do not run.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

import yaml

ROOT: Final = Path(__file__).parents[1]
ACTION_FILE: Final = ROOT / "action.yml"

EXPRESSION: Final = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
# GitHub's documented bash invocation for `shell: bash`:
# https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#jobsjob_idstepsshell
BASH: Final = ("bash", "--noprofile", "--norc", "-eo", "pipefail")


def load_action() -> dict[str, Any]:
    """``action.yml`` as data."""
    document: dict[str, Any] = yaml.safe_load(ACTION_FILE.read_text(encoding="utf-8"))
    return document


@dataclass(frozen=True)
class Context:
    """What an expression of a composite action's step can read."""

    inputs: Mapping[str, str]
    steps: Mapping[str, Mapping[str, str]]
    action_path: str

    def lookup(self, reference: str) -> str:
        """The value of ``inputs.NAME``, ``steps.ID.outputs.NAME`` or ``github.action_path``;
        an output a step did not set is empty, as on GitHub."""
        if match := re.fullmatch(r"inputs\.([\w-]+)", reference):
            return self.inputs[match[1]]
        if match := re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", reference):
            return self.steps.get(match[1], {}).get(match[2], "")
        if reference == "github.action_path":
            return self.action_path
        raise ValueError(f"expression not understood by these tests: {reference!r}")


def evaluate(expression: str, context: Context) -> str:
    """One expression of the subset ``action.yml`` uses: a reference, ``REF || 'literal'``,
    ``REF == 'literal'`` (case-insensitive, as GitHub compares strings) or ``always()``."""
    expression = expression.strip()
    if expression == "always()":
        return "true"
    if match := re.fullmatch(r"(\S+)\s*\|\|\s*'([^']*)'", expression):
        return context.lookup(match[1]) or match[2]
    if match := re.fullmatch(r"(\S+)\s*==\s*'([^']*)'", expression):
        return str(context.lookup(match[1]).lower() == match[2].lower()).lower()
    return context.lookup(expression)


def substitute(text: str, context: Context) -> str:
    """A value with its ``${{ … }}`` expressions replaced by what they evaluate to."""
    return EXPRESSION.sub(lambda match: evaluate(match[1], context), text)


def _wanted(condition: str, context: Context, done: list[StepRun]) -> bool:
    """Whether a step runs: ``always()``; ``success()`` (no step failed yet); any other
    condition is ``success() && condition``."""
    if condition == "always()":
        return True
    succeeded = all(step.outcome != "failure" for step in done)
    return succeeded and (condition == "success()" or evaluate(condition, context) == "true")


def read_outputs(path: Path) -> dict[str, str]:
    """A step's ``GITHUB_OUTPUT`` file: ``name=value`` lines and ``name<<DELIMITER`` blocks
    (https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands#multiline-strings)."""
    outputs: dict[str, str] = {}
    lines = iter(path.read_text(encoding="utf-8").splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            value: list[str] = []
            for item in lines:
                if item == delimiter:
                    break
                value.append(item)
            else:
                raise ValueError(f"output {name!r}: no closing {delimiter!r}")
            outputs[name] = "\n".join(value)
        elif line:
            name, value_text = line.split("=", 1)
            outputs[name] = value_text
    return outputs


@dataclass(frozen=True)
class StepRun:
    """What one step did."""

    name: str
    id: str | None
    outcome: Literal["success", "failure", "skipped"]
    outputs: Mapping[str, str] = field(default_factory=dict)
    summary: str = ""
    stdout: str = ""
    stderr: str = ""


@dataclass(frozen=True)
class ActionRun:
    """What the whole action did: its steps, its outputs, the workspace it wrote into."""

    steps: tuple[StepRun, ...]
    outputs: Mapping[str, str]
    workspace: Path

    @property
    def failed(self) -> bool:
        """The job fails when a step fails."""
        return any(step.outcome == "failure" for step in self.steps)

    @property
    def summary(self) -> str:
        """The job summary: the step summaries in order."""
        return "".join(step.summary for step in self.steps)

    @property
    def log(self) -> str:
        """Everything the steps printed."""
        return "".join(step.stdout + step.stderr for step in self.steps)

    def step(self, step_id: str) -> StepRun:
        """The step of that id."""
        (found,) = [step for step in self.steps if step.id == step_id]
        return found


def run_action(
    workspace: Path,
    inputs: Mapping[str, str],
    *,
    env: Mapping[str, str] | None = None,
) -> ActionRun:
    """Run ``action.yml`` with ``inputs`` (its ``with:``) in ``workspace``; ``env`` is what the
    workflow sets on the step that uses the action (the key's variable, for instance)."""
    action = load_action()
    declared: dict[str, dict[str, Any]] = action["inputs"]
    unknown = set(inputs) - set(declared)
    if unknown:
        raise ValueError(f"not inputs of the action: {sorted(unknown)}")
    values = {name: str(spec.get("default", "")) for name, spec in declared.items()}
    values.update(inputs)
    missing = [name for name, spec in declared.items() if spec.get("required") and not values[name]]
    if missing:
        raise ValueError(f"required inputs not given: {missing}")

    runner_temp = workspace.parent / f"{workspace.name}-runner"
    runner_temp.mkdir(parents=True, exist_ok=True)
    outputs: dict[str, dict[str, str]] = {}
    done: list[StepRun] = []
    # The job's environment: this machine's, this interpreter's tools first (the `conformance`
    # command that setup-python and pip would have put there), and the workflow's env.
    path = os.pathsep.join((str(Path(sys.executable).parent), os.environ["PATH"]))
    base_env = {**os.environ, "PATH": path, **(env or {})}

    for index, step in enumerate(action["runs"]["steps"]):
        context = Context(values, outputs, str(ROOT))
        name, step_id = step.get("name", f"step {index}"), step.get("id")
        if not _wanted(str(step.get("if", "success()")), context, done):
            done.append(StepRun(name, step_id, "skipped"))
            continue
        if "uses" in step:
            done.append(StepRun(name, step_id, "skipped", stdout=f"(uses {step['uses']})\n"))
            continue

        output_file = runner_temp / f"output-{index}"
        summary_file = runner_temp / f"summary-{index}"
        script_file = runner_temp / f"step-{index}.sh"
        for file in (output_file, summary_file):
            file.write_text("", encoding="utf-8")
        script_file.write_text(step["run"], encoding="utf-8")
        step_env = {key: substitute(str(value), context) for key, value in step["env"].items()}
        done_process = subprocess.run(
            [*BASH, str(script_file)],
            cwd=workspace,
            env={
                **base_env,
                **step_env,
                "GITHUB_OUTPUT": str(output_file),
                "GITHUB_STEP_SUMMARY": str(summary_file),
                "GITHUB_ACTION_PATH": str(ROOT),
                "GITHUB_WORKSPACE": str(workspace),
                "RUNNER_TEMP": str(runner_temp),
            },
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        step_outputs = read_outputs(output_file)
        if step_id:
            outputs[step_id] = step_outputs
        done.append(
            StepRun(
                name,
                step_id,
                "success" if done_process.returncode == 0 else "failure",
                step_outputs,
                summary_file.read_text(encoding="utf-8"),
                done_process.stdout,
                done_process.stderr,
            )
        )

    context = Context(values, outputs, str(ROOT))
    action_outputs = {
        name: substitute(str(spec["value"]), context) for name, spec in action["outputs"].items()
    }
    return ActionRun(tuple(done), action_outputs, workspace)
