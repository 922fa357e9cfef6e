"""The public surface is stated once: a sorted, complete __all__."""

from __future__ import annotations

import subprocess
import sys
from types import ModuleType

import conformance
import conformance.generate

#: Names the facade loads on first use (they need Hypothesis).
LAZY = {"InvalidRequest", "invalid_requests", "valid_requests"}


def test_all_is_sorted_case_insensitively() -> None:
    assert conformance.__all__ == sorted(conformance.__all__, key=str.casefold)


def test_all_is_complete() -> None:
    public = {
        name
        for name, value in vars(conformance).items()
        if not name.startswith("_") and not isinstance(value, ModuleType)
    }
    assert (public | LAZY) - {"annotations"} == set(conformance.__all__)


def test_the_lazy_names_are_the_generators_and_in_dir() -> None:
    for name in LAZY:
        assert getattr(conformance, name) is getattr(conformance.generate, name)
        assert name in dir(conformance)


def test_an_unknown_name_is_an_attribute_error() -> None:
    assert not hasattr(conformance, "no_such_name")


def test_importing_the_facade_does_not_import_hypothesis() -> None:
    probe = (
        "import sys\n"
        "import conformance\n"
        "before = 'hypothesis' in sys.modules\n"
        "conformance.valid_requests\n"
        "print(before, 'hypothesis' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["False", "True"]
