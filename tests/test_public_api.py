"""The public surface is stated once: a sorted, complete __all__, each name loaded on first use."""

from __future__ import annotations

import subprocess
import sys
from types import ModuleType

import pytest

import conformance


def test_all_is_sorted_case_insensitively() -> None:
    assert conformance.__all__ == sorted(conformance.__all__, key=str.casefold)


@pytest.mark.parametrize("name", conformance.__all__)
def test_each_public_name_resolves_to_a_value(name: str) -> None:
    value = getattr(conformance, name)
    assert not isinstance(value, ModuleType)
    assert getattr(value, "__module__", "conformance").startswith("conformance")


def test_all_is_complete() -> None:
    """What the package offers (bound now, or on first use) is what __all__ lists."""
    for name in conformance.__all__:
        getattr(conformance, name)
    public = {
        name
        for name, value in vars(conformance).items()
        if not name.startswith("_") and not isinstance(value, ModuleType)
    }
    assert public - {"annotations", "import_module", "TYPE_CHECKING"} == set(conformance.__all__)
    assert set(conformance.__all__) <= set(dir(conformance))


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Verdict'"):
        conformance.Verdict  # noqa: B018


def test_importing_the_package_loads_none_of_its_layers() -> None:
    """The pytest plugin imports the package in every run of a repo that has it installed."""
    code = (
        "import sys, conformance; "
        "print(sorted(m for m in sys.modules if m.startswith('conformance.')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "['conformance._lazy']"  # the loader of the names, no layer
