"""The built wheel carries the schemas and registers the pytest plugin, and the installed package
finds its schemas."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent

PROBE = """
import sys, conformance, conformance.contract._schema_store as s, conformance.contract as c
from conformance.checks import REGISTRY
assert conformance.__file__.startswith(sys.argv[1]), conformance.__file__
assert str(s.schema_dir()).startswith(sys.argv[1]), s.schema_dir()
for name in s.schema_names():
    c.validator(name)
print(len(s.schema_names()), c.load_profile().id, len(REGISTRY))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (ROOT / "pyproject.toml").is_file():
        pytest.skip("not run from a source checkout")
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "--target", "wheel", "--directory", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("*.whl")
    return built


def test_wheel_contains_schemas(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    schemas = {Path(n).name for n in names if n.startswith("conformance/schemas/")}
    expected = {p.name for p in (ROOT / "schemas").rglob("*") if p.is_file()}
    assert expected <= schemas


def test_installed_wheel_finds_its_schemas(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
    )
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(target)],
        cwd=tmp_path,  # away from the checkout, so only the installed copy can be imported
        env={"PYTHONPATH": str(target), "PATH": ""},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    count, profile, checks = done.stdout.split()
    assert int(count) >= 5
    assert profile == "openai-compatible"
    assert int(checks) >= 30


def test_the_wheel_registers_the_pytest_plugin(wheel: Path) -> None:
    """pytest finds plugins by the entry point group ``pytest11``."""
    archive = zipfile.ZipFile(wheel)
    (points,) = [n for n in archive.namelist() if n.endswith(".dist-info/entry_points.txt")]
    text = archive.read(points).decode()
    assert "[pytest11]\nconformance = conformance.pytest_plugin\n" in text
