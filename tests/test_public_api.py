"""The public surface is stated once: a sorted, complete __all__."""

from __future__ import annotations

from types import ModuleType

import conformance


def test_all_is_sorted_case_insensitively() -> None:
    assert conformance.__all__ == sorted(conformance.__all__, key=str.casefold)


def test_all_is_complete() -> None:
    public = {
        name
        for name, value in vars(conformance).items()
        if not name.startswith("_") and not isinstance(value, ModuleType)
    }
    assert public - {"annotations"} == set(conformance.__all__)
