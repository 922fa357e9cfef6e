"""The public surface is stated once: a sorted, complete __all__."""

from __future__ import annotations

import conformance


def test_all_is_sorted_case_insensitively() -> None:
    assert conformance.__all__ == sorted(conformance.__all__, key=str.casefold)


def test_all_is_complete() -> None:
    public = {name for name in vars(conformance) if not name.startswith("_")}
    submodules = {"checks", "cli", "annotations"}
    assert public - submodules == set(conformance.__all__)
